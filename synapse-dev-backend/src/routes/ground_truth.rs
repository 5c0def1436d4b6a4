//! Ground truth: `GET sdk/ground_truth_events/` (paged, filtered by version and category, with
//! dynamic fields) and `GET ground_truth_dataset_versions/{id}/`.

use super::file_urls::with_urls;
use super::ground_truth_export;
use super::{Shared, path_id};
use crate::drf::dynamic::Shape;
use crate::drf::{ApiError, filters};
use crate::pagination::PageRequest;
use crate::pagination::links::RequestUrl;
use crate::store::ground_truth::{self, CATEGORIES, Event, EventFilter};
use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Map, Value, json};

/// `GET sdk/ground_truth_events/?ground_truth_dataset_versions=&category=&id=&ids=&fields=&expand=`:
/// the events by id, a DRF page at a time; with `pagination=cursor`, a cursor page
/// ([`ground_truth_export::Cursor`]).
pub(crate) async fn list_events(State(app): State<Shared>, url: RequestUrl) -> Result<Json<Value>, ApiError> {
    let query = url.query();
    let request = PageRequest::from_query(query)?;
    let filter = EventFilter {
        versions: filters::integers(query, "ground_truth_dataset_versions")?,
        category: filters::choice(query, "category", &CATEGORIES)?,
        ids: ground_truth_export::ids(query)?,
        ..EventFilter::default()
    };
    let shape = Shape::from_query(query);
    if let Some(cursor) = ground_truth_export::Cursor::from_query(query)? {
        let (events, next) = cursor.read(&app.store, filter).await?;
        let results = events.into_iter().map(|event| shape.apply(event_json(event, url.origin()))).collect();
        return Ok(Json(ground_truth_export::cursor_body(&url, next, results)));
    }
    // Counted once, and each page read from where the one before it ended, while no event is
    // added (`store::event_pages`).
    let (counting, listing) = (app.store.event_pages(), app.store.event_pages());
    let count = move |connection: &_, filter: &_| counting.count(connection, filter);
    let list = move |connection: &_, filter: &_, limit, offset| listing.list(connection, filter, limit, offset);
    let (page, events) = request.read_where(&app.store, filter, count, list).await?;
    let results = events.into_iter().map(|event| shape.apply(event_json(event, url.origin()))).collect();
    Ok(Json(page.body(&url, results)))
}

/// An event as the API shows it: `{id, category, files, data, data_unit,
/// ground_truth_dataset_version, created}`, its files with absolute URLs (its annotations moved,
/// not copied).
fn event_json(event: Event, origin: &str) -> Map<String, Value> {
    let mut object = Map::with_capacity(7);
    object.insert("id".to_owned(), json!(event.id));
    object.insert("category".to_owned(), Value::String(event.category));
    object.insert("files".to_owned(), with_urls(&event.files, origin));
    object.insert("data".to_owned(), event.data);
    object.insert("data_unit".to_owned(), ground_truth_export::data_unit(&event.files, origin));
    object.insert("ground_truth_dataset_version".to_owned(), json!(event.version));
    object.insert("created".to_owned(), Value::String(event.created));
    object
}

/// `GET ground_truth_dataset_versions/{id}/`: `{id, ground_truth_dataset, name, event_count,
/// created}`.
pub(crate) async fn version(State(app): State<Shared>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let id = path_id(&id)?;
    let version = app.store.run(move |connection| ground_truth::version(connection, id)).await?;
    version.map(Json).ok_or(ApiError::NotFound)
}
