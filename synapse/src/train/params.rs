//! A train action's params: [`TrainParams<P>`], the fields every train action takes (the SDK's
//! `BaseTrainParams`: `dataset`, `splits`, `checkpoint`, `hyperparameters`, …) beside the
//! action's own `#[params]` type `P`, flat on the wire, in one published schema.

use crate::params::{self, HasSchema, Params, SchemaCell, Violation, Violations};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

/// The fields every train action takes.
#[crate::params(crate = crate)]
#[derive(Debug, Clone, PartialEq)]
pub struct TrainBase {
    /// The ground-truth dataset version to train on (downloaded by the `dataset` step); required unless `data_path` is given
    #[param(default)]
    pub dataset: Option<u64>,
    /// The splits to download, each its own directory (`train`, `valid`, `test`); none: every event in one directory
    #[param(default)]
    pub splits: Vec<String>,
    /// The model to start from (its id): downloaded and extracted once, then cached
    #[param(default)]
    pub checkpoint: Option<u64>,
    /// The trained model's name (a short random suffix is added, as model names are unique); default `train_<job or run id>`
    #[param(default)]
    pub name: Option<String>,
    /// The trained model's description
    #[param(default)]
    pub description: Option<String>,
    /// Data already on disk, in the action's target format (a pipeline's earlier dataset action): no download, no conversion
    #[param(default)]
    pub data_path: Option<String>,
    /// The hyperparameters as the platform sends them: the first entry's keys become params (those not given themselves; each must be a param of the action); later entries are not read
    #[param(default)]
    pub hyperparameters: Vec<Map<String, Value>>,
}

/// A train action's params: the [`TrainBase`] fields and the action's own params `P`, one flat
/// object on the wire and in the schema (a field of `P` named like a base field receives the
/// same value: declare one to document it or make it required).
///
/// ```
/// use synapse::prelude::*;
/// use synapse::train::TrainParams;
///
/// /// How to train.
/// #[params]
/// #[derive(Debug, Clone)]
/// pub struct Hyper {
///     /// Passes over the data.
///     #[param(default = 10, range(min = 1, max = 1000))]
///     pub epochs: u32,
/// }
///
/// let params = TrainParams::<Hyper>::parse(json!({"dataset": 12, "hyperparameters": [{"epochs": 30}]})).unwrap();
/// assert_eq!((params.base.dataset, params.params.epochs), (Some(12), 30));
///
/// let error = TrainParams::<Hyper>::parse(json!({"dataset": 12, "hyperparameters": [{"epochs": 0}]})).unwrap_err();
/// assert_eq!(error.iter().next().unwrap().path, "$.hyperparameters[0].epochs");
///
/// let schema = TrainParams::<Hyper>::json_schema();
/// assert!(schema["properties"]["epochs"].is_object() && schema["properties"]["checkpoint"].is_object());
/// ```
///
/// # Hyperparameters as the platform sends them
///
/// The platform sends a train job's hyperparameters as a list, `"hyperparameters": [{"epochs":
/// 20, …}]`; its first entry is flattened into the params before they are checked: each of its
/// keys that the params do not give themselves is copied to the top level (as the SDK's
/// pre-validator does). A violation of a value that came from there is reported at its place in
/// the list (`$.hyperparameters[0].epochs`); a key that is no param is refused there too. Only
/// the first entry is read (the platform sends one; a list of several is a tuning search
/// space, which this base does not run), and a base field may come from it (`checkpoint`).
///
/// A field of `P` named like a base field must take the base field's type (one value feeds
/// both); one that does not refuses every run, naming the field.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainParams<P> {
    /// The fields every train action takes.
    pub base: TrainBase,
    /// The action's own params.
    pub params: P,
}

