//! A job's log: read whole ([`RayJobsClient::logs`]), from an offset
//! ([`RayJobsClient::logs_since`]), or followed as it is written ([`LogFollower`]).
//!
//! Ray 2.x offers three ways to read a job's log over HTTP:
//!
//! - `GET /api/jobs/{id}/logs`: the whole log as one JSON string, every time;
//! - `GET /api/v0/logs/file?node_id=…&filename=job-driver-{id}.log&lines=N`: the last N lines
//!   (`-1`: all) as plain text, again whole;
//! - `GET /api/v0/logs/stream?…&lines=-1&interval=…`: the file from its start, then every
//!   append as a chunk of a never-ending chunked HTTP answer (like `tail -f`).
//!
//! [`LogFollower`] uses the stream, so each poll costs nothing but the new bytes. The stream
//! does not end when the job does, so the follower also checks the job's status; once it is
//! terminal, one read of the whole file delivers whatever the stream had not yet sent, and the
//! follower ends. Until the job has a node (PENDING) and its log file exists, it waits. If
//! the stream endpoint is unusable (a proxy that drops it, a node whose agent is gone), it
//! falls back to diffing the whole log from `/api/jobs/{id}/logs`.
//!
//! Files: this one holds the client's log calls; `follower.rs` holds [`LogFollower`], which
//! reads the stream through them.

mod follower;

pub use follower::LogFollower;

use super::error::Call;
use super::{RayError, RayJobsClient, validate_submission_id};
use reqwest::{Method, Response};
use serde::Deserialize;
use std::time::Duration;

/// New log text and where to continue from: what
/// [`RayJobsClient::logs_since`](super::RayJobsClient::logs_since) returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogChunk {
    /// The text after the offset asked for (empty when nothing is new).
    pub text: String,
    /// The offset to ask for next time (a byte offset into the whole log).
    pub next_offset: usize,
}

#[derive(Deserialize)]
struct LogsResponse {
    logs: String,
}

impl RayJobsClient {
    /// The job's whole log so far: `GET /api/jobs/{id}/logs`. The entrypoint's stdout and
    /// stderr are merged, with Ray's own lines ("Runtime env is setting up.", "Running
    /// entrypoint for job …") mixed in, not always in order.
    pub async fn logs(&self, id: &str) -> Result<String, RayError> {
        validate_submission_id(id)?;
        let path = format!("/api/jobs/{id}/logs");
        let answer: LogsResponse = self.get_json(&path, Call::Job(id)).await?;
        Ok(answer.logs)
    }

    /// The log text after byte `offset`, and the offset to continue from.
    ///
    /// Stateless, for callers that keep the offset themselves; Ray has no offset parameter, so
    /// each call transfers the whole log. To follow a running job, [`follow_logs`](Self::follow_logs)
    /// is cheaper: it streams only new text. An offset inside a character continues at the
    /// next character; an offset past the end gives no text.
    pub async fn logs_since(&self, id: &str, offset: usize) -> Result<LogChunk, RayError> {
        let logs = self.logs(id).await?;
        let mut start = offset.min(logs.len());
        while !logs.is_char_boundary(start) {
            start += 1;
        }
        Ok(LogChunk { text: logs[start..].to_owned(), next_offset: logs.len().max(offset) })
    }

    /// Follows the job's log: each [`LogFollower::next`] returns the text written since the
    /// previous one, and `None` once the job is over and all of its log was returned.
    ///
    /// It reads Ray's chunked log stream (`GET /api/v0/logs/stream` on the driver's node), so
    /// only new text crosses the network; see [`LogFollower`].
    pub fn follow_logs(&self, id: &str) -> Result<LogFollower, RayError> {
        validate_submission_id(id)?;
        Ok(LogFollower::new(self.clone(), id.to_owned()))
    }

