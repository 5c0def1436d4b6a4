//! The `#[action(...)]` argument grammar.
//!
//! ```text
//! #[action]
//! #[action(name = "process", category = Custom, method = Task,
//!          description = "…", input_type = YoloDataset, output_type = ModelWeights,
//!          crate = ::synapse)]
//! ```

use crate::errors::{Errors, unknown_message};
use crate::names::{check_name, data_type_name, default_action_name, doc_summary};
use crate::vocabulary::{CATEGORIES, METHODS, Term, default_method, idents, lookup};
use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;

/// The keys `#[action(...)]` accepts.
pub const ACTION_KEYS: &[&str] = &["name", "category", "description", "method", "input_type", "output_type", "crate"];

/// A vocabulary term with the span it was written at.
#[derive(Clone, Debug)]
pub struct SpannedTerm {
    /// The term.
    pub term: Term,
    /// Where the user wrote it.
    pub span: Span,
}

/// The parsed arguments of one `#[action(...)]` attribute.
#[derive(Default)]
pub struct ActionArgs {
    /// `name = "…"`.
    pub name: Option<syn::LitStr>,
    /// `category = NeuralNet`.
    pub category: Option<SpannedTerm>,
    /// `description = "…"`.
    pub description: Option<syn::LitStr>,
    /// `method = Job`.
    pub method: Option<SpannedTerm>,
    /// `input_type = SomeDataType`.
    pub input_type: Option<syn::Type>,
    /// `output_type = SomeDataType`.
    pub output_type: Option<syn::Type>,
    /// `crate = path::to::synapse`.
    pub krate: Option<syn::Path>,
}

impl ActionArgs {
    /// Parses the tokens inside `#[action(...)]`, recording every problem in `errors`.
    pub fn parse(tokens: TokenStream, errors: &mut Errors) -> Self {
        let mut args = ActionArgs::default();
        let parser = |input: ParseStream| {
            parse_args(input, &mut args, errors);
            Ok(())
        };
        if let Err(error) = parser.parse2(tokens) {
            errors.push(error);
        }
        args
    }

    /// Parses the arguments of an `#[action]` or `#[action(...)]` attribute.
    pub fn from_attribute(attr: &syn::Attribute, errors: &mut Errors) -> Self {
        match &attr.meta {
            syn::Meta::Path(_) => ActionArgs::default(),
            syn::Meta::List(list) => ActionArgs::parse(list.tokens.clone(), errors),
            syn::Meta::NameValue(nv) => {
                errors.error_spanned(nv, "expected `#[action]` or `#[action(key = value, ...)]`");
                ActionArgs::default()
            }
        }
    }

    /// Applies the defaults to the arguments of the action on `ident` documented by `docs`.
    pub fn resolve(&self, ident: &str, docs: &[String]) -> ResolvedAction {
        let name = self.name.as_ref().map(syn::LitStr::value).unwrap_or_else(|| default_action_name(ident));
        let method = self.method.as_ref().map(|m| m.term).unwrap_or_else(|| default_method(&name));
        ResolvedAction {
            description: self
                .description
                .as_ref()
                .map(syn::LitStr::value)
                .unwrap_or_else(|| doc_summary(docs.iter().map(String::as_str))),
            category: self.category.as_ref().map(|c| c.term),
            method,
            input_type: self.input_type.as_ref().and_then(type_data_name),
            output_type: self.output_type.as_ref().and_then(type_data_name),
            name,
        }
    }
}

/// What an action's attribute says once defaults are applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedAction {
    /// The action name.
    pub name: String,
    /// Its category, when it declares one (otherwise the plugin's applies).
    pub category: Option<Term>,
    /// Its one-paragraph description.
    pub description: String,
    /// Its run method.
    pub method: Term,
    /// The data type name of its input, if declared.
    pub input_type: Option<String>,
    /// The data type name of its output, if declared.
    pub output_type: Option<String>,
}

