//! The dev backend (`synapse-dev-backend`) in the test process, as the `backend_*.rs` tests use
//! it: one started on a free loopback port, a client of it, and requests to its `/_dev/*` routes
//! (state, faults, jobs, seeds).

use serde_json::{Value, json};
use std::ffi::OsStr;
use std::time::Duration;
use synapse::backend::{BackendClient, BackendConfig, RetryPolicy};
use synapse_dev_backend::{DevBackend, RunningDevBackend};

/// The token the dev backends of [`start`] accept.
pub const TOKEN: &str = "dev-token";

/// A dev backend accepting [`TOKEN`], its state in memory, on a free loopback port.
pub async fn start() -> RunningDevBackend {
    DevBackend::builder().token(TOKEN).in_memory().bind("127.0.0.1:0").start().await.expect("dev backend")
}

/// A retry policy short enough for tests: `attempts` tries in all, backoffs from `base_ms` up to
/// `max_ms` milliseconds.
pub fn quick(attempts: u32, base_ms: u64, max_ms: u64) -> RetryPolicy {
    RetryPolicy { attempts, base: Duration::from_millis(base_ms), max: Duration::from_millis(max_ms) }
}

/// A client of the backend at `url` with [`TOKEN`], retrying as `retry` says.
pub fn client_of(url: &str, retry: RetryPolicy) -> BackendClient {
    BackendClient::new(BackendConfig::new(url, TOKEN).expect("config")).expect("client").with_retry(retry)
}

/// The JSON answer to `method` on the dev route `path` (e.g. `_dev/state`), with `body` as JSON
/// when given. Panics naming the path, the status and the answer when the status is no success.
pub async fn dev(backend: &RunningDevBackend, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
    let mut request = reqwest::Client::new().request(method, format!("{}{path}", backend.url()));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("dev route");
    let status = response.status();
    let body: Value = response.json().await.expect("JSON");
    assert!(status.is_success(), "{path}: {status} {body}");
    body
}

/// `GET /_dev/state`.
pub async fn state(backend: &RunningDevBackend) -> Value {
    dev(backend, reqwest::Method::GET, "_dev/state", None).await
}

/// How many requests the backend counted for `route` (`"GET /media/{*key}"`), from `/_dev/state`.
pub async fn requests(backend: &RunningDevBackend, route: &str) -> u64 {
    state(backend).await["requests"][route].as_u64().unwrap_or(0)
}

/// `POST /_dev/faults` with `fault` (`{method, path_glob, nth? | every?, status? | body? | …}`).
pub async fn fault(backend: &RunningDevBackend, fault: Value) {
    dev(backend, reqwest::Method::POST, "_dev/faults", Some(fault)).await;
}

/// A new job (`POST /_dev/jobs`), by its id.
pub async fn new_job(backend: &RunningDevBackend) -> u64 {
    dev(backend, reqwest::Method::POST, "_dev/jobs", Some(json!({}))).await["id"].as_u64().expect("id")
}

/// The job as the dev backend keeps it, with its PATCHes and log entries.
pub async fn job_state(backend: &RunningDevBackend, job: u64) -> (Value, Vec<Value>, Vec<Value>) {
    let state = dev(backend, reqwest::Method::GET, "_dev/state", None).await;
    let record = state["jobs"].as_array().expect("jobs").iter().find(|j| j["id"] == job).cloned().expect("the job");
    let patches =
        record["patches"].as_array().cloned().unwrap_or_default().into_iter().map(|p| p["body"].clone()).collect();
    let logs = state["logs"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|l| l["job"].as_u64() == Some(job) || l["job"].as_str() == Some(job.to_string().as_str()))
        .collect();
    (record, patches, logs)
}

/// Runs the plugin binary `bin` with `args`, its backend `backend` (`SYNAPSE_HOST`,
/// `SYNAPSE_ACCESS_TOKEN`; no inherited `SYNAPSE_JOB_ID`) and the variables `envs`: its result
/// (stdout, as JSON) and its stderr. Panics with the stderr when it fails.
pub async fn run_plugin<V: AsRef<OsStr>>(
    bin: &str,
    backend: &RunningDevBackend,
    args: &[&str],
    envs: &[(&str, V)],
) -> (Value, String) {
    let ran = tokio::process::Command::new(bin)
        .args(args)
        .env("SYNAPSE_HOST", backend.url())
        .env("SYNAPSE_ACCESS_TOKEN", TOKEN)
        .envs(envs.iter().map(|(name, value)| (name, value.as_ref())))
        .env_remove("SYNAPSE_JOB_ID")
        .output()
        .await
        .expect("the plugin ran");
    let stderr = String::from_utf8_lossy(&ran.stderr).into_owned();
    assert!(ran.status.success(), "{args:?}: {stderr}");
    let result = serde_json::from_slice(&ran.stdout).unwrap_or_else(|error| panic!("{error}: {stderr}"));
    (result, stderr)
}