    /// The whole of a log file on a node: `GET /api/v0/logs/file`.
    pub(crate) async fn log_file(&self, node_id: &str, filename: &str) -> Result<Vec<u8>, RayError> {
        let mut url = self.url("/api/v0/logs/file")?;
        url.query_pairs_mut()
            .append_pair("node_id", node_id)
            .append_pair("filename", filename)
            .append_pair("lines", "-1");
        let path = "/api/v0/logs/file";
        let request = self.request_without_timeout(Method::GET, url).timeout(self.timeouts.request);
        let response = self.send(request, "GET", path, Call::Plain).await?;
        let bytes = response.bytes().await.map_err(|error| self.transport(error, self.timeouts.request))?;
        Ok(bytes.to_vec())
    }

    /// A never-ending chunked follow of a log file on a node, from its start:
    /// `GET /api/v0/logs/stream`. Only the answer's headers are bounded by the request timeout.
    pub(crate) async fn log_stream(
        &self,
        node_id: &str,
        filename: &str,
        interval: Duration,
    ) -> Result<Response, RayError> {
        let mut url = self.url("/api/v0/logs/stream")?;
        url.query_pairs_mut()
            .append_pair("node_id", node_id)
            .append_pair("filename", filename)
            .append_pair("lines", "-1")
            .append_pair("interval", &format!("{:.3}", interval.as_secs_f64()));
        let path = "/api/v0/logs/stream";
        let request = self.request_without_timeout(Method::GET, url);
        match tokio::time::timeout(self.timeouts.request, self.send(request, "GET", path, Call::Plain)).await {
            Ok(result) => result,
            Err(_) => Err(RayError::Unreachable {
                address: self.address.to_string(),
                reason: format!("no answer within {}", humantime::format_duration(self.timeouts.request)),
                source: None,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::extract::{Path, State};
    use axum::http::StatusCode;
    use axum::routing::get;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A dashboard without the log stream (a proxy that drops it): status RUNNING three times, then
    /// SUCCEEDED; the job's log grows by one line per read.
    async fn dashboard_without_log_stream() -> String {
        #[derive(Default)]
        struct Calls {
            status: AtomicUsize,
            logs: AtomicUsize,
        }
        async fn status(State(calls): State<Arc<Calls>>, Path(id): Path<String>) -> axum::Json<serde_json::Value> {
            let n = calls.status.fetch_add(1, Ordering::SeqCst);
            let status = if n < 3 { "RUNNING" } else { "SUCCEEDED" };
            axum::Json(serde_json::json!({"submission_id": id, "status": status, "driver_node_id": "n1"}))
        }
        async fn logs(State(calls): State<Arc<Calls>>) -> axum::Json<serde_json::Value> {
            let n = calls.logs.fetch_add(1, Ordering::SeqCst).min(2) + 1;
            let text: String = (1..=n).map(|i| format!("line-{i}\n")).collect();
            axum::Json(serde_json::json!({ "logs": text }))
        }
        async fn missing() -> (StatusCode, &'static str) {
            (StatusCode::NOT_FOUND, "404: Not Found")
        }
        let app = axum::Router::new()
            .route("/api/jobs/{id}", get(status))
            .route("/api/jobs/{id}/logs", get(logs))
            .route("/api/v0/logs/stream", get(missing))
            .route("/api/v0/logs/file", get(missing))
            .with_state(Arc::new(Calls::default()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        address
    }

    #[tokio::test]
    async fn without_the_stream_the_whole_log_is_diffed() {
        let address = dashboard_without_log_stream().await;
        let client = RayJobsClient::new(&address).unwrap();
        let mut follower = client.follow_logs("j").unwrap().with_poll_interval(Duration::from_millis(50));
        let mut chunks = Vec::new();
        while let Some(text) = follower.next().await.unwrap() {
            assert!(!follower.is_streaming());
            chunks.push(text);
        }
        assert_eq!(chunks.concat(), "line-1\nline-2\nline-3\n");
        assert!(chunks.len() >= 2, "{chunks:?}");
        assert_eq!(follower.details().map(|d| d.status), Some(super::super::JobStatus::Succeeded));
        assert_eq!(follower.next().await.unwrap(), None);
    }
}
