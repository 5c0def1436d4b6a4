//! The `synapse::plugin!(...)` argument grammar: a plugin's display name, category and
//! description (its code and version come from `Cargo.toml`).

use crate::args::parse_args;
use crate::errors::Errors;
use crate::vocabulary::{CATEGORIES, Term};
use proc_macro2::TokenStream;

/// The keys `plugin!(...)` accepts.
pub const PLUGIN_KEYS: &[&str] = &["name", "category", "description", "crate"];

/// The parsed arguments of `plugin!(...)`.
#[derive(Default)]
pub struct PluginArgs {
    /// `name = "Display Name"`.
    pub name: Option<syn::LitStr>,
    /// `category = NeuralNet`.
    pub category: Option<Term>,
    /// `description = "…"`.
    pub description: Option<syn::LitStr>,
    /// `crate = path::to::synapse`.
    pub krate: Option<syn::Path>,
}

impl PluginArgs {
    /// Parses `key = value, …`, recording every problem in `errors`.
    pub fn parse(tokens: TokenStream, errors: &mut Errors) -> Self {
        let mut args = PluginArgs::default();
        parse_args(tokens, "`plugin!` argument", PLUGIN_KEYS, errors, |arg, errors| {
            match arg.key.to_string().as_str() {
                "name" => args.name = arg.lit_str("name = \"My Plugin\"", errors),
                "description" => args.description = arg.lit_str("description = \"…\"", errors),
                "category" => args.category = arg.term(CATEGORIES, "category", errors).map(|c| c.term),
                "crate" => args.krate = arg.path(errors),
                _ => {}
            }
        });
        args
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn parses_and_reports_every_problem() {
        let mut errors = Errors::new();
        let args = PluginArgs::parse(quote!(name = "Acme", category = neural_net, description = "d"), &mut errors);
        assert!(errors.is_empty());
        assert_eq!(args.name.map(|n| n.value()).as_deref(), Some("Acme"));
        assert_eq!(args.category.map(|c| c.ident), Some("NeuralNet"));

        let mut errors = Errors::new();
        PluginArgs::parse(quote!(name = Acme, categroy = Custom, description = "a", description = "b"), &mut errors);
        let errors: Vec<String> = errors.finish().unwrap_err().into_iter().map(|e| e.to_string()).collect();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert_eq!(errors[0], "`name` expects a string literal, like `name = \"My Plugin\"`");
        assert!(errors[1].starts_with("unknown `plugin!` argument `categroy`; did you mean `category`?"));
        assert_eq!(errors[2], "`description` is specified more than once");
    }
}
