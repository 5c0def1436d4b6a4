//! The routes, and what every API route goes through first ([`gate`]).
//!
//! API routes (the Synapse v1 subset, each path with its trailing slash) are counted, checked
//! against the fault table, and authenticated, in that order. The dev routes under `/_dev` and
//! the console's under `/console` ([`crate::console`]) are none of these. A path no route serves
//! is counted apart and answered 404 `{"detail": "Not found."}`.

pub(crate) mod annotation;
pub(crate) mod assignments;
pub(crate) mod data;
pub(crate) mod dev;
pub(crate) mod dev_platform;
mod file_urls;
pub(crate) mod ground_truth;
mod ground_truth_export;
pub(crate) mod jobs;
pub(crate) mod logs;
pub(crate) mod models;
pub(crate) mod plugin_releases;
pub(crate) mod plugins;
pub(crate) mod uploads;

use crate::auth::{self, Tokens, Verdict};
use crate::drf::{ApiError, detail};
use crate::faults::{Faults, Outcome};
use crate::media::{self, Media};
use crate::store::Store;
use crate::store::requests::AuthRecord;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use std::net::SocketAddr;
use std::sync::Arc;

/// The largest request body: `POST logs/` may carry files as base64 `data:` URIs.
const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// The largest chunk of a chunked upload (streamed to disk, never held whole): 1 GiB.
const CHUNK_LIMIT: usize = 1024 * 1024 * 1024;

/// What the handlers share.
pub(crate) struct App {
    /// The state.
    pub(crate) store: Store,
    /// The files served under `/media/`.
    pub(crate) media: Media,
    /// The fault table.
    pub(crate) faults: Faults,
    /// The tokens accepted.
    pub(crate) tokens: Tokens,
    /// The address the server listens on (URLs for requests without a `Host` header).
    pub(crate) addr: SocketAddr,
    /// The S3 bucket listed as storage 2, if any.
    pub(crate) s3: Option<data::storages::S3Storage>,
    /// That bucket, reached at the first presigned upload (presigned URLs then point into it).
    pub(crate) bucket: crate::s3::Connector,
    /// Set when the server shuts down: the console's event streams then end, so that they do
    /// not hold the graceful shutdown up.
    pub(crate) closing: std::sync::atomic::AtomicBool,
}

/// The handlers' state.
pub(crate) type Shared = Arc<App>;

/// Every route of the backend.
pub(crate) fn router(app: Shared) -> Router {
    let api = Router::new()
        .route("/jobs/", get(jobs::list))
        .route("/jobs/{id}/", get(jobs::retrieve).patch(jobs::update))
        .route("/jobs/{id}/console_logs/", get(jobs::console_logs))
        .route("/logs/", post(logs::create))
        .route("/data_collections/{id}/", get(data::collections::retrieve))
        .route("/data_files/", post(data::files::create))
        .route("/data_files/{id}/", delete(data::files::delete))
        .route("/data_files/verify_checksums/", post(data::files::verify_checksums))
        .route("/data_files/presigned_upload/upload/", post(data::presigned::upload))
        .route("/data_files/presigned_upload/confirm_upload/", post(data::presigned::confirm))
        .route("/data_units/", post(data::units::create))
        .route("/data_units/{id}/", get(data::units::retrieve))
        .route("/v2/data-units/{id}/", delete(data::units::delete))
        .route("/storages/", get(data::storages::list))
        .route("/storages/{id}/", get(data::storages::retrieve))
        .route("/storages/{id}/session/", post(data::storage_sessions::issue))
        .route("/sdk/ground_truth_events/", get(ground_truth::list_events))
        .route("/ground_truth_dataset_versions/{id}/", get(ground_truth::version))
        .route("/projects/{id}/", get(annotation::project))
        .route("/sdk/tasks/", get(annotation::list_tasks))
        .route("/tasks/{id}/", get(annotation::task))
        .route("/sdk/assignments/", get(assignments::list))
        .route("/tasks/{id}/annotate_task_data/", put(annotation::annotate))
        .route("/plugin_releases/", post(plugin_releases::create).layer(DefaultBodyLimit::max(CHUNK_LIMIT)))
        .route("/plugin_releases/{id}/", get(plugins::release))
        .route("/plugins/{code}/run/", post(plugins::run))
        .route("/serve_applications/", get(plugins::list_serve_applications).post(plugins::create_serve_application))
        .route("/chunked_upload/", put(uploads::start).layer(DefaultBodyLimit::max(CHUNK_LIMIT)))
        .route(
            "/chunked_upload/{id}/",
            get(uploads::retrieve)
                .put(uploads::append)
                .post(uploads::complete)
                .layer(DefaultBodyLimit::max(CHUNK_LIMIT)),
        )
        .route("/models/", get(models::list).post(models::create))
        .route("/models/{id}/", get(models::retrieve))
        // Before the gate: DRF authenticates before it looks at the method.
        .method_not_allowed_fallback(method_not_allowed)
        .route_layer(middleware::from_fn_with_state(app.clone(), gate));
    let media = Router::new()
        .route("/media/{*key}", get(media::serve))
        .route("/_presigned/{*key}", put(data::presigned::put))
        .method_not_allowed_fallback(method_not_allowed)
        .route_layer(middleware::from_fn_with_state(app.clone(), public_gate));
    let dev = Router::new()
        .route("/_dev/jobs", post(dev::create_job))
        .route("/_dev/state", get(dev::state))
        .route("/_dev/media/{*key}", put(dev::put_media))
        .route("/_dev/data_collections", post(data::collections::seed))
        .route("/_dev/faults", get(dev::list_faults).post(dev::add_fault).delete(dev::clear_faults))
        .route("/_dev/seed/gt_dataset", post(dev_platform::seed_gt_dataset))
        .route("/_dev/seed/project", post(dev_platform::seed_project))
        .route("/_dev/seed/plugin_release", post(dev_platform::seed_plugin_release))
        .route("/_dev/seed/assignments", post(assignments::seed))
        .method_not_allowed_fallback(method_not_allowed);
    api.merge(media)
        .merge(dev)
        .merge(crate::console::router())
        .fallback(unmatched)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(app)
}

