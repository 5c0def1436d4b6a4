//! The one reader of attribute arguments: `key = value`, bare `key` and `key(...)` lists, for
//! every attribute and macro (`#[action]`, `#[step]`, `#[workflow]`, `#[pipeline]`,
//! `#[params]`/`#[output]` and their `#[param]` fields, `#[data_type]`, `plugin!`).
//!
//! It is the first layer of the front end (reader → model → check; expansion lives in
//! `synapse-macros`). Every problem is recorded on its own tokens and the rest of the list is
//! still read: an unknown key (with the nearest valid one and the full list), a repeated key, a
//! key without its value, tokens that are not an argument. Only the model knows what a key's
//! value means, so the reader hands each well-formed [`Arg`] to it, in source order, and the
//! [`Arg`] helpers of [`value`] turn the value into a string literal, a type, a path, a
//! vocabulary term or a nested list.

pub mod value;

pub use value::SpannedTerm;

use crate::errors::{Errors, unknown_message};
use crate::symbol::Symbol;
use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};

/// What one attribute accepts: the name of one of its arguments in messages and its keys.
#[derive(Clone, Copy, Debug)]
pub struct Grammar {
    /// What one argument is called in messages: `` `#[action]` argument ``.
    pub what: &'static str,
    /// The keys it accepts, in the order messages list them.
    pub keys: &'static [Symbol],
}

impl Grammar {
    /// A grammar accepting `keys`.
    pub const fn new(what: &'static str, keys: &'static [Symbol]) -> Self {
        Self { what, keys }
    }

    /// The keys as strings, for messages.
    pub fn key_names(&self) -> Vec<&'static str> {
        self.keys.iter().map(|key| key.as_str()).collect()
    }

    /// Reads one argument list: reports malformed, unknown and repeated keys in `errors`, and
    /// calls `each` with every other argument in the order written.
    ///
    /// ```
    /// use synapse_macros_core::Errors;
    /// use synapse_macros_core::args::Grammar;
    /// use synapse_macros_core::symbol::Symbol;
    /// const GRAMMAR: Grammar = Grammar::new("argument", &[Symbol("name"), Symbol("verbose")]);
    /// let errors = Errors::new();
    /// let mut seen = Vec::new();
    /// let tokens = quote::quote!(name = "x", verbose, nmae = "y", name = "z");
    /// GRAMMAR.read(&errors, tokens, |arg| seen.push(arg.key.to_string()));
    /// assert_eq!(seen, ["name", "verbose"]);
    /// let messages: Vec<String> = errors.check().unwrap_err().into_iter().map(|e| e.to_string()).collect();
    /// assert_eq!(messages.len(), 2);
    /// assert!(messages[0].starts_with("unknown argument `nmae`; did you mean `name`?"));
    /// assert_eq!(messages[1], "`name` is specified more than once");
    /// ```
    pub fn read(&self, errors: &Errors, tokens: TokenStream, each: impl FnMut(Arg)) {
        self.reader().read(errors, tokens, each);
    }

    /// A reader that remembers the keys it has seen across several lists, for a key that may
    /// be split over several attributes (`#[param(…)] #[param(…)]` on one field).
    pub fn reader(&self) -> Reader {
        Reader { grammar: *self, seen: Vec::new() }
    }
}

/// Reads argument lists of one grammar; a key may appear once across all of them.
pub struct Reader {
    grammar: Grammar,
    seen: Vec<String>,
}

impl Reader {
    /// Reads one list, as [`Grammar::read`] does.
    pub fn read(&mut self, errors: &Errors, tokens: TokenStream, mut each: impl FnMut(Arg)) {
        let Grammar { what, keys } = self.grammar;
        let names = self.grammar.key_names();
        let parser = |input: ParseStream| {
            while !input.is_empty() {
                let Some((key, value)) = parse_one(input, what, &names, errors) else {
                    continue;
                };
                let text = key.to_string();
                match keys.iter().copied().find(|known| key == *known) {
                    None => errors.error_spanned(&key, unknown_message(what, &text, &names)),
                    Some(_) if self.seen.contains(&text) => {
                        errors.error_spanned(&key, format!("`{text}` is specified more than once"))
                    }
                    Some(symbol) => {
                        self.seen.push(text);
                        each(Arg { symbol, key, value });
                    }
                }
            }
            Ok(())
        };
        if let Err(error) = parser.parse2(tokens) {
            errors.push(error);
        }
    }
}

/// One `key = value`, bare `key` or `key(...)` of an argument list, with a known key.
#[derive(Clone, Debug)]
pub struct Arg {
    /// The key, one of the grammar's: models match on it.
    pub symbol: Symbol,
    /// The key as written (where a problem with the argument is reported).
    pub key: syn::Ident,
    /// What follows the key.
    pub value: ArgValue,
}

