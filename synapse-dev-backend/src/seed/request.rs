//! What a seeding asks for: the bodies of `/_dev/seed/*` and the entries of a fixture file, read
//! into typed requests; a field that does not fit is named by its JSON path.

use super::picture::{MAX_SIDE, MIN_SIDE, PALETTE};
use crate::store::ground_truth::CATEGORIES;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::BTreeMap;

/// The most images or tasks one seeding makes.
pub(crate) const MAX_ITEMS: u64 = 10_000;

/// A field that does not fit: where it is (a JSON path such as `splits.train`, `.` for the
/// whole) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Invalid {
    pub(crate) path: String,
    pub(crate) reason: String,
}

impl Invalid {
    fn at(path: impl Into<String>, reason: impl Into<String>) -> Self {
        Invalid { path: path.into(), reason: reason.into() }
    }
}

/// A request of type `T` from `value`, checked; the path and reason of the first field that
/// does not fit.
pub(crate) fn parse<T: DeserializeOwned + Check>(value: Value) -> Result<T, Invalid> {
    let request: T = serde_path_to_error::deserialize(value)
        .map_err(|error| Invalid::at(error.path().to_string(), error.inner().to_string()))?;
    request.check()?;
    Ok(request)
}

/// What serde cannot say about a request.
pub(crate) trait Check {
    /// The first field that does not fit, if any.
    fn check(&self) -> Result<(), Invalid>;
}

fn side() -> u32 {
    64
}

/// `POST /_dev/seed/gt_dataset`, a fixture's `gt_datasets[]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GtDatasetSeed {
    /// What every random choice derives from.
    #[serde(default)]
    pub(crate) seed: u64,
    /// How many images in all; when given, the splits' counts must add up to it.
    #[serde(default)]
    pub(crate) images: Option<u64>,
    /// The class names, in class order (at most 8, one colour each).
    pub(crate) classes: Vec<String>,
    /// Images per split: `train`, `validation`, `test`.
    pub(crate) splits: BTreeMap<String, u64>,
    /// Image width in pixels (64 by default).
    #[serde(default = "side")]
    pub(crate) width: u32,
    /// Image height in pixels (64 by default).
    #[serde(default = "side")]
    pub(crate) height: u32,
    /// The dataset to add a version to; a new dataset without it.
    #[serde(default)]
    pub(crate) ground_truth_dataset: Option<i64>,
    /// The new dataset's name.
    #[serde(default)]
    pub(crate) name: Option<String>,
}

impl Check for GtDatasetSeed {
    fn check(&self) -> Result<(), Invalid> {
        check_classes(&self.classes)?;
        check_sides(self.width, self.height)?;
        if let Some(split) = self.splits.keys().find(|split| !CATEGORIES.contains(&split.as_str())) {
            return Err(Invalid::at(
                format!("splits.{split}"),
                format!("`{split}` is not a split: one of {}", CATEGORIES.join(", ")),
            ));
        }
        let total: u64 = self.splits.values().sum();
        if total == 0 || total > MAX_ITEMS {
            return Err(Invalid::at("splits", format!("the splits hold {total} images: from 1 to {MAX_ITEMS}")));
        }
        match self.images {
            Some(images) if images != total => {
                Err(Invalid::at("images", format!("{images} images, but the splits add up to {total}")))
            }
            _ => Ok(()),
        }
    }
}

/// `POST /_dev/seed/project`, a fixture's `projects[]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProjectSeed {
    /// What every random choice derives from.
    #[serde(default)]
    pub(crate) seed: u64,
    /// The class names of the project's schema, in class order (at most 8).
    pub(crate) classes: Vec<String>,
    /// How many tasks.
    pub(crate) tasks: u64,
    /// Whether each task's data unit has a `label_1` (YOLO `.txt`).
    #[serde(default)]
    pub(crate) with_labels: bool,
    /// 0-based task indices whose data unit lacks `label_1` even `with_labels`.
    #[serde(default)]
    pub(crate) without_label: Vec<u64>,
    /// Image width in pixels (64 by default).
    #[serde(default = "side")]
    pub(crate) width: u32,
    /// Image height in pixels (64 by default).
    #[serde(default = "side")]
    pub(crate) height: u32,
    /// The project's title.
    #[serde(default)]
    pub(crate) title: Option<String>,
}

