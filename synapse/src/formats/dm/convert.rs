//! DM v1 ↔ v2, by the mapping rules of the Python SDK's tool processors
//! (`utils/converters/dm/tools/*.py`): `coordinate.{x,y,width,height}` ↔ `data[x,y,w,h]`,
//! `coordinate.rotation` ↔ the `rotation` attribute, `classification.class` ↔ `classification`,
//! the other classification keys ↔ `attrs`; polygon and polyline points ↔ `[{x, y, id}]`; a
//! keypoint ↔ `{x, y}` with `shape: "circle"`. Other tools pass their coordinate through.

use super::v1::{DmV1Document, V1Annotation, V1Data};
use super::v2::{DmV2Box, DmV2Document, DmV2Image};
use crate::formats::FormatError;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A v1 document as v2: one image per media key (in index order, `image_2` before `image_10`),
/// `annotations` joined with `annotationsData` by `id`.
///
/// # Errors
/// [`FormatError::DmV1`] for an annotation without geometry, [`FormatError::InvalidBox`] for a
/// box coordinate without `x`, `y`, `width`, `height`.
pub fn v1_to_v2(v1: &DmV1Document) -> Result<DmV2Document, FormatError> {
    let mut media: Vec<&String> = v1.annotations.keys().collect();
    media.sort_by_key(|key| (key.rsplit_once('_').and_then(|(_, n)| n.parse::<u64>().ok()), key.as_str()));
    let mut classes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut images = Vec::new();
    for key in media {
        let data: HashMap<&str, &V1Data> =
            v1.annotations_data.get(key).into_iter().flatten().map(|d| (d.id.as_str(), d)).collect();
        let mut image = DmV2Image::default();
        for (index, annotation) in v1.annotations[key].iter().enumerate() {
            let Some(geometry) = data.get(annotation.id.as_str()) else {
                return Err(FormatError::DmV1 {
                    media: key.clone(),
                    id: annotation.id.clone(),
                    message: "no annotationsData entry has this id".to_owned(),
                });
            };
            let class = annotation.classification.get("class").and_then(Value::as_str).unwrap_or_default().to_owned();
            let mut attrs: Vec<Value> = annotation
                .classification
                .iter()
                .filter(|(name, _)| name.as_str() != "class")
                .map(|(name, value)| json!({"name": name, "value": value}))
                .collect();
            classes.entry(annotation.tool.clone()).or_default().insert(class.clone());
            if annotation.tool == "bounding_box" {
                let c = &geometry.coordinate;
                let field = |name: &str| c.get(name).and_then(Value::as_f64);
                let (Some(x), Some(y), Some(w), Some(h)) = (field("x"), field("y"), field("width"), field("height"))
                else {
                    return Err(FormatError::InvalidBox {
                        image: key.clone(),
                        index,
                        id: Some(annotation.id.clone()),
                        message: format!("coordinate {c} lacks x, y, width or height"),
                    });
                };
                if let Some(rotation) = c.get("rotation") {
                    attrs.push(json!({"name": "rotation", "value": rotation}));
                }
                let id = Some(annotation.id.clone());
                image.bounding_box.push(DmV2Box { id, classification: class, attrs, data: [x, y, w, h] });
            } else {
                let data = match annotation.tool.as_str() {
                    "polygon" | "polyline" => Value::Array(
                        geometry.coordinate.as_array().into_iter().flatten().map(|p| json!([p["x"], p["y"]])).collect(),
                    ),
                    "keypoint" => json!([geometry.coordinate["x"], geometry.coordinate["y"]]),
                    _ => geometry.coordinate.clone(),
                };
                let entry = json!({"id": annotation.id, "classification": class, "attrs": attrs, "data": data});
                let tool = image.other.entry(annotation.tool.clone()).or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(entries) = tool {
                    entries.push(entry);
                }
            }
        }
        images.push(image);
    }
    let classification = classes.into_iter().map(|(tool, names)| (tool, Value::from_iter(names))).collect();
    Ok(DmV2Document { classification, images })
}

/// A v2 document as v1: media keys `image_1`, `image_2`, …, the flags at their defaults
/// (`isValid: false`, `isDrawCompleted: true`, `label: []`), `extra`, `relations` and
/// `annotationGroups` empty. Boxes without an id get a fresh one.
pub fn v2_to_v1(v2: &DmV2Document) -> DmV1Document {
    let mut v1 = DmV1Document::default();
    for (index, image) in v2.images.iter().enumerate() {
        let key = format!("image_{}", index + 1);
        let (mut annotations, mut data) = (Vec::new(), Vec::new());
        for b in &image.bounding_box {
            let id = b.id.clone().unwrap_or_else(super::fresh_id);
            let [x, y, width, height] = b.data;
            let mut coordinate = json!({"x": x, "y": y, "width": width, "height": height});
            let mut classification = Map::new();
            classification.insert("class".to_owned(), b.classification.clone().into());
            for attr in &b.attrs {
                let (Some(name), Some(value)) = (attr.get("name").and_then(Value::as_str), attr.get("value")) else {
                    continue;
                };
                if name == "rotation" {
                    coordinate["rotation"] = value.clone();
                } else {
                    classification.insert(name.to_owned(), value.clone());
                }
            }
            annotations.push(annotation(&id, "bounding_box", classification));
            data.push(V1Data { id, coordinate, other: Map::new() });
        }
        for (tool, entries) in &image.other {
            for entry in entries.as_array().into_iter().flatten() {
                let id = entry.get("id").and_then(Value::as_str).map_or_else(super::fresh_id, str::to_owned);
                let mut classification = Map::new();
                classification.insert("class".to_owned(), entry.get("classification").cloned().unwrap_or_default());
                for attr in entry.get("attrs").and_then(Value::as_array).into_iter().flatten() {
                    if let (Some(name), Some(value)) = (attr.get("name").and_then(Value::as_str), attr.get("value")) {
                        classification.insert(name.to_owned(), value.clone());
                    }
                }
                let raw = entry.get("data").cloned().unwrap_or_default();
                let mut other = Map::new();
                let coordinate = match tool.as_str() {
                    "polygon" | "polyline" => Value::Array(
                        raw.as_array()
                            .into_iter()
                            .flatten()
                            .enumerate()
                            .map(|(n, p)| json!({"x": p[0], "y": p[1], "id": format!("{id}-{n}")}))
                            .collect(),
                    ),
                    "keypoint" => {
                        other.insert("shape".to_owned(), "circle".into());
                        json!({"x": raw[0], "y": raw[1]})
                    }
                    _ => raw,
                };
                annotations.push(annotation(&id, tool, classification));
                data.push(V1Data { id, coordinate, other });
            }
        }
        v1.annotations.insert(key.clone(), annotations);
        v1.annotations_data.insert(key, data);
    }
    v1
}

fn annotation(id: &str, tool: &str, classification: Map<String, Value>) -> V1Annotation {
    V1Annotation {
        id: id.to_owned(),
        tool: tool.to_owned(),
        is_locked: false,
        is_visible: true,
        is_valid: false,
        is_draw_completed: true,
        label: Vec::new(),
        classification,
    }
}
