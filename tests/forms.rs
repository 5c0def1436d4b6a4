//! The platform's forms (`ui_schemas` in `config.yaml`) and the params schemas come from one
//! source and agree: for every action of every example, the committed form is the one its
//! committed schema gives, each item matches its property (name, required, default, bounds,
//! choices, input kind), the form's defaults with a value for each required item are params
//! the schema accepts, and each number item's `min`/`max` is exactly where the schema starts
//! refusing. And `#[param(form(...))]` overrides and exclusions reach the form.

use serde_json::{Map, Value, json};
use std::path::Path;
use synapse::config::PluginConfig;
use synapse::params::{FormItem, form_items, schema_of};
use synapse::prelude::*;

const EXAMPLES: [&str; 5] = ["data_ops", "dataset_pipeline", "detector", "image_pipeline", "quickstart"];

/// The property `name` of `object` (a `$ref` followed, an `Option`'s `null` arm left out).
fn property<'a>(object: &'a Value, name: &str, root: &'a Value) -> &'a Value {
    resolve(&object["properties"][name], root)
}

fn resolve<'a>(schema: &'a Value, root: &'a Value) -> &'a Value {
    if let Some(target) = schema["$ref"].as_str() {
        return resolve(root.pointer(target.trim_start_matches('#')).expect("the $ref resolves"), root);
    }
    for key in ["allOf", "anyOf"] {
        if let Some(arms) = schema[key].as_array() {
            let real: Vec<&Value> = arms.iter().filter(|arm| arm["type"] != "null").collect();
            if real.len() == 1 {
                return resolve(real[0], root);
            }
        }
    }
    schema
}

/// Every item agrees with its property of `object`, and every property not excluded has an item.
fn assert_agrees(object: &Value, items: &[FormItem], root: &Value, at: &str) {
    let properties = object["properties"].as_object().cloned().unwrap_or_default();
    let shown: Vec<&str> =
        properties.iter().filter(|(_, p)| p.get("x-form") != Some(&json!(false))).map(|(n, _)| n.as_str()).collect();
    let names: Vec<&str> = items.iter().map(|item| item.name.as_str()).collect();
    assert_eq!(names, shown, "{at}: the form's fields are the schema's");
    let required: Vec<&Value> = object["required"].as_array().map(|r| r.iter().collect()).unwrap_or_default();
    for item in items {
        let at = format!("{at}.{}", item.name);
        let declared = &properties[&item.name];
        let schema = property(object, &item.name, root);
        assert_eq!(item.required, required.contains(&&json!(item.name)), "{at}: required");
        let default = declared.get("default").or_else(|| schema.get("default")).filter(|d| !d.is_null());
        assert_eq!(item.value.as_ref(), default, "{at}: the value is the default");
        let kind = schema["type"].as_str();
        if item.formkit == "number" {
            assert!(matches!(kind, Some("integer" | "number")), "{at}: a number input for {schema}");
            // The tightest inclusive bound: an integer's exclusive `n` is `n ± 1`.
            for (bound, key, exclusive, inward) in
                [(&item.min, "minimum", "exclusiveMinimum", 1.0), (&item.max, "maximum", "exclusiveMaximum", -1.0)]
            {
                let Some(bound) = bound.as_ref().and_then(serde_json::Number::as_f64) else { continue };
                let candidates = [schema[key].as_f64(), schema[exclusive].as_f64().map(|n| n + inward)];
                let tightest = candidates.into_iter().flatten().max_by(|a, b| (a * inward).total_cmp(&(b * inward)));
                assert_eq!(Some(bound), tightest, "{at}: {key}");
            }
        }
        if let Some(options) = &item.options {
            let choices = if kind == Some("array") { resolve(&schema["items"], root) } else { schema };
            let values: Vec<Value> = match choices["enum"].as_array() {
                Some(values) => values.iter().filter(|v| !v.is_null()).cloned().collect(),
                None => {
                    choices["oneOf"].as_array().expect("enum or oneOf").iter().map(|arm| arm["const"].clone()).collect()
                }
            };
            assert_eq!(options.iter().map(|o| o.value.clone()).collect::<Vec<_>>(), values, "{at}: options");
        }
        if let Some(children) = &item.children {
            assert_agrees(schema, children, root, &at);
        }
    }
}

/// A value of `item`'s kind for a required item without a default (its `min`, the first option,
/// `"x"`); `None` for free JSON (`textarea`).
fn sample(item: &FormItem) -> Option<Value> {
    Some(match item.formkit.as_str() {
        "number" => item.min.clone().map_or(json!(1), Value::Number),
        "text" => json!("x"),
        "select" => item.options.as_ref()?.first()?.value.clone(),
        "checkbox" if item.options.is_some() => json!([]),
        "checkbox" => json!(false),
        "group" => Value::Object(filled(item.children.as_ref()?)?),
        _ => return None,
    })
}

/// Params from the form: each item's value, or for a required one [`sample`]; `None` when a
/// required item is free JSON.
fn filled(items: &[FormItem]) -> Option<Map<String, Value>> {
    let mut params = Map::new();
    for item in items {
        let value = match (&item.value, item.required) {
            (Some(value), _) => value.clone(),
            (None, false) => continue,
            (None, true) => sample(item)?,
        };
        params.insert(item.name.clone(), value);
    }
    Some(params)
}

/// `params` with a sample for each field a root `if`/`then`/`else` of `schema` requires of them
/// (a requirement that depends on another field's value: left to validation, not marked in the
/// form).
fn with_conditional(schema: &Value, items: &[FormItem], mut params: Value) -> Option<Value> {
    let Some(condition) = schema.get("if") else { return Some(params) };
    let holds = jsonschema::validator_for(condition).expect("the condition compiles").is_valid(&params);
    let branch = if holds { &schema["then"] } else { &schema["else"] };
    for name in branch["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        if params.get(name).is_none() {
            let item = items.iter().find(|item| item.name == name)?;
            params[name] = sample(item)?;
        }
    }
    Some(params)
}

