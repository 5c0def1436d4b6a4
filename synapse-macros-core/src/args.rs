//! The `key = value, …` argument lists of `#[action]`, `#[params]`, `#[output]`, `#[data_type]`
//! and `plugin!`, read one way.
//!
//! Every problem is reported on its own tokens and the rest of the list is still read: an
//! unknown key (with the nearest valid one and the full list), a repeated key, a key without its
//! value, a value that is not what the key expects. Only the caller knows what a key's value
//! means, so [`parse_args`] hands each well-formed [`Arg`] to it, in source order, and the
//! [`Arg`] helpers turn the value into a string literal, a type, a path or a vocabulary term.

use crate::errors::{Errors, unknown_message};
use crate::vocabulary::{Term, idents, lookup};
use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;

/// A vocabulary term with the span it was written at.
#[derive(Clone, Debug)]
pub struct SpannedTerm {
    /// The term.
    pub term: Term,
    /// Where the user wrote it.
    pub span: Span,
}

/// One `key = value` (or bare `key`) of an argument list.
#[derive(Clone, Debug)]
pub struct Arg {
    /// The key as written.
    pub key: syn::Ident,
    /// The tokens after `=`; `None` for a bare key.
    pub value: Option<TokenStream>,
}

/// Reads `key = value, key, …`, reporting malformed, unknown and repeated keys in `errors`, and
/// calls `each` with every other argument in the order written.
///
/// `what` names one argument in messages (`` `#[action]` argument ``); `keys` are the valid keys.
///
/// ```
/// use synapse_macros_core::{Errors, args::parse_args};
/// let mut errors = Errors::new();
/// let mut seen = Vec::new();
/// let tokens = quote::quote!(name = "x", verbose, nmae = "y", name = "z");
/// parse_args(tokens, "argument", &["name", "verbose"], &mut errors, |arg, _| seen.push(arg.key.to_string()));
/// assert_eq!(seen, ["name", "verbose"]);
/// let messages: Vec<String> = errors.finish().unwrap_err().into_iter().map(|e| e.to_string()).collect();
/// assert_eq!(messages.len(), 2);
/// assert!(messages[0].starts_with("unknown argument `nmae`; did you mean `name`?"));
/// assert_eq!(messages[1], "`name` is specified more than once");
/// ```
pub fn parse_args(
    tokens: TokenStream,
    what: &str,
    keys: &[&str],
    errors: &mut Errors,
    mut each: impl FnMut(Arg, &mut Errors),
) {
    let parser = |input: ParseStream| {
        let mut seen: Vec<String> = Vec::new();
        while !input.is_empty() {
            let Some(arg) = parse_one(input, what, keys, errors) else {
                continue;
            };
            let key = arg.key.to_string();
            if !keys.contains(&key.as_str()) {
                errors.error_spanned(&arg.key, unknown_message(what, &key, keys));
            } else if seen.contains(&key) {
                errors.error_spanned(&arg.key, format!("`{key}` is specified more than once"));
            } else {
                seen.push(key);
                each(arg, errors);
            }
        }
        Ok(())
    };
    if let Err(error) = parser.parse2(tokens) {
        errors.push(error);
    }
}

