//! Schema generation and the compiled validator cached per type.

use super::violation::{Violation, Violations, violations_from};
use super::whole_numbers::{WholeNumbers, has_whole_float, integers_for_whole_floats};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::cmp::Ordering;
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

/// The range of each fixed-width number format schemars writes, as `(minimum, maximum)`.
///
/// Params travel as JSON, whose integers (as serde_json reads and writes them) run from
/// `i64::MIN` to `u64::MAX`: an `i128` or `u128` is published with that range, so every value
/// the schema accepts is one the params can be read from and written back to.
fn format_bounds(format: &str) -> Option<(Value, Value)> {
    let bounds = match format {
        "int8" => (i8::MIN.into(), i8::MAX.into()),
        "int16" => (i16::MIN.into(), i16::MAX.into()),
        "int32" => (i32::MIN.into(), i32::MAX.into()),
        "int64" | "int" => (i64::MIN.into(), i64::MAX.into()),
        "int128" => (i64::MIN.into(), u64::MAX.into()),
        "uint8" => (0.into(), u8::MAX.into()),
        "uint16" => (0.into(), u16::MAX.into()),
        "uint32" => (0.into(), u32::MAX.into()),
        "uint64" | "uint" | "uint128" => (0.into(), u64::MAX.into()),
        // An `f32` beyond its largest finite value would silently become infinite.
        "float" => (Value::from(-f64::from(f32::MAX)), Value::from(f64::from(f32::MAX))),
        _ => return None,
    };
    Some(bounds)
}

/// Puts `bound` into `map` under `key`, unless a bound the author gave there is at least as
/// tight (`tighter` is the order a tighter bound has to `bound`).
fn narrow_to(map: &mut serde_json::Map<String, Value>, key: &str, bound: Value, tighter: Ordering) {
    let given = map.get(key).and_then(Value::as_number).zip(bound.as_number());
    let keep = given.and_then(|(given, bound)| compare(given, bound)).is_some_and(|o| o == tighter || o.is_eq());
    if !keep {
        map.insert(key.to_owned(), bound);
    }
}

/// The exact order of two JSON numbers (a float against a 64-bit integer without rounding
/// either), or `None` for NaN.
fn compare(a: &serde_json::Number, b: &serde_json::Number) -> Option<Ordering> {
    let integer = |n: &serde_json::Number| n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from));
    // `f` against the integer `i`: equal to the float nearest `i` means equal to `i` only if
    // that float is `i` exactly (it is whole and within 2^64, so the cast is exact).
    let float_against = |f: f64, i: i128| match f.partial_cmp(&(i as f64))? {
        Ordering::Equal => Some((f as i128).cmp(&i)),
        other => Some(other),
    };
    match (integer(a), integer(b)) {
        (Some(a), Some(b)) => Some(a.cmp(&b)),
        (None, Some(b)) => float_against(a.as_f64()?, b),
        (Some(a), None) => float_against(b.as_f64()?, a).map(Ordering::reverse),
        (None, None) => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

/// Makes the schema say exactly what the types accept, where schemars leaves it wider:
/// - the range of every fixed-width number (a `u32` publishes `maximum: 4294967295`), with the
///   author's `range(...)` kept within it (`range(max = 1000)` on a `u8` publishes 255);
/// - the keys of maps keyed by integers (see [`integer_key_pattern`]).
fn narrow_to_types(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some((min, max)) = map.get("format").and_then(Value::as_str).and_then(format_bounds) {
                narrow_to(map, "minimum", min, Ordering::Greater);
                narrow_to(map, "maximum", max, Ordering::Less);
            }
            if let Some(Value::Object(patterns)) = map.get_mut("patternProperties") {
                let keys: Vec<String> = patterns.keys().cloned().collect();
                for key in keys {
                    if let Some(exact) = integer_key_pattern(&key)
                        && let Some(schema) = patterns.remove(&key)
                    {
                        patterns.insert(exact, schema);
                    }
                }
            }
            map.values_mut().for_each(narrow_to_types);
        }
        Value::Array(items) => items.iter_mut().for_each(narrow_to_types),
        _ => {}
    }
}

/// The key pattern of a map keyed by integers, narrowed to the keys serde reads: schemars
/// writes `^\d+$` (unsigned) or `^-?\d+$` (signed), which also match `007`, digits of other
/// scripts and numbers past 64 bits; serde reads a key as a JSON number, so the pattern becomes
/// ASCII digits without a leading zero, within `u64` or `i64`.
///
/// The key's own width is not in schemars' output: a key of a narrower type (a `u32` past
/// `u32::MAX`) still matches and is refused when the params are read.
fn integer_key_pattern(pattern: &str) -> Option<String> {
    match pattern {
        r"^\d+$" => Some(format!("^(0|{})$", decimal_up_to(u64::MAX))),
        r"^-?\d+$" => Some(format!("^(0|-?(?:{})|-{})$", decimal_up_to(i64::MAX as u64), i64::MIN.unsigned_abs())),
        _ => None,
    }
}