/// The schema accepts the form's params, and each number item's bounds are where it starts refusing.
fn assert_bounds_hold(schema: &Value, items: &[FormItem], at: &str) -> usize {
    let Some(base) = filled(items).and_then(|params| with_conditional(schema, items, Value::Object(params))) else {
        return 0;
    };
    let validator = jsonschema::validator_for(schema).expect("the schema compiles");
    assert!(validator.is_valid(&base), "{at}: the form's params {base} are refused");
    let mut checked = 1;
    for item in items.iter().filter(|item| item.number.as_deref() == Some("integer")) {
        for (bound, step) in [(&item.min, -1), (&item.max, 1)] {
            let Some(edge) = bound.as_ref().and_then(serde_json::Number::as_i64) else { continue };
            let mut at_edge = base.clone();
            at_edge[&item.name] = json!(edge);
            assert!(validator.is_valid(&at_edge), "{at}.{}: {edge} is refused", item.name);
            at_edge[&item.name] = json!(edge + step);
            assert!(!validator.is_valid(&at_edge), "{at}.{}: {} is accepted", item.name, edge + step);
            checked += 2;
        }
    }
    checked
}

#[test]
fn every_examples_form_is_its_params_schemas() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let (mut actions, mut checks) = (0, 0);
    for example in EXAMPLES {
        let dir = root.join(example);
        let config = PluginConfig::from_path(&dir).expect("config.yaml reads");
        for (name, action) in &config.actions {
            let text = std::fs::read_to_string(dir.join(&action.params_schema)).expect("the params schema");
            let schema: Value = serde_json::from_str(&text).expect("JSON");
            let at = format!("{example}/{name}");
            assert_eq!(action.ui_schemas, form_items(&schema), "{at}: the committed form is the schema's");
            assert_agrees(&schema, &action.ui_schemas, &schema, &at);
            checks += assert_bounds_hold(&schema, &action.ui_schemas, &at);
            actions += 1;
        }
    }
    assert!(actions >= 18, "every example's actions: {actions}");
    assert!(checks >= 40, "the bounds were exercised: {checks}");
}

/// How a field's kind is chosen.
#[params]
#[derive(Debug, Clone, Copy, Default)]
pub enum Optimizer {
    /// Stochastic gradient descent
    #[default]
    Sgd,
    /// Adam
    Adam,
}

/// A nested group.
#[params]
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Warm-up steps
    #[param(default = 0, range(max = 10000))]
    pub warmup: u32,
}

/// Every kind of field, and each override.
#[params]
#[derive(Debug)]
pub struct Everything {
    /// The run's name
    pub name: String,
    /// Learning rate
    #[param(default = 0.01, range(min = 0.0, max = 1.0))]
    pub lr: f64,
    /// The optimizer
    #[param(default)]
    pub optimizer: Optimizer,
    /// Classes to train on
    #[param(default)]
    pub classes: Vec<Optimizer>,
    /// Whether to shuffle
    #[param(default = true)]
    pub shuffle: bool,
    /// Its schedule
    pub schedule: Schedule,
    /// Extra settings, as JSON
    #[param(default)]
    pub extra: Map<String, Value>,
    /// A long text
    #[param(default, form(formkit = "textarea", label = "Notes", help = "Anything to remember", placeholder = "…"))]
    pub notes: String,
    /// Left out of the form
    #[param(default = 7, form(exclude))]
    pub seed: u64,
    /// Epochs (an integer's exclusive bound is the next integer's inclusive one)
    #[param(default = 5, range(exclusive_min = 0, max = 100))]
    pub epochs: u32,
}

#[test]
fn each_kind_of_field_and_each_override_reaches_the_form() {
    let schema = schema_of::<Everything>();
    let form = form_items(&schema);
    let kinds: Vec<(&str, &str)> = form.iter().map(|item| (item.name.as_str(), item.formkit.as_str())).collect();
    assert_eq!(
        kinds,
        [
            ("name", "text"),
            ("lr", "number"),
            ("optimizer", "select"),
            ("classes", "checkbox"),
            ("shuffle", "checkbox"),
            ("schedule", "group"),
            ("extra", "textarea"),
            ("notes", "textarea"),
            ("epochs", "number"),
        ]
    );
    let item = |name: &str| form.iter().find(|item| item.name == name).expect("the item");
    assert_eq!(
        (item("lr").number.as_deref(), item("lr").max.as_ref().and_then(|n| n.as_f64())),
        (Some("float"), Some(1.0))
    );
    let options: Vec<&str> = item("optimizer").options.as_ref().unwrap().iter().map(|o| o.label.as_str()).collect();
    assert_eq!(options, ["sgd", "adam"]);
    assert!(item("name").required && item("schedule").required && !item("lr").required);
    let notes = item("notes");
    assert_eq!(
        (notes.label.as_str(), notes.help.as_deref(), notes.placeholder.clone()),
        ("Notes", Some("Anything to remember"), Some(json!("…")))
    );
    assert_eq!((item("epochs").min.clone(), item("epochs").max.clone()), (Some(1.into()), Some(100.into())));
    assert_eq!(item("schedule").children.as_ref().unwrap()[0].name, "warmup");
    assert_agrees(&schema, &form, &schema, "Everything");
    assert!(filled(&form).is_some_and(|params| Everything::parse(Value::Object(params)).is_ok()));
    assert!(assert_bounds_hold(&schema, &form, "Everything") >= 3);
}
