//! The inference of `method: inference`: an action of the plugin's own registry
//! (`pre_processor`), found before the tasks are fetched and run in this process on each task,
//! with JSON params and a JSON output.

use super::ToTaskError;
use crate::action::{ActionDescriptor, Failure};
use crate::context::Context;
use crate::error::{Error, Result};
use serde_json::Value;
use std::borrow::Cow;

/// The action `name` of the running plugin (of the whole binary when the run names no plugin
/// the registry knows).
///
/// # Errors
/// [`ToTaskError::UnknownInferenceAction`] listing the plugin's actions;
/// [`ToTaskError::Registry`] when the binary's registry does not build.
pub(super) fn find_action(ctx: &Context, name: &str) -> Result<&'static ActionDescriptor, ToTaskError> {
    let registry = crate::registry::registry().map_err(|error| ToTaskError::Registry { reason: error.to_string() })?;
    let view = registry.plugin_view(ctx.plugin()).unwrap_or(Cow::Borrowed(registry));
    view.action(name).ok_or_else(|| ToTaskError::UnknownInferenceAction {
        name: name.to_owned(),
        plugin: view.plugin().code,
        available: view.names().into_iter().map(str::to_owned).collect(),
    })
}

/// Runs `action` with `params` in this process, as a run of its own: its context has the run's
/// environment, backend client and cancellation, and no event sinks (its events are not the
/// pre-annotation's). Its output, checked against its result schema.
///
/// # Errors
/// [`ToTaskError::InferenceParams`] for params its schema refuses; its own error, an output its result schema refuses: each
/// naming the action.
pub(super) async fn infer(
    ctx: &Context,
    action: &'static ActionDescriptor,
    task_id: u64,
    params: Value,
) -> Result<Value> {
    let name = action.name();
    action.validate_params(&params).map_err(|refused| ToTaskError::InferenceParams {
        action: name.to_owned(),
        task_id,
        violations: refused.violations,
    })?;
    let inner = Context::builder(name)
        .plugin(ctx.plugin())
        .job_id(None)
        .env(ctx.env().clone())
        .backend(ctx.client().ok().cloned())
        .cancellation(ctx.cancellation_token().child_token())
        .build();
    let produced = action.run(params, inner.clone()).await.map_err(|failure| match failure {
        Failure::Params(violations) => {
            ToTaskError::InferenceParams { action: name.to_owned(), task_id, violations }.into()
        }
        Failure::Action(error) => error.context(format!("inference action `{name}` failed")),
    })?;
    let output = action.check_result(produced, inner.logger()).map_err(|violations| {
        Error::msg(format!("inference action `{name}` returned a result its own schema refuses:\n{violations}"))
    });
    inner.finish();
    output
}
