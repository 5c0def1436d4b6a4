//! The error collector of the front end, and the shape of its messages.
//!
//! Every layer (the argument reader, each model, each check) records its problems in one
//! [`Errors`] and goes on reading, so a user sees every mistake of an item in one compile. The
//! collector has to be consumed by [`Errors::check`]: dropping it unchecked is a bug in the
//! macro (its errors would be lost) and panics, as serde_derive's `Ctxt` does.

#[cfg(feature = "syntax")]
use std::cell::RefCell;
#[cfg(feature = "syntax")]
use std::fmt::Display;

/// Collects spanned errors so a user sees all of them at once, not one per compile.
///
/// It is shared by reference through every layer; [`Errors::check`] consumes it and returns
/// what was recorded. Dropping it without calling `check` panics.
///
/// ```
/// use synapse_macros_core::Errors;
/// let errors = Errors::new();
/// errors.error_at(proc_macro2::Span::call_site(), "first");
/// errors.error_at(proc_macro2::Span::call_site(), "second");
/// let combined = errors.check().unwrap_err();
/// assert_eq!(combined.into_iter().count(), 2);
/// ```
#[cfg(feature = "syntax")]
pub struct Errors {
    /// `None` once checked.
    errors: RefCell<Option<Vec<syn::Error>>>,
}

#[cfg(feature = "syntax")]
impl Default for Errors {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "syntax")]
impl Errors {
    /// An empty collector, to be consumed by [`Errors::check`].
    pub fn new() -> Self {
        Self { errors: RefCell::new(Some(Vec::new())) }
    }

    /// Records an error at the span of `tokens`.
    pub fn error_spanned(&self, tokens: impl quote::ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error at `span`.
    pub fn error_at(&self, span: proc_macro2::Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Records an existing error.
    pub fn push(&self, error: syn::Error) {
        self.errors.borrow_mut().as_mut().expect("errors were already checked").push(error);
    }

    /// True when nothing was recorded: a rule that only makes sense when everything else was
    /// right (a required key that may be missing because it was misspelled) asks this first.
    pub fn is_empty(&self) -> bool {
        self.errors.borrow().as_ref().is_none_or(Vec::is_empty)
    }

    /// Consumes the collector: all errors combined into one, or `Ok` when there were none.
    pub fn check(self) -> syn::Result<()> {
        let errors = self.errors.borrow_mut().take().unwrap_or_default();
        let mut iter = errors.into_iter();
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
}

#[cfg(feature = "syntax")]
impl Drop for Errors {
    fn drop(&mut self) {
        if !std::thread::panicking() && self.errors.borrow().is_some() {
            panic!("synapse-macros-core: an `Errors` was dropped without `check()`, so its errors were lost");
        }
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

/// The messages `errors` recorded, in order: what a test of the front end compares.
#[cfg(all(test, feature = "syntax"))]
pub(crate) fn messages(errors: Errors) -> Vec<String> {
    errors.check().err().map(|error| error.into_iter().map(|e| e.to_string()).collect()).unwrap_or_default()
}

#[cfg(all(test, feature = "syntax"))]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "dropped without `check()`")]
    fn an_unchecked_collector_panics() {
        let errors = Errors::new();
        errors.error_at(proc_macro2::Span::call_site(), "lost");
        drop(errors);
    }

    #[test]
    fn a_checked_collector_drops_quietly() {
        let errors = Errors::new();
        assert!(errors.is_empty());
        assert!(errors.check().is_ok());
    }
}
