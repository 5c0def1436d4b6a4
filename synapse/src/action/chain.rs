//! How actions chain: which params a run must start with, how the params of each action are
//! taken from the accumulated params (the initial ones merged with every result so far), what
//! a chain's typed results and params disagree on, and the fingerprint that tells whether a
//! stored run still fits the pipeline.
//!
//! Below the registry like [`PipelineDescriptor`], and re-exported by `synapse::pipeline`.

#[cfg(feature = "store")]
use super::pipeline::PipelineDescriptor;
use crate::action::ActionDescriptor;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
#[cfg(feature = "store")]
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// The `properties` of an object schema.
fn properties(schema: &Value) -> Option<&Map<String, Value>> {
    schema.get("properties").and_then(Value::as_object)
}

/// The `required` names of an object schema.
fn required(schema: &Value) -> impl Iterator<Item = &str> {
    schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
}

/// Whether an object schema takes fields it does not declare.
fn open(schema: &Value) -> bool {
    schema.get("additionalProperties") != Some(&Value::Bool(false))
}

/// The schema of a pipeline's initial params: the params of every action that no earlier
/// action's typed result provides. A param is required when an action requires it and nothing
/// before that action may provide it (an untyped result may provide anything, so after one
/// nothing more is required up front). Fields are closed unless an action takes any field.
pub(crate) fn initial_params_schema(name: &str, actions: &[&'static ActionDescriptor]) -> Value {
    let mut props = Map::new();
    let mut required_names: Vec<String> = Vec::new();
    let mut definitions = Map::new();
    let mut produced: BTreeSet<String> = BTreeSet::new();
    let mut anything_produced = false;
    let mut any_open = false;
    for action in actions {
        let schema = action.params_schema();
        for (key, prop) in properties(schema).into_iter().flatten() {
            if !produced.contains(key) && !props.contains_key(key) {
                props.insert(key.clone(), prop.clone());
            }
        }
        for key in required(schema) {
            if !anything_produced && !produced.contains(key) && !required_names.iter().any(|k| k == key) {
                required_names.push(key.to_owned());
            }
        }
        any_open |= open(schema);
        for section in ["definitions", "$defs"] {
            for (key, definition) in schema.get(section).and_then(Value::as_object).into_iter().flatten() {
                definitions.entry(key.clone()).or_insert_with(|| definition.clone());
            }
        }
        match action.result_schema().and_then(properties) {
            Some(fields) => produced.extend(fields.keys().cloned()),
            None => anything_produced = true,
        }
    }
    let names: Vec<&str> = actions.iter().map(|a| a.name()).collect();
    let mut schema = json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": name,
        "description": format!("The params a run of pipeline `{name}` ({}) starts with; each action's result is merged into them for the next action.", names.join(" → ")),
        "type": "object",
        "additionalProperties": any_open,
        "properties": props,
        "required": required_names,
    });
    if !definitions.is_empty() {
        schema["definitions"] = Value::Object(definitions);
    }
    schema
}

/// The params for `action` out of the accumulated params: the fields its schema declares (all
/// of them when it takes any field).
#[cfg(feature = "store")]
pub(crate) fn params_for(action: &ActionDescriptor, accumulated: &Map<String, Value>) -> Value {
    let schema = action.params_schema();
    if open(schema) {
        return Value::Object(accumulated.clone());
    }
    let declared = properties(schema);
    Value::Object(
        accumulated
            .iter()
            .filter(|(key, _)| declared.is_some_and(|fields| fields.contains_key(*key)))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect(),
    )
}

/// Merges a result into the accumulated params: its fields win. A result that is not an
/// object adds nothing.
#[cfg(feature = "store")]
pub(crate) fn merge_result(accumulated: &mut Map<String, Value>, result: &Value) {
    if let Some(fields) = result.as_object() {
        for (key, value) in fields {
            accumulated.insert(key.clone(), value.clone());
        }
    }
}

/// The JSON types a schema allows (`"integer"` is also a `"number"`).
fn types(schema: &Value) -> Option<BTreeSet<&str>> {
    match schema.get("type")? {
        Value::String(one) => Some(BTreeSet::from([one.as_str()])),
        Value::Array(many) => Some(many.iter().filter_map(Value::as_str).collect()),
        _ => None,
    }
}

