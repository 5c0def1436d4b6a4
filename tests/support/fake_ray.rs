//! A stand-in for a Ray dashboard that fails the way real ones do, for the failure tests that
//! need no real cluster: an HTML error page from a proxy in front of it, and a dashboard that
//! goes away while a run is being followed.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// How the stand-in behaves.
#[derive(Clone, Copy, Debug)]
pub enum Failure {
    /// Every request is answered 500 with an HTML page (a proxy or web server in Ray's place).
    Html500,
    /// Packages and submissions are accepted and the job is RUNNING, until the job's status has
    /// been asked for this many times: then the dashboard goes away (nothing listens any more).
    VanishesMidRun {
        /// Status answers before it goes away.
        after_status: usize,
    },
}

/// The page [`Failure::Html500`] answers with.
pub const ERROR_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head>\n\
    <body><h1>500 Internal Server Error</h1>\n<p>The upstream dashboard is restarting.</p></body></html>\n";

/// A running stand-in; stopped when dropped.
pub struct FakeDashboard {
    /// Its address, e.g. `http://127.0.0.1:40123`.
    pub address: String,
    shared: Arc<Shared>,
    stop: Arc<Notify>,
    thread: Option<std::thread::JoinHandle<()>>,
}

struct Shared {
    failure: Failure,
    statuses: AtomicUsize,
    /// The bodies of the job submissions received, in order.
    submissions: Mutex<Vec<Value>>,
    /// The `Authorization` header of each submission, in order.
    authorizations: Mutex<Vec<Option<String>>>,
    stop: Arc<Notify>,
}

impl FakeDashboard {
    /// Starts a stand-in on a free loopback port, serving from a thread of its own.
    pub fn start(failure: Failure) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        listener.set_nonblocking(true).expect("non-blocking listener");
        let address = format!("http://{}", listener.local_addr().expect("its address"));
        let stop = Arc::new(Notify::new());
        let shared = Arc::new(Shared {
            failure,
            statuses: AtomicUsize::new(0),
            submissions: Mutex::new(Vec::new()),
            authorizations: Mutex::new(Vec::new()),
            stop: stop.clone(),
        });
        let served = shared.clone();
        let thread = std::thread::spawn(move || {
            let shared = served;
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                let stopped = shared.stop.clone();
                let app = match shared.failure {
                    Failure::Html500 => Router::new().fallback(any(html_500)),
                    Failure::VanishesMidRun { .. } => Router::new()
                        .route("/api/version", get(version))
                        .route("/api/packages/gcs/{name}", get(ok).put(ok))
                        .route("/api/jobs/", axum::routing::post(submit))
                        .route("/api/jobs/{id}", get(status))
                        .fallback(any(not_found)),
                }
                .with_state(shared);
                let _ =
                    axum::serve(listener, app).with_graceful_shutdown(async move { stopped.notified().await }).await;
            });
        });
        FakeDashboard { address, shared, stop, thread: Some(thread) }
    }

    /// The bodies of the job submissions it received (`POST /api/jobs/`), in order.
    pub fn submissions(&self) -> Vec<Value> {
        self.shared.submissions.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// The `Authorization` header each submission came with, in order.
    pub fn authorizations(&self) -> Vec<Option<String>> {
        self.shared.authorizations.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}

impl Drop for FakeDashboard {
    fn drop(&mut self) {
        self.stop.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn html_500() -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, [(header::CONTENT_TYPE, "text/html")], ERROR_PAGE).into_response()
}

async fn version() -> axum::Json<Value> {
    axum::Json(json!({ "version": "4", "ray_version": "2.60.0" }))
}

async fn ok() -> StatusCode {
    StatusCode::OK
}

async fn not_found() -> StatusCode {
    StatusCode::NOT_FOUND
}

async fn submit(
    State(shared): State<Arc<Shared>>,
    headers: axum::http::HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> axum::Json<Value> {
    let id = body["submission_id"].as_str().unwrap_or("job").to_owned();
    let authorization = headers.get(header::AUTHORIZATION).and_then(|value| value.to_str().ok()).map(str::to_owned);
    shared.authorizations.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(authorization);
    shared.submissions.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(body);
    axum::Json(json!({ "submission_id": id, "job_id": null }))
}

async fn status(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let seen = shared.statuses.fetch_add(1, Ordering::SeqCst) + 1;
    if let Failure::VanishesMidRun { after_status } = shared.failure
        && seen >= after_status
    {
        shared.stop.notify_one();
    }
    axum::Json(json!({ "submission_id": id, "status": "RUNNING", "entrypoint": "plugin" })).into_response()
}
