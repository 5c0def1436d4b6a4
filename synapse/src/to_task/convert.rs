//! The default conversions to DM v1: a task's annotation file (YOLO, COCO, DM v1, DM v2) and an
//! inference action's predictions (DM v1, DM v2), through [`crate::formats`].

use super::FileInput;
use crate::error::{Error, Result};
use crate::formats::coco::{self, CocoInstances};
use crate::formats::dm::convert::v2_to_v1;
use crate::formats::dm::v1::DmV1Document;
use crate::formats::dm::v2::{self, DmV2Document, DmV2Image};
use crate::formats::yolo::{self, YoloDataset, YoloImage};
use crate::formats::{FormatError, ImageEntry};
use serde_json::{Map, Value};
use std::path::Path;

/// The formats a task's annotation file is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LabelFormat {
    Yolo,
    Coco,
    DmV1,
    DmV2,
}

impl LabelFormat {
    /// The names `pre_processor_params.format` takes.
    const NAMES: [&'static str; 4] = ["yolo", "coco", "dm_v1", "dm_v2"];

    /// The format `pre_processor_params.format` names; `None` when it names none.
    ///
    /// # Errors
    /// A message naming the param, the formats it takes and the nearest, for any other value.
    pub(super) fn given(params: &Map<String, Value>) -> Result<Option<LabelFormat>, String> {
        let Some(given) = params.get("format") else { return Ok(None) };
        match given.as_str() {
            Some("yolo") => Ok(Some(LabelFormat::Yolo)),
            Some("coco") => Ok(Some(LabelFormat::Coco)),
            Some("dm_v1") => Ok(Some(LabelFormat::DmV1)),
            Some("dm_v2") => Ok(Some(LabelFormat::DmV2)),
            other => {
                let nearest = other
                    .and_then(|name| synapse_macros_core::errors::closest(name, LabelFormat::NAMES.iter().copied()))
                    .map(|fix| format!("; did you mean {fix}?"))
                    .unwrap_or_default();
                Err(format!(
                    "`pre_processor_params.format` is {given}: it is one of {}{nearest}",
                    LabelFormat::NAMES.join(", ")
                ))
            }
        }
    }

    /// The format `pre_processor_params.format` names, else the one the file's name and text say.
    fn of(params: &Map<String, Value>, path: &Path, text: &str) -> Result<LabelFormat> {
        if let Some(format) = LabelFormat::given(params).map_err(Error::msg)? {
            return Ok(format);
        }
        let json =
            path.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("json")) || text.trim_start().starts_with('{');
        if !json {
            return Ok(LabelFormat::Yolo);
        }
        let value: Value = serde_json::from_str(text).map_err(|error| FormatError::Json {
            path: path.to_owned(),
            format: "annotation",
            message: error.to_string(),
        })?;
        if value.get("annotationsData").is_some() {
            Ok(LabelFormat::DmV1)
        } else if value.get("categories").is_some() {
            Ok(LabelFormat::Coco)
        } else if value.get("images").is_some() {
            Ok(LabelFormat::DmV2)
        } else {
            Err(Error::msg(format!(
                "{}: JSON with none of `annotationsData` (DM v1), `categories` (COCO), `images` (DM v2); \
                 name the format in `pre_processor_params.format`",
                path.display()
            )))
        }
    }
}

/// The annotation of `input`'s file (see [`Annotator::convert_data_from_file`](super::Annotator)).
pub(super) async fn from_file(input: &FileInput<'_>) -> Result<Value> {
    let path = input.label_path;
    let text = tokio::fs::read_to_string(path).await.map_err(FormatError::io("reading", path))?;
    let document = match LabelFormat::of(&input.params.pre_processor_params, path, &text)? {
        LabelFormat::Yolo => {
            let (width, height) = input.primary_size().await?;
            let image = yolo_image(&text, path, input.class_names, width, height, input.primary.local_name())?;
            v2_to_v1(&v2::from_image(&image).document)
        }
        LabelFormat::Coco => {
            let instances: CocoInstances = json(&text, path, "COCO instances")?;
            let dataset = coco::to_dataset(&instances, None, path)?;
            let name = input.primary.local_name();
            let image = match dataset.images.iter().position(|image| base_name(&image.file_name) == name) {
                Some(at) => &dataset.images[at],
                None if dataset.images.len() == 1 => &dataset.images[0],
                None => {
                    return Err(Error::msg(format!(
                        "{}: {} images, none named `{name}` (the task's primary file)",
                        path.display(),
                        dataset.images.len()
                    )));
                }
            };
            v2_to_v1(&v2::from_image(image).document)
        }
        LabelFormat::DmV1 => json::<DmV1Document>(&text, path, "DM v1")?,
        LabelFormat::DmV2 => v2_to_v1(&json::<DmV2Document>(&text, path, "DM v2")?),
    };
    Ok(whole_numbers(serde_json::to_value(document)?))
}

