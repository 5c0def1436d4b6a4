//! Error accumulation: report every problem of an attribute in one compile.

use proc_macro2::TokenStream;
use std::fmt::Display;

/// Collects spanned errors so a user sees all of them at once, not one per compile.
#[derive(Default)]
pub struct Errors {
    errors: Vec<syn::Error>,
}

impl Errors {
    /// An empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records an error at the span of `tokens`.
    pub fn error_spanned(&mut self, tokens: impl quote::ToTokens, message: impl Display) {
        self.errors.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error at `span`.
    pub fn error_at(&mut self, span: proc_macro2::Span, message: impl Display) {
        self.errors.push(syn::Error::new(span, message));
    }

    /// Records an existing error.
    pub fn push(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    /// Records the error of `result`, if any, and returns its value.
    pub fn handle<T>(&mut self, result: syn::Result<T>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.errors.push(error);
                None
            }
        }
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// All errors combined into one, or `Ok` when there were none.
    pub fn finish(self) -> syn::Result<()> {
        let mut iter = self.errors.into_iter();
        match iter.next() {
            None => Ok(()),
            Some(mut first) => {
                for error in iter {
                    first.combine(error);
                }
                Err(first)
            }
        }
    }

    /// The errors as `compile_error!` invocations.
    pub fn to_compile_errors(&self) -> TokenStream {
        self.errors.iter().map(syn::Error::to_compile_error).collect()
    }
}

/// The candidate closest to `unknown`, when it is close enough to be a plausible typo.
///
/// ```
/// use synapse_macros_core::errors::closest;
/// assert_eq!(closest("catgory", ["name", "category"]), Some("category"));
/// assert_eq!(closest("zzz", ["name", "category"]), None);
/// ```
pub fn closest<'a>(unknown: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let unknown_lower = unknown.to_lowercase();
    candidates
        .into_iter()
        .map(|candidate| {
            let score = strsim::jaro_winkler(&unknown_lower, &candidate.to_lowercase());
            (score, candidate)
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// "unknown X `typo`; did you mean `fix`?\nvalid Xs are: a, b, c" in one consistent shape.
///
/// ```
/// use synapse_macros_core::errors::unknown_message;
/// let msg = unknown_message("`#[action]` argument", "catgory", &["name", "category"]);
/// assert_eq!(msg, "unknown `#[action]` argument `catgory`; did you mean `category`?\nvalid `#[action]` arguments are: name, category");
/// let msg = unknown_message("category", "Training", &["NeuralNet", "Custom"]);
/// assert_eq!(msg, "unknown category `Training`\nvalid categories are: NeuralNet, Custom");
/// ```
pub fn unknown_message(what: &str, unknown: &str, valid: &[&str]) -> String {
    let mut message = format!("unknown {what} `{unknown}`");
    if let Some(suggestion) = closest(unknown, valid.iter().copied()) {
        message.push_str(&format!("; did you mean `{suggestion}`?"));
    }
    message.push_str(&format!("\nvalid {} are: {}", plural(what), valid.join(", ")));
    message
}

/// The plural of an English noun phrase, by its last word: `category` → `categories`,
/// `` `#[param]` key `` → `` `#[param]` keys ``.
///
/// ```
/// use synapse_macros_core::errors::plural;
/// assert_eq!(plural("category"), "categories");
/// assert_eq!(plural("`range` bound"), "`range` bounds");
/// assert_eq!(plural("key"), "keys");
/// ```
pub fn plural(noun: &str) -> String {
    match noun.strip_suffix('y') {
        Some(stem) if !stem.ends_with(['a', 'e', 'o', 'u']) => format!("{stem}ies"),
        _ => format!("{noun}s"),
    }
}
