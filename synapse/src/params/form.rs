//! The platform's form for an action's params, from the JSON Schema the params publish: one
//! FormKit input per field ([`FormItem`], [`form_items`]), as the Python SDK's
//! `pydantic_to_ui_schema` makes it, so the form and the schema the input is validated against
//! cannot disagree.
//!
//! | schema of the field | `$formkit` | props |
//! |---|---|---|
//! | `integer` | `number` | `number: "integer"`, `step` (1, or `multipleOf`) |
//! | `number` | `number` | `number: "float"`, `step` from `multipleOf` |
//! | `boolean` | `checkbox` | |
//! | a string enum (`enum`, or `oneOf` of `const`s: a `#[params]` enum) | `select` | `options` |
//! | an array of a string enum | `checkbox` | `options` (several may be checked) |
//! | `string` | `text` | |
//! | an object with properties (a nested `#[params]` struct) | `group` | `children` |
//! | anything else (a map, an array, a value of several types) | `textarea` | its JSON |
//!
//! Every item has `name` (the wire name), `label` (`#[param(form(label))]`, else the name in
//! Title Case: `batch_size` → `Batch Size`), `help` (the description's first paragraph),
//! `value` and `placeholder` (the default, when it has one), `required` (no default), and
//! `min`/`max` from the bounds (`range(...)`: an integer's exclusive bound `n` is shown as
//! `n ± 1`; a float's exclusive bound and the limits of the integer type itself are left to
//! validation). `Option<T>` is read as `T`. The field's
//! `#[param(form(...))]` settings come through the schema as `x-form`: `form(exclude)` leaves
//! the field out (`"x-form": false`), `formkit`, `label`, `help` and `placeholder` replace what
//! the schema gives.
//!
//! ```
//! use synapse::prelude::*;
//! use synapse::params::{form_items, schema_of};
//!
//! #[params]
//! pub struct TrainParams {
//!     /// Epochs to train for
//!     #[param(default = 10, range(min = 1, max = 1000))]
//!     pub epochs: u32,
//!     /// Notes on the run
//!     #[param(default, form(formkit = "textarea", label = "Notes"))]
//!     pub notes: String,
//!     #[param(default, form(exclude))]
//!     pub debug_seed: Option<u64>,
//! }
//!
//! let form = form_items(&schema_of::<TrainParams>());
//! let epochs = serde_json::to_value(&form[0]).unwrap();
//! assert_eq!(epochs, serde_json::json!({
//!     "$formkit": "number", "name": "epochs", "label": "Epochs", "help": "Epochs to train for",
//!     "value": 10, "placeholder": 10, "min": 1, "max": 1000, "step": 1, "number": "integer",
//! }));
//! assert_eq!((form[1].formkit.as_str(), form[1].label.as_str()), ("textarea", "Notes"));
//! assert_eq!(form.len(), 2, "debug_seed is left out");
//! ```

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The schema extension carrying a field's `#[param(form(...))]` settings.
pub const FORM_EXTENSION: &str = "x-form";

/// One input of an action's form: a FormKit schema node (FormKit's `$formkit` and its props),
/// as the SDK's UI schema items are.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FormItem {
    /// The FormKit input (`text`, `number`, `checkbox`, `select`, `textarea`, `group`, …).
    #[serde(rename = "$formkit")]
    pub formkit: String,
    /// The field's name in the params (its wire name).
    pub name: String,
    /// What the form shows beside it.
    pub label: String,
    /// Its help text: the field's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Its initial value: the field's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// What the empty input shows: the default, unless `form(placeholder)` says otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<Value>,
    /// Whether a value must be given (the field has no default).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    /// The smallest value (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<serde_json::Number>,
    /// The largest value (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<serde_json::Number>,
    /// The step between values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<serde_json::Number>,
    /// For `number`: `integer` or `float`, how FormKit casts what is typed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// For `select` and `checkbox`: the values to choose from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<FormOption>>,
    /// For `group`: the nested fields' items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub children: Option<Vec<FormItem>>,
}

/// A choice of a `select` or `checkbox` item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FormOption {
    /// What the form shows.
    pub label: String,
    /// The value the params receive.
    pub value: Value,
}

