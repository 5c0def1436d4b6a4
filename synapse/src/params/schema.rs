//! Schema generation and the compiled validator cached per type, and the deserialization of a
//! value that passed validation. The generated schema is narrowed to what the Rust types hold by
//! [`narrowing`].

mod narrowing;

use super::json_path::render_serde_path;
use super::violation::{Violation, Violations, violations_from};
use super::whole_numbers::{WholeNumbers, has_whole_float, integers_for_whole_floats};
use narrowing::narrow_to_types;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::OnceLock;

/// Access to a type's published schema and compiled validator. Implemented by the
/// `#[params]` and `#[output]` attributes.
#[doc(hidden)]
pub trait HasSchema {
    /// The per-type cell holding the schema and its validator.
    fn schema_cell() -> &'static SchemaCell;
}

/// A type's JSON Schema, generated once, and the validator compiled from exactly that schema.
pub struct SchemaCell {
    type_name: &'static str,
    generate: fn() -> Value,
    compiled: OnceLock<Compiled>,
}

struct Compiled {
    schema: Value,
    validator: Result<jsonschema::Validator, String>,
    /// Whether a value of the type can hold a float (the schema names the type `number`):
    /// only such a value can hold a NaN or an infinity, which JSON cannot carry.
    floats: bool,
    /// The defaults the schema publishes that its own constraints refuse.
    broken_defaults: Vec<Violation>,
}

impl SchemaCell {
    /// A cell for the type named `type_name` whose schema `generate` produces.
    pub const fn new(type_name: &'static str, generate: fn() -> Value) -> Self {
        SchemaCell { type_name, generate, compiled: OnceLock::new() }
    }

    fn compiled(&self) -> &Compiled {
        self.compiled.get_or_init(|| {
            let schema = (self.generate)();
            let validator = jsonschema::validator_for(&schema).map_err(|error| error.to_string());
            let floats = names_number(&schema);
            let broken_defaults = broken_defaults(&schema);
            Compiled { schema, validator, floats, broken_defaults }
        })
    }

    /// Whether a value of the type can hold a float (its schema names the type `number`
    /// somewhere): only then can it hold a NaN or an infinity.
    pub(crate) fn holds_floats(&self) -> bool {
        self.compiled().floats
    }

    /// The defaults the schema publishes that its own constraints refuse
    /// (`#[param(default = 500, range(max = 100))]`), each at the field it is the default of:
    /// `$.epochs` for a field of the type itself, `Inner.epochs` for one of a type it holds.
    /// Such a type is a bug of the plugin: a run of its action is refused, naming them.
    pub fn broken_defaults(&self) -> &[Violation] {
        &self.compiled().broken_defaults
    }

    /// The Rust type this schema describes (for messages about the plugin, never about input).
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// The published JSON Schema.
    pub fn schema(&self) -> &Value {
        &self.compiled().schema
    }

    /// Checks `instance` against the schema, collecting every violation.
    pub fn validate(&self, instance: &Value) -> Result<(), Violations> {
        let compiled = self.compiled();
        match &compiled.validator {
            Ok(validator) => {
                if validator.is_valid(instance) {
                    return Ok(());
                }
                Err(violations_from(validator.iter_errors(instance), instance, &compiled.schema))
            }
            Err(problem) => Err(Violations::from(vec![Violation {
                path: "$".into(),
                constraint: "schema".into(),
                message: format!("the schema of `{}` does not compile: {problem}", self.type_name),
            }])),
        }
    }
}

