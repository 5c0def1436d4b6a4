//! DM v2: one JSON document per item, `{classification, images: [{bounding_box: […], polygon: …}]}`,
//! as the Python SDK's `utils/annotation_models/dm/v2.py`; boxes read in all four forms the SDK
//! has written, written canonically (`id` + `data`).

use crate::formats::io::number;
use crate::formats::{BoxAnnotation, Dataset, ImageEntry, Split};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A DM v2 document.
///
/// ```
/// use synapse::formats::dm::v2::DmV2Document;
/// let doc: DmV2Document = serde_json::from_str(
///     r#"{"images": [{"bounding_box": [{"classification": "car", "x": 1, "y": 2, "width": 3, "height": 4}]}]}"#,
/// ).unwrap();
/// assert_eq!(doc.images[0].bounding_box[0].data, [1.0, 2.0, 3.0, 4.0]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DmV2Document {
    /// Class names by tool: `{"bounding_box": ["car", "person"]}`.
    #[serde(default)]
    pub classification: Map<String, Value>,
    /// One entry per media of the item (an image item has one).
    pub images: Vec<DmV2Image>,
}

/// The annotations of one image, by tool.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DmV2Image {
    /// Bounding boxes.
    #[serde(default)]
    pub bounding_box: Vec<DmV2Box>,
    /// The other tools (`polygon`, `polyline`, `keypoint`, `relation`, `group`, …), kept as they are.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A bounding box, canonical: `{id, classification, attrs, data: [x, y, w, h]}` (pixels).
///
/// Read from any of the four forms: `data: [x, y, w, h]`, `points: [[x1, y1], [x2, y2]]`
/// (two corners), `x`/`y`/`width`/`height` (what the SDK's download wrote from v1
/// coordinates, without an id), and `geometry: [x, y, w, h]` or `geometry: {x, y, width, height}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawBox")]
pub struct DmV2Box {
    /// Its id; `None` when the source had none (written with a fresh one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The class name.
    pub classification: String,
    /// `[{name, value}]`.
    pub attrs: Vec<Value>,
    /// `[x, y, width, height]`, pixels from the top-left corner.
    #[serde(serialize_with = "number::four")]
    pub data: [f64; 4],
}

#[derive(Deserialize)]
struct RawBox {
    id: Option<String>,
    classification: String,
    #[serde(default)]
    attrs: Vec<Value>,
    data: Option<Vec<f64>>,
    points: Option<Vec<[f64; 2]>>,
    x: Option<f64>,
    y: Option<f64>,
    width: Option<f64>,
    height: Option<f64>,
    geometry: Option<Value>,
}

impl TryFrom<RawBox> for DmV2Box {
    type Error = String;

    fn try_from(raw: RawBox) -> Result<Self, String> {
        let four = |values: &[f64]| -> Result<[f64; 4], String> {
            values
                .get(..4)
                .and_then(|v| v.try_into().ok())
                .ok_or_else(|| format!("a box needs 4 numbers, got {}", values.len()))
        };
        let data = if let Some(data) = &raw.data {
            four(data)?
        } else if let Some(points) = &raw.points {
            let [[x1, y1], [x2, y2]] =
                points.get(..2).and_then(|p| <[[f64; 2]; 2]>::try_from(p).ok()).ok_or("`points` needs two corners")?;
            [x1.min(x2), y1.min(y2), (x2 - x1).abs(), (y2 - y1).abs()]
        } else if let (Some(x), Some(y), Some(w), Some(h)) = (raw.x, raw.y, raw.width, raw.height) {
            [x, y, w, h]
        } else if let Some(geometry) = &raw.geometry {
            match geometry {
                Value::Array(values) => four(&values.iter().filter_map(Value::as_f64).collect::<Vec<_>>())?,
                Value::Object(object) => {
                    let field = |name: &str| {
                        object.get(name).and_then(Value::as_f64).ok_or(format!("`geometry` lacks `{name}`"))
                    };
                    [field("x")?, field("y")?, field("width")?, field("height")?]
                }
                _ => return Err("`geometry` is neither [x, y, w, h] nor {x, y, width, height}".to_owned()),
            }
        } else {
            return Err(format!(
                "bounding box {} of class {:?} has none of `data`, `points`, `x`/`y`/`width`/`height`, `geometry`",
                raw.id.as_deref().unwrap_or("(no id)"),
                raw.classification
            ));
        };
        Ok(DmV2Box { id: raw.id, classification: raw.classification, attrs: raw.attrs, data })
    }
}

/// One DM v2 item with what its document does not say: its image's file name, size and split.
#[derive(Debug, Clone, PartialEq)]
pub struct DmV2Item {
    /// The image's file name.
    pub file_name: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Its split.
    pub split: Option<Split>,
    /// The annotation document.
    pub document: DmV2Document,
}

/// The dataset of DM v2 items: the boxes of each item's first image (as the Python SDK's
/// converters read them).
pub fn to_dataset(items: &[DmV2Item]) -> Dataset {
    Dataset { images: items.iter().map(to_image).collect() }
}

/// One item as an image entry.
pub fn to_image(item: &DmV2Item) -> ImageEntry {
    let boxes = item.document.images.first().map(|image| image.bounding_box.as_slice()).unwrap_or_default();
    ImageEntry {
        file_name: item.file_name.clone(),
        width: item.width,
        height: item.height,
        split: item.split,
        boxes: boxes
            .iter()
            .map(|b| BoxAnnotation { id: b.id.clone(), class: b.classification.clone(), bbox: b.data })
            .collect(),
        source: None,
    }
}

/// DM v2 items of a dataset, canonical: each box with an id (a fresh one when it had none) and
/// `data`, `classification.bounding_box` the sorted class names of the item.
pub fn from_dataset(dataset: &Dataset) -> Vec<DmV2Item> {
    dataset.images.iter().map(from_image).collect()
}

/// One image entry as a DM v2 item.
pub fn from_image(image: &ImageEntry) -> DmV2Item {
    let mut classes: Vec<&str> = image.boxes.iter().map(|b| b.class.as_str()).collect();
    classes.sort_unstable();
    classes.dedup();
    let mut classification = Map::new();
    classification.insert("bounding_box".to_owned(), classes.into());
    let bounding_box = image
        .boxes
        .iter()
        .map(|b| DmV2Box {
            id: Some(b.id.clone().unwrap_or_else(super::fresh_id)),
            classification: b.class.clone(),
            attrs: Vec::new(),
            data: b.bbox,
        })
        .collect();
    DmV2Item {
        file_name: image.file_name.clone(),
        width: image.width,
        height: image.height,
        split: image.split,
        document: DmV2Document { classification, images: vec![DmV2Image { bounding_box, other: Map::new() }] },
    }
}
