//! The rules of a `#[pipeline]` that can be checked from its tokens: concrete, each action
//! listed once. That each listed type is an `#[action]` struct and that each action accepts
//! the previous one's output are compile-time checks the expansion emits.
//!
//! Layer: check (reader → model → **check** → expand). It runs on a model once it is read, and
//! records every broken rule; the expansion in `synapse-macros` and source discovery read the
//! model only when it passed.

use super::Pipeline;
use crate::errors::Errors;
use crate::shape::{check_listed_once, check_not_generic};

/// Records in `errors` every way `pipeline` breaks the rules.
pub fn check(errors: &Errors, pipeline: &Pipeline) {
    check_not_generic(
        errors,
        &pipeline.listed.strukt.generics,
        "a `#[pipeline]` cannot be generic: it lists concrete actions",
    );
    check_listed_once(errors, &pipeline.listed.members, |action| {
        format!(
            "`{action}` is listed twice in this pipeline; an action runs once per pipeline run (its result fields would overwrite the first run's)"
        )
    });
}
