//! Params as text: what a file, standard input, an environment variable or the command line
//! gives, turned into the JSON value that is validated.

use super::json_path::join_property;
use super::violation::{Violation, Violations};
use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::fmt;

/// Reads params text as JSON.
///
/// - A leading UTF-8 byte-order mark (what some editors put at the start of a file) is skipped.
/// - A key given more than once in one object is refused, at every depth, with a violation
///   `duplicate` at its path (`$.items[2].name: is given twice`): keeping the last copy would
///   hide an invalid first one.
/// - Text that is not JSON is one violation `json` at `$`, with the line and column.
///
/// Every place params arrive as text (`--params`, `--params @file`, `--params -`,
/// `--params-env VAR`, for `run` and `pipeline run`) reads them through this function.
///
/// ```
/// use synapse::params::from_text;
///
/// let value = from_text("\u{feff}{\"batch_size\": 32}").unwrap();
/// assert_eq!(value["batch_size"], 32);
///
/// let error = from_text(r#"{"batch_size": 0, "items": [{}, {}, {"name": "a", "name": "b"}], "batch_size": 32}"#)
///     .unwrap_err();
/// assert_eq!(error.to_string(), "  - $.batch_size: is given twice\n  - $.items[2].name: is given twice");
/// assert!(error.iter().all(|v| v.constraint == "duplicate"));
///
/// let error = from_text(r#"{"batch_size": "#).unwrap_err();
/// assert_eq!(error.iter().next().unwrap().constraint, "json");
/// ```
pub fn from_text(text: &str) -> Result<Value, Violations> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut duplicates = Vec::new();
    let mut reader = serde_json::Deserializer::from_str(text);
    let value = ValueAt { path: "$".to_owned(), duplicates: &mut duplicates }
        .deserialize(&mut reader)
        .and_then(|value| reader.end().map(|()| value))
        .map_err(|error| Violations::malformed_json(&error))?;
    if duplicates.is_empty() { Ok(value) } else { Err(Violations::from(duplicates)) }
}

/// Reads the value at `path`, recording every key given more than once in `duplicates`.
struct ValueAt<'a> {
    path: String,
    duplicates: &'a mut Vec<Violation>,
}

impl<'de> DeserializeSeed<'de> for ValueAt<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueAt<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v).map(Value::Number).ok_or_else(|| E::custom("a number JSON cannot hold"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(ValueAt {
            path: format!("{}[{}]", self.path, items.len()),
            duplicates: self.duplicates,
        })? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        // How often each repeated key was given; keys given once are not counted.
        let mut repeats: HashMap<String, usize> = HashMap::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = join_property(&self.path, &key);
            let value = map.next_value_seed(ValueAt { path, duplicates: self.duplicates })?;
            if object.insert(key.clone(), value).is_some() {
                *repeats.entry(key).or_insert(1) += 1;
            }
        }
        for (key, times) in repeats {
            let message = match times {
                2 => "is given twice".to_owned(),
                n => format!("is given {n} times"),
            };
            self.duplicates.push(Violation {
                path: join_property(&self.path, &key),
                constraint: "duplicate".into(),
                message,
            });
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn refused(text: &str) -> Vec<String> {
        from_text(text).unwrap_err().iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_byte_order_mark_is_skipped_once() {
        assert_eq!(from_text("\u{feff} {\"a\": [1, 2.5]}\n").unwrap(), json!({"a": [1, 2.5]}));
        assert_eq!(from_text("{\"a\": \"\u{feff}\"}").unwrap(), json!({"a": "\u{feff}"}), "inside a string it is text");
        assert_eq!(refused("\u{feff}\u{feff}{}")[0].split(':').next(), Some("$"));
    }

    #[test]
    fn keys_given_more_than_once_are_refused_at_every_depth() {
        assert_eq!(
            refused(r#"[{"a": 1}, {"b": {"c": 1, "c": 2, "c": 3}, "odd key": 1, "odd key": 2}]"#),
            ["$[1].b.c: is given 3 times", "$[1]['odd key']: is given twice"]
        );
        assert_eq!(from_text(r#"{"a": {"x": 1}, "b": {"x": 1}}"#).unwrap(), json!({"a": {"x": 1}, "b": {"x": 1}}));
    }

    #[test]
    fn text_that_is_not_json_is_one_violation_with_its_position() {
        let violations = from_text("{\"a\": 1,\n}").unwrap_err();
        let only: Vec<&Violation> = violations.iter().collect();
        assert_eq!((only.len(), only[0].constraint.as_str()), (1, "json"));
        assert!(only[0].message.contains("(line 2, column 1)"), "{}", only[0].message);
        assert_eq!(refused("{} {}")[0].split(':').next(), Some("$"), "trailing text");
        assert_eq!(refused("")[0].split(':').next(), Some("$"));
    }
}