/// Where a typed result feeds a later action a field of another JSON type:
/// `` `train` takes `epochs` as integer, but `convert` returns it as string ``.
pub fn chain_problems(actions: &[&'static ActionDescriptor]) -> Vec<String> {
    let mut problems = Vec::new();
    for (i, consumer) in actions.iter().enumerate() {
        for (key, param) in properties(consumer.params_schema()).into_iter().flatten() {
            // The latest earlier action whose typed result has this field provides it.
            let provider = actions[..i]
                .iter()
                .rev()
                .find_map(|a| a.result_schema().and_then(properties).and_then(|f| f.get(key)).map(|f| (a, f)));
            let Some((provider, field)) = provider else { continue };
            let (Some(given), Some(taken)) = (types(field), types(param)) else { continue };
            let fits = given.iter().all(|t| taken.contains(t) || (*t == "integer" && taken.contains("number")));
            if !fits {
                let show = |set: &BTreeSet<&str>| set.iter().copied().collect::<Vec<_>>().join(" or ");
                problems.push(format!(
                    "`{}` takes `{key}` as {}, but `{}` before it returns `{key}` as {}",
                    consumer.name(),
                    show(&taken),
                    provider.name(),
                    show(&given)
                ));
            }
        }
    }
    problems
}

/// What a run's checkpoints are valid for: the pipeline's actions in order, with their crate
/// versions and their params and result schemas (hashed, with SHA-256: computing one needs the
/// `store` feature).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// The pipeline.
    pub pipeline: String,
    /// Its actions, in order.
    pub actions: Vec<ActionPrint>,
}

/// One action of a [`Fingerprint`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionPrint {
    /// The action's name.
    pub name: String,
    /// The version of the crate defining it.
    pub version: String,
    /// A hash of its params schema.
    pub params: String,
    /// A hash of its result schema (empty for an untyped result).
    pub result: String,
}

#[cfg(feature = "store")]
fn schema_hash(schema: Option<&Value>) -> String {
    match schema {
        Some(schema) => hex::encode(&Sha256::digest(schema.to_string().as_bytes())[..8]),
        None => String::new(),
    }
}

impl Fingerprint {
    /// The fingerprint of `pipeline` as compiled into this binary (with the `store` feature).
    #[cfg(feature = "store")]
    pub fn of(pipeline: &PipelineDescriptor) -> Self {
        Fingerprint {
            pipeline: pipeline.name.to_owned(),
            actions: pipeline
                .actions()
                .into_iter()
                .map(|action| ActionPrint {
                    name: action.name().to_owned(),
                    version: action.meta().crate_version.to_owned(),
                    params: schema_hash(Some(action.params_schema())),
                    result: schema_hash(action.result_schema()),
                })
                .collect(),
        }
    }

    /// As stored with a run.
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Read back from a run; `None` when the text is not a fingerprint.
    pub fn from_text(text: &str) -> Option<Self> {
        serde_json::from_str(text).ok()
    }

    /// What changed from `self` (a stored run's) to `now` (this binary's), as sentences; empty
    /// when a run of `self` can resume under `now`.
    ///
    /// ```
    /// use synapse::pipeline::{ActionPrint, Fingerprint};
    /// let action = |name: &str, params: &str| ActionPrint { name: name.into(), version: "0.1.0".into(), params: params.into(), result: String::new() };
    /// let stored = Fingerprint { pipeline: "p".into(), actions: vec![action("fetch", "aa"), action("train", "bb")] };
    /// let now = Fingerprint { pipeline: "p".into(), actions: vec![action("fetch", "aa"), action("train", "cc")] };
    /// assert_eq!(stored.changes_to(&now), ["action 2 `train`: its params schema changed"]);
    /// ```
    pub fn changes_to(&self, now: &Fingerprint) -> Vec<String> {
        let mut changes = Vec::new();
        let (before, after) = (&self.actions, &now.actions);
        let names = |prints: &[ActionPrint]| prints.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(" → ");
        if before.len() != after.len() || before.iter().zip(after).any(|(b, a)| b.name != a.name) {
            changes.push(format!(
                "the actions changed: the run has {}, the pipeline now has {}",
                names(before),
                names(after)
            ));
            return changes;
        }
        for (i, (b, a)) in before.iter().zip(after).enumerate() {
            let at = format!("action {} `{}`", i + 1, a.name);
            if b.version != a.version {
                changes.push(format!("{at}: its crate version changed from {} to {}", b.version, a.version));
            }
            if b.params != a.params {
                changes.push(format!("{at}: its params schema changed"));
            }
            if b.result != a.result {
                changes.push(format!("{at}: its result schema changed"));
            }
        }
        changes
    }
}
