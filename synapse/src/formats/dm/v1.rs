//! DM v1: `{extra, relations, annotationGroups, annotations: {image_1: […]}, annotationsData:
//! {image_1: […]}}`, what the backend stores and `annotate_task_data` takes (the Python SDK's
//! `utils/converters/dm/to_v1.py` and `dm/tools/bounding_box.py`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A DM v1 document. Media keys are `<singular media type>_<1-based index>` (`image_1`). The
/// default one has `extra`, `relations` and `annotationGroups` empty objects, as read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DmV1Document {
    /// Free-form extra data.
    #[serde(default = "empty_object")]
    pub extra: Value,
    /// Relations.
    #[serde(default = "empty_object")]
    pub relations: Value,
    /// Annotation groups.
    #[serde(default = "empty_object", rename = "annotationGroups")]
    pub annotation_groups: Value,
    /// The annotations of each media: tool, flags and classification.
    #[serde(default)]
    pub annotations: BTreeMap<String, Vec<V1Annotation>>,
    /// The geometry of each annotation, joined with `annotations` by `id`.
    #[serde(default, rename = "annotationsData")]
    pub annotations_data: BTreeMap<String, Vec<V1Data>>,
}

impl Default for DmV1Document {
    fn default() -> Self {
        DmV1Document {
            extra: empty_object(),
            relations: empty_object(),
            annotation_groups: empty_object(),
            annotations: BTreeMap::new(),
            annotations_data: BTreeMap::new(),
        }
    }
}

fn empty_object() -> Value {
    Value::Object(Map::new())
}

fn yes() -> bool {
    true
}

/// One v1 annotation (without its geometry).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct V1Annotation {
    /// Its id, shared with its `annotationsData` entry.
    pub id: String,
    /// The tool (`bounding_box`, `polygon`, `polyline`, `keypoint`, …).
    pub tool: String,
    /// `isLocked`.
    #[serde(default, rename = "isLocked")]
    pub is_locked: bool,
    /// `isVisible`.
    #[serde(default = "yes", rename = "isVisible")]
    pub is_visible: bool,
    /// `isValid`.
    #[serde(default, rename = "isValid")]
    pub is_valid: bool,
    /// `isDrawCompleted`.
    #[serde(default = "yes", rename = "isDrawCompleted")]
    pub is_draw_completed: bool,
    /// `label`.
    #[serde(default)]
    pub label: Vec<Value>,
    /// `{"class": name, <attribute>: value, …}`.
    #[serde(default)]
    pub classification: Map<String, Value>,
}

/// The geometry of one v1 annotation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct V1Data {
    /// The annotation's id.
    pub id: String,
    /// A box's `{x, y, width, height, rotation?}`, a polygon's `[{x, y, id}]`, a keypoint's `{x, y}`.
    pub coordinate: Value,
    /// Other fields (`shape` of a keypoint), kept.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}