/// The data type name a type path stands for (`types::YoloDataset` → `yolo_dataset`).
pub fn type_data_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(path) => path.path.segments.last().map(|segment| data_type_name(&segment.ident.to_string())),
        syn::Type::Group(group) => type_data_name(&group.elem),
        syn::Type::Paren(paren) => type_data_name(&paren.elem),
        _ => None,
    }
}

fn parse_args(input: ParseStream, args: &mut ActionArgs, errors: &mut Errors) {
    while !input.is_empty() {
        let key = match input.call(syn::Ident::parse_any) {
            Ok(key) => key,
            Err(error) => {
                errors.push(error);
                skip_to_comma(input);
                continue;
            }
        };
        let key_text = key.to_string();
        if !ACTION_KEYS.contains(&key_text.as_str()) {
            errors.error_spanned(&key, unknown_message("`#[action]` argument", &key_text, ACTION_KEYS));
            skip_to_comma(input);
            continue;
        }
        if input.parse::<syn::Token![=]>().is_err() {
            errors.error_spanned(&key, format!("expected `{key_text} = …`"));
            skip_to_comma(input);
            continue;
        }
        let value = take_until_comma(input);
        let duplicate = match key_text.as_str() {
            "name" => set(&mut args.name, parse_name(&key, value, errors)),
            "description" => set(&mut args.description, parse_lit_str(&key, value, errors)),
            "category" => set(&mut args.category, parse_term(&key, value, CATEGORIES, "category", errors)),
            "method" => set(&mut args.method, parse_term(&key, value, METHODS, "method", errors)),
            "input_type" => set(&mut args.input_type, parse_type(&key, value, errors)),
            "output_type" => set(&mut args.output_type, parse_type(&key, value, errors)),
            "crate" => set(&mut args.krate, parse_path(&key, value, errors)),
            _ => false,
        };
        if duplicate {
            errors.error_spanned(&key, format!("`{key_text}` is specified more than once"));
        }
        if !input.is_empty()
            && let Err(error) = input.parse::<syn::Token![,]>()
        {
            errors.push(error);
            skip_to_comma(input);
        }
    }
}

