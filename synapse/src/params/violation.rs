//! Violations: what is wrong with an input, where (its JSON path) and which constraint it
//! breaks, in words a user of the plugin understands (no Rust types, no serde internals).

use jsonschema::ValidationError;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::paths::{Location, LocationSegment};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// One broken constraint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Violation {
    /// Where: a JSONPath into the input, like `$.batch_size` or `$.items[2].name`.
    pub path: String,
    /// Which constraint, named by its JSON Schema keyword (`minimum`, `required`,
    /// `additionalProperties`, `type`, …), or `json` for input that is not JSON at all,
    /// `duplicate` for a key given twice in params text, `finite` for a NaN or infinite float
    /// in a result.
    pub constraint: String,
    /// What is wrong, in words: `must be at least 1 (got 0)`.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Every violation of one input, sorted by path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct Violations(Vec<Violation>);

impl Violations {
    /// The violations, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Violation> {
        self.0.iter()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The violation at `path`, if any.
    pub fn at(&self, path: &str) -> Option<&Violation> {
        self.0.iter().find(|v| v.path == path)
    }

    /// A single violation for input that is not valid JSON at all.
    ///
    /// ```
    /// let error = serde_json::from_str::<serde_json::Value>("{\"a\": ").unwrap_err();
    /// let v = synapse::params::Violations::malformed_json(&error);
    /// assert_eq!(v.iter().next().unwrap().constraint, "json");
    /// ```
    pub fn malformed_json(error: &serde_json::Error) -> Self {
        let detail = error.to_string();
        let detail = detail.split(" at line ").next().unwrap_or(&detail).to_owned();
        Violations(vec![Violation {
            path: "$".into(),
            constraint: "json".into(),
            message: format!("is not valid JSON: {detail} (line {}, column {})", error.line(), error.column()),
        }])
    }
}

impl From<Vec<Violation>> for Violations {
    fn from(mut violations: Vec<Violation>) -> Self {
        violations.sort_by(|a, b| a.path.cmp(&b.path).then_with(|| a.constraint.cmp(&b.constraint)));
        violations.dedup();
        Violations(violations)
    }
}

impl<'a> IntoIterator for &'a Violations {
    type Item = &'a Violation;
    type IntoIter = std::slice::Iter<'a, Violation>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, violation) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "  - {violation}")?;
        }
        Ok(())
    }
}

/// Invalid params for an action: one error listing every violation.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("invalid params for action `{action}`: {} {}\n{violations}", violations.len(), if violations.len() == 1 { "problem" } else { "problems" })]
pub struct ParamsError {
    /// The action the params were for.
    pub action: String,
    /// What is wrong with them.
    pub violations: Violations,
}

/// Turns validator errors into violations.
pub(crate) fn violations_from<'i>(
    errors: impl Iterator<Item = ValidationError<'i>>,
    instance: &Value,
    schema: &Value,
) -> Violations {
    let mut out = Vec::new();
    for error in errors {
        collect(&error, instance, schema, &mut out);
    }
    Violations::from(out)
}

fn collect(error: &ValidationError<'_>, instance: &Value, schema: &Value, out: &mut Vec<Violation>) {
    let here = error.instance_path();
    let value = error.instance().as_ref();
    let path = render_location(here, instance);
    let keyword = error.kind().keyword().to_owned();
    let mut push = |path: String, message: String| out.push(Violation { path, constraint: keyword.clone(), message });
    match error.kind() {
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().map(str::to_owned).unwrap_or_else(|| property.to_string());
            push(join_property(&path, &name), "is required but missing".into());
        }
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            let known = known_properties(schema, error.schema_path());
            for name in unexpected {
                push(join_property(&path, name), unknown_field_message(name, &known));
            }
        }
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            match closest_branch(context, here) {
                Some(branch) => branch.iter().for_each(|e| collect(e, instance, schema, out)),
                None => push(path, "does not match any of the allowed forms".into()),
            }
        }
        kind => push(path, message(kind, value)),
    }
}