/// Every `default` of a property of `root` (its own, and those of the types in its
/// `definitions`) checked against that property's schema.
///
/// All of them are checked by one validator, compiled once: a schema whose properties are the
/// defaulted properties (each without its `default`, able to reach the root's `definitions`),
/// checked against an object of their defaults. Compiling a validator checks its schema against
/// the meta-schema first, which costs more than everything else a run does; one per default
/// would make a plugin's start-up grow with its params.
fn broken_defaults(root: &Value) -> Vec<Violation> {
    let mut objects: Vec<(String, &Value)> = vec![("$".to_owned(), root)];
    if let Some(Value::Object(defined)) = root.get("definitions") {
        objects.extend(defined.iter().map(|(name, schema)| (name.clone(), schema)));
    }
    // Each defaulted property, under a key of its own: where it is (for the message), its
    // schema without the default, and the default.
    let mut at = Vec::new();
    let mut properties = serde_json::Map::new();
    let mut defaults = serde_json::Map::new();
    for (owner, object) in objects {
        let Some(Value::Object(declared)) = object.get("properties") else { continue };
        for (name, property) in declared {
            let (Some(default), Value::Object(map)) = (property.get("default"), property) else { continue };
            let key = format!("d{}", at.len());
            let mut alone = map.clone();
            alone.remove("default");
            properties.insert(key.clone(), Value::Object(alone));
            defaults.insert(key, default.clone());
            at.push(if owner == "$" { format!("$.{name}") } else { format!("{owner}.{name}") });
        }
    }
    if at.is_empty() {
        return Vec::new();
    }
    let mut check = serde_json::Map::new();
    if let Some(draft) = root.get("$schema") {
        check.insert("$schema".to_owned(), draft.clone());
    }
    if let Some(definitions) = root.get("definitions") {
        check.insert("definitions".to_owned(), definitions.clone());
    }
    check.insert("properties".to_owned(), Value::Object(properties));
    let check = Value::Object(check);
    let instance = Value::Object(defaults);
    // A schema that does not compile is reported by validation itself.
    let Ok(validator) = jsonschema::validator_for(&check) else { return Vec::new() };
    let mut refused: Vec<Vec<jsonschema::ValidationError<'_>>> = at.iter().map(|_| Vec::new()).collect();
    for error in validator.iter_errors(&instance) {
        let index = match error.instance_path().segments().next() {
            Some(jsonschema::paths::LocationSegment::Property(key)) => {
                key.strip_prefix('d').and_then(|n| n.parse().ok())
            }
            _ => None,
        };
        if let Some(errors) = index.and_then(|index: usize| refused.get_mut(index)) {
            errors.push(error);
        }
    }
    let mut broken = Vec::new();
    for (index, errors) in refused.into_iter().enumerate() {
        if errors.is_empty() {
            continue;
        }
        let default = &instance[format!("d{index}")];
        let why = violations_from(errors.into_iter(), &instance, &check);
        let why = why.iter().map(|v| v.message.as_str()).collect::<Vec<_>>().join("; ");
        broken.push(Violation {
            path: at[index].clone(),
            constraint: "default".into(),
            message: format!("its default {default} breaks its own schema: it {why}"),
        });
    }
    broken
}

/// Whether `schema` names the JSON type `number` anywhere (`"type": "number"`, or in a list
/// of types).
fn names_number(schema: &Value) -> bool {
    match schema {
        Value::Object(map) => {
            let named = match map.get("type") {
                Some(Value::String(name)) => name == "number",
                Some(Value::Array(names)) => names.iter().any(|name| name == "number"),
                _ => false,
            };
            named || map.values().any(names_number)
        }
        Value::Array(items) => items.iter().any(names_number),
        _ => false,
    }
}

/// The JSON Schema (draft 07, what UI form builders support best) of `T`, with the numeric
/// bounds of fixed-width numbers made explicit (`u32` publishes `maximum: 4294967295`, an `f32`
/// the largest finite `f32`) and the keys of integer-keyed maps narrowed to what serde reads, so
/// the schema rejects every value the type cannot hold and validation never falls through to a
/// deserialization error.
///
/// ```
/// #[derive(schemars::JsonSchema)]
/// struct Sizes {
///     small: u8,
///     #[schemars(range(max = 1000))]
///     capped: u8,
/// }
/// let schema = synapse::params::schema_of::<Sizes>();
/// assert_eq!(schema["properties"]["small"]["maximum"], 255);
/// assert_eq!(schema["properties"]["capped"]["maximum"], 255, "a range wider than the type is narrowed");
/// ```
pub fn schema_of<T: JsonSchema>() -> Value {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let mut value = generator.into_root_schema_for::<T>().to_value();
    narrow_to_types(&mut value);
    headline_first(value)
}