/// One argument and the comma after it; `None` (with the problem recorded) when it is malformed.
fn parse_one(input: ParseStream, what: &str, keys: &[&str], errors: &mut Errors) -> Option<Arg> {
    let key = match input.call(syn::Ident::parse_any) {
        Ok(key) => key,
        Err(_) => {
            let junk = take_until_comma(input);
            let _ = input.parse::<syn::Token![,]>();
            let shown = if junk.is_empty() { quote::quote!(,) } else { junk };
            errors.error_spanned(shown, format!("expected {what}, one of: {}", keys.join(", ")));
            return None;
        }
    };
    let value = if input.peek(syn::Token![=]) {
        let eq: syn::Token![=] = input.parse().ok()?;
        let value = take_until_comma(input);
        if value.is_empty() {
            errors.error_spanned(quote::quote!(#key #eq), format!("`{key} =` needs a value after the `=`"));
            let _ = input.parse::<syn::Token![,]>();
            return None;
        }
        Some(value)
    } else if input.is_empty() || input.peek(syn::Token![,]) {
        None
    } else {
        let junk = take_until_comma(input);
        let _ = input.parse::<syn::Token![,]>();
        errors.error_spanned(junk, format!("expected `=` or `,` after `{key}`"));
        return None;
    };
    let _ = input.parse::<syn::Token![,]>();
    Some(Arg { key, value })
}

fn take_until_comma(input: ParseStream) -> TokenStream {
    let mut tokens = TokenStream::new();
    while !input.is_empty() && !input.peek(syn::Token![,]) {
        match input.parse::<proc_macro2::TokenTree>() {
            Ok(tree) => tokens.extend([tree]),
            Err(_) => break,
        }
    }
    tokens
}

impl Arg {
    /// The value tokens; a bare key is reported as missing its value, shown as `example`.
    pub fn value(&self, example: &str, errors: &mut Errors) -> Option<&TokenStream> {
        if self.value.is_none() {
            errors.error_spanned(&self.key, format!("`{}` needs a value, like `{example}`", self.key));
        }
        self.value.as_ref()
    }

    /// True for a bare key; a key given a value is reported.
    pub fn flag(&self, errors: &mut Errors) -> bool {
        match &self.value {
            None => true,
            Some(value) => {
                errors.error_spanned(
                    value,
                    format!("`{key}` is a flag and takes no value: write `{key}` alone", key = self.key),
                );
                false
            }
        }
    }

    /// The value as a string literal (`example` shows the expected form).
    pub fn lit_str(&self, example: &str, errors: &mut Errors) -> Option<syn::LitStr> {
        let value = self.value(example, errors)?;
        match syn::parse2::<syn::LitStr>(value.clone()) {
            Ok(lit) => Some(lit),
            Err(_) => {
                errors.error_spanned(value, format!("`{}` expects a string literal, like `{example}`", self.key));
                None
            }
        }
    }

    /// The value as a type (`example` shows the expected form).
    pub fn ty(&self, example: &str, errors: &mut Errors) -> Option<syn::Type> {
        let value = self.value(example, errors)?;
        match syn::parse2::<syn::Type>(value.clone()) {
            Ok(ty) => Some(ty),
            Err(_) => {
                errors.error_spanned(value, format!("`{}` expects a type, like `{example}`", self.key));
                None
            }
        }
    }

    /// The value as a path, for `crate = ::synapse`.
    pub fn path(&self, errors: &mut Errors) -> Option<syn::Path> {
        let example = format!("{} = ::synapse", self.key);
        let value = self.value(&example, errors)?;
        match syn::Path::parse_mod_style.parse2(value.clone()) {
            Ok(path) => Some(path),
            Err(_) => {
                errors.error_spanned(value, format!("`{}` expects a path, like `{example}`", self.key));
                None
            }
        }
    }

    /// The value as one of `terms`, written as a variant (`NeuralNet`, `Category::NeuralNet`) or
    /// a string (`"neural_net"`); `what` names the vocabulary in messages (`category`).
    pub fn term(&self, terms: &'static [Term], what: &str, errors: &mut Errors) -> Option<SpannedTerm> {
        let valid = idents(terms);
        let example = format!("{} = {}", self.key, valid.first().copied().unwrap_or("…"));
        let value = self.value(&example, errors)?;
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
    use crate::vocabulary::CATEGORIES;
    use quote::quote;

    fn messages(tokens: TokenStream, keys: &[&str]) -> (Vec<Arg>, Vec<String>) {
        let mut errors = Errors::new();
        let mut args = Vec::new();
        parse_args(tokens, "argument", keys, &mut errors, |arg, _| args.push(arg));
        let messages = match errors.finish() {
            Ok(()) => Vec::new(),
            Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
        };
        (args, messages)
    }

    #[test]
    fn reads_values_and_flags() {
        let (args, errors) = messages(quote!(a = Foo<X>, b, crate = ::x::y), &["a", "b", "crate"]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(args.len(), 3);
        assert!(args[1].value.is_none());
        assert_eq!(args[2].key, "crate");
    }

    #[test]
    fn reports_malformed_arguments_and_reads_on() {
        let (args, errors) = messages(quote!(a =, "b", c d, e = 1), &["a", "c", "e"]);
        assert_eq!(args.len(), 1, "{errors:?}");
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert_eq!(errors[0], "`a =` needs a value after the `=`");
        assert_eq!(errors[1], "expected argument, one of: a, c, e");
        assert_eq!(errors[2], "expected `=` or `,` after `c`");
    }

    #[test]
    fn interprets_values() {
        let mut errors = Errors::new();
        let mut found = Vec::new();
        parse_args(
            quote!(s = 3, t = "x", c = Category::SmartTool, d = "neural_net", e = Training, f),
            "argument",
            &["s", "t", "c", "d", "e", "f"],
            &mut errors,
            |arg, errors| match arg.key.to_string().as_str() {
                "s" | "t" => found.push(arg.lit_str("s = \"…\"", errors).map(|lit| lit.value())),
                "f" => found.push(arg.lit_str("f = \"…\"", errors).map(|lit| lit.value())),
                _ => found.push(arg.term(CATEGORIES, "category", errors).map(|t| t.term.value.to_owned())),
            },
        );
        assert_eq!(found, [None, Some("x".into()), Some("smart_tool".into()), Some("neural_net".into()), None, None]);
        let errors: Vec<String> = errors.finish().unwrap_err().into_iter().map(|e| e.to_string()).collect();
        assert_eq!(errors[0], "`s` expects a string literal, like `s = \"…\"`");
        assert!(errors[1].starts_with("unknown category `Training`\nvalid categories are: NeuralNet,"));
        assert_eq!(errors[2], "`f` needs a value, like `f = \"…\"`");
    }
}