/// Stores `value` unless the slot is already filled; true when it was (a duplicate key).
fn set<T>(slot: &mut Option<T>, value: Option<T>) -> bool {
    match (slot.is_some(), value) {
        (true, Some(_)) => true,
        (false, Some(value)) => {
            *slot = Some(value);
            false
        }
        (_, None) => false,
    }
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

fn skip_to_comma(input: ParseStream) {
    let _ = take_until_comma(input);
    let _ = input.parse::<syn::Token![,]>();
}

fn parse_lit_str(key: &syn::Ident, value: TokenStream, errors: &mut Errors) -> Option<syn::LitStr> {
    match syn::parse2::<syn::LitStr>(value.clone()) {
        Ok(lit) => Some(lit),
        Err(_) => {
            errors.error_spanned(
                spanned_or(&value, key),
                format!("`{key}` expects a string literal, like `{key} = \"…\"`"),
            );
            None
        }
    }
}

fn parse_name(key: &syn::Ident, value: TokenStream, errors: &mut Errors) -> Option<syn::LitStr> {
    let lit = parse_lit_str(key, value, errors)?;
    if let Err(problem) = check_name(&lit.value()) {
        errors.error_spanned(&lit, format!("invalid action name: {problem}"));
        return None;
    }
    Some(lit)
}

fn parse_term(
    key: &syn::Ident,
    value: TokenStream,
    terms: &'static [Term],
    what: &str,
    errors: &mut Errors,
) -> Option<SpannedTerm> {
    let valid = idents(terms);
    if let Ok(lit) = syn::parse2::<syn::LitStr>(value.clone()) {
        return match lookup(terms, &lit.value()) {
            Some(term) => Some(SpannedTerm { term, span: lit.span() }),
            None => {
                errors.error_spanned(&lit, unknown_message(what, &lit.value(), &valid));
                None
            }
        };
    }
    let path = match syn::parse2::<syn::Path>(value.clone()) {
        Ok(path) => path,
        Err(_) => {
            errors.error_spanned(
                spanned_or(&value, key),
                format!("`{key}` expects a {what} name, one of: {}", valid.join(", ")),
            );
            return None;
        }
    };
    let Some(last) = path.segments.last() else {
        errors.error_spanned(&path, format!("`{key}` expects a {what} name"));
        return None;
    };
    let word = last.ident.to_string();
    match terms.iter().copied().find(|term| term.ident == word) {
        Some(term) => Some(SpannedTerm { term, span: path.span() }),
        None => {
            errors.error_spanned(&last.ident, unknown_message(what, &word, &valid));
            None
        }
    }
}

fn parse_type(key: &syn::Ident, value: TokenStream, errors: &mut Errors) -> Option<syn::Type> {
    match syn::parse2::<syn::Type>(value.clone()) {
        Ok(ty) => Some(ty),
        Err(_) => {
            errors.error_spanned(
                spanned_or(&value, key),
                format!("`{key}` expects a data type, like `{key} = YoloDataset`"),
            );
            None
        }
    }
}

fn parse_path(key: &syn::Ident, value: TokenStream, errors: &mut Errors) -> Option<syn::Path> {
    match syn::parse2::<syn::Path>(value.clone()) {
        Ok(path) => Some(path),
        Err(_) => {
            errors.error_spanned(spanned_or(&value, key), format!("`{key}` expects a path, like `{key} = ::synapse`"));
            None
        }
    }
}

/// The value tokens, or the key when the value is empty (so the error has a place to point).
fn spanned_or(value: &TokenStream, key: &syn::Ident) -> TokenStream {
    if value.is_empty() { quote::quote!(#key) } else { value.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn parse(tokens: TokenStream) -> (ActionArgs, Vec<String>) {
        let mut errors = Errors::new();
        let args = ActionArgs::parse(tokens, &mut errors);
        let messages = match errors.finish() {
            Ok(()) => Vec::new(),
            Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
        };
        (args, messages)
    }

    #[test]
    fn parses_every_key() {
        let (args, errors) = parse(quote!(
            name = "train",
            category = NeuralNet,
            method = Job,
            description = "Train it",
            input_type = YoloDataset,
            output_type = types::ModelWeights,
            crate = ::synapse
        ));
        assert!(errors.is_empty(), "{errors:?}");
        let resolved = args.resolve("TrainAction", &[]);
        assert_eq!(resolved.name, "train");
        assert_eq!(resolved.category.map(|c| c.value), Some("neural_net"));
        assert_eq!(resolved.method.value, "job");
        assert_eq!(resolved.input_type.as_deref(), Some("yolo_dataset"));
        assert_eq!(resolved.output_type.as_deref(), Some("model_weights"));
        assert!(args.krate.is_some());
    }

    #[test]
    fn defaults_come_from_ident_and_docs() {
        let (args, errors) = parse(quote!());
        assert!(errors.is_empty());
        let resolved = args.resolve("ProcessAction", &[" Process files.".into()]);
        assert_eq!(resolved.name, "process");
        assert_eq!(resolved.description, "Process files.");
        assert_eq!(resolved.method.value, "task");
        assert_eq!(resolved.category, None);
    }

    #[test]
    fn reports_every_problem_at_once() {
        let (_, errors) = parse(quote!(catgory = Custom, name = 3, method = Jobb, name = "x", name = "y"));
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(errors[0].contains("did you mean `category`"));
        assert!(errors[1].contains("`name` expects a string literal"));
        assert!(errors[2].contains("unknown method `Jobb`; did you mean `Job`?"));
        assert!(errors[3].contains("`name` is specified more than once"));
    }

    #[test]
    fn accepts_category_paths_and_strings() {
        let (args, errors) = parse(quote!(category = Category::SmartTool, method = "serve"));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(args.category.map(|c| c.term.value), Some("smart_tool"));
        assert_eq!(args.method.map(|m| m.term.value), Some("serve"));
    }

    #[test]
    fn rejects_bad_names() {
        let (_, errors) = parse(quote!(name = "Bad Name"));
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("invalid action name"), "{errors:?}");
    }
}
