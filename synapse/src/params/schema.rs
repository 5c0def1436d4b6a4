//! Schema generation and the compiled validator cached per type.

use super::violation::{Violation, Violations, violations_from};
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
            Compiled { schema, validator }
        })
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

/// The JSON Schema (draft 07, what UI form builders support best) of `T`, with the numeric bounds of fixed-width integers
/// made explicit (`u32` publishes `maximum: 4294967295`), so the schema rejects every value the
/// type cannot hold and validation never falls through to a deserialization error.
pub fn schema_of<T: JsonSchema>() -> Value {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let mut value = generator.into_root_schema_for::<T>().to_value();
    add_integer_bounds(&mut value);
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

fn add_integer_bounds(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let bounds: Option<(i128, i128)> = match map.get("format").and_then(Value::as_str) {
                Some("int8") => Some((i8::MIN.into(), i8::MAX.into())),
                Some("int16") => Some((i16::MIN.into(), i16::MAX.into())),
                Some("int32") => Some((i32::MIN.into(), i32::MAX.into())),
                Some("int64") => Some((i64::MIN.into(), i64::MAX.into())),
                Some("uint8") => Some((0, u8::MAX.into())),
                Some("uint16") => Some((0, u16::MAX.into())),
                Some("uint32") => Some((0, u32::MAX.into())),
                Some("uint64") => Some((0, u64::MAX.into())),
                Some("uint") => Some((0, u64::MAX.into())),
                Some("int") => Some((i64::MIN.into(), i64::MAX.into())),
                _ => None,
            };
            if let Some((min, max)) = bounds {
                map.entry("minimum").or_insert_with(|| number(min));
                map.entry("maximum").or_insert_with(|| number(max));
            }
            map.values_mut().for_each(add_integer_bounds);
        }
        Value::Array(items) => items.iter_mut().for_each(add_integer_bounds),
        _ => {}
    }
}

fn number(n: i128) -> Value {
    if let Ok(n) = i64::try_from(n) {
        Value::from(n)
    } else if let Ok(n) = u64::try_from(n) {
        Value::from(n)
    } else {
        Value::Null
    }
}

/// Deserializes a value that already passed validation; a failure here (a custom
/// `Deserialize` stricter than its schema) is still reported as a violation with its path.
pub(crate) fn deserialize<T: DeserializeOwned>(value: Value) -> Result<T, Violations> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = super::violation::render_serde_path(error.path());
        Violations::from(vec![Violation { path, constraint: "deserialize".into(), message: error.inner().to_string() }])
    })
}