/// The form of the params whose JSON Schema is `schema` (a `#[params]` type's, with its
/// `definitions`): one item per property, in the schema's order, but those `form(exclude)`
/// leaves out. A schema without properties gives no items.
pub fn form_items(schema: &Value) -> Vec<FormItem> {
    object_items(schema, schema)
}

/// The items of the object schema `object`, whose `$ref`s point into `root`.
fn object_items(object: &Value, root: &Value) -> Vec<FormItem> {
    let required: Vec<&str> =
        object["required"].as_array().map(|names| names.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    let Some(properties) = object["properties"].as_object() else { return Vec::new() };
    properties
        .iter()
        .filter(|(_, property)| property.get(FORM_EXTENSION) != Some(&Value::Bool(false)))
        .map(|(name, property)| item(name, property, required.contains(&name.as_str()), root))
        .collect()
}

fn item(name: &str, property: &Value, required: bool, root: &Value) -> FormItem {
    let inner = resolve(property, root);
    let description = property["description"].as_str().or_else(|| inner["description"].as_str());
    let default = property.get("default").or_else(|| inner.get("default")).filter(|value| !value.is_null());
    let mut item = FormItem {
        formkit: "textarea".to_owned(),
        name: name.to_owned(),
        label: title_case(name),
        help: description.map(first_paragraph),
        value: default.cloned(),
        placeholder: default.cloned(),
        required,
        min: None,
        max: None,
        step: None,
        number: None,
        options: None,
        children: None,
    };
    let kind = inner["type"].as_str();
    if let Some(options) = choices(inner, root) {
        item.formkit = "select".to_owned();
        item.options = Some(options);
    } else if kind == Some("array")
        && let Some(options) = choices(resolve(&inner["items"], root), root)
    {
        item.formkit = "checkbox".to_owned();
        item.options = Some(options);
    } else if kind == Some("integer") || kind == Some("number") {
        item.formkit = "number".to_owned();
        let integer = kind == Some("integer");
        item.number = Some(if integer { "integer" } else { "float" }.to_owned());
        let format = inner["format"].as_str().unwrap_or_default();
        item.min = exclusive(bound(inner, "minimum", format), &inner["exclusiveMinimum"], integer, 1);
        item.max = exclusive(bound(inner, "maximum", format), &inner["exclusiveMaximum"], integer, -1);
        item.step = inner["multipleOf"].as_number().cloned().or_else(|| integer.then(|| 1.into()));
    } else if kind == Some("boolean") {
        item.formkit = "checkbox".to_owned();
    } else if kind == Some("string") {
        item.formkit = "text".to_owned();
    } else if inner["properties"].is_object() {
        item.formkit = "group".to_owned();
        item.children = Some(object_items(inner, root));
    }
    if let Some(overrides) = property.get(FORM_EXTENSION).and_then(Value::as_object) {
        apply(&mut item, overrides);
    }
    item
}

/// `form(...)`'s settings over what the schema gave.
fn apply(item: &mut FormItem, overrides: &Map<String, Value>) {
    let text = |key: &str| overrides.get(key).and_then(Value::as_str).map(str::to_owned);
    if let Some(formkit) = text("$formkit") {
        item.formkit = formkit;
    }
    if let Some(label) = text("label") {
        item.label = label;
    }
    if let Some(help) = text("help") {
        item.help = Some(help);
    }
    if let Some(placeholder) = overrides.get("placeholder") {
        item.placeholder = Some(placeholder.clone());
    }
}

/// The schema `schema` stands for: a `$ref` (alone or as the only `allOf`) followed into
/// `root`, and an `Option`'s `null` arm (`anyOf [T, null]`, `type: [T, "null"]`) left out.
fn resolve<'a>(schema: &'a Value, root: &'a Value) -> &'a Value {
    if let Some(target) = schema["$ref"].as_str() {
        let pointer = target.trim_start_matches('#');
        return root.pointer(pointer).map_or(schema, |found| resolve(found, root));
    }
    for key in ["allOf", "anyOf"] {
        if let Some(arms) = schema[key].as_array() {
            let mut real = arms.iter().filter(|arm| arm["type"] != "null");
            if let (Some(only), None) = (real.next(), real.next()) {
                return resolve(only, root);
            }
        }
    }
    schema
}

/// The choices of a string enum: `enum`, or `oneOf` arms each a `const` (schemars' form of a
/// documented enum); `null` among them is left out.
fn choices(schema: &Value, root: &Value) -> Option<Vec<FormOption>> {
    let schema = resolve(schema, root);
    let values: Vec<&Value> = if let Some(values) = schema["enum"].as_array() {
        values.iter().collect()
    } else {
        let arms = schema["oneOf"].as_array()?;
        arms.iter().map(|arm| arm.get("const")).collect::<Option<Vec<_>>>()?
    };
    let options: Vec<FormOption> = values
        .into_iter()
        .filter(|value| !value.is_null())
        .map(|value| FormOption {
            label: value.as_str().map_or_else(|| value.to_string(), str::to_owned),
            value: value.clone(),
        })
        .collect();
    (!options.is_empty()).then_some(options)
}

/// The inclusive bound `key` of a number schema, unless it is only the limit of the integer
/// `format` itself (`uint32`'s 4294967295).
fn bound(schema: &Value, key: &str, format: &str) -> Option<serde_json::Number> {
    let value = schema[key].as_number()?;
    let limits: Option<(i128, i128)> = match format {
        "uint8" => Some((0, u8::MAX.into())),
        "uint16" => Some((0, u16::MAX.into())),
        "uint32" => Some((0, u32::MAX.into())),
        "uint64" | "uint" => Some((0, u64::MAX.into())),
        "int8" => Some((i8::MIN.into(), i8::MAX.into())),
        "int16" => Some((i16::MIN.into(), i16::MAX.into())),
        "int32" => Some((i32::MIN.into(), i32::MAX.into())),
        "int64" | "int" => Some((i64::MIN.into(), i64::MAX.into())),
        _ => None,
    };
    let as_integer = value.as_i128();
    let type_limit = match (limits, as_integer) {
        (Some((low, _)), Some(n)) if key == "minimum" => n == low && low != 0,
        (Some((_, high)), Some(n)) if key == "maximum" => n == high,
        _ => false,
    };
    (!type_limit).then(|| value.clone())
}

/// The inclusive bound given `inclusive` and the exclusive one `exclusive` (JSON Schema's
/// `exclusiveMinimum`/`exclusiveMaximum`, or null): for an integer the exclusive `n` is the
/// inclusive `n + inward` when that is tighter; for a float, which has no next value, no bound
/// is shown where the exclusive one is the tighter.
fn exclusive(
    inclusive: Option<serde_json::Number>,
    exclusive: &Value,
    integer: bool,
    inward: i64,
) -> Option<serde_json::Number> {
    let Some(limit) = exclusive.as_f64() else { return inclusive };
    let tighter = |value: f64| {
        inclusive.as_ref().and_then(serde_json::Number::as_f64).is_none_or(|at| (value - at) * inward as f64 > 0.0)
    };
    match exclusive.as_i64() {
        Some(n) if integer => {
            let next = n + inward;
            if tighter(next as f64) { Some(next.into()) } else { inclusive }
        }
        _ => (!tighter(limit) || inclusive.is_none()).then_some(inclusive).flatten(),
    }
}

/// `batch_size` → `Batch Size` (the SDK's label).
fn title_case(name: &str) -> String {
    name.split(['_', '-'])
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The text up to its first blank line, its lines joined.
fn first_paragraph(text: &str) -> String {
    let paragraph = text.split("\n\n").next().unwrap_or(text);
    paragraph.lines().map(str::trim).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn labels_are_the_names_in_title_case() {
        assert_eq!(title_case("batch_size"), "Batch Size");
        assert_eq!(title_case("lr"), "Lr");
    }

    #[test]
    fn a_bound_that_is_only_the_integer_types_limit_is_left_out() {
        let schema = json!({"type": "integer", "format": "uint64", "minimum": 0, "maximum": 18446744073709551615u64});
        assert_eq!(bound(&schema, "minimum", "uint64"), Some(0.into()));
        assert_eq!(bound(&schema, "maximum", "uint64"), None);
        let signed = json!({"minimum": -2147483648, "maximum": 10});
        assert_eq!(bound(&signed, "minimum", "int32"), None);
        assert_eq!(bound(&signed, "maximum", "int32"), Some(10.into()));
    }
}
