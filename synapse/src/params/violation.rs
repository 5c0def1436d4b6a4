//! Violations: what is wrong with an input, where (its JSON path) and which constraint it
//! breaks, in words a user of the plugin understands (no Rust types, no serde internals).
//!
//! This module holds the types and turns validator errors into them; the words of each message
//! come from [`messages`], the paths from [`json_path`](super::json_path).

mod messages;

use super::json_path::{join_property, render_location};
use jsonschema::ValidationError;
use jsonschema::error::ValidationErrorKind;
use jsonschema::paths::Location;
use messages::{message, one_of_message, unknown_field_message};
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
            let said = required_message(schema, error.schema_path(), &name);
            push(join_property(&path, &name), said.unwrap_or_else(|| "is required but missing".into()));
        }
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            let known = known_properties(schema, error.schema_path());
            for name in unexpected {
                push(join_property(&path, name), unknown_field_message(name, &known));
            }
        }
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            if let Some(choices) = value_choices(context, here) {
                push(path, one_of_message(&choices, value));
                return;
            }
            match closest_branch(context, here) {
                Some(branch) => branch.iter().for_each(|e| collect(e, instance, schema, out)),
                None => push(path, "does not match any of the allowed forms".into()),
            }
        }
        kind => push(path, message(kind, value)),
    }
}

/// The values an `anyOf`/`oneOf` allows when each of its branches is a `const` or an `enum`
/// (as a documented Rust enum's variants are), so that the input is told every choice rather
/// than the first branch's: `None` when a branch asks anything else.
fn value_choices(context: &[Vec<ValidationError<'static>>], here: &Location) -> Option<Vec<Value>> {
    let mut choices = Vec::new();
    for branch in context.iter().filter(|branch| !branch.is_empty()) {
        let [error] = branch.as_slice() else { return None };
        if error.instance_path() != here {
            return None;
        }
        match error.kind() {
            ValidationErrorKind::Constant { expected_value } => choices.push(expected_value.as_ref().clone()),
            ValidationErrorKind::Enum { options } => choices.extend(options.as_array()?.iter().cloned()),
            _ => return None,
        }
    }
    (!choices.is_empty()).then_some(choices)
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

/// The `properties` next to the keyword at `schema_path`, following local `$ref`s.
fn known_properties(root: &Value, schema_path: &Location) -> Vec<String> {
    let Some(node) = keyword_owner(root, schema_path) else { return Vec::new() };
    node.get("properties").and_then(Value::as_object).map(|p| p.keys().cloned().collect()).unwrap_or_default()
}

/// What the schema says of a missing `property` where the `required` keyword at `schema_path`
/// asks for it: the `errorMessage.required.<property>` next to the keyword (the ajv-errors
/// convention), e.g. the reason a rule that depends on another field gives.
fn required_message(root: &Value, schema_path: &Location, property: &str) -> Option<String> {
    let node = keyword_owner(root, schema_path)?;
    node.get("errorMessage")?.get("required")?.get(property)?.as_str().map(str::to_owned)
}

/// The schema object holding the keyword at `schema_path`, following local `$ref`s.
fn keyword_owner<'a>(root: &'a Value, schema_path: &Location) -> Option<&'a Value> {
    let segments: Vec<String> = schema_path.segments().map(|s| s.to_string()).collect();
    let (_, parents) = segments.split_last()?;
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
                None => return None,
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
            None => return None,
        }
    }
    Some(node)
}

#[cfg(test)]
mod tests {
    use crate::params::Params;

    /// A documented enum's variants are a `oneOf` of `const`s in its schema.
    #[crate::params(crate = crate)]
    #[derive(Debug, Clone, Copy)]
    enum Target {
        /// Assignments.
        Assignment,
        /// Ground truth.
        GroundTruth,
        /// Tasks.
        Task,
    }

    #[crate::params(crate = crate)]
    #[derive(Debug, Clone)]
    struct Export {
        target: Target,
    }

    #[test]
    fn a_wrong_variant_is_told_every_choice_and_the_nearest() {
        let Err(violations) = Export::parse(serde_json::json!({"target": "tasks"})) else {
            panic!("tasks is no target")
        };
        let violation = violations.at("$.target").expect("a violation at the target");
        assert_eq!(
            violation.message,
            "must be one of \"assignment\", \"ground_truth\", \"task\" (got \"tasks\"); did you mean \"task\"?"
        );
        assert_eq!(violations.len(), 1, "{violations}");
    }
}
