//! What the integration tests share: a backend, a client, and requests as a plugin makes them.

#![allow(dead_code, missing_docs)]

use reqwest::{Client, RequestBuilder, Response};
use serde_json::{Value, json};
use synapse_dev_backend::{DevBackend, RunningDevBackend};

/// The access token of the backends under test.
pub const TOKEN: &str = "secret-token";

/// A backend in memory on a free loopback port.
pub async fn start() -> RunningDevBackend {
    DevBackend::builder().token(TOKEN).in_memory().start().await.expect("the backend starts")
}

/// A client that talks to loopback directly, whatever proxies the environment names.
pub fn client() -> Client {
    Client::builder().no_proxy().build().expect("a client")
}

/// The absolute URL of `path` (relative to the host root, as the SDK writes paths).
pub fn url(backend: &RunningDevBackend, path: &str) -> String {
    format!("{}{path}", backend.url())
}

/// The request with the v1 SDK's access-token header.
pub fn authed(request: RequestBuilder) -> RequestBuilder {
    request.header("Synapse-Access-Token", format!("Token {TOKEN}"))
}

/// The status and JSON body of a response.
pub async fn status_and_json(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response.json().await.expect("a JSON body");
    (status, body)
}

/// `POST /{path}` of a dev route (`_dev/seed/project`, `_dev/data_collections`…) with `body`:
/// the status and the JSON answer.
pub async fn post_dev(client: &Client, backend: &RunningDevBackend, path: &str, body: &Value) -> (u16, Value) {
    status_and_json(client.post(url(backend, path)).json(body).send().await.expect(path)).await
}

/// [`post_dev`] that must create: the answer of its 201.
pub async fn created_dev(client: &Client, backend: &RunningDevBackend, path: &str, body: &Value) -> Value {
    let (status, created) = post_dev(client, backend, path, body).await;
    assert_eq!(status, 201, "{path}: {created}");
    created
}

/// A job, made through the dev routes.
pub async fn create_job(client: &Client, backend: &RunningDevBackend, body: Value) -> Value {
    created_dev(client, backend, "_dev/jobs", &body).await
}

/// `GET /_dev/state`.
pub async fn state(client: &Client, backend: &RunningDevBackend) -> Value {
    let response = client.get(url(backend, "_dev/state")).send().await.expect("GET /_dev/state");
    let (status, state) = status_and_json(response).await;
    assert_eq!(status, 200, "{state}");
    state
}

/// A log entry as the SDK's JobLogger sends it.
pub fn entry(job: &Value, event: &str, data: Value) -> Value {
    json!({
        "event": event,
        "data": data,
        "datetime": "2026-02-17T10:04:05.123456+00:00",
        "job": job["id"],
        "step": "train",
        "level": "info",
    })
}
