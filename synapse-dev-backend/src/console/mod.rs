//! The web console: the runs and jobs this backend knows, live, at `/console/`.
//!
//! | Route | What |
//! |---|---|
//! | `GET /console/` | the runs page: the jobs newest first, [`PAGE_SIZE`] a page (`?page=`), each with its status and overall progress bar |
//! | `GET /console/jobs/{id}` | a job's page: overall and per-step progress bars, metric charts, visualizations, result or error with the rollbacks, log entries (level, step) |
//! | `GET /console/events?page=N`, `GET /console/jobs/{id}/events?after=L` | the live updates of those pages, as Server-Sent Events ([`events`]) |
//! | `GET /console/api/jobs?page=N`, `GET /console/api/jobs/{id}` | what the pages show, as JSON ([`view`]): `{count, page, pages, results: [summary]}`, a job's detail |
//!
//! Like `/_dev`, the console needs no credentials: the backend listens on loopback only. The
//! pages are rendered here ([`html`], [`chart`]), each one request (its style and its script
//! inline); the script (`console.js`) only swaps in the fragments the event stream carries, so
//! a page updates without reloading.

mod chart;
mod events;
mod html;
mod view;

use crate::drf::ApiError;
use crate::pagination::links::RequestUrl;
use crate::routes::Shared;
use crate::store::{StoreError, jobs, logs};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

/// Runs per page of the runs page.
pub(crate) const PAGE_SIZE: u64 = 100;

/// The log entries a job page or an update carries at most (the newest are kept for later
/// updates).
const LOG_BATCH: u64 = 2000;

/// The console's routes.
pub(crate) fn router() -> Router<Shared> {
    Router::new()
        .route("/console", get(|| async { Redirect::permanent("/console/") }))
        .route("/console/", get(runs_page))
        .route("/console/jobs/{id}", get(job_page))
        .route("/console/events", get(events::runs))
        .route("/console/jobs/{id}/events", get(events::job))
        .route("/console/api/jobs", get(api_runs))
        .route("/console/api/jobs/{id}", get(api_job))
}

/// A page of runs: `(count, page, pages, summaries)`, `page` brought within the pages there are.
pub(crate) struct RunsPage {
    pub(crate) count: u64,
    pub(crate) page: u64,
    pub(crate) pages: u64,
    pub(crate) summaries: Vec<Value>,
}

/// The query parameter `name` of a request, if given.
pub(crate) fn param(url: &RequestUrl, name: &str) -> Option<String> {
    let query = url.query()?;
    form_urlencoded::parse(query.as_bytes()).find(|(key, _)| key == name).map(|(_, value)| value.into_owned())
}

/// The `page` query parameter: a positive integer, 1 when absent or anything else.
fn requested_page(url: &RequestUrl) -> u64 {
    param(url, "page").and_then(|page| page.parse::<u64>().ok()).filter(|page| *page > 0).unwrap_or(1)
}

/// Reads page `page` of the runs, newest first.
pub(crate) async fn read_runs(app: &Shared, page: u64) -> Result<RunsPage, StoreError> {
    let read = app
        .store
        .run(move |connection| {
            let count = jobs::count(connection)?;
            let pages = count.div_ceil(PAGE_SIZE).max(1);
            let page = page.min(pages);
            let jobs = jobs::newest(connection, PAGE_SIZE, (page - 1) * PAGE_SIZE)?;
            Ok(RunsPage { count, page, pages, summaries: jobs.iter().map(view::summary).collect() })
        })
        .await?;
    Ok(read)
}

/// A job's detail and its log entries after `after`, or `None` when there is no such job.
pub(crate) async fn read_job(app: &Shared, id: i64, after: i64) -> Result<Option<(Value, Vec<Value>)>, StoreError> {
    let read = app
        .store
        .run(move |connection| {
            let Some(job) = jobs::get(connection, id)? else { return Ok(None) };
            let patches = jobs::patch_bodies(connection, id)?;
            let entries = logs::of_job_after(connection, id, 0, &view::DETAIL_EVENTS, u64::MAX, "")?;
            let last = logs::last_id(connection, id)?;
            // The newest entries when there are more than a batch.
            let from = after.max(last - i64::try_from(LOG_BATCH).unwrap_or(i64::MAX));
            let new = logs::of_job_after(connection, id, from, &[], LOG_BATCH, "")?;
            Ok(Some((view::detail(&job, &patches, &entries, last), new)))
        })
        .await?;
    Ok(read)
}

/// What says whether a job changed: its `modified` and its last log entry's id; `None` when
/// there is no such job.
pub(crate) async fn job_version(app: &Shared, id: i64) -> Result<Option<(String, i64)>, StoreError> {
    app.store
        .run(move |connection| {
            let Some(job) = jobs::get(connection, id)? else { return Ok(None) };
            Ok(Some((job.modified().to_owned(), logs::last_id(connection, id)?)))
        })
        .await
}

/// A job id from the path: a positive integer, else no job.
fn job_id(text: &str) -> Option<i64> {
    text.parse::<i64>().ok().filter(|id| *id > 0)
}

/// 404 as a page.
fn not_found(what: &str) -> Response {
    let body = format!("<h1>Not found</h1><p>{}</p>", html::escape(what));
    (StatusCode::NOT_FOUND, Html(html::page("Not found", "", &body))).into_response()
}

/// `GET /console/`.
async fn runs_page(State(app): State<Shared>, url: RequestUrl) -> Response {
    match read_runs(&app, requested_page(&url)).await {
        Ok(read) => {
            let stream = format!("/console/events?page={}", read.page);
            let body = html::runs(&read.summaries, read.page, read.pages, read.count);
            Html(html::page("Runs", &stream, &body)).into_response()
        }
        Err(error) => ApiError::from(error).into_response(),
    }
}

/// `GET /console/jobs/{id}`.
async fn job_page(State(app): State<Shared>, Path(id): Path<String>) -> Response {
    let Some(number) = job_id(&id) else { return not_found(&format!("`{id}` is no job id")) };
    match read_job(&app, number, 0).await {
        Ok(Some((detail, entries))) => {
            let stream = format!("/console/jobs/{number}/events?after={}", detail["last_log"]);
            let body = html::job(&detail, &html::log_rows(&entries));
            Html(html::page(&format!("Job #{number}"), &stream, &body)).into_response()
        }
        Ok(None) => not_found(&format!("There is no job {number}.")),
        Err(error) => ApiError::from(error).into_response(),
    }
}

/// `GET /console/api/jobs`.
async fn api_runs(State(app): State<Shared>, url: RequestUrl) -> Response {
    match read_runs(&app, requested_page(&url)).await {
        Ok(read) => {
            Json(json!({"count": read.count, "page": read.page, "pages": read.pages, "results": read.summaries}))
                .into_response()
        }
        Err(error) => ApiError::from(error).into_response(),
    }
}

/// `GET /console/api/jobs/{id}`.
async fn api_job(State(app): State<Shared>, Path(id): Path<String>) -> Response {
    let Some(number) = job_id(&id) else { return ApiError::NotFound.into_response() };
    match read_job(&app, number, i64::MAX).await {
        Ok(Some((detail, _))) => Json(detail).into_response(),
        Ok(None) => ApiError::NotFound.into_response(),
        Err(error) => ApiError::from(error).into_response(),
    }
}
