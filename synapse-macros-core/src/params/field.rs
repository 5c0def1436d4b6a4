//! The `#[param(...)]` grammar of one field: a default, numeric or length bounds, a pattern, a
//! wire name, a description and an example, read in the order written (which is the order the
//! expansion turns them into serde and schemars attributes).
//!
//! Layer: model (reader → **model** → check → expand). The grammar of the attribute, read with
//! [`crate::args`]; the rules relating several parts are in the sibling `check`, and the
//! expansion in `synapse-macros` reads the model only once the check has passed.

use super::Field;
use crate::args::{Arg, ArgValue, Grammar};
use crate::errors::Errors;
use crate::symbol::{
    DEFAULT, DESCRIPTION, EXAMPLE, EXCLUDE, FORM, FORM_KEYS, LENGTH, LENGTH_BOUNDS, PARAM, PARAM_KEYS, PATTERN, RANGE,
    RANGE_BOUNDS, RENAME, Symbol,
};

/// One setting of a field.
pub enum Param {
    /// `default` (the type's `Default`) or `default = value`.
    Default(Option<syn::Expr>),
    /// `range(min = …, max = …, exclusive_min = …, exclusive_max = …)`.
    Range(Bounds),
    /// `length(min = …, max = …)`.
    Length(Bounds),
    /// `pattern = "regex"`.
    Pattern(syn::LitStr),
    /// `rename = "wireName"`.
    Rename(syn::LitStr),
    /// `description = "…"`.
    Description(syn::LitStr),
    /// `example = value`.
    Example(syn::Expr),
    /// `form(formkit = "textarea", label = "…", help = "…", placeholder = "…")` or
    /// `form(exclude)`.
    Form(FormOverride),
}

/// What `form(...)` says of a field's form item.
pub struct FormOverride {
    /// `form`, as written: where a rule about the override points.
    pub key: syn::Ident,
    /// `exclude`, where written: the field has no item.
    pub exclude: Option<syn::Ident>,
    /// Each other key and its string, in the order written.
    pub entries: Vec<(Symbol, syn::LitStr)>,
}

/// The bounds of `range(...)` or `length(...)`, in the order written (at least one).
pub struct Bounds {
    /// `range` or `length`, as written: where a rule about the bounds together points.
    pub key: syn::Ident,
    /// Each bound and its value.
    pub bounds: Vec<(Symbol, syn::Expr)>,
}

impl Bounds {
    /// The value of `bound`, if given.
    pub fn get(&self, bound: Symbol) -> Option<&syn::Expr> {
        self.bounds.iter().find(|(key, _)| *key == bound).map(|(_, value)| value)
    }
}

impl<'a> Field<'a> {
    /// Reads the `#[param(...)]` attributes of `field` (one key may appear once across them).
    pub(super) fn new(errors: &Errors, variant: Option<&'a syn::Ident>, field: &'a syn::Field) -> Self {
        let mut params = Vec::new();
        let mut reader = PARAM_KEYS.reader();
        for attr in field.attrs.iter().filter(|attr| attr.path() == &PARAM) {
            match &attr.meta {
                syn::Meta::List(list) => reader.read(errors, list.tokens.clone(), |arg| {
                    params.extend(param(errors, &arg));
                }),
                other => errors
                    .error_spanned(other, "`#[param]` takes its keys in parentheses, like `#[param(default = 1)]`"),
            }
        }
        Field { variant, field, params }
    }
}

fn param(errors: &Errors, arg: &Arg) -> Option<Param> {
    match arg.symbol {
        DEFAULT => match &arg.value {
            ArgValue::Bare => Some(Param::Default(None)),
            _ => arg.expr(errors, "default = 1").map(|value| Param::Default(Some(value))),
        },
        RANGE => bounds(errors, arg, RANGE_BOUNDS, "range(min = 1, max = 10)").map(Param::Range),
        LENGTH => bounds(errors, arg, LENGTH_BOUNDS, "length(min = 1, max = 64)").map(Param::Length),
        PATTERN => arg.lit_str(errors, "pattern = \"^[a-z0-9_]+$\"").map(Param::Pattern),
        RENAME => arg.lit_str(errors, "rename = \"batchSize\"").map(Param::Rename),
        DESCRIPTION => arg.lit_str(errors, "description = \"…\"").map(Param::Description),
        EXAMPLE => arg.expr(errors, "example = 32").map(Param::Example),
        FORM => form(errors, arg).map(Param::Form),
        _ => None,
    }
}

/// The keys of `form(...)`: `None` (with the problem recorded) when there are none.
fn form(errors: &Errors, arg: &Arg) -> Option<FormOverride> {
    let example = "form(label = \"Batch size\", formkit = \"textarea\")";
    let key = &arg.key;
    let list =
        arg.list(errors, &format!("`form` takes its keys in parentheses, like `{example}` or `form(exclude)`"))?;
    if list.stream().is_empty() {
        errors.error_spanned(key, format!("`form()` has no keys; give at least one, like `{example}`"));
        return None;
    }
    let mut found = FormOverride { key: key.clone(), exclude: None, entries: Vec::new() };
    FORM_KEYS.read(errors, list.stream(), |entry| {
        if entry.symbol == EXCLUDE {
            if entry.flag(errors, "write `form(exclude)`") {
                found.exclude = Some(entry.key.clone());
            }
        } else if let Some(text) = entry.lit_str(errors, &format!("{} = \"…\"", entry.key)) {
            found.entries.push((entry.symbol, text));
        }
    });
    Some(found)
}

/// The bounds in `key(...)`: `None` (with the problem recorded) when there are none. Unknown
/// and repeated bounds are recorded and left out.
fn bounds(errors: &Errors, arg: &Arg, grammar: Grammar, example: &str) -> Option<Bounds> {
    let key = &arg.key;
    let list = arg.list(errors, &format!("`{key}` takes its bounds in parentheses, like `{example}`"))?;
    if list.stream().is_empty() {
        errors.error_spanned(key, format!("`{key}()` has no bounds; give at least one, like `{example}`"));
        return None;
    }
    let mut bounds = Vec::new();
    grammar.read(errors, list.stream(), |bound| {
        if let Some(value) = bound.expr(errors, &format!("{} = 1", bound.key)) {
            bounds.push((bound.symbol, value));
        }
    });
    Some(Bounds { key: key.clone(), bounds })
}