/// Puts `$schema`, `title` and `description` first, where a reader looks for them.
fn headline_first(value: Value) -> Value {
    let Value::Object(mut map) = value else { return value };
    let mut ordered = serde_json::Map::new();
    for key in ["$schema", "title", "description"] {
        if let Some(v) = map.remove(key) {
            ordered.insert(key.to_owned(), v);
        }
    }
    ordered.extend(map);
    Value::Object(ordered)
}

/// Deserializes a value that already passed validation; a failure here (a custom
/// `Deserialize` stricter than its schema) is still reported as a violation with its path.
///
/// Whole floats are read as integers where the type asks for an integer (see
/// [`whole_numbers`](super::whole_numbers)); if the value is refused while it holds whole floats
/// (serde buffered one before knowing its type), it is read once more with every whole float
/// as an integer.
#[inline(always)]
pub(crate) fn deserialize<T: DeserializeOwned>(value: Value) -> Result<T, Violations> {
    if has_whole_float(&value) {
        return deserialize_whole_floats(value);
    }
    // Nothing to read as an integer: the value as it is (the common case, and the fastest).
    serde_path_to_error::deserialize(value).map_err(|error| deserialize_violation(&error))
}

/// [`deserialize`] of a value holding whole floats.
#[cold]
#[inline(never)]
fn deserialize_whole_floats<T: DeserializeOwned>(value: Value) -> Result<T, Violations> {
    let mut second_reading = value.clone();
    let error = match serde_path_to_error::deserialize(WholeNumbers(value)) {
        Ok(params) => return Ok(params),
        Err(error) => error,
    };
    integers_for_whole_floats(&mut second_reading);
    serde_path_to_error::deserialize(second_reading).map_err(|_| deserialize_violation(&error))
}

/// A deserialization error as the violation at its path.
fn deserialize_violation<E: std::fmt::Display>(error: &serde_path_to_error::Error<E>) -> Violations {
    let path = render_serde_path(error.path());
    Violations::from(vec![Violation { path, constraint: "deserialize".into(), message: error.inner().to_string() }])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_broken_default_is_named_once_at_its_field_and_sound_ones_are_not() {
        let root = json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "properties": {
                "epochs": {"type": "integer", "maximum": 100, "default": 500},
                "lr": {"type": "number", "default": 0.1},
                "name": {"type": "string", "minLength": 3, "default": "ab"},
                "mode": {"$ref": "#/definitions/Mode", "default": "slow"},
                "fine": {"$ref": "#/definitions/Mode", "default": "fast"},
                "inner": {"$ref": "#/definitions/Inner"}
            },
            "definitions": {
                "Mode": {"type": "string", "enum": ["fast", "thorough"]},
                "Inner": {
                    "type": "object",
                    "properties": {
                        "tags": {"type": "array", "maxItems": 1, "default": ["a", "b"]},
                        "ok": {"type": "boolean", "default": true}
                    }
                }
            }
        });
        let broken = broken_defaults(&root);
        let paths: Vec<&str> = broken.iter().map(|v| v.path.as_str()).collect();
        assert_eq!(paths, ["$.epochs", "$.name", "$.mode", "Inner.tags"], "{broken:?}");
        assert!(broken.iter().all(|v| v.constraint == "default"));
        assert_eq!(broken[0].message, "its default 500 breaks its own schema: it must be at most 100 (got 500)");
        assert!(
            broken[2].message.starts_with("its default \"slow\" breaks its own schema: it "),
            "{}",
            broken[2].message
        );
        assert!(broken_defaults(&json!({"type": "object", "properties": {"a": {"type": "integer"}}})).is_empty());
    }
}
