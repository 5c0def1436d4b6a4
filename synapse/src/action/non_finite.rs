//! Non-finite floats in an action's result: NaN and ±infinity have no JSON form (serde_json
//! writes them as `null`), so they are found in the typed result, before it becomes JSON, with
//! the path of the field that holds them.
//!
//! This module holds what is found and the serializer's types. The serializer's methods are in
//! [`finder`] (single values, and where each kind of container starts) and [`members`] (the
//! items, entries and fields of a container).

mod finder;
mod members;

use serde::ser::{self, Serialize};
use std::fmt;

/// A NaN or infinite float, and where it is.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct NonFinite {
    /// The JSONPath of the field: `$.loss`, `$.history[3]`.
    pub(crate) path: String,
    /// The value: NaN, `inf` or `-inf`.
    pub(crate) value: f64,
}

impl NonFinite {
    /// What it is, after "is": `NaN`, `infinity`, `-infinity`.
    pub(crate) fn what(&self) -> &'static str {
        if self.value.is_nan() {
            "NaN"
        } else if self.value > 0.0 {
            "infinity"
        } else {
            "-infinity"
        }
    }
}

/// Every NaN or infinite float `value` holds, in the order serialization meets them.
///
/// Paths follow the JSON serde_json makes of `value`: struct fields and map keys as properties,
/// sequence items as indices, an enum's data under its variant name.
pub(crate) fn non_finite_floats<T: Serialize + ?Sized>(value: &T) -> Vec<NonFinite> {
    let mut found = Vec::new();
    // A type whose `Serialize` fails fails again, with its own error, when it becomes JSON.
    let _ = value.serialize(Finder { path: "$".to_owned(), found: &mut found });
    found
}

/// A serializer that only looks for non-finite floats.
struct Finder<'a> {
    path: String,
    found: &'a mut Vec<NonFinite>,
}

/// The members of a sequence, map, struct or variant being looked through.
struct Members<'a> {
    path: String,
    found: &'a mut Vec<NonFinite>,
    next_index: usize,
    key: Option<String>,
}

/// A `Serialize` implementation's own error (the finder has none).
#[derive(Debug)]
struct Refused(String);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

impl ser::Error for Refused {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Refused(msg.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(serde::Serialize)]
    enum Stage {
        Fit { loss: f32 },
        Scores(Vec<f64>),
        Pair(f64, f64),
    }

    #[derive(serde::Serialize)]
    struct Report {
        loss: f64,
        best: Option<f64>,
        history: Vec<f64>,
        by_split: BTreeMap<String, f64>,
        by_epoch: BTreeMap<u32, f64>,
        stages: Vec<Stage>,
        note: String,
    }

    #[test]
    fn every_non_finite_float_is_found_with_its_path() {
        let report = Report {
            loss: f64::NAN,
            best: Some(f64::INFINITY),
            history: vec![0.5, f64::NEG_INFINITY],
            by_split: BTreeMap::from([("val set".to_owned(), f64::NAN), ("train".to_owned(), 0.1)]),
            by_epoch: BTreeMap::from([(3, f64::NAN)]),
            stages: vec![
                Stage::Fit { loss: f32::NAN },
                Stage::Scores(vec![1.0, f64::NAN]),
                Stage::Pair(f64::INFINITY, 0.0),
            ],
            note: "ok".into(),
        };
        let found: Vec<(String, &str)> =
            non_finite_floats(&report).iter().map(|f| (f.path.clone(), f.what())).collect();
        let expected = [
            ("$.loss", "NaN"),
            ("$.best", "infinity"),
            ("$.history[1]", "-infinity"),
            ("$.by_split['val set']", "NaN"),
            ("$.by_epoch['3']", "NaN"),
            ("$.stages[0].Fit.loss", "NaN"),
            ("$.stages[1].Scores[1]", "NaN"),
            ("$.stages[2].Pair[0]", "infinity"),
        ];
        let expected: Vec<(String, &str)> = expected.into_iter().map(|(path, what)| (path.to_owned(), what)).collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn finite_values_are_not_reported() {
        assert!(non_finite_floats(&(1.0, f64::MAX, f32::MIN, "NaN")).is_empty());
        assert!(non_finite_floats(&serde_json::json!({"a": [1.5]})).is_empty());
    }
}
