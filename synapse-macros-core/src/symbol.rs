//! Attribute and key names as constants, and the grammar of each attribute: what one of its
//! arguments is called in messages and which keys it accepts.
//!
//! Every model reads its attribute through [`crate::args`] with one of the [`Grammar`]s below
//! and matches keys against these constants, so a key is spelled once.

use crate::args::Grammar;
use std::fmt;

/// An attribute or key name; an identifier or a path compares equal to it when it is that name.
///
/// ```
/// use synapse_macros_core::symbol::{ACTION, NAME};
/// let path: syn::Path = syn::parse_quote!(action);
/// assert!(path == ACTION);
/// assert!(syn::Ident::new("name", proc_macro2::Span::call_site()) == NAME);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Symbol(pub &'static str);

impl Symbol {
    /// The name as written.
    pub const fn as_str(self) -> &'static str {
        self.0
    }
}

impl PartialEq<Symbol> for syn::Ident {
    fn eq(&self, symbol: &Symbol) -> bool {
        self == symbol.0
    }
}

impl PartialEq<Symbol> for syn::Path {
    fn eq(&self, symbol: &Symbol) -> bool {
        self.is_ident(symbol.0)
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

// Attributes and macros.
/// `#[action]`.
pub const ACTION: Symbol = Symbol("action");
/// `#[step]`.
pub const STEP: Symbol = Symbol("step");
/// `#[workflow]`; also the `workflow = …` key of `#[action]`.
pub const WORKFLOW: Symbol = Symbol("workflow");
/// `#[pipeline]`.
pub const PIPELINE: Symbol = Symbol("pipeline");
/// `#[params]`.
pub const PARAMS: Symbol = Symbol("params");
/// `#[output]`.
pub const OUTPUT: Symbol = Symbol("output");
/// `#[param]`, on a field of a `#[params]` or `#[output]` type.
pub const PARAM: Symbol = Symbol("param");
/// `#[data_type]`.
pub const DATA_TYPE: Symbol = Symbol("data_type");
/// `plugin!`.
pub const PLUGIN: Symbol = Symbol("plugin");

// Keys.
/// `name = "…"`.
pub const NAME: Symbol = Symbol("name");
/// `category = NeuralNet`.
pub const CATEGORY: Symbol = Symbol("category");
/// `description = "…"`.
pub const DESCRIPTION: Symbol = Symbol("description");
/// `method = Job`.
pub const METHOD: Symbol = Symbol("method");
/// `input_type = YoloDataset`.
pub const INPUT_TYPE: Symbol = Symbol("input_type");
/// `output_type = ModelWeights`.
pub const OUTPUT_TYPE: Symbol = Symbol("output_type");
/// `crate = ::synapse`.
pub const CRATE: Symbol = Symbol("crate");
/// `weight = 0.3`.
pub const WEIGHT: Symbol = Symbol("weight");
/// `retries = 3`.
pub const RETRIES: Symbol = Symbol("retries");
/// `timeout = "30s"`.
pub const TIMEOUT: Symbol = Symbol("timeout");
/// `backoff = "100ms"`.
pub const BACKOFF: Symbol = Symbol("backoff");
/// `context = MyState`.
pub const CONTEXT: Symbol = Symbol("context");
/// `normalize`.
pub const NORMALIZE: Symbol = Symbol("normalize");
/// `parent = Dataset`.
pub const PARENT: Symbol = Symbol("parent");
/// `allow_unknown_fields`.
pub const ALLOW_UNKNOWN_FIELDS: Symbol = Symbol("allow_unknown_fields");
/// `default` or `default = …`.
pub const DEFAULT: Symbol = Symbol("default");
/// `range(min = …, max = …)`.
pub const RANGE: Symbol = Symbol("range");
/// `length(min = …, max = …)`.
pub const LENGTH: Symbol = Symbol("length");
/// `pattern = "…"`.
pub const PATTERN: Symbol = Symbol("pattern");
/// `rename = "…"`.
pub const RENAME: Symbol = Symbol("rename");
/// `example = …`.
pub const EXAMPLE: Symbol = Symbol("example");
/// `form(...)`: the field's item of the platform's form.
pub const FORM: Symbol = Symbol("form");
/// `formkit = "textarea"`, a form item's FormKit input.
pub const FORMKIT: Symbol = Symbol("formkit");
/// `label = "…"`, a form item's label.
pub const LABEL: Symbol = Symbol("label");
/// `help = "…"`, a form item's help text.
pub const HELP: Symbol = Symbol("help");
/// `placeholder = "…"`, a form item's placeholder.
pub const PLACEHOLDER: Symbol = Symbol("placeholder");
/// `exclude`: the field has no form item.
pub const EXCLUDE: Symbol = Symbol("exclude");
/// `level = info`, a message code's level.
pub const LEVEL: Symbol = Symbol("level");
/// `code = "UPLOAD_STARTED"`, a message code's key.
pub const CODE: Symbol = Symbol("code");
/// `message`, the attribute of a `#[messages]` variant.
pub const MESSAGE: Symbol = Symbol("message");
/// The languages a message template may be written in (ISO 639-1), `en` first: every code has
/// an `en` template, the text any other language falls back to.
pub const LANGUAGES: &[&str] =
    &["en", "ko", "ja", "zh", "es", "fr", "de", "pt", "it", "ru", "vi", "th", "id", "ar", "hi", "tr", "nl", "pl"];
/// `min = …`, a bound.
pub const MIN: Symbol = Symbol("min");
/// `max = …`, a bound.
pub const MAX: Symbol = Symbol("max");
/// `exclusive_min = …`, a bound.
pub const EXCLUSIVE_MIN: Symbol = Symbol("exclusive_min");
/// `exclusive_max = …`, a bound.
pub const EXCLUSIVE_MAX: Symbol = Symbol("exclusive_max");

/// `#[action(...)]`.
pub const ACTION_ARGS: Grammar = Grammar::new(
    "`#[action]` argument",
    &[NAME, CATEGORY, DESCRIPTION, METHOD, INPUT_TYPE, OUTPUT_TYPE, WORKFLOW, CRATE],
);
/// `#[step(...)]`.
pub const STEP_ARGS: Grammar = Grammar::new("`#[step]` argument", &[WEIGHT, NAME, RETRIES, TIMEOUT, BACKOFF, CRATE]);
/// `#[workflow(...)]`.
pub const WORKFLOW_ARGS: Grammar = Grammar::new("`#[workflow]` argument", &[CONTEXT, NORMALIZE, CRATE]);
/// `#[pipeline(...)]`.
pub const PIPELINE_ARGS: Grammar = Grammar::new("`#[pipeline]` argument", &[NAME, DESCRIPTION, CRATE]);
/// `#[data_type(...)]`.
pub const DATA_TYPE_ARGS: Grammar = Grammar::new("`#[data_type]` argument", &[PARENT, DESCRIPTION, CRATE]);
/// `plugin!(...)`.
pub const PLUGIN_ARGS: Grammar = Grammar::new("`plugin!` argument", &[NAME, CATEGORY, DESCRIPTION, CRATE]);
/// `#[params(...)]`.
pub const PARAMS_ARGS: Grammar = Grammar::new("`#[params]` argument", &[ALLOW_UNKNOWN_FIELDS, CRATE]);
/// `#[output(...)]`.
pub const OUTPUT_ARGS: Grammar = Grammar::new("`#[output]` argument", &[CRATE]);
/// `#[param(...)]` on a field.
pub const PARAM_KEYS: Grammar =
    Grammar::new("`#[param]` key", &[DEFAULT, RANGE, LENGTH, PATTERN, RENAME, DESCRIPTION, EXAMPLE, FORM]);
/// `form(...)` inside `#[param]`.
pub const FORM_KEYS: Grammar = Grammar::new("`form` key", &[FORMKIT, LABEL, HELP, PLACEHOLDER, EXCLUDE]);
/// The FormKit inputs a `form(formkit = …)` may name (FormKit's own inputs, as its
/// documentation lists them).
pub const FORMKIT_INPUTS: &[&str] = &[
    "text",
    "textarea",
    "number",
    "checkbox",
    "select",
    "radio",
    "email",
    "password",
    "url",
    "tel",
    "search",
    "date",
    "datetime-local",
    "time",
    "month",
    "week",
    "color",
    "range",
    "file",
    "hidden",
    "list",
];
/// `#[messages(...)]`.
pub const MESSAGES_ARGS: Grammar = Grammar::new("`#[messages]` argument", &[CRATE]);
/// `#[message(...)]` on a variant: its level, its key, and a template per language
/// ([`LANGUAGES`], in the same order).
pub const MESSAGE_KEYS: Grammar = Grammar::new(
    "`#[message]` key",
    &[
        LEVEL,
        CODE,
        Symbol("en"),
        Symbol("ko"),
        Symbol("ja"),
        Symbol("zh"),
        Symbol("es"),
        Symbol("fr"),
        Symbol("de"),
        Symbol("pt"),
        Symbol("it"),
        Symbol("ru"),
        Symbol("vi"),
        Symbol("th"),
        Symbol("id"),
        Symbol("ar"),
        Symbol("hi"),
        Symbol("tr"),
        Symbol("nl"),
        Symbol("pl"),
    ],
);
/// `range(...)` inside `#[param]`.
pub const RANGE_BOUNDS: Grammar = Grammar::new("`range` bound", &[MIN, MAX, EXCLUSIVE_MIN, EXCLUSIVE_MAX]);
/// `length(...)` inside `#[param]`.
pub const LENGTH_BOUNDS: Grammar = Grammar::new("`length` bound", &[MIN, MAX]);