/// The image of a YOLO label file: boxes in pixels of a `width` × `height` image, rounded to
/// 1/100 pixel (six decimals of a fraction carry no more for images up to 10 000 pixels).
fn yolo_image(
    text: &str,
    path: &Path,
    names: &[String],
    width: u32,
    height: u32,
    file_name: String,
) -> Result<ImageEntry> {
    let labels = yolo::parse_labels(text, path, names.len()).map_err(|error| {
        let error = Error::new(error);
        if names.is_empty() {
            error.context("no class names: give `pre_processor_params.class_names` or a project with a class schema")
        } else {
            error
        }
    })?;
    let image = YoloImage { file_name, width, height, split: None, labels, source: None };
    let mut dataset = yolo::to_dataset(&YoloDataset { names: names.to_vec(), images: vec![image] });
    let mut image = dataset.images.remove(0);
    for annotation in &mut image.boxes {
        for value in &mut annotation.bbox {
            *value = (*value * 100.0).round() / 100.0;
        }
    }
    Ok(image)
}

fn json<T: serde::de::DeserializeOwned>(text: &str, path: &Path, format: &'static str) -> Result<T> {
    serde_json::from_str(text)
        .map_err(|error| FormatError::Json { path: path.to_owned(), format, message: error.to_string() }.into())
}

fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

/// The annotation of an inference action's output (see
/// [`Annotator::convert_data_from_inference`](super::Annotator)).
pub(super) fn from_predictions(output: Value) -> Result<Value> {
    let what =
        |error: serde_json::Error, format: &str| Error::msg(format!("the predictions are not {format}: {error}"));
    let document = if output.get("annotationsData").is_some() {
        serde_json::from_value::<DmV1Document>(output).map_err(|error| what(error, "DM v1"))?
    } else if output.get("images").is_some() {
        v2_to_v1(&serde_json::from_value::<DmV2Document>(output).map_err(|error| what(error, "DM v2"))?)
    } else if output.get("bounding_box").is_some() {
        let image = serde_json::from_value::<DmV2Image>(output).map_err(|error| what(error, "a DM v2 image"))?;
        v2_to_v1(&DmV2Document { classification: Map::new(), images: vec![image] })
    } else {
        return Err(Error::msg(format!(
            "the predictions are neither DM v1 (`annotationsData`) nor DM v2 (`images`, `bounding_box`): {}",
            shortened(&output)
        )));
    };
    Ok(whole_numbers(serde_json::to_value(document)?))
}

/// Whether an inference output is empty: `null`, `{}`, `[]`, `""` or `false` (the SDK's `not
/// result`).
pub(super) fn is_empty(output: &Value) -> bool {
    match output {
        Value::Null => true,
        Value::Bool(yes) => !yes,
        Value::String(text) => text.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(fields) => fields.is_empty(),
        Value::Number(_) => false,
    }
}

/// `value` as text, cut at 200 characters.
pub(super) fn shortened(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

/// `value` with each whole float written as an integer (`120.0` → `120`), as the platform writes
/// pixel coordinates.
pub(super) fn whole_numbers(value: Value) -> Value {
    match value {
        Value::Number(number) => match number.as_f64() {
            Some(float) if number.is_f64() && float.fract() == 0.0 && float.abs() < 9.0e15 => Value::from(float as i64),
            _ => Value::Number(number),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(whole_numbers).collect()),
        Value::Object(fields) => {
            Value::Object(fields.into_iter().map(|(key, value)| (key, whole_numbers(value))).collect())
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yolo_rows_become_pixels_rounded_to_a_hundredth() {
        let names = ["car".to_owned(), "person".to_owned()];
        let image =
            yolo_image("1 0.312500 0.333333 0.312500 0.166667\n", Path::new("a.txt"), &names, 640, 480, "a.png".into())
                .expect("read");
        assert_eq!((image.boxes[0].class.as_str(), image.boxes[0].bbox), ("person", [100.0, 120.0, 200.0, 80.0]));
        let error = yolo_image("0 0.5 0.5 0.1\n", Path::new("a.txt"), &names, 64, 64, "a.png".into()).unwrap_err();
        assert_eq!(format!("{error:#}"), "a.txt:1: expected `class cx cy w h`, found 4 fields");
        let error = yolo_image("0 0.5 0.5 0.1 0.1\n", Path::new("a.txt"), &[], 64, 64, "a.png".into()).unwrap_err();
        assert!(format!("{error:#}").starts_with("no class names"), "{error:#}");
    }

    #[test]
    fn predictions_in_v2_become_v1_and_anything_else_is_refused() {
        let v1 =
            from_predictions(json!({"bounding_box": [{"id": "a1", "classification": "car", "data": [1.0, 2, 3, 4]}]}))
                .expect("converted");
        assert_eq!(v1["annotationsData"]["image_1"][0]["coordinate"], json!({"x": 1, "y": 2, "width": 3, "height": 4}));
        assert_eq!(v1["annotations"]["image_1"][0]["classification"], json!({"class": "car"}));
        let error = from_predictions(json!({"boxes": []})).unwrap_err().to_string();
        assert!(error.starts_with("the predictions are neither DM v1"), "{error}");
        assert!(is_empty(&json!({})) && is_empty(&Value::Null) && !is_empty(&json!({"images": []})));
    }
}
