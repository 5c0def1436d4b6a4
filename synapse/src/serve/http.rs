//! A replica's HTTP server: the inference route (at `/` and the SDK's route prefix), health,
//! readiness and `/-/models`, and the line it announces its address with.

use super::replica::Replica;
use super::{MODEL_HEADER, ServeDeployment, ServeError, ServeOptions};
use crate::params::{Violation, Violations};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Prefix of the line a replica prints once it listens: `@synapse-serve {"addr": "…", …}`.
pub const SERVE_LINE_MARKER: &str = "@synapse-serve ";

/// What a replica announces when it listens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServeAnnouncement {
    /// The address it serves on.
    pub addr: SocketAddr,
    /// Its process id.
    pub pid: u32,
    /// The plugin it serves.
    pub plugin: String,
}

struct ServerState<D: ServeDeployment> {
    replica: Arc<Replica<D>>,
    stopping: CancellationToken,
}

/// Serves `deployment` as one replica until `stop` is cancelled; prints the announcement line
/// ([`SERVE_LINE_MARKER`]) once it listens. Requests under way when it stops are answered.
///
/// # Errors
/// [`ServeError::Setup`] when it cannot listen on `options.bind` or its models directory is
/// missing.
pub async fn serve<D: ServeDeployment>(
    deployment: &'static D,
    options: ServeOptions,
    stop: CancellationToken,
) -> Result<(), ServeError> {
    let bind = options.bind;
    let plugin = options.plugin.clone();
    let replica = Replica::new(deployment, options)?;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|error| ServeError::Setup(format!("the replica cannot listen on {bind}: {error}")))?;
    let addr = listener
        .local_addr()
        .map_err(|error| ServeError::Setup(format!("the replica's listening address is unknown: {error}")))?;
    let app = router(replica, stop.clone());
    let announcement = ServeAnnouncement { addr, pid: std::process::id(), plugin };
    println!("{SERVE_LINE_MARKER}{}", serde_json::to_string(&announcement).unwrap_or_default());
    let listener = axum::serve::ListenerExt::tap_io(listener, |stream: &mut tokio::net::TcpStream| {
        let _ = stream.set_nodelay(true);
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { stop.cancelled().await })
        .await
        .map_err(|error| ServeError::Setup(format!("the replica on {addr} stopped serving: {error}")))
}

fn router<D: ServeDeployment>(replica: Arc<Replica<D>>, stopping: CancellationToken) -> axum::Router {
    let prefix = replica.options().route_prefix.clone();
    let state = Arc::new(ServerState { replica, stopping });
    let mut app = axum::Router::new()
        .route("/", post(infer::<D>))
        .route("/-/healthz", get(healthz))
        .route("/-/ready", get(ready::<D>))
        .route("/-/models", get(models::<D>));
    if let Some(prefix) = prefix.map(|prefix| format!("/{}", prefix.trim_matches('/'))).filter(|p| p.len() > 1) {
        app = app.route(&prefix, post(infer::<D>)).route(&format!("{prefix}/"), post(infer::<D>));
    }
    app.with_state(state)
}

fn answer(error: &ServeError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(error.body())).into_response()
}

async fn infer<D: ServeDeployment>(
    State(state): State<Arc<ServerState<D>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if state.stopping.is_cancelled() {
        return answer(&ServeError::Stopping);
    }
    let header = headers.get(MODEL_HEADER).and_then(|value| value.to_str().ok());
    let selection = match state.replica.select(header) {
        Ok(selection) => selection,
        Err(error) => return answer(&error),
    };
    let body = match serde_json::from_slice(&body) {
        Ok(body) => body,
        Err(error) => {
            let violation = Violation {
                path: "$".into(),
                constraint: "json".into(),
                message: format!("the body is not JSON: {error}"),
            };
            return answer(&ServeError::InvalidInput { violations: Violations::from(vec![violation]) });
        }
    };
    match state.replica.infer(selection, body).await {
        Ok(output) => axum::Json(output).into_response(),
        Err(error) => answer(&error),
    }
}

async fn healthz() -> Response {
    axum::Json(json!({ "status": "ok" })).into_response()
}

async fn ready<D: ServeDeployment>(State(state): State<Arc<ServerState<D>>>) -> Response {
    if state.stopping.is_cancelled() {
        return answer(&ServeError::Stopping);
    }
    axum::Json(json!({ "status": "ready", "plugin": state.replica.options().plugin })).into_response()
}

async fn models<D: ServeDeployment>(State(state): State<Arc<ServerState<D>>>) -> Response {
    axum::Json(state.replica.models_status()).into_response()
}
