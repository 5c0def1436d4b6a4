//! The console's live updates, as Server-Sent Events: each stream looks at the store every
//! [`TICK`] and sends what changed, as the HTML fragments the page swaps in.
//!
//! - `GET /console/events?page=N`: event `runs`, `{count, page, pages, rows}` (`rows` the
//!   `<tbody>` of the page), whenever a run of that page (or the number of runs) changed;
//! - `GET /console/jobs/{id}/events?after=L`: event `job`, `{status, finished, last_log,
//!   sections: {<element id>: html}, logs}` (`logs` the rows of the entries after `L` and after
//!   those sent before), whenever the job or its log entries changed; event `gone` when the job
//!   is no more (the stream then ends).
//!
//! A failure to read the store is sent as event `failure` with its message; the stream goes on.
//! The streams end when the server shuts down.

use super::{html, job_version, param, read_job, read_runs, requested_page};
use crate::pagination::links::RequestUrl;
use crate::routes::Shared;
use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use serde_json::{Map, Value, json};
use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How often a stream looks for changes.
pub(crate) const TICK: Duration = Duration::from_millis(250);

/// What a stream of the runs page remembers.
struct RunsFeed {
    app: Shared,
    page: u64,
    last: Option<String>,
    first: bool,
}

/// `GET /console/events?page=N`.
pub(crate) async fn runs(
    State(app): State<Shared>,
    url: RequestUrl,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let feed = RunsFeed { app, page: requested_page(&url), last: None, first: true };
    let stream = futures_util::stream::unfold(feed, |mut feed| async move {
        loop {
            if !std::mem::take(&mut feed.first) {
                tokio::time::sleep(TICK).await;
            }
            if feed.app.closing.load(Ordering::Relaxed) {
                return None;
            }
            let payload = match read_runs(&feed.app, feed.page).await {
                Ok(read) => json!({
                    "count": read.count, "page": read.page, "pages": read.pages,
                    "rows": html::run_rows(&read.summaries),
                })
                .to_string(),
                Err(error) => return Some((Ok(failure(&error.to_string())), feed)),
            };
            if feed.last.as_deref() != Some(payload.as_str()) {
                feed.last = Some(payload.clone());
                return Some((Ok(Event::default().event("runs").data(payload)), feed));
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// What a stream of a job page remembers.
struct JobFeed {
    app: Shared,
    id: i64,
    /// The last log entry sent (or on the page).
    after: i64,
    /// The job's `modified` when last sent.
    modified: Option<String>,
    first: bool,
    gone: bool,
}

/// `GET /console/jobs/{id}/events?after=L`.
pub(crate) async fn job(
    State(app): State<Shared>,
    Path(id): Path<String>,
    url: RequestUrl,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let after = param(&url, "after").and_then(|after| after.parse::<i64>().ok()).unwrap_or(0).max(0);
    let id = super::job_id(&id).unwrap_or(0);
    let feed = JobFeed { app, id, after, modified: None, first: true, gone: false };
    let stream = futures_util::stream::unfold(feed, |mut feed| async move {
        if feed.gone {
            return None;
        }
        loop {
            if !std::mem::take(&mut feed.first) {
                tokio::time::sleep(TICK).await;
            }
            if feed.app.closing.load(Ordering::Relaxed) {
                return None;
            }
            // The whole detail only when the job or its entries changed.
            match job_version(&feed.app, feed.id).await {
                Ok(Some((modified, last))) if Some(&modified) == feed.modified.as_ref() && last <= feed.after => {
                    continue;
                }
                Ok(_) => {}
                Err(error) => return Some((Ok(failure(&error.to_string())), feed)),
            }
            let (detail, entries) = match read_job(&feed.app, feed.id, feed.after).await {
                Ok(Some(read)) => read,
                Ok(None) => {
                    feed.gone = true;
                    return Some((Ok(Event::default().event("gone").data(feed.id.to_string())), feed));
                }
                Err(error) => return Some((Ok(failure(&error.to_string())), feed)),
            };
            let modified = detail["modified"].as_str().map(str::to_owned);
            if modified == feed.modified && entries.is_empty() {
                continue;
            }
            feed.modified = modified;
            feed.after = entries.last().and_then(|entry| entry["id"].as_i64()).unwrap_or(feed.after);
            let sections: Map<String, Value> = html::job_sections(&detail)
                .into_iter()
                .map(|(id, html)| (id.to_owned(), Value::String(html)))
                .collect();
            let payload = json!({
                "status": detail["status"],
                "finished": detail["finished"],
                "last_log": feed.after,
                "sections": sections,
                "logs": html::log_rows(&entries),
            });
            return Some((Ok(Event::default().event("job").data(payload.to_string())), feed));
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

fn failure(message: &str) -> Event {
    Event::default().event("failure").data(message)
}