/// What follows a key.
#[derive(Clone, Debug)]
pub enum ArgValue {
    /// Nothing: a bare key (`normalize`).
    Bare,
    /// `= value` (the value is never empty).
    Assigned {
        /// The `=`.
        eq: syn::Token![=],
        /// The tokens after it.
        value: TokenStream,
    },
    /// A parenthesized list (`range(min = 1)`).
    List(Group),
}

/// One argument and the comma after it; `None` (with the problem recorded) when it is malformed.
fn parse_one(input: ParseStream, what: &str, keys: &[&str], errors: &Errors) -> Option<(syn::Ident, ArgValue)> {
    let key = match input.call(syn::Ident::parse_any) {
        Ok(key) => key,
        Err(_) => {
            let junk = take_value(input);
            let _ = input.parse::<syn::Token![,]>();
            let shown = if junk.is_empty() { quote::quote!(,) } else { junk };
            errors.error_spanned(shown, format!("expected {what}, one of: {}", keys.join(", ")));
            return None;
        }
    };
    let value = if input.peek(syn::Token![=]) {
        let eq: syn::Token![=] = input.parse().ok()?;
        let value = take_value(input);
        if value.is_empty() {
            errors.error_spanned(quote::quote!(#key #eq), format!("`{key} =` needs a value after the `=`"));
            let _ = input.parse::<syn::Token![,]>();
            return None;
        }
        ArgValue::Assigned { eq, value }
    } else if input.peek(syn::token::Paren) {
        match input.parse::<TokenTree>() {
            Ok(TokenTree::Group(group)) if group.delimiter() == Delimiter::Parenthesis => ArgValue::List(group),
            _ => return None,
        }
    } else {
        ArgValue::Bare
    };
    if !input.is_empty() && !input.peek(syn::Token![,]) {
        let junk = take_value(input);
        let _ = input.parse::<syn::Token![,]>();
        errors.error_spanned(junk, format!("expected `=` or `,` after `{key}`"));
        return None;
    }
    let _ = input.parse::<syn::Token![,]>();
    Some((key, value))
}

/// The tokens up to the next `,` that is not inside `<…>` (so `HashMap<K, V>` is one value).
fn take_value(input: ParseStream) -> TokenStream {
    let mut tokens = TokenStream::new();
    let mut depth = 0usize;
    while !(input.is_empty() || depth == 0 && input.peek(syn::Token![,])) {
        if input.peek(syn::Token![->]) || input.peek(syn::Token![=>]) {
            // Arrows hold a `>` that closes nothing.
            for _ in 0..2 {
                if let Ok(tree) = input.parse::<TokenTree>() {
                    tokens.extend([tree]);
                }
            }
            continue;
        }
        if input.peek(syn::Token![<]) {
            depth += 1;
        } else if input.peek(syn::Token![>]) {
            depth = depth.saturating_sub(1);
        }
        match input.parse::<TokenTree>() {
            Ok(tree) => tokens.extend([tree]),
            Err(_) => break,
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors::messages;
    use crate::symbol::Symbol;
    use quote::quote;

    const ABC: Grammar = Grammar::new("argument", &[Symbol("a"), Symbol("b"), Symbol("c"), Symbol("crate")]);

    fn read(grammar: Grammar, tokens: TokenStream) -> (Vec<Arg>, Vec<String>) {
        let errors = Errors::new();
        let mut args = Vec::new();
        grammar.read(&errors, tokens, |arg| args.push(arg));
        (args, messages(errors))
    }

    #[test]
    fn reads_values_flags_and_lists() {
        let (args, errors) = read(ABC, quote!(a = HashMap<K, V>, b, c(min = 1), crate = ::x::y));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(args.len(), 4);
        assert!(matches!(&args[0].value, ArgValue::Assigned { value, .. } if value.to_string() == "HashMap < K , V >"));
        assert!(matches!(args[1].value, ArgValue::Bare));
        assert!(matches!(&args[2].value, ArgValue::List(group) if group.stream().to_string() == "min = 1"));
        assert_eq!(args[3].key, "crate");
    }

    #[test]
    fn arrows_do_not_close_angle_brackets() {
        let (args, errors) = read(ABC, quote!(a = Box<dyn Fn() -> u8>, b = 1));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(args.len(), 2);
    }

    #[test]
    fn reports_malformed_arguments_and_reads_on() {
        let (args, errors) = read(ABC, quote!(a =, "b", c d, b = 1));
        assert_eq!(args.len(), 1, "{errors:?}");
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert_eq!(errors[0], "`a =` needs a value after the `=`");
        assert_eq!(errors[1], "expected argument, one of: a, b, c, crate");
        assert_eq!(errors[2], "expected `=` or `,` after `c`");
    }

    #[test]
    fn one_reader_sees_repeats_across_lists() {
        let errors = Errors::new();
        let mut reader = ABC.reader();
        let mut seen = 0;
        reader.read(&errors, quote!(a = 1), |_| seen += 1);
        reader.read(&errors, quote!(b, a = 2), |_| seen += 1);
        assert_eq!(seen, 2);
        assert_eq!(messages(errors), ["`a` is specified more than once"]);
    }
}
