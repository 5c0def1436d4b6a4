//! What the SDK's ground-truth export reads from `sdk/ground_truth_events/` beyond what the
//! dataset download reads: each event's `data_unit` with its files named (the export saves the
//! primary file under `file_name_original`), the `id`/`ids` filters its per-row data refresh
//! sends (`{id: <event>, page_size: 1}`, the SDK's export `handlers.py` `refresh_data_payload`),
//! and the cursor pagination it opts into (`pagination=cursor&ordering=-pgh_id`).

use super::file_urls::with_urls;
use crate::drf::{ApiError, filters};
use crate::pagination::PageRequest;
use crate::pagination::links::RequestUrl;
use crate::store::Store;
use crate::store::ground_truth::{self, Event, EventFilter};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

/// The event's data unit as the v1 row shows it: `{files: {<spec>: {url, file_type, is_primary,
/// file_name_original}}}`, each file named by the last segment of its media key (unique within a
/// version: `img_0001.png`, `img_0001.json`). The SDK's export `GroundTruthExportTargetHandler`
/// takes the `is_primary` entry of `data_unit.files` as the item's original.
pub(crate) fn data_unit(files: &Value, origin: &str) -> Value {
    let Value::Object(stored) = files else { return json!({ "files": {} }) };
    let mut named = Map::new();
    for (spec, file) in stored {
        let mut file = file.as_object().cloned().unwrap_or_default();
        if let Some(name) = file.get("key").and_then(Value::as_str).and_then(|key| key.rsplit('/').next()) {
            let name = name.to_owned();
            file.entry("file_name_original").or_insert(Value::String(name));
        }
        named.insert(spec.clone(), Value::Object(file));
    }
    json!({ "files": with_urls(&Value::Object(named), origin) })
}

/// The event ids `?id=` and `?ids=` select (both repeated or comma-separated; empty when
/// neither is given): 400 `{"id": ["Enter a whole number."]}` (or `ids`) when one is not.
pub(crate) fn ids(query: Option<&str>) -> Result<Vec<i64>, ApiError> {
    let mut ids = filters::integers(query, "id")?;
    ids.extend(filters::integers(query, "ids")?);
    Ok(ids)
}

/// A cursor page asked for with `?pagination=cursor` (DRF's `CursorPagination`, which the v1
/// SDK viewsets take as an opt-in): newest first unless `ordering` is `pgh_id` or `id` (an event's
/// id stands for its `pgh_id` here), from the position `cursor` encodes, `page_size` events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cursor {
    /// Newest first.
    descending: bool,
    /// The last id of the previous page.
    after: Option<i64>,
    /// Events per page (as `?page_size=` reads for page numbers).
    page_size: u64,
}

impl Cursor {
    /// The cursor request of `query`, `None` without `pagination=cursor`; 404 `{"detail":
    /// "Invalid cursor"}` for a `cursor` this backend did not hand out.
    pub(crate) fn from_query(query: Option<&str>) -> Result<Option<Self>, ApiError> {
        if filters::values(query, "pagination").last().map(String::as_str) != Some("cursor") {
            return Ok(None);
        }
        let ascending = matches!(filters::values(query, "ordering").last().map(String::as_str), Some("pgh_id" | "id"));
        let after = match filters::values(query, "cursor").pop() {
            None => None,
            Some(token) => Some(decode(&token).ok_or(ApiError::InvalidCursor)?),
        };
        let page_size = PageRequest::from_query(query)?.page_size;
        Ok(Some(Self { descending: !ascending, after, page_size }))
    }

    /// The page's events of those `filter` selects, and the `cursor` of the next page when
    /// there is one.
    pub(crate) async fn read(
        self,
        store: &Store,
        filter: EventFilter,
    ) -> Result<(Vec<Event>, Option<String>), ApiError> {
        let filter = EventFilter { descending: self.descending, after: self.after, ..filter };
        let size = self.page_size;
        let mut events = store
            .run(move |connection| ground_truth::list_events(connection, &filter, size.saturating_add(1), 0))
            .await?;
        let more = u64::try_from(events.len()).unwrap_or(u64::MAX) > size;
        events.truncate(usize::try_from(size).unwrap_or(usize::MAX));
        let next = if more { events.last().map(|event| encode(event.id)) } else { None };
        Ok((events, next))
    }
}

/// A cursor page: `{next, previous: null, results}` (no `count`, as DRF's), `next` the request's
/// URL with `cursor` set.
pub(crate) fn cursor_body(url: &RequestUrl, next: Option<String>, results: Vec<Value>) -> Value {
    json!({ "next": next.map(|token| url.with_param("cursor", Some(token))), "previous": null, "results": results })
}

/// DRF's cursor encoding: base64 of the query string `p=<position>`.
fn encode(position: i64) -> String {
    STANDARD.encode(format!("p={position}"))
}

/// The position of a cursor [`encode`] made.
fn decode(token: &str) -> Option<i64> {
    let text = String::from_utf8(STANDARD.decode(token).ok()?).ok()?;
    form_urlencoded::parse(text.as_bytes()).find(|(key, _)| key == "p").and_then(|(_, value)| value.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_named_by_their_key() {
        let files = json!({"image_1": {"key": "gt/3/img_0007.png", "file_type": "image", "is_primary": true}});
        let unit = data_unit(&files, "http://h:1");
        assert_eq!(
            unit,
            json!({"files": {"image_1": {"url": "http://h:1/media/gt/3/img_0007.png", "file_type": "image",
                                         "is_primary": true, "file_name_original": "img_0007.png"}}})
        );
    }

    #[test]
    fn cursors() {
        assert_eq!(decode(&encode(42)), Some(42));
        assert_eq!(decode("bm9wZQ=="), None);
        assert_eq!(decode("%%%"), None);
        assert_eq!(Cursor::from_query(Some("page_size=3")).ok(), Some(None));
        let cursor = Cursor::from_query(Some("pagination=cursor&ordering=-pgh_id&page_size=3")).ok().flatten();
        assert_eq!(cursor, Some(Cursor { descending: true, after: None, page_size: 3 }));
        let query = format!("pagination=cursor&ordering=id&cursor={}", encode(9));
        let cursor = Cursor::from_query(Some(&query)).ok().flatten();
        assert_eq!(cursor, Some(Cursor { descending: false, after: Some(9), page_size: 100 }));
        assert!(Cursor::from_query(Some("pagination=cursor&cursor=xyz")).is_err());
    }

    #[test]
    fn id_and_ids_add_up() {
        assert_eq!(ids(Some("id=4&ids=5,6")).ok(), Some(vec![4, 5, 6]));
        assert_eq!(ids(None).ok(), Some(vec![]));
        assert!(ids(Some("id=x")).is_err());
    }
}
