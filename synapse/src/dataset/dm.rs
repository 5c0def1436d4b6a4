//! The annotation JSON written for an event: which of its sources is read (its `data_meta_*`
//! file's JSON first, then its `data`, as the SDK's `_build_dm_json` does), and the DM document
//! written from it (a v2 document as it is; a v1 document as it is until the DM converter is
//! wired in here).

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

/// The document written to `json/<stem>.json` for the annotations `source`.
///
/// # Errors
/// What the conversion says is wrong with `source`.
pub(super) fn written(source: Value) -> Result<Value, String> {
    if !source.is_object() {
        return Err(format!("a DM document is a JSON object, not `{source}`"));
    }
    Ok(source)
}

/// How many annotations `dm` holds: in a v2 document, the items of each tool's list of each
/// image; in a v1 document, the items of each media's `annotations` list.
pub(super) fn annotation_count(dm: &Value) -> u64 {
    let lists = |value: Option<&Value>| -> u64 {
        value
            .and_then(Value::as_object)
            .map(|map| map.values().filter_map(Value::as_array).map(|items| items.len() as u64).sum())
            .unwrap_or(0)
    };
    match dm.get("images").and_then(Value::as_array) {
        Some(images) => images.iter().map(|image| lists(Some(image))).sum(),
        None => lists(dm.get("annotations")),
    }
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
        assert_eq!((annotation_count(&v1), annotation_count(&v2)), (2, 3));
        assert!(written(json!([1])).is_err());
    }
}
