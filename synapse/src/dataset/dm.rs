//! The annotation JSON written for an event: which of its sources is read (its `data_meta_*`
//! file's JSON first, then its `data`, as the SDK's `_build_dm_json` does), and the canonical
//! DM v2 document written from it ([`crate::formats::dm`]: v1 converted, v2 read in any of the
//! four box forms the SDK's datasets hold).

use crate::formats::dm::convert::v1_to_v2;
use crate::formats::dm::v1::DmV1Document;
use crate::formats::dm::v2::{DmV2Document, DmV2Image};
use serde_json::Value;

/// The annotations of an event: the JSON of its `data_meta_*` file when that holds annotations
/// (`annotations` not empty, or `images`), else its `data` (the backend's copy: DM v1
/// `{annotations, annotationsData, …}`, or v2 `{images: […]}`), else an empty object.
pub(super) fn source(meta: Option<Value>, data: &Value) -> Value {
    let has_annotations = |value: &Value| {
        value.get("images").is_some_and(Value::is_array)
            || value.get("annotations").and_then(Value::as_object).is_some_and(|map| !map.is_empty())
    };
    match meta {
        Some(meta) if has_annotations(&meta) => meta,
        _ if has_annotations(data) => data.clone(),
        _ => serde_json::json!({}),
    }
}

/// The DM v2 document written to `json/<stem>.json` for the annotations `source`: a v2 document
/// (it has `images`) read and written canonically (`id` + `data` boxes; a box without an id gets
/// a fresh one); anything else read as DM v1 and converted. An item always has one image entry,
/// empty when it has no annotations (as the SDK writes it).
///
/// # Errors
/// What the DM reader or the v1 → v2 conversion says is wrong with `source`.
pub(crate) fn written(source: Value) -> Result<Value, String> {
    if !source.is_object() {
        return Err(format!("a DM document is a JSON object, not `{source}`"));
    }
    let mut document = if source.get("images").is_some() {
        serde_json::from_value::<DmV2Document>(source).map_err(|error| format!("not a DM v2 document: {error}"))?
    } else {
        let v1: DmV1Document =
            serde_json::from_value(source).map_err(|error| format!("not a DM v1 document: {error}"))?;
        v1_to_v2(&v1).map_err(|error| error.to_string())?
    };
    if document.images.is_empty() {
        document.images.push(DmV2Image::default());
    }
    for image in &mut document.images {
        for found in &mut image.bounding_box {
            found.id.get_or_insert_with(crate::formats::dm::fresh_id);
        }
    }
    serde_json::to_value(&document).map_err(|error| error.to_string())
}

/// How many annotations a v2 `dm` holds: the items of each tool's list of each image.
pub(super) fn annotation_count(dm: &Value) -> u64 {
    let images = dm.get("images").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    images
        .iter()
        .filter_map(Value::as_object)
        .flat_map(|image| image.values().filter_map(Value::as_array))
        .map(|items| items.len() as u64)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_data_meta_file_comes_first_then_the_events_data() {
        let v1 = json!({"annotations": {"image_1": [{"id": "a"}, {"id": "b"}]}, "annotationsData": {}});
        let v2 = json!({"images": [{"bounding_box": [{"id": "a"}], "polygon": [{"id": "b"}, {"id": "c"}]}]});
        assert_eq!(source(Some(v1.clone()), &v2), v1);
        assert_eq!(source(Some(json!({"annotations": {}})), &v2), v2);
        assert_eq!(source(None, &json!({})), json!({}));
    }

    #[test]
    fn v1_is_converted_and_every_v2_box_form_is_written_canonically() {
        let v1 = json!({"annotations": {"image_1": [{"id": "a1", "tool": "bounding_box", "classification": {"class": "car"}}]},
                        "annotationsData": {"image_1": [{"id": "a1", "coordinate": {"x": 1, "y": 2, "width": 3, "height": 4}}]}});
        let written_v1 = written(v1).expect("converted");
        assert_eq!(written_v1["images"][0]["bounding_box"][0]["data"], json!([1, 2, 3, 4]));
        assert_eq!(written_v1["images"][0]["bounding_box"][0]["id"], "a1");
        assert_eq!(annotation_count(&written_v1), 1);
        let sdk = json!({"images": [{"bounding_box": [{"classification": "car", "x": 5, "y": 6, "width": 7, "height": 8}],
                                     "polygon": [{"id": "p", "classification": "crack", "data": [[0, 0], [1, 0], [1, 1]]}]}]});
        let written_sdk = written(sdk).expect("read");
        let found = &written_sdk["images"][0]["bounding_box"][0];
        assert_eq!(found["data"], json!([5, 6, 7, 8]));
        assert!(found["id"].as_str().is_some_and(|id| id.len() == 10), "{found}");
        assert_eq!(annotation_count(&written_sdk), 2);
        assert_eq!(written(json!({})).expect("empty")["images"], json!([{"bounding_box": []}]));
        assert!(written(json!([1])).is_err());
    }
}
