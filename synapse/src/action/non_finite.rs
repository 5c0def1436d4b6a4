//! Non-finite floats in an action's result: NaN and ±infinity have no JSON form (serde_json
//! writes them as `null`), so they are found in the typed result, before it becomes JSON, with
//! the path of the field that holds them.

use crate::params::join_property;
use serde::ser::{self, Serialize, Serializer};
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

impl<'a> Finder<'a> {
    fn float(self, value: f64) -> Result<(), Refused> {
        if !value.is_finite() {
            self.found.push(NonFinite { path: self.path, value });
        }
        Ok(())
    }

    fn members(self, under: Option<&str>) -> Members<'a> {
        let path = match under {
            Some(name) => join_property(&self.path, name),
            None => self.path,
        };
        Members { path, found: self.found, next_index: 0, key: None }
    }
}

impl Members<'_> {
    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Refused> {
        let path = format!("{}[{}]", self.path, self.next_index);
        self.next_index += 1;
        value.serialize(Finder { path, found: &mut *self.found })
    }

    fn field<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Result<(), Refused> {
        value.serialize(Finder { path: join_property(&self.path, name), found: &mut *self.found })
    }
}

impl<'a> Serializer for Finder<'a> {
    type Ok = ();
    type Error = Refused;
    type SerializeSeq = Members<'a>;
    type SerializeTuple = Members<'a>;
    type SerializeTupleStruct = Members<'a>;
    type SerializeTupleVariant = Members<'a>;
    type SerializeMap = Members<'a>;
    type SerializeStruct = Members<'a>;
    type SerializeStructVariant = Members<'a>;

    fn serialize_f32(self, v: f32) -> Result<(), Refused> {
        self.float(f64::from(v))
    }

    fn serialize_f64(self, v: f64) -> Result<(), Refused> {
        self.float(v)
    }

    fn serialize_bool(self, _: bool) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_i8(self, _: i8) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_i16(self, _: i16) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_i32(self, _: i32) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_i64(self, _: i64) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_i128(self, _: i128) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_u8(self, _: u8) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_u16(self, _: u16) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_u32(self, _: u32) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_u64(self, _: u64) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_u128(self, _: u128) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_char(self, _: char) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_str(self, _: &str) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_bytes(self, _: &[u8]) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_none(self) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Refused> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<(), Refused> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Refused> {
        value.serialize(Finder { path: join_property(&self.path, variant), found: self.found })
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Members<'a>, Refused> {
        Ok(self.members(None))
    }

    fn serialize_tuple(self, _: usize) -> Result<Members<'a>, Refused> {
        Ok(self.members(None))
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Members<'a>, Refused> {
        Ok(self.members(None))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Members<'a>, Refused> {
        Ok(self.members(Some(variant)))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Members<'a>, Refused> {
        Ok(self.members(None))
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Members<'a>, Refused> {
        Ok(self.members(None))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Members<'a>, Refused> {
        Ok(self.members(Some(variant)))
    }
}

impl ser::SerializeSeq for Members<'_> {
    type Ok = ();
    type Error = Refused;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Refused> {
        self.item(value)
    }

    fn end(self) -> Result<(), Refused> {
        Ok(())
    }
}

impl ser::SerializeTuple for Members<'_> {
    type Ok = ();
    type Error = Refused;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Refused> {
        self.item(value)
    }

    fn end(self) -> Result<(), Refused> {
        Ok(())
    }
}

impl ser::SerializeTupleStruct for Members<'_> {
    type Ok = ();
    type Error = Refused;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Refused> {
        self.item(value)
    }

    fn end(self) -> Result<(), Refused> {
        Ok(())
    }
}

impl ser::SerializeTupleVariant for Members<'_> {
    type Ok = ();
    type Error = Refused;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Refused> {
        self.item(value)
    }

    fn end(self) -> Result<(), Refused> {
        Ok(())
    }
}

impl ser::SerializeMap for Members<'_> {
    type Ok = ();
    type Error = Refused;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Refused> {
        // The key as serde_json writes it: strings as they are, numbers and bools as text.
        let key = serde_json::to_value(key).map_err(|error| Refused(error.to_string()))?;
        self.key = Some(match key {
            serde_json::Value::String(key) => key,
            other => other.to_string(),
        });
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Refused> {
        let key = self.key.take().unwrap_or_default();
        self.field(&key, value)
    }

    fn end(self) -> Result<(), Refused> {
        Ok(())
    }
}

impl ser::SerializeStruct for Members<'_> {
    type Ok = ();
    type Error = Refused;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) -> Result<(), Refused> {
        self.field(name, value)
    }

    fn end(self) -> Result<(), Refused> {
        Ok(())
    }
}

impl ser::SerializeStructVariant for Members<'_> {
    type Ok = ();
    type Error = Refused;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) -> Result<(), Refused> {
        self.field(name, value)
    }

    fn end(self) -> Result<(), Refused> {
        Ok(())
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
