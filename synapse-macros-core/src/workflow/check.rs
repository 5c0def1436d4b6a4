//! The rules of a `#[workflow]` that can be checked from its tokens: concrete, with a context,
//! each step listed once. The rules that need the steps' types (marked `#[step]`, over the
//! context, weights and names) are compile-time checks the expansion emits.
//!
//! Layer: check (reader → model → **check** → expand). It runs on a model once it is read, and
//! records every broken rule; the expansion in `synapse-macros` and source discovery read the
//! model only when it passed.

use super::Workflow;
use crate::errors::Errors;
use crate::shape::{check_listed_once, check_not_generic};
use quote::ToTokens;

/// Records in `errors` every way `workflow` breaks the rules.
pub fn check(errors: &Errors, workflow: &Workflow) {
    let strukt = workflow.listed.strukt;
    check_not_generic(
        errors,
        &strukt.generics,
        "a `#[workflow]` cannot be generic: it lists concrete steps over one context type",
    );
    // Only when nothing else is wrong: a misspelled `context` is reported as such, not as missing.
    if workflow.args.context.is_none() && errors.is_empty() {
        let tokens = &workflow.args.tokens;
        let at = if tokens.is_empty() { strukt.ident.to_token_stream() } else { tokens.clone() };
        errors.error_spanned(at, "a workflow needs the state its steps share: `#[workflow(context = MyState)]`");
    }
    check_listed_once(errors, &workflow.listed.members, |step| {
        format!("`{step}` is listed twice in this workflow; a step runs once per workflow")
    });
}
