//! Layer: model (reader → **model** → check → expand). The model of `#[messages]`: an enum of
//! user-facing message codes, each variant with its level, key and a template per language.
//!
//! ```text
//! #[messages]
//! pub enum UploadMessage {
//!     #[message(level = info, en = "Uploading {count} files", ko = "파일 {count}개 업로드 중")]
//!     Uploading { count: usize },
//!     #[message(level = danger, code = "UPLOAD_FILE_MISSING", en = "{name} is missing")]
//!     Missing { name: String },
//! }
//! ```
//!
//! The rules live in [`check`](mod@check).

pub mod check;

pub use check::{check, placeholders};

use crate::args::SpannedTerm;
use crate::errors::Errors;
use crate::symbol::{CODE, CRATE, LEVEL, MESSAGE, MESSAGE_KEYS, MESSAGES_ARGS};
use crate::vocabulary::LEVELS;
use proc_macro2::TokenStream;

/// The parsed arguments of `#[messages(...)]`.
#[derive(Default)]
pub struct MessagesArgs {
    /// `crate = path::to::synapse`.
    pub krate: Option<syn::Path>,
}

impl MessagesArgs {
    /// Parses the tokens inside `#[messages(...)]`, recording every problem in `errors`.
    pub fn parse(errors: &Errors, tokens: TokenStream) -> Self {
        let mut args = MessagesArgs::default();
        MESSAGES_ARGS.read(errors, tokens, |arg| {
            if arg.symbol == CRATE {
                args.krate = arg.path(errors);
            }
        });
        args
    }
}

/// One `#[messages]` and the item it is on.
pub struct Messages<'a> {
    /// What the attribute says.
    pub args: MessagesArgs,
    /// The item the attribute is on.
    pub item: &'a syn::Item,
    /// Each variant with what its `#[message(...)]` says (an enum's; none for another item).
    pub variants: Vec<Message<'a>>,
}

/// A variant and its `#[message(...)]`.
pub struct Message<'a> {
    /// The variant.
    pub variant: &'a syn::Variant,
    /// The attribute, when the variant has one.
    pub attribute: Option<&'a syn::Attribute>,
    /// `level = …`.
    pub level: Option<SpannedTerm>,
    /// Whether a `level` was written (a wrong one is reported where it is, and only there).
    pub level_written: bool,
    /// `code = "…"`.
    pub code: Option<syn::LitStr>,
    /// Each template with its language, in the order written.
    pub templates: Vec<(&'static str, syn::LitStr)>,
}

impl Message<'_> {
    /// The key the platform knows the code by: `code = "…"`, else the variant's name in
    /// SCREAMING_SNAKE_CASE (`FileMissing` → `FILE_MISSING`).
    pub fn key(&self) -> String {
        self.code.as_ref().map_or_else(|| screaming_snake(&self.variant.ident.to_string()), syn::LitStr::value)
    }

    /// The `en` template.
    pub fn english(&self) -> Option<&syn::LitStr> {
        self.templates.iter().find(|(language, _)| *language == "en").map(|(_, template)| template)
    }
}

impl<'a> Messages<'a> {
    /// The model of `item`, reading every variant's `#[message(...)]` into `errors`.
    pub fn new(errors: &Errors, args: MessagesArgs, item: &'a syn::Item) -> Self {
        let variants = match item {
            syn::Item::Enum(enumeration) => {
                enumeration.variants.iter().map(|variant| message(errors, variant)).collect()
            }
            _ => Vec::new(),
        };
        Messages { args, item, variants }
    }
}

fn message<'a>(errors: &Errors, variant: &'a syn::Variant) -> Message<'a> {
    let mut found =
        Message { variant, attribute: None, level: None, level_written: false, code: None, templates: Vec::new() };
    let mut reader = MESSAGE_KEYS.reader();
    for attr in variant.attrs.iter().filter(|attr| attr.path() == &MESSAGE) {
        found.attribute.get_or_insert(attr);
        let syn::Meta::List(list) = &attr.meta else {
            errors.error_spanned(
                attr,
                "`#[message]` takes its keys in parentheses, like `#[message(level = info, en = \"…\")]`",
            );
            continue;
        };
        reader.read(errors, list.tokens.clone(), |arg| match arg.symbol {
            LEVEL => {
                found.level_written = true;
                found.level = arg.term(errors, LEVELS, "message level");
            }
            CODE => found.code = arg.lit_str(errors, "code = \"UPLOAD_STARTED\""),
            language => {
                if let Some(template) = arg.lit_str(errors, &format!("{language} = \"…\"")) {
                    found.templates.push((language.as_str(), template));
                }
            }
        });
    }
    found
}

/// `FileMissing` → `FILE_MISSING`.
///
/// ```
/// use synapse_macros_core::messages::screaming_snake;
/// assert_eq!(screaming_snake("FileMissing"), "FILE_MISSING");
/// assert_eq!(screaming_snake("Done"), "DONE");
/// ```
pub fn screaming_snake(name: &str) -> String {
    crate::names::data_type_name(name).to_uppercase()
}