/// A regex (unanchored) for the decimal numbers from 1 to `max`, without leading zeros.
fn decimal_up_to(max: u64) -> String {
    let digits = max.to_string();
    let count = digits.len();
    let mut forms = Vec::new();
    // Fewer digits than `max`.
    if count > 1 {
        forms.push(format!("[1-9][0-9]{{0,{}}}", count - 2));
    }
    // As many digits: equal to `max` up to one digit, lower there, anything after.
    for (at, digit) in digits.bytes().map(|b| b - b'0').enumerate() {
        let lowest = u8::from(at == 0);
        if digit > lowest {
            let rest = count - at - 1;
            let rest = if rest > 0 { format!("[0-9]{{{rest}}}") } else { String::new() };
            forms.push(format!("{}[{lowest}-{}]{rest}", &digits[..at], digit - 1));
        }
    }
    forms.push(digits);
    forms.join("|")
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
    let path = super::violation::render_serde_path(error.path());
    Violations::from(vec![Violation { path, constraint: "deserialize".into(), message: error.inner().to_string() }])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Which of `texts` match `pattern`.
    fn matching<'t>(pattern: &str, texts: impl IntoIterator<Item = &'t str>) -> Vec<&'t str> {
        let validator = jsonschema::validator_for(&json!({"pattern": pattern})).expect("a valid pattern");
        texts.into_iter().filter(|text| validator.is_valid(&json!(text))).collect()
    }

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

    #[test]
    fn decimal_patterns_match_exactly_the_numbers_up_to_their_maximum() {
        for max in [1_u64, 9, 10, 19, 99, 100, 255, 300, 1000, 20_517] {
            let pattern = format!("^(0|{})$", decimal_up_to(max));
            let numbers: Vec<String> = (0..=max * 2 + 20).map(|n| n.to_string()).collect();
            let expected: Vec<&str> = numbers[..=max as usize].iter().map(String::as_str).collect();
            assert_eq!(matching(&pattern, numbers.iter().map(String::as_str)), expected, "{pattern}");
            let odd = ["00", "01", "-1", "+1", "1.0", "", " 1", "\u{663}"];
            assert!(matching(&pattern, odd).is_empty(), "{pattern}");
        }
    }

    #[test]
    fn integer_keys_are_json_numbers_within_64_bits() {
        let unsigned = integer_key_pattern(r"^\d+$").unwrap();
        let keys =
            ["0", "7", "18446744073709551615", "007", "-1", "18446744073709551616", "99999999999999999999", "\u{663}"];
        assert_eq!(matching(&unsigned, keys), ["0", "7", "18446744073709551615"]);
        let signed = integer_key_pattern(r"^-?\d+$").unwrap();
        let keys = [
            "0",
            "-7",
            "9223372036854775807",
            "-9223372036854775808",
            "-0",
            "-007",
            "9223372036854775808",
            "-9223372036854775809",
            "+1",
        ];
        assert_eq!(matching(&signed, keys), ["0", "-7", "9223372036854775807", "-9223372036854775808"]);
    }

    #[test]
    fn bounds_compare_floats_and_integers_exactly() {
        let n = |v: Value| v.as_number().cloned().unwrap();
        // As a user writes it: 2^63, the float nearest to i64::MAX.
        let two_63: Value = serde_json::from_str("9.223372036854775807e18").unwrap();
        assert_eq!(compare(&n(two_63), &n(json!(i64::MAX))), Some(Ordering::Greater));
        assert_eq!(compare(&n(json!(1.8446744073709552e19)), &n(json!(u64::MAX))), Some(Ordering::Greater));
        assert_eq!(compare(&n(json!(255.0)), &n(json!(255))), Some(Ordering::Equal));
        assert_eq!(compare(&n(json!(-0.0)), &n(json!(0))), Some(Ordering::Equal));
        assert_eq!(compare(&n(json!(u64::MAX)), &n(json!(i64::MIN))), Some(Ordering::Greater));
    }

    #[test]
    fn the_bounds_of_a_type_are_published_and_a_wider_range_is_narrowed() {
        let mut schema = json!({
            "properties": {
                "a": {"type": "integer", "format": "uint8", "minimum": -5, "maximum": 1000},
                "b": {"type": "integer", "format": "int16", "minimum": 1, "maximum": 10},
                "c": {"type": "integer", "format": "uint128"},
                "d": {"type": "number", "format": "float", "exclusiveMinimum": 0.0},
            }
        });
        narrow_to_types(&mut schema);
        assert_eq!(
            schema["properties"]["a"],
            json!({"type": "integer", "format": "uint8", "minimum": 0, "maximum": 255})
        );
        assert_eq!(schema["properties"]["b"]["minimum"], 1);
        assert_eq!(schema["properties"]["b"]["maximum"], 10);
        assert_eq!(schema["properties"]["c"]["maximum"], u64::MAX);
        assert_eq!(schema["properties"]["d"]["maximum"], f64::from(f32::MAX));
        assert_eq!(schema["properties"]["d"]["exclusiveMinimum"], 0.0);
    }
}