impl<P: Params> TrainParams<P> {
    /// The keys of `P`'s schema.
    fn own_keys() -> Vec<String> {
        P::json_schema()
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// `value` split into the base's fields and `P`'s (a key both declare goes to both).
    fn split(value: Value) -> (Value, Value) {
        let Value::Object(mut all) = value else { return (value.clone(), value) };
        let base_keys = base_keys();
        let own = Self::own_keys();
        let mut base = Map::new();
        for key in &base_keys {
            let shared = own.contains(key);
            let value = if shared { all.get(key).cloned() } else { all.remove(key) };
            if let Some(value) = value {
                base.insert(key.clone(), value);
            }
        }
        (Value::Object(base), Value::Object(all))
    }
}

fn base_keys() -> Vec<String> {
    TrainBase::json_schema()
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// Copies the keys of `hyperparameters[0]` that `value` does not give itself to its top level;
/// returns the keys copied.
pub fn flatten_hyperparameters(value: &mut Value) -> Vec<String> {
    let Some(object) = value.as_object_mut() else { return Vec::new() };
    let Some(Value::Object(first)) = object.get("hyperparameters").and_then(|list| list.get(0)).cloned() else {
        return Vec::new();
    };
    let mut moved = Vec::new();
    for (key, entry) in first {
        if key != "hyperparameters" && !object.contains_key(&key) {
            object.insert(key.clone(), entry);
            moved.push(key);
        }
    }
    moved
}

/// The violations with the paths of the `moved` keys pointing into `hyperparameters[0]`.
fn point_into_list(violations: Violations, moved: &[String]) -> Violations {
    if moved.is_empty() {
        return violations;
    }
    let relocated = violations
        .iter()
        .map(|violation| {
            let mut violation: Violation = violation.clone();
            for key in moved {
                let at = format!("$.{key}");
                let rest =
                    violation.path.strip_prefix(&at).filter(|rest| rest.is_empty() || rest.starts_with(['.', '[']));
                if let Some(rest) = rest {
                    violation.path = format!("$.hyperparameters[0].{key}{rest}");
                    break;
                }
            }
            violation
        })
        .collect::<Vec<_>>();
    Violations::from(relocated)
}

/// The schema of `TrainParams<P>`: `P`'s, with the base's properties (a property `P` declares
/// too keeps `P`'s schema), both `required` lists, and both `definitions`.
fn merged_schema<P: Params>() -> Value {
    let mut merged = P::json_schema().clone();
    let base = TrainBase::json_schema();
    let Value::Object(object) = &mut merged else { return merged };
    for key in ["properties", "definitions", "$defs"] {
        let Some(Value::Object(from_base)) = base.get(key) else { continue };
        let into = object.entry(key).or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(into) = into {
            for (name, schema) in from_base {
                into.entry(name.clone()).or_insert_with(|| schema.clone());
            }
        }
    }
    if let Some(Value::Array(required)) = base.get("required") {
        let list = object.entry("required").or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = list {
            for name in required {
                if !list.contains(name) {
                    list.push(name.clone());
                }
            }
        }
    }
    merged
}

impl<P: Params> HasSchema for TrainParams<P> {
    fn schema_cell() -> &'static SchemaCell {
        // One cell per `P`, made once (a generic type has no static of its own).
        static CELLS: OnceLock<Mutex<HashMap<TypeId, &'static SchemaCell>>> = OnceLock::new();
        let mut cells = CELLS.get_or_init(Mutex::default).lock().unwrap_or_else(PoisonError::into_inner);
        cells
            .entry(TypeId::of::<P>())
            .or_insert_with(|| Box::leak(Box::new(SchemaCell::new(std::any::type_name::<Self>(), merged_schema::<P>))))
    }
}

/// The JSON types a property's schema allows (`["integer", "null"]`); empty when it names none.
fn types_of(property: &Value) -> Vec<&str> {
    match property.get("type") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The fields `P` declares with a base field's name but a type the base does not take: such an
/// action cannot run (one value feeds both), so each of its runs is refused, naming the field.
fn shared_field_conflicts<P: Params>() -> Vec<Violation> {
    let (own, base) = (P::json_schema().get("properties"), TrainBase::json_schema().get("properties"));
    let (Some(Value::Object(own)), Some(Value::Object(base))) = (own, base) else { return Vec::new() };
    let mut conflicts = Vec::new();
    for (name, property) in own {
        let Some(base_property) = base.get(name) else { continue };
        let (own_types, base_types) = (types_of(property), types_of(base_property));
        let integer_as_number = |own: &str| own == "integer" && base_types.contains(&"number");
        if !own_types.is_empty() && !own_types.iter().all(|own| base_types.contains(own) || integer_as_number(own)) {
            conflicts.push(Violation {
                path: format!("$.{name}"),
                constraint: "schema".into(),
                message: format!(
                    "the action's params declare `{name}` as {}, but the train base takes it as {}: rename the field, or give it the base's type",
                    own_types.join(" or "),
                    base_types.join(" or ")
                ),
            });
        }
    }
    conflicts
}

impl<P: Params> Params for TrainParams<P> {
    fn validate(value: &Value) -> Result<(), Violations> {
        let conflicts = shared_field_conflicts::<P>();
        if !conflicts.is_empty() {
            return Err(Violations::from(conflicts));
        }
        let mut value = value.clone();
        let moved = flatten_hyperparameters(&mut value);
        let checked = Self::schema_cell().validate(&value);
        let given = |field: &str| value.get(field).is_some_and(|value| !value.is_null());
        if given("dataset") || given("data_path") {
            return checked.map_err(|violations| point_into_list(violations, &moved));
        }
        // Nothing to train on: said with the other violations, before anything runs.
        let mut all: Vec<Violation> = checked.err().map(|v| v.iter().cloned().collect()).unwrap_or_default();
        all.push(Violation {
            path: "$.dataset".into(),
            constraint: "required".into(),
            message: "is required unless `data_path` is given: the ground-truth dataset version to train on".into(),
        });
        Err(point_into_list(Violations::from(all), &moved))
    }

    fn from_validated(mut value: Value) -> Result<Self, Violations> {
        let moved = flatten_hyperparameters(&mut value);
        let (base, own) = Self::split(value);
        let base = params::deserialize::<TrainBase>(base);
        let own = params::deserialize::<P>(own);
        match (base, own) {
            (Ok(base), Ok(params)) => Ok(TrainParams { base, params }),
            (base, own) => {
                let mut all: Vec<Violation> = Vec::new();
                for violations in [base.err(), own.err()].into_iter().flatten() {
                    all.extend(violations.iter().cloned());
                }
                Err(point_into_list(Violations::from(all), &moved))
            }
        }
    }
}

impl<P: Serialize> Serialize for TrainParams<P> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut all = match serde_json::to_value(&self.params).map_err(serde::ser::Error::custom)? {
            Value::Object(all) => all,
            other => return other.serialize(serializer),
        };
        if let Value::Object(base) = serde_json::to_value(&self.base).map_err(serde::ser::Error::custom)? {
            for (key, value) in base {
                all.entry(key).or_insert(value);
            }
        }
        all.serialize(serializer)
    }
}

