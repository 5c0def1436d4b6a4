//! A plugin release's serve application as the inference of `method: inference`, as the SDK's
//! `ToTaskAction` uses its `pre_processor`: the release read (`GET plugin_releases/{id}/`), its
//! plugin's serve applications listed (`GET serve_applications/?plugin_code=[&job__agent=]`),
//! the newest `RUNNING` one whose replicas answer `/-/ready` taken; when none does and the
//! release is this plugin's, its `deployment` action run first (replicas started on Ray, the
//! application registered for the run's job). Each task's request then goes to the replicas
//! ([`ServeClient`]: the model's own replica first) with the run's `model` in the
//! `serve_multiplexed_model_id` header ([`caller_header`]: the SDK's signed model token when the
//! run has a backend token).

use super::inference::{find_action, run_action};
use super::{ToTaskError, ToTaskParams};
use crate::action::Failure;
use crate::backend::{BackendClient, ServeApplication};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::serve::{InferError, ServeClient, caller_header};
use futures_util::TryStreamExt;
use serde_json::Value;
use std::net::SocketAddr;
use std::time::Duration;

/// The action a plugin runs to start its serve application (the SDK's `action: 'deployment'`).
pub const DEPLOYMENT_ACTION: &str = "deployment";

/// How long a replica has to answer `/-/ready` before it is passed over.
const READY_TIMEOUT: Duration = Duration::from_secs(3);

/// A serve application's replicas, asked for each task's inference with the run's model.
pub struct ServedInference {
    application: String,
    client: ServeClient,
    model: u64,
    /// The model header: a signed token carries the caller's credentials, so it never shows.
    header: String,
}

impl std::fmt::Debug for ServedInference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServedInference")
            .field("application", &self.application)
            .field("replicas", &self.client.replicas())
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

impl ServedInference {
    /// The serve application's name (`<plugin code>@<version>`, as its deployment registered it).
    pub fn application(&self) -> &str {
        &self.application
    }

    /// Its replicas.
    pub fn replicas(&self) -> Vec<SocketAddr> {
        self.client.replicas()
    }

    /// The model asked for.
    pub fn model(&self) -> u64 {
        self.model
    }

    /// Task `task_id`'s inference with `request`.
    ///
    /// # Errors
    /// [`ToTaskError::ServedParams`] when the replica refuses the request's shape (422); the
    /// replica's [`InferError`] otherwise, naming the application.
    pub(super) async fn infer(&self, task_id: u64, request: &Value) -> Result<Value> {
        self.client.infer(&self.header, self.model, request).await.map_err(|error| match error {
            InferError::Refused { kind, violations: Some(violations), .. } if kind == "invalid_input" => {
                ToTaskError::ServedParams { application: self.application.clone(), task_id, violations }.into()
            }
            other => Error::new(other).context(format!("serve application `{}`", self.application)),
        })
    }
}

