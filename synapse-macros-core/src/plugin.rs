//! The `synapse::plugin!(...)` argument grammar: a plugin's display name, category and
//! description (its code and version come from `Cargo.toml`).

use crate::errors::{Errors, unknown_message};
use crate::vocabulary::{CATEGORIES, Term, idents, lookup};
use proc_macro2::TokenStream;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};

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
        let parser = |input: ParseStream| {
            while !input.is_empty() {
                let key = input.call(syn::Ident::parse_any)?;
                input.parse::<syn::Token![=]>()?;
                match key.to_string().as_str() {
                    "name" => args.name = Some(input.parse()?),
                    "description" => args.description = Some(input.parse()?),
                    "crate" => args.krate = Some(input.call(syn::Path::parse_mod_style)?),
                    "category" => {
                        let path: syn::Path = input.parse()?;
                        let word = path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
                        match lookup(CATEGORIES, &word) {
                            Some(term) => args.category = Some(term),
                            None => {
                                errors.error_spanned(&path, unknown_message("category", &word, &idents(CATEGORIES)))
                            }
                        }
                    }
                    other => {
                        errors.error_spanned(&key, unknown_message("`plugin!` argument", other, PLUGIN_KEYS));
                        let _ = input.parse::<syn::Expr>();
                    }
                }
                if !input.is_empty() {
                    input.parse::<syn::Token![,]>()?;
                }
            }
            Ok(())
        };
        if let Err(error) = parser.parse2(tokens) {
            errors.push(error);
        }
        args
    }
}