impl Check for ProjectSeed {
    fn check(&self) -> Result<(), Invalid> {
        check_classes(&self.classes)?;
        check_sides(self.width, self.height)?;
        if self.tasks == 0 || self.tasks > MAX_ITEMS {
            return Err(Invalid::at("tasks", format!("{} tasks: from 1 to {MAX_ITEMS}", self.tasks)));
        }
        match self.without_label.iter().position(|index| *index >= self.tasks) {
            Some(at) => Err(Invalid::at(
                format!("without_label[{at}]"),
                format!("task index {} is past the last task ({})", self.without_label[at], self.tasks - 1),
            )),
            None => Ok(()),
        }
    }
}

/// `POST /_dev/seed/plugin_release`, a fixture's `plugin_releases[]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReleaseSeed {
    /// The plugin's code (slug).
    pub(crate) code: String,
    /// The plugin's name (its code by default).
    #[serde(default)]
    pub(crate) name: Option<String>,
    /// The release's version.
    pub(crate) version: String,
    /// The release's config (`{"code": <code>}` by default).
    #[serde(default)]
    pub(crate) config: Option<Value>,
    /// Its requirements.
    #[serde(default)]
    pub(crate) requirements: Option<Vec<String>>,
    /// Whether it is a debug release.
    #[serde(default)]
    pub(crate) debug: bool,
}

impl Check for ReleaseSeed {
    fn check(&self) -> Result<(), Invalid> {
        if self.code.trim().is_empty() {
            return Err(Invalid::at("code", "a plugin code may not be blank"));
        }
        if self.version.trim().is_empty() {
            return Err(Invalid::at("version", "a version may not be blank"));
        }
        if self.config.as_ref().is_some_and(|config| !config.is_object()) {
            return Err(Invalid::at("config", "a release's config is an object"));
        }
        Ok(())
    }
}

fn check_classes(classes: &[String]) -> Result<(), Invalid> {
    if classes.is_empty() || classes.len() > PALETTE.len() {
        return Err(Invalid::at("classes", format!("{} classes: from 1 to {}", classes.len(), PALETTE.len())));
    }
    for (index, class) in classes.iter().enumerate() {
        if class.trim().is_empty() {
            return Err(Invalid::at(format!("classes[{index}]"), "a class name may not be blank"));
        }
        if classes[..index].contains(class) {
            return Err(Invalid::at(format!("classes[{index}]"), format!("`{class}` is named twice")));
        }
    }
    Ok(())
}

fn check_sides(width: u32, height: u32) -> Result<(), Invalid> {
    for (name, side) in [("width", width), ("height", height)] {
        if !(MIN_SIDE..=MAX_SIDE).contains(&side) {
            return Err(Invalid::at(name, format!("{side} pixels: from {MIN_SIDE} to {MAX_SIDE}")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_that_do_not_fit_are_named_by_path() {
        let bad = |value: Value| parse::<GtDatasetSeed>(value).err().map(|invalid| invalid.path);
        let base = json!({"classes": ["a", "b"], "splits": {"train": 2}});
        assert!(parse::<GtDatasetSeed>(base).is_ok());
        assert_eq!(bad(json!({"classes": ["a"], "splits": {"train": "two"}})), Some("splits.train".to_owned()));
        assert_eq!(bad(json!({"classes": ["a"], "splits": {"valid": 2}})), Some("splits.valid".to_owned()));
        assert_eq!(bad(json!({"classes": ["a", "a"], "splits": {"train": 2}})), Some("classes[1]".to_owned()));
        assert_eq!(bad(json!({"classes": ["a"], "splits": {"train": 2}, "images": 3})), Some("images".to_owned()));
        assert_eq!(bad(json!({"classes": ["a"], "splits": {"train": 2}, "colour": 1})), Some("colour".to_owned()));
        let project = parse::<ProjectSeed>(json!({"classes": ["a"], "tasks": 2, "without_label": [0, 2]}));
        assert_eq!(project.err().map(|invalid| invalid.path), Some("without_label[1]".to_owned()));
    }
}
