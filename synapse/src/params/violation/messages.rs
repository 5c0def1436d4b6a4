//! The words of a violation's message: what a broken constraint asks for and what the input
//! gave instead (`must be at least 1 (got 0)`), for [`collect`](super::collect) in the parent
//! module.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value;

pub(super) fn message(kind: &ValidationErrorKind, value: &Value) -> String {
    let got = preview(value);
    match kind {
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(t) => article(&t.to_string()),
                TypeKind::Multiple(set) => {
                    let names: Vec<String> = set.iter().map(|t| t.to_string()).collect();
                    names.join(" or ")
                }
            };
            format!("must be {expected} (got {})", typed_preview(value))
        }
        ValidationErrorKind::Minimum { limit } => format!("must be at least {limit} (got {got})"),
        ValidationErrorKind::Maximum { limit } => format!("must be at most {limit} (got {got})"),
        ValidationErrorKind::ExclusiveMinimum { limit } => format!("must be greater than {limit} (got {got})"),
        ValidationErrorKind::ExclusiveMaximum { limit } => format!("must be less than {limit} (got {got})"),
        ValidationErrorKind::MultipleOf { multiple_of } => format!("must be a multiple of {multiple_of} (got {got})"),
        ValidationErrorKind::MinLength { limit } => {
            format!("must be at least {limit} {} long (got {})", plural(*limit, "character"), char_len(value))
        }
        ValidationErrorKind::MaxLength { limit } => {
            format!("must be at most {limit} {} long (got {})", plural(*limit, "character"), char_len(value))
        }
        ValidationErrorKind::MinItems { limit } => {
            format!("must have at least {limit} {} (got {})", plural(*limit, "item"), array_len(value))
        }
        ValidationErrorKind::MaxItems { limit } => {
            format!("must have at most {limit} {} (got {})", plural(*limit, "item"), array_len(value))
        }
        ValidationErrorKind::MinProperties { limit } => {
            format!("must have at least {limit} {}", plural(*limit, "entry"))
        }
        ValidationErrorKind::MaxProperties { limit } => {
            format!("must have at most {limit} {}", plural(*limit, "entry"))
        }
        ValidationErrorKind::Pattern { pattern } => format!("must match the pattern `{pattern}` (got {got})"),
        ValidationErrorKind::Enum { options } => match options.as_ref() {
            Value::Array(items) => one_of_message(items, value),
            other => format!("must be one of {} (got {got})", preview(other)),
        },
        ValidationErrorKind::Constant { expected_value } => format!("must be {} (got {got})", preview(expected_value)),
        ValidationErrorKind::UniqueItems => "must not contain duplicate items".into(),
        ValidationErrorKind::Format { format } => format!("must be a valid {format} (got {got})"),
        ValidationErrorKind::FalseSchema => "is not allowed here".into(),
        ValidationErrorKind::OneOfMultipleValid { .. } => "matches more than one of the allowed forms".into(),
        ValidationErrorKind::Contains => "must contain at least one matching item".into(),
        ValidationErrorKind::Not { .. } => "is not allowed".into(),
        _ => "is invalid".into(),
    }
}

fn article(type_name: &str) -> String {
    match type_name {
        "integer" => "an integer".into(),
        "array" => "an array".into(),
        "object" => "an object".into(),
        "null" => "null".into(),
        other => format!("a {other}"),
    }
}

/// A value with its JSON type, for type violations: `string "2"`, `number 32.5`, `null`,
/// `an array of 0 items` (where the preview already names the type, it is not said twice).
fn typed_preview(value: &Value) -> String {
    match value {
        Value::Null | Value::Array(_) | Value::Object(_) => preview(value),
        other => format!("{} {}", json_type(other), preview(other)),
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else if let Some(stem) = word.strip_suffix('y') {
        format!("{stem}ies")
    } else {
        format!("{word}s")
    }
}

fn char_len(value: &Value) -> usize {
    value.as_str().map_or(0, |s| s.chars().count())
}

fn array_len(value: &Value) -> usize {
    value.as_array().map_or(0, Vec::len)
}

/// A short rendering of a value for messages: `"abc"`, `42`, `[…3 items]`.
fn preview(value: &Value) -> String {
    match value {
        Value::Array(items) => format!("an array of {} {}", items.len(), plural(items.len() as u64, "item")),
        Value::Object(map) => format!("an object with {} {}", map.len(), plural(map.len() as u64, "field")),
        other => {
            let text = other.to_string();
            if text.chars().count() > 60 {
                let cut: String = text.chars().take(57).collect();
                format!("{cut}…")
            } else {
                text
            }
        }
    }
}

/// `must be one of "a", "b" (got "c")`, and for a string close to one of the choices, `; did
/// you mean "b"?`.
pub(super) fn one_of_message(choices: &[Value], value: &Value) -> String {
    let listed = choices.iter().map(preview).collect::<Vec<_>>().join(", ");
    let mut message = format!("must be one of {listed} (got {})", preview(value));
    if let Some(given) = value.as_str() {
        let names = choices.iter().filter_map(Value::as_str);
        if let Some(fix) = synapse_macros_core::errors::closest(given, names) {
            message.push_str(&format!("; did you mean \"{fix}\"?"));
        }
    }
    message
}

pub(super) fn unknown_field_message(name: &str, known: &[String]) -> String {
    if known.is_empty() {
        return "is not a known field".into();
    }
    let suggestion = synapse_macros_core::errors::closest(name, known.iter().map(String::as_str));
    match suggestion {
        Some(fix) => format!("is not a known field; did you mean `{fix}`?"),
        None => format!("is not a known field (known fields: {})", known.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_violations_name_the_type_once() {
        use jsonschema::JsonType::{Integer, Object};
        use serde_json::json;
        let must_be = |t, value: Value| message(&ValidationErrorKind::Type { kind: TypeKind::Single(t) }, &value);
        assert_eq!(must_be(Object, Value::Null), "must be an object (got null)");
        assert_eq!(must_be(Object, json!([])), "must be an object (got an array of 0 items)");
        assert_eq!(must_be(Object, json!({"a": 1})), "must be an object (got an object with 1 field)");
        assert_eq!(must_be(Integer, json!("2")), "must be an integer (got string \"2\")");
        assert_eq!(must_be(Integer, json!(32.5)), "must be an integer (got number 32.5)");
        assert_eq!(must_be(Integer, json!(true)), "must be an integer (got boolean true)");
    }

    #[test]
    fn choices_are_listed_with_the_nearest() {
        use serde_json::json;
        let choices = [json!("assignment"), json!("ground_truth"), json!("task")];
        assert_eq!(
            one_of_message(&choices, &json!("tasks")),
            "must be one of \"assignment\", \"ground_truth\", \"task\" (got \"tasks\"); did you mean \"task\"?"
        );
        assert_eq!(
            one_of_message(&choices, &json!(3)),
            "must be one of \"assignment\", \"ground_truth\", \"task\" (got 3)"
        );
    }

    #[test]
    fn previews_are_short() {
        assert_eq!(preview(&serde_json::json!("abc")), "\"abc\"");
        assert_eq!(preview(&serde_json::json!([1, 2])), "an array of 2 items");
        assert!(preview(&Value::String("x".repeat(100))).ends_with('…'));
    }
}
