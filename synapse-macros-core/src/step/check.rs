//! The rules of a `#[step]` beyond its arguments: what it may be put on, the weight it must
//! give, and a name derived from the struct (one given with `name = "…"` is checked when read).
//!
//! Layer: check (reader → model → **check** → expand). It runs on a model once it is read, and
//! records every broken rule; the expansion in `synapse-macros` and source discovery read the
//! model only when it passed.

use super::{Step, StepForm};
use crate::errors::Errors;
use crate::names::check_name;
use crate::shape::{check_not_generic, item_keyword, item_kind};
use quote::ToTokens;

/// Records in `errors` every way `step` breaks the rules.
///
/// ```
/// use synapse_macros_core::{Errors, step::{self, Step, StepArgs}};
/// let item: syn::Item = syn::parse_quote!(pub struct Resize;);
/// let errors = Errors::new();
/// step::check(&errors, &Step::new(StepArgs::default(), &item));
/// let message = errors.check().unwrap_err().to_string();
/// assert!(message.starts_with("a step needs a progress weight"));
/// ```
pub fn check(errors: &Errors, step: &Step) {
    let (ident, generics) = match &step.form {
        StepForm::Struct(strukt) => (&strukt.ident, &strukt.generics),
        StepForm::OtherType { ident, generics } => {
            misplaced(errors, step.item);
            (*ident, *generics)
        }
        StepForm::StepImpl { .. } | StepForm::Misplaced => {
            misplaced(errors, step.item);
            return;
        }
    };
    // Only when nothing else is wrong: a misspelled `weight` is reported as such, not as missing.
    if step.args.weight.is_none() && errors.is_empty() {
        let at = if step.args.tokens.is_empty() { ident.to_token_stream() } else { step.args.tokens.clone() };
        errors.error_spanned(
            at,
            "a step needs a progress weight, its share of the workflow's progress: `#[step(weight = 0.3)]`",
        );
    }
    check_not_generic(errors, generics, "a `#[step]` struct cannot be generic: a workflow lists concrete steps");
    if step.args.name.is_none()
        && let Some(derived) = step.name()
        && let Err(problem) = check_name(&derived)
    {
        errors.error_spanned(
            ident,
            format!(
                "the step name derived from `{ident}` is invalid: {problem}; give one with `#[step(name = \"…\")]`"
            ),
        );
    }
}

fn misplaced(errors: &Errors, item: &syn::Item) {
    let hint = match item {
        syn::Item::Fn(_) => " (a step is a type: put the work in `Step::execute`)",
        _ => "",
    };
    errors.error_spanned(
        item_keyword(item),
        format!(
            "`#[step]` goes on a struct that implements `synapse::steps::Step<C>`, not on {}{hint}",
            item_kind(item)
        ),
    );
}