impl<'de, P: Params> Deserialize<'de> for TrainParams<P> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        <Self as Params>::from_validated(value).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[crate::params(crate = crate)]
    #[derive(Debug, Clone, PartialEq)]
    struct Own {
        #[param(range(min = 1))]
        epochs: u32,
        /// Declared by both: receives the same value.
        #[param(default)]
        dataset: Option<u64>,
    }

    #[test]
    fn the_first_entry_fills_what_the_params_do_not_give() {
        let mut value = json!({"epochs": 3, "hyperparameters": [{"epochs": 9, "lr": 0.1}, {"epochs": 1}]});
        assert_eq!(flatten_hyperparameters(&mut value), ["lr"]);
        assert_eq!((value["epochs"].clone(), value["lr"].clone()), (json!(3), json!(0.1)));
    }

    #[test]
    fn a_required_own_param_may_come_from_the_list() {
        let params = TrainParams::<Own>::parse(json!({"dataset": 4, "hyperparameters": [{"epochs": 2}]})).unwrap();
        assert_eq!(params.params, Own { epochs: 2, dataset: Some(4) });
        assert_eq!(params.base.dataset, Some(4));
        assert_eq!(params.base.hyperparameters.len(), 1);
        let error = TrainParams::<Own>::parse(json!({"dataset": 4})).unwrap_err();
        assert_eq!(error.iter().map(|v| v.path.as_str()).collect::<Vec<_>>(), ["$.epochs"]);
        let error = TrainParams::<Own>::parse(json!({"epochs": 1, "bogus": true})).unwrap_err();
        assert_eq!(error.iter().map(|v| v.path.as_str()).collect::<Vec<_>>(), ["$.bogus", "$.dataset"]);
        assert!(TrainParams::<Own>::parse(json!({"epochs": 1, "data_path": "/data/yolo/dataset.yaml"})).is_ok());
    }

    #[crate::params(crate = crate)]
    #[derive(Debug, Clone)]
    struct Clashing {
        /// A name where the base has a dataset version's id.
        dataset: String,
    }

    #[test]
    fn a_field_of_the_bases_name_and_another_type_refuses_every_run() {
        let error = TrainParams::<Clashing>::parse(json!({"dataset": "cars"})).unwrap_err();
        assert_eq!(
            error.iter().map(|v| v.to_string()).collect::<Vec<_>>(),
            [
                "$.dataset: the action's params declare `dataset` as string, but the train base takes it as integer or null: rename the field, or give it the base's type"
            ]
        );
        assert!(shared_field_conflicts::<Own>().is_empty(), "`dataset: Option<u64>` is the base's type");
    }

    #[test]
    fn serialized_params_read_back_the_same() {
        let params =
            TrainParams::<Own>::parse(json!({"epochs": 5, "dataset": 2, "checkpoint": 7, "splits": ["train"]}))
                .unwrap();
        let again = TrainParams::<Own>::parse(serde_json::to_value(&params).unwrap()).unwrap();
        assert_eq!(again, params);
        assert_eq!(TrainParams::<Own>::schema_cell().schema()["required"], json!(["epochs"]));
    }
}
