//! Layer: model (reader → **model** → check → expand). The model of `synapse::plugin!(...)`: a plugin's display name, category and description
//! (its code and version come from `Cargo.toml`). It has no rules beyond its arguments.
//!
//! ```text
//! synapse::plugin!(name = "My Plugin", category = NeuralNet, description = "…", crate = ::synapse);
//! ```

use crate::errors::Errors;
use crate::symbol::{CATEGORY, CRATE, DESCRIPTION, NAME, PLUGIN_ARGS};
use crate::vocabulary::{CATEGORIES, Term};
use proc_macro2::TokenStream;

/// The parsed arguments of `plugin!(...)` (a wrong one is left out).
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
    ///
    /// ```
    /// use synapse_macros_core::{Errors, plugin::PluginArgs};
    /// let errors = Errors::new();
    /// let args = PluginArgs::parse(&errors, quote::quote!(name = "Acme", category = SmartTool));
    /// errors.check().unwrap();
    /// assert_eq!(args.category.map(|term| term.value), Some("smart_tool"));
    /// ```
    pub fn parse(errors: &Errors, tokens: TokenStream) -> Self {
        let mut args = PluginArgs::default();
        PLUGIN_ARGS.read(errors, tokens, |arg| match arg.symbol {
            NAME => args.name = arg.lit_str(errors, "name = \"My Plugin\""),
            DESCRIPTION => args.description = arg.lit_str(errors, "description = \"…\""),
            CATEGORY => args.category = arg.term(errors, CATEGORIES, "category").map(|c| c.term),
            CRATE => args.krate = arg.path(errors),
            _ => {}
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
        let errors = Errors::new();
        let args = PluginArgs::parse(&errors, quote!(name = "Acme", category = neural_net, description = "d"));
        assert!(errors.check().is_ok());
        assert_eq!(args.name.map(|n| n.value()).as_deref(), Some("Acme"));
        assert_eq!(args.category.map(|c| c.ident), Some("NeuralNet"));

        let errors = Errors::new();
        PluginArgs::parse(&errors, quote!(name = Acme, categroy = Custom, description = "a", description = "b"));
        let errors = crate::errors::messages(errors);
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert_eq!(errors[0], "`name` expects a string literal, like `name = \"My Plugin\"`");
        assert!(errors[1].starts_with("unknown `plugin!` argument `categroy`; did you mean `category`?"));
        assert_eq!(errors[2], "`description` is specified more than once");
    }
}
