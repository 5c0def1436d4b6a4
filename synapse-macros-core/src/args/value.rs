//! What an argument's value means: the [`Arg`] helpers a model calls to read a string literal,
//! a type, a path, an expression, a flag, a nested list or a vocabulary term.
//!
//! Each helper records a problem at the value's tokens, with an example of the expected form,
//! and returns `None`, so the model goes on without that argument.

use super::{Arg, ArgValue};
use crate::errors::{Errors, unknown_message};
use crate::names::check_name;
use crate::vocabulary::{Term, idents, lookup};
use proc_macro2::{Group, Span, TokenStream};
use quote::ToTokens;
use syn::parse::Parser;
use syn::spanned::Spanned;

/// A vocabulary term with the span it was written at.
#[derive(Clone, Debug)]
pub struct SpannedTerm {
    /// The term.
    pub term: Term,
    /// Where the user wrote it.
    pub span: Span,
}

impl Arg {
    /// The tokens after `=`; a bare key or a list is reported as missing its value, shown as
    /// `example`.
    pub fn value(&self, errors: &Errors, example: &str) -> Option<&TokenStream> {
        match &self.value {
            ArgValue::Assigned { value, .. } => Some(value),
            ArgValue::Bare | ArgValue::List(_) => {
                errors.error_spanned(&self.key, format!("`{}` needs a value, like `{example}`", self.key));
                None
            }
        }
    }

    /// True for a bare key; a key given a value is reported at what to delete, saying how to
    /// write it (`usage` completes "`key` takes no value: …").
    pub fn flag(&self, errors: &Errors, usage: &str) -> bool {
        let value = match &self.value {
            ArgValue::Bare => return true,
            ArgValue::Assigned { eq, value } => quote::quote!(#eq #value),
            ArgValue::List(group) => group.to_token_stream(),
        };
        errors.error_spanned(value, format!("`{}` takes no value: {usage}", self.key));
        false
    }

    /// The parenthesized list after the key (`range(min = 1)`); anything else is reported with
    /// `message`.
    pub fn list(&self, errors: &Errors, message: &str) -> Option<&Group> {
        match &self.value {
            ArgValue::List(group) => Some(group),
            _ => {
                errors.error_spanned(&self.key, message);
                None
            }
        }
    }

    /// The value as a string literal (`example` shows the expected form).
    pub fn lit_str(&self, errors: &Errors, example: &str) -> Option<syn::LitStr> {
        self.parse_value(errors, example, "a string literal", syn::parse2)
    }

    /// The value as a string literal holding a valid name (see [`check_name`]); `what` says
    /// whose name it is in messages (`action`).
    pub fn name(&self, errors: &Errors, what: &str, example: &str) -> Option<syn::LitStr> {
        let lit = self.lit_str(errors, example)?;
        match check_name(&lit.value()) {
            Ok(()) => Some(lit),
            Err(problem) => {
                errors.error_spanned(&lit, format!("invalid {what} name: {problem}"));
                None
            }
        }
    }

    /// The value as a type; `expected` says what it should be (`a type`), `example` how to
    /// write it.
    pub fn ty(&self, errors: &Errors, expected: &str, example: &str) -> Option<syn::Type> {
        self.parse_value(errors, example, expected, syn::parse2)
    }

    /// The value as an expression.
    pub fn expr(&self, errors: &Errors, example: &str) -> Option<syn::Expr> {
        self.parse_value(errors, example, "an expression", syn::parse2)
    }

    /// The value as a path, for `crate = ::synapse`.
    pub fn path(&self, errors: &Errors) -> Option<syn::Path> {
        let example = format!("{} = ::synapse", self.key);
        self.parse_value(errors, &example, "a path", |tokens| syn::Path::parse_mod_style.parse2(tokens))
    }

    fn parse_value<T>(
        &self,
        errors: &Errors,
        example: &str,
        expected: &str,
        parse: impl FnOnce(TokenStream) -> syn::Result<T>,
    ) -> Option<T> {
        let value = self.value(errors, example)?;
        match parse(value.clone()) {
            Ok(parsed) => Some(parsed),
            Err(_) => {
                errors.error_spanned(value, format!("`{}` expects {expected}, like `{example}`", self.key));
                None
            }
        }
    }

    /// The value as one of `terms`, written as a variant (`NeuralNet`, `Category::NeuralNet`) or
    /// a string (`"neural_net"`); `what` names the vocabulary in messages (`category`).
    pub fn term(&self, errors: &Errors, terms: &'static [Term], what: &str) -> Option<SpannedTerm> {
        let valid = idents(terms);
        let example = format!("{} = {}", self.key, valid.first().copied().unwrap_or("…"));
        let value = self.value(errors, &example)?;
        let (word, at) = if let Ok(lit) = syn::parse2::<syn::LitStr>(value.clone()) {
            (lit.value(), lit.to_token_stream())
        } else if let Ok(path) = syn::parse2::<syn::Path>(value.clone())
            && let Some(last) = path.segments.last()
            && path.segments.iter().all(|segment| segment.arguments.is_none())
        {
            (last.ident.to_string(), last.ident.to_token_stream())
        } else {
            errors.error_spanned(value, format!("`{}` expects a {what}, one of: {}", self.key, valid.join(", ")));
            return None;
        };
        match lookup(terms, &word) {
            Some(term) => Some(SpannedTerm { term, span: value.span() }),
            None => {
                errors.error_spanned(at, unknown_message(what, &word, &valid));
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::Grammar;
    use crate::symbol::Symbol;
    use crate::vocabulary::CATEGORIES;
    use quote::quote;

    #[test]
    fn interprets_values() {
        const KEYS: Grammar = Grammar::new(
            "argument",
            &[Symbol("s"), Symbol("t"), Symbol("c"), Symbol("d"), Symbol("e"), Symbol("f"), Symbol("g")],
        );
        let errors = Errors::new();
        let mut found = Vec::new();
        KEYS.read(
            &errors,
            quote!(s = 3, t = "x", c = Category::SmartTool, d = "neural_net", e = Training, f, g = 1),
            |arg| match arg.key.to_string().as_str() {
                "s" | "t" | "f" => found.push(arg.lit_str(&errors, "s = \"…\"").map(|lit| lit.value())),
                "g" => found.push(arg.flag(&errors, "write `g` alone").then(String::new)),
                _ => found.push(arg.term(&errors, CATEGORIES, "category").map(|t| t.term.value.to_owned())),
            },
        );
        assert_eq!(
            found,
            [None, Some("x".into()), Some("smart_tool".into()), Some("neural_net".into()), None, None, None]
        );
        let errors = crate::errors::messages(errors);
        assert_eq!(errors[0], "`s` expects a string literal, like `s = \"…\"`");
        assert!(errors[1].starts_with("unknown category `Training`\nvalid categories are: NeuralNet,"));
        assert_eq!(errors[2], "`f` needs a value, like `s = \"…\"`");
        assert_eq!(errors[3], "`g` takes no value: write `g` alone");
    }
}
