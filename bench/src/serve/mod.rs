//! The serve figures' pieces (`serve_figures`): the trivial model behind Ray Serve and behind a
//! plugin's `serve`, one checked request to each, and HTTP load from `wrk`.
//!
//! | file | what it holds |
//! |---|---|
//! | `ray_serve.rs` | [`RayServeApp`]: `bench/serve/ray_serve_app.py` deployed through Serve's REST API |
//! | `replica.rs` | [`Replica`]: a plugin binary's `serve` as a child process, its `@synapse-serve` line |
//! | `wrk.rs` | [`wrk::Load`], [`wrk::run`], [`wrk::LoadFigures`]: load from a second process |

mod ray_serve;
mod replica;
pub mod wrk;

pub use ray_serve::RayServeApp;
pub use replica::Replica;

use std::fmt;
use std::time::{Duration, Instant};

/// The request body every figure sends, and what the trivial model answers to it.
pub const BODY: &str = r#"{"values":[1,2,3]}"#;
/// The sum of [`BODY`]'s values, the `sum` of every answer (an integer or a float).
pub const SUM: f64 = 6.0;

/// Why a serve figure could not be taken.
#[derive(Debug)]
pub enum ServeError {
    /// A request got no answer.
    Http {
        /// `GET`, `PUT`, `POST`, `DELETE`.
        method: &'static str,
        /// Its URL.
        url: String,
        /// reqwest's error.
        error: reqwest::Error,
    },
    /// A request got an answer other than the one expected.
    Status {
        /// `GET`, `PUT`, `POST`, `DELETE`.
        method: &'static str,
        /// Its URL.
        url: String,
        /// The answer's status.
        status: u16,
        /// The answer's body.
        body: String,
    },
    /// The Ray head has no Serve (`GET /api/serve/applications/` answered 501).
    NoServe {
        /// The dashboard's URL.
        dashboard: String,
    },
    /// The application ended in a failed state.
    DeployFailed {
        /// Serve's status of the application (`DEPLOY_FAILED`, `UNHEALTHY`).
        status: String,
        /// Serve's message.
        message: String,
    },
    /// Something did not happen in time.
    Timeout {
        /// What was awaited.
        what: String,
        /// For how long.
        after: Duration,
    },
    /// The plugin binary's `serve` could not be started, or ended, or announced no address.
    Replica {
        /// The binary.
        plugin: String,
        /// What went wrong (with its stderr's tail when it ended).
        detail: String,
    },
}

impl fmt::Display for ServeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Http { method, url, error } => {
                write!(f, "{method} {url}: {error}")?;
                let mut source = std::error::Error::source(error);
                while let Some(cause) = source {
                    write!(f, ": {cause}")?;
                    source = cause.source();
                }
                Ok(())
            }
            Self::Status { method, url, status, body } => {
                write!(f, "{method} {url} answered {status}: {}", body.trim())
            }
            Self::NoServe { dashboard } => write!(
                f,
                "the Ray head at {dashboard} has no Serve (501 on /api/serve/applications/): install it with \
                 SYNAPSE_RAY_SERVE=1 scripts/ray.sh install, or run SYNAPSE_RAY_SERVE=1 scripts/ray.sh run -- ..."
            ),
            Self::DeployFailed { status, message } => write!(f, "the Serve application is {status}: {message}"),
            Self::Timeout { what, after } => write!(f, "{what}: not within {after:?}"),
            Self::Replica { plugin, detail } => write!(f, "{plugin} serve: {detail}"),
        }
    }
}

impl std::error::Error for ServeError {}

/// Sends [`BODY`] to `url` with the model `header` until it answers 200 (connection errors are
/// retried for up to `within`, as a server may still be binding), and checks that the answer is
/// the trivial model's: a JSON object whose `sum` is [`SUM`]. Returns that answer.
pub async fn probe(
    client: &reqwest::Client,
    url: &str,
    header: &str,
    within: Duration,
) -> Result<serde_json::Value, ServeError> {
    let start = Instant::now();
    loop {
        let sent = client
            .post(url)
            .header("serve_multiplexed_model_id", header)
            .header("content-type", "application/json")
            .body(BODY)
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(error) if start.elapsed() < within && (error.is_connect() || error.is_request()) => {
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
            Err(error) => return Err(ServeError::Http { method: "POST", url: url.into(), error }),
        };
        let status = response.status().as_u16();
        let body =
            response.text().await.map_err(|error| ServeError::Http { method: "POST", url: url.into(), error })?;
        // Serve's proxy answers 404/503 until the application's route is up.
        if status != 200 && (status == 404 || status == 503) && start.elapsed() < within {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        }
        let answer = serde_json::from_str::<serde_json::Value>(&body).ok();
        return match answer {
            Some(answer) if status == 200 && answer.get("sum").and_then(|sum| sum.as_f64()) == Some(SUM) => Ok(answer),
            _ => Err(ServeError::Status { method: "POST", url: url.into(), status, body }),
        };
    }
}