/// The branch of an `anyOf`/`oneOf` the input most nearly matched: the one that failed least at
/// the value itself (rather than deeper down), then the one with the fewest errors.
fn closest_branch<'a>(
    context: &'a [Vec<ValidationError<'static>>],
    here: &Location,
) -> Option<&'a Vec<ValidationError<'static>>> {
    context.iter().filter(|branch| !branch.is_empty()).min_by_key(|branch| {
        let shallow = branch
            .iter()
            .filter(|e| {
                e.instance_path() == here
                    && matches!(
                        e.kind(),
                        ValidationErrorKind::Type { .. }
                            | ValidationErrorKind::Constant { .. }
                            | ValidationErrorKind::Enum { .. }
                    )
            })
            .count();
        (shallow, branch.len())
    })
}

fn message(kind: &ValidationErrorKind, value: &Value) -> String {
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
        ValidationErrorKind::Enum { options } => {
            let options = match options.as_ref() {
                Value::Array(items) => items.iter().map(preview).collect::<Vec<_>>().join(", "),
                other => preview(other),
            };
            format!("must be one of {options} (got {got})")
        }
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

fn unknown_field_message(name: &str, known: &[String]) -> String {
    if known.is_empty() {
        return "is not a known field".into();
    }
    let suggestion = synapse_macros_core::errors::closest(name, known.iter().map(String::as_str));
    match suggestion {
        Some(fix) => format!("is not a known field; did you mean `{fix}`?"),
        None => format!("is not a known field (known fields: {})", known.join(", ")),
    }
}

/// The `properties` next to the keyword at `schema_path`, following local `$ref`s.
fn known_properties(root: &Value, schema_path: &Location) -> Vec<String> {
    let segments: Vec<String> = schema_path.segments().map(|s| s.to_string()).collect();
    let Some((_, parents)) = segments.split_last() else {
        return Vec::new();
    };
    let mut node = root;
    for segment in parents {
        if segment == "$ref" {
            match node
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix('#'))
                .and_then(|p| root.pointer(p))
            {
                Some(target) => node = target,
                None => return Vec::new(),
            }
            continue;
        }
        let next = match node {
            Value::Object(map) => map.get(segment.as_str()),
            Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        };
        match next {
            Some(next) => node = next,
            None => return Vec::new(),
        }
    }
    node.get("properties").and_then(Value::as_object).map(|p| p.keys().cloned().collect()).unwrap_or_default()
}

/// Renders an instance location as a JSONPath, telling array indices from object keys by the
/// shape of the instance (a key spelled `0` stays a key).
pub(crate) fn render_location(location: &Location, instance: &Value) -> String {
    let mut path = String::from("$");
    let mut node = Some(instance);
    for segment in location.segments() {
        let key = match &segment {
            LocationSegment::Property(name) => name.to_string(),
            LocationSegment::Index(i) => i.to_string(),
        };
        match node {
            Some(Value::Array(items)) => {
                let index = key.parse::<usize>().ok();
                path.push_str(&format!("[{key}]"));
                node = index.and_then(|i| items.get(i));
            }
            Some(Value::Object(map)) => {
                path = join_property(&path, &key);
                node = map.get(&key);
            }
            _ => {
                path = join_property(&path, &key);
                node = None;
            }
        }
    }
    path
}

/// `$.name`, or `$['odd key']` for keys that are not plain identifiers.
pub(crate) fn join_property(parent: &str, name: &str) -> String {
    let plain = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        format!("{parent}.{name}")
    } else {
        format!("{parent}['{}']", name.replace('\\', "\\\\").replace('\'', "\\'"))
    }
}

/// Renders a serde path (from a deserialization error) as a JSONPath.
pub(crate) fn render_serde_path(path: &serde_path_to_error::Path) -> String {
    let mut out = String::from("$");
    for segment in path.iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            serde_path_to_error::Segment::Map { key } => out = join_property(&out, key),
            serde_path_to_error::Segment::Enum { variant } => out = join_property(&out, variant),
            serde_path_to_error::Segment::Unknown => out.push_str(".?"),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_tell_indices_from_keys() {
        let instance = serde_json::json!({"items": [{"0": {"odd key": 1}}]});
        let location = Location::new().join("items").join(0usize).join("0").join("odd key");
        assert_eq!(render_location(&location, &instance), "$.items[0]['0']['odd key']");
    }

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
    fn previews_are_short() {
        assert_eq!(preview(&serde_json::json!("abc")), "\"abc\"");
        assert_eq!(preview(&serde_json::json!([1, 2])), "an array of 2 items");
        assert!(preview(&Value::String("x".repeat(100))).ends_with('…'));
    }
}