/// Counts an API request and records its credentials, applies the faults that fire on it, then
/// authenticates it.
async fn gate(State(app): State<Shared>, matched: MatchedPath, request: Request, next: Next) -> Response {
    admit(app, matched, request, next, true).await
}

/// [`gate`] without authentication, for media: counted and faulted like the API, but its URLs are
/// handed out to be fetched as they are (as a storage's URLs are).
async fn public_gate(State(app): State<Shared>, matched: MatchedPath, request: Request, next: Next) -> Response {
    admit(app, matched, request, next, false).await
}

async fn admit(app: Shared, matched: MatchedPath, request: Request, next: Next, authenticate: bool) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let credentials = auth::inspect(request.headers(), request.uri().query(), &app.tokens);
    let route = format!("{method} {}", matched.as_str());
    let record = authenticate.then(|| AuthRecord {
        route: route.clone(),
        path: path.clone(),
        variant: credentials.variant_names(),
        token: credentials.token.map(str::to_owned),
        tenant: credentials.tenant.clone(),
        tenant_variant: credentials.tenant_variant.map(str::to_owned),
        url_host: credentials.url_host.clone(),
        accepted: credentials.verdict == Verdict::Accepted,
    });
    app.store.requests().record(&route, true, record);

    let firing = app.faults.fire(&method, &path);
    if !firing.delay.is_zero() {
        tokio::time::sleep(firing.delay).await;
    }
    match &firing.outcome {
        Some(Outcome::Status(status)) => return (*status, Json(detail("Injected fault."))).into_response(),
        Some(Outcome::Raw(status, body)) => {
            return (*status, [(header::CONTENT_TYPE, "application/json")], body.clone()).into_response();
        }
        _ => {}
    }

    let response = match credentials.verdict {
        _ if !authenticate => next.run(request).await,
        Verdict::Missing => ApiError::NotAuthenticated.into_response(),
        Verdict::Invalid => ApiError::InvalidToken.into_response(),
        Verdict::Accepted => next.run(request).await,
    };
    if firing.outcome == Some(Outcome::DropResponse) { broken(response) } else { response }
}

/// The response with its body replaced by one that fails at once: the server gives up on the
/// connection, and the client never gets a whole message.
fn broken(response: Response) -> Response {
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let failing =
        futures_util::stream::iter([Err::<Bytes, _>(std::io::Error::other("the response was dropped by a fault"))]);
    Response::from_parts(parts, Body::from_stream(failing))
}

/// 405, DRF's way.
async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::MethodNotAllowed(method)
}

/// A path no route serves: counted under `unmatched`, answered 404.
async fn unmatched(State(app): State<Shared>, method: Method, request: Request) -> Response {
    app.store.requests().record(&format!("{method} {}", request.uri().path()), false, None);
    ApiError::NotFound.into_response()
}

/// A row's id from the path (a job's, a model's, a task's…): a segment that is no positive
/// integer names nothing (404, like Django's `<int:pk>`).
pub(crate) fn path_id(text: &str) -> Result<i64, ApiError> {
    text.parse::<i64>().ok().filter(|id| *id > 0).ok_or(ApiError::NotFound)
}

/// 201 Created with `body`.
pub(crate) fn created(body: serde_json::Value) -> Response {
    (StatusCode::CREATED, Json(body)).into_response()
}
