//! YOLO label files (`class cx cy w h` rows) and `dataset.yaml`, rendered and parsed.

use super::YoloLabel;
use crate::formats::{FormatError, Split};
use std::fmt::Write as _;
use std::path::Path;

/// The rows of a label file, 6 decimals (as the Python SDK writes them), one per line.
pub fn render_labels(labels: &[YoloLabel]) -> String {
    let mut text = String::with_capacity(labels.len() * 40);
    for label in labels {
        let _ = writeln!(text, "{} {:.6} {:.6} {:.6} {:.6}", label.class, label.cx, label.cy, label.w, label.h);
    }
    text
}

/// The rows of a label file; `path` names it in errors, `classes` is the number of names.
///
/// # Errors
/// [`FormatError::Line`] for a row that is not 5 numbers, or whose values are outside 0–1 by
/// more than Ultralytics' 1.01 tolerance; [`FormatError::UnknownClassId`] for a class id ≥
/// `classes`.
pub fn parse_labels(text: &str, path: &Path, classes: usize) -> Result<Vec<YoloLabel>, FormatError> {
    let mut labels = Vec::new();
    for (index, row) in text.lines().enumerate() {
        let line = index + 1;
        let fields: Vec<&str> = row.split_whitespace().collect();
        if fields.is_empty() {
            continue;
        }
        let bad = |message: String| FormatError::Line { path: path.to_owned(), line, message };
        if fields.len() != 5 {
            return Err(bad(format!("expected `class cx cy w h`, found {} fields", fields.len())));
        }
        let class: usize =
            fields[0].parse().map_err(|_| bad(format!("class id {:?} is not a whole number ≥ 0", fields[0])))?;
        if class >= classes {
            return Err(FormatError::UnknownClassId { path: path.to_owned(), line, id: class, count: classes });
        }
        let mut values = [0.0; 4];
        for (value, field) in values.iter_mut().zip(&fields[1..]) {
            *value = field.parse().map_err(|_| bad(format!("{field:?} is not a number")))?;
            if !(0.0..=1.01).contains(value) {
                return Err(bad(format!("{field} is outside 0–1 (coordinates are normalized)")));
            }
        }
        let [cx, cy, w, h] = values;
        labels.push(YoloLabel { class, cx, cy, w, h });
    }
    Ok(labels)
}

/// `dataset.yaml` as Ultralytics reads it: `path` (the dataset root), a `train`/`val`/`test`
/// image directory per split (relative to `path`; both `train` and `val` are `images` without
/// splits), and `names` as `index: name`.
///
/// ```
/// use synapse::formats::{Split, yolo::dataset_yaml};
/// let yaml = dataset_yaml("/data/out", &[Split::Train, Split::Valid], &["car".into(), "person".into()]);
/// assert_eq!(yaml, "path: /data/out\ntrain: images/train\nval: images/val\nnames:\n  0: car\n  1: person\n");
/// ```
pub fn dataset_yaml(path: &str, splits: &[Split], names: &[String]) -> String {
    let mut yaml = format!("path: {}\n", scalar(path));
    if splits.is_empty() {
        yaml.push_str("train: images\nval: images\n");
    } else {
        // Ultralytics requires `train` and `val`: a dataset without one of them uses its first
        // split's images there.
        let first = splits[0].short_name();
        for split in [Split::Train, Split::Valid, Split::Test] {
            let dir = if splits.contains(&split) { split.short_name() } else { first };
            if split != Split::Test || splits.contains(&split) {
                let _ = writeln!(yaml, "{}: images/{dir}", split.short_name());
            }
        }
    }
    yaml.push_str("names:\n");
    for (index, name) in names.iter().enumerate() {
        let _ = writeln!(yaml, "  {index}: {}", scalar(name));
    }
    yaml
}

/// A YAML scalar: plain when it is safe so, else double-quoted (JSON's escaping is YAML's).
fn scalar(text: &str) -> String {
    let plain = !text.is_empty()
        && text.chars().all(|c| c.is_alphanumeric() || "_-./ ".contains(c))
        && !text.starts_with([' ', '-'])
        && !text.ends_with(' ')
        && !matches!(text, "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "~")
        && text.parse::<f64>().is_err();
    if plain { text.to_owned() } else { serde_json::to_string(text).unwrap_or_default() }
}
