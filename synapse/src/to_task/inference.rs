//! The inference of `method: inference` ([`Inference`]): an action of the plugin's own registry
//! run in this process on each task, or (with the `serve` feature) a serve application's
//! replicas asked over HTTP; JSON in, JSON out.

use super::ToTaskError;
use crate::action::{ActionDescriptor, Failure};
use crate::context::Context;
use crate::error::{Error, Result};
use serde_json::Value;
use std::borrow::Cow;

/// What infers each task with `method: inference` (found by `prepare`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Inference {
    /// An inference action of this plugin, run in this process.
    Action(&'static ActionDescriptor),
    /// A serve application's replicas (`pre_processor` a plugin release).
    #[cfg(feature = "serve")]
    Served(std::sync::Arc<super::ServedInference>),
}

impl Inference {
    /// `inference action `name`` or `serve application `name``, as messages name it.
    pub fn describe(&self) -> String {
        match self {
            Inference::Action(action) => format!("inference action `{}`", action.name()),
            #[cfg(feature = "serve")]
            Inference::Served(served) => format!("serve application `{}`", served.application()),
        }
    }

    /// The inference of task `task_id` with `request` (the annotator's
    /// [`inference_params`](super::Annotator::inference_params)).
    ///
    /// # Errors
    /// [`ToTaskError::InferenceParams`] when the action or the replica refuses the request's
    /// shape; the action's own error, or the replica's, naming it.
    pub(super) async fn infer(&self, ctx: &Context, task_id: u64, request: Value) -> Result<Value> {
        match self {
            Inference::Action(action) => infer(ctx, action, task_id, request).await,
            #[cfg(feature = "serve")]
            Inference::Served(served) => served.infer(task_id, &request).await,
        }
    }
}

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
/// environment, backend client and cancellation, the job `job` (none: nothing it reports is
/// the run's job's), and no event sinks (its events are not the pre-annotation's). Its output,
/// checked against its result schema.
///
/// # Errors
/// [`Failure::Params`] for params its schema refuses; [`Failure::Action`] for its own error or
/// an output its result schema refuses (for the caller to name the action).
pub(super) async fn run_action(
    ctx: &Context,
    action: &'static ActionDescriptor,
    params: Value,
    job: Option<String>,
) -> Result<Value, Failure> {
    action.validate_params(&params).map_err(|refused| Failure::Params(refused.violations))?;
    let inner = Context::builder(action.name())
        .plugin(ctx.plugin())
        .job_id(job)
        .env(ctx.env().clone())
        .backend(ctx.client().ok().cloned())
        .cancellation(ctx.cancellation_token().child_token())
        .build();
    let produced = action.run(params, inner.clone()).await?;
    let output = action.check_result(produced, inner.logger()).map_err(|violations| {
        Failure::Action(Error::msg(format!("it returned a result its own schema refuses:\n{violations}")))
    });
    inner.finish();
    output
}

/// Runs inference action `action` on task `task_id` with `params` ([`run_action`], no job).
///
/// # Errors
/// [`ToTaskError::InferenceParams`] for params its schema refuses; its own error, an output its
/// result schema refuses: each naming the action.
async fn infer(ctx: &Context, action: &'static ActionDescriptor, task_id: u64, params: Value) -> Result<Value> {
    run_action(ctx, action, params, None).await.map_err(|failure| match failure {
        Failure::Params(violations) => {
            ToTaskError::InferenceParams { action: action.name().to_owned(), task_id, violations }.into()
        }
        Failure::Action(error) => error.context(format!("inference action `{}` failed", action.name())),
    })
}
