//! DRF's field validation messages, word for word, and the field kinds the routes read.

use serde_json::{Map, Value};

/// A required field is missing.
pub(crate) const REQUIRED: &str = "This field is required.";
/// A field that may not be null is.
pub(crate) const NULL: &str = "This field may not be null.";
/// A `CharField` that may not be blank is.
pub(crate) const BLANK: &str = "This field may not be blank.";
/// A `CharField` got an object, a list or a boolean.
pub(crate) const NOT_A_STRING: &str = "Not a valid string.";
/// A key outside an `extra='forbid'` request model.
pub(crate) const NOT_ALLOWED: &str = "This field is not allowed.";
/// A `DateTimeField` could not read its input.
pub(crate) const DATETIME_FORMAT: &str =
    "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].";

/// `"x" is not a valid choice.`, with the input as Python's `str()` shows it.
pub(crate) fn invalid_choice(input: &Value) -> String {
    format!("\"{}\" is not a valid choice.", python_str(input))
}

/// A serializer got something other than an object.
pub(crate) fn expected_dict(input: &Value) -> String {
    format!("Invalid data. Expected a dictionary, but got {}.", python_type(input))
}

/// A primary key of the wrong type.
pub(crate) fn incorrect_pk_type(input: &Value) -> String {
    format!("Incorrect type. Expected pk value, received {}.", python_type(input))
}

/// A primary key of no object.
pub(crate) fn pk_does_not_exist(pk: &str) -> String {
    format!("Invalid pk \"{pk}\" - object does not exist.")
}

/// The Python type name of a parsed JSON value, as DRF's messages name it.
pub(crate) fn python_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(number) if number.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// A parsed JSON value as Python's `str()` renders it (near enough for messages).
fn python_str(value: &Value) -> String {
    match value {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Field → messages, the body of a 400.
#[derive(Debug, Default)]
pub(crate) struct FieldErrors(Map<String, Value>);

impl FieldErrors {
    /// Adds a message to a field.
    pub(crate) fn add(&mut self, field: &str, message: impl Into<String>) {
        let messages = self.0.entry(field.to_owned()).or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(messages) = messages {
            messages.push(Value::String(message.into()));
        }
    }

    /// Sets a field's errors to `value` as it is (nested errors: one object per list entry).
    pub(crate) fn set(&mut self, field: &str, value: Value) {
        self.0.insert(field.to_owned(), value);
    }

    /// Whether no field has a message.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The messages, keyed by field.
    pub(crate) fn into_map(self) -> Map<String, Value> {
        self.0
    }
}

/// How a `CharField` is declared.
#[derive(Clone, Copy)]
pub(crate) struct CharField {
    pub(crate) required: bool,
    pub(crate) allow_null: bool,
    pub(crate) allow_blank: bool,
}

impl CharField {
    /// The field's value (`None` when absent or null), trimmed as DRF trims; numbers are read as
    /// their text, like DRF's `CharField`.
    pub(crate) fn read(self, object: &Map<String, Value>, name: &str) -> Result<Option<String>, &'static str> {
        let text = match object.get(name) {
            None if self.required => return Err(REQUIRED),
            None => return Ok(None),
            Some(Value::Null) if self.allow_null => return Ok(None),
            Some(Value::Null) => return Err(NULL),
            Some(Value::String(text)) => text.trim().to_owned(),
            Some(Value::Number(number)) => number.to_string(),
            Some(_) => return Err(NOT_A_STRING),
        };
        if text.is_empty() && !self.allow_blank {
            return Err(BLANK);
        }
        Ok(Some(text))
    }
}

/// A primary key as DRF's `PrimaryKeyRelatedField` reads it: an integer, or a string of one.
/// `Err` is the message; `Ok(None)` an absent field (the caller decides whether it is required).
pub(crate) fn read_pk(object: &Map<String, Value>, name: &str) -> Result<Option<i64>, String> {
    match object.get(name) {
        None => Ok(None),
        Some(Value::Null) => Err(NULL.to_owned()),
        Some(Value::Number(number)) if number.is_i64() || number.is_u64() => {
            // A key too large for SQLite's integers belongs to no object.
            Ok(Some(number.as_i64().ok_or_else(|| pk_does_not_exist(&number.to_string()))?))
        }
        // Django's `get(pk="x")` raises ValueError, which DRF reports as the wrong type.
        Some(value @ Value::String(text)) => text.trim().parse::<i64>().map(Some).map_err(|_| incorrect_pk_type(value)),
        Some(other) => Err(incorrect_pk_type(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_name_python_types() {
        assert_eq!(expected_dict(&json!([1])), "Invalid data. Expected a dictionary, but got list.");
        assert_eq!(expected_dict(&json!("x")), "Invalid data. Expected a dictionary, but got str.");
        assert_eq!(incorrect_pk_type(&json!(1.5)), "Incorrect type. Expected pk value, received float.");
        assert_eq!(invalid_choice(&json!("running")), "\"running\" is not a valid choice.");
        assert_eq!(invalid_choice(&json!(true)), "\"True\" is not a valid choice.");
    }

    #[test]
    fn char_fields() {
        let object = json!({"a": " x ", "b": "  ", "c": 5, "d": {}, "e": null});
        let Value::Object(object) = object else { unreachable!() };
        let strict = CharField { required: true, allow_null: false, allow_blank: false };
        assert_eq!(strict.read(&object, "a"), Ok(Some("x".to_owned())));
        assert_eq!(strict.read(&object, "b"), Err(BLANK));
        assert_eq!(strict.read(&object, "c"), Ok(Some("5".to_owned())));
        assert_eq!(strict.read(&object, "d"), Err(NOT_A_STRING));
        assert_eq!(strict.read(&object, "e"), Err(NULL));
        assert_eq!(strict.read(&object, "f"), Err(REQUIRED));
        let loose = CharField { required: false, allow_null: true, allow_blank: true };
        assert_eq!(loose.read(&object, "e"), Ok(None));
        assert_eq!(loose.read(&object, "b"), Ok(Some(String::new())));
    }

    #[test]
    fn primary_keys() {
        let Value::Object(object) = json!({"a": 3, "b": "4", "c": "x", "d": true, "e": null}) else { unreachable!() };
        assert_eq!(read_pk(&object, "a"), Ok(Some(3)));
        assert_eq!(read_pk(&object, "b"), Ok(Some(4)));
        assert_eq!(read_pk(&object, "c"), Err("Incorrect type. Expected pk value, received str.".to_owned()));
        assert_eq!(read_pk(&object, "d"), Err("Incorrect type. Expected pk value, received bool.".to_owned()));
        assert_eq!(read_pk(&object, "e"), Err(NULL.to_owned()));
        assert_eq!(read_pk(&object, "f"), Ok(None));
    }
}