/// The serve application of plugin release `release` for a run with `params`, deployed first
/// when none is running and the release is this plugin's.
///
/// # Errors
/// [`ToTaskError::Params`] without a `model`; [`ToTaskError::Backend`] reading the release or
/// the applications; [`ToTaskError::NoServeApplication`] when none runs and this run cannot
/// deploy it; [`ToTaskError::Deployment`] when its deployment fails.
pub(super) async fn connect(
    ctx: &Context,
    client: &BackendClient,
    params: &ToTaskParams,
    release: u64,
) -> Result<ServedInference, ToTaskError> {
    let Some(model) = params.model else {
        return Err(ToTaskError::Params {
            reason: format!(
                "`model` is required with plugin release {release} as `pre_processor`: the model its serve application \
                 infers with"
            ),
        });
    };
    let found = client
        .get_plugin_release(release)
        .await
        .map_err(|error| ToTaskError::backend(format!("reading plugin release {release} (`pre_processor`)"), error))?;
    let plugin = found.plugin.code().map(str::to_owned).ok_or_else(|| ToTaskError::Params {
        reason: format!("plugin release {release} does not name its plugin's code: {:?}", found.plugin),
    })?;
    let applications: Vec<ServeApplication> =
        client.list_serve_applications(&plugin, params.agent).try_collect().await.map_err(|error| {
            ToTaskError::backend(format!("listing the serve applications of plugin `{plugin}`"), error)
        })?;
    let mut seen = Vec::new();
    let mut running: Vec<&ServeApplication> =
        applications.iter().filter(|application| application.status.as_deref() == Some("RUNNING")).collect();
    running.sort_by_key(|application| std::cmp::Reverse(application.id));
    for application in running {
        let name = application_name(&application.data, &plugin, &found.version);
        let listed = replica_addrs(&application.data);
        let replicas = ready(listed.clone()).await;
        if replicas.is_empty() {
            let listed: Vec<String> = listed.iter().map(ToString::to_string).collect();
            let listed = if listed.is_empty() { "none listed".to_owned() } else { listed.join(", ") };
            seen.push(format!("{} ({name}): no replica answers ({listed})", application.id));
            continue;
        }
        return Ok(served(name, replicas, model, ctx));
    }
    seen.extend(
        applications
            .iter()
            .filter(|application| application.status.as_deref() != Some("RUNNING"))
            .map(|application| format!("{}: {}", application.id, application.status.as_deref().unwrap_or("no status"))),
    );
    if plugin != ctx.plugin() {
        return Err(ToTaskError::NoServeApplication {
            release,
            plugin,
            seen,
            hint: format!(
                "this run's plugin (`{}`) cannot deploy another's; run its `{DEPLOYMENT_ACTION}` action",
                ctx.plugin()
            ),
        });
    }
    let deployment = find_action(ctx, DEPLOYMENT_ACTION).map_err(|_| ToTaskError::NoServeApplication {
        release,
        plugin: plugin.clone(),
        seen: seen.clone(),
        hint: format!("this plugin has no `{DEPLOYMENT_ACTION}` action to start it"),
    })?;
    let given = params.pre_processor_params.get(DEPLOYMENT_ACTION).cloned().unwrap_or_else(|| serde_json::json!({}));
    let passed_over = if seen.is_empty() { String::new() } else { format!(" (seen: {})", seen.join("; ")) };
    ctx.log_message_code(&super::ToTaskMessage::Deploying {
        plugin: plugin.clone(),
        seen: passed_over,
        action: DEPLOYMENT_ACTION.to_owned(),
    });
    let output = run_action(ctx, deployment, given, ctx.job_id().map(str::to_owned)).await.map_err(|failure| {
        let source = match failure {
            Failure::Params(violations) => Error::msg(format!(
                "its params (`pre_processor_params.{DEPLOYMENT_ACTION}`) are refused:\n{violations}"
            )),
            Failure::Action(error) => error,
        };
        ToTaskError::Deployment { plugin: plugin.clone(), seen: seen.clone(), source }
    })?;
    let replicas = ready(replica_addrs(&output)).await;
    if replicas.is_empty() {
        let source = Error::msg(format!("its result names no replica that answers: {output}"));
        return Err(ToTaskError::Deployment { plugin, seen, source });
    }
    Ok(served(application_name(&output, &plugin, &found.version), replicas, model, ctx))
}

fn served(application: String, replicas: Vec<SocketAddr>, model: u64, ctx: &Context) -> ServedInference {
    let header = caller_header(model, |name| {
        ctx.env().get_str(name, "").ok().filter(|value| !value.is_empty()).or_else(|| std::env::var(name).ok())
    });
    ServedInference { application, client: ServeClient::new(replicas), model, header }
}

/// The application's name in `data` (its deployment's `application`, or the registered
/// `name`), else `<plugin>@<version>`.
fn application_name(data: &Value, plugin: &str, version: &str) -> String {
    ["application", "name"]
        .iter()
        .find_map(|key| data.get(key).and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| format!("{plugin}@{version}"))
}

/// The replicas `data` lists: `replicas: [{addr: "host:port", …}]`, as a deployment's result
/// and its registered application show them.
fn replica_addrs(data: &Value) -> Vec<SocketAddr> {
    let listed = data.get("replicas").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    listed.iter().filter_map(|replica| replica.get("addr")?.as_str()?.parse().ok()).collect()
}

/// Those of `replicas` that answer `GET /-/ready` with a success within [`READY_TIMEOUT`].
async fn ready(replicas: Vec<SocketAddr>) -> Vec<SocketAddr> {
    let Ok(http) = reqwest::Client::builder().timeout(READY_TIMEOUT).build() else { return Vec::new() };
    let checks = replicas.into_iter().map(|addr| {
        let http = http.clone();
        async move {
            let answered = http.get(format!("http://{addr}/-/ready")).send().await;
            answered.is_ok_and(|response| response.status().is_success()).then_some(addr)
        }
    });
    futures_util::future::join_all(checks).await.into_iter().flatten().collect()
}
