//! The properties: for one params type and a JSON value, the schema and `Params::parse` agree,
//! and what is accepted stays accepted (serialized back, and with its integers as floats).
//! [`check_with`] runs a property on values generated from the type's schema (`values.rs`).

use super::values::instance;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};
use synapse::prelude::*;

/// Generated values per params type. Each case validates and parses a few values (the value,
/// its floats-for-integers twin, the round trip): about 0.3 ms of CPU in a debug build, so the
/// whole test (14 types) takes about 12 s of CPU, 18 s on one busy core.
const CASES: u32 = 3_000;

/// validate ok ⇔ parse ok, and what is accepted stays accepted (round trip, integers as floats).
pub(super) fn agrees<T: Params>(value: Value) -> Result<(), TestCaseError> {
    let validated = T::validate(&value);
    let parsed = T::parse(value.clone());
    let params = match (validated, parsed) {
        (Ok(()), Ok(params)) => params,
        (Err(_), Err(_)) => return Ok(()),
        (Ok(()), Err(refused)) => {
            return Err(TestCaseError::fail(format!("the schema accepts {value} but parsing refuses it:\n{refused}")));
        }
        (Err(refused), Ok(_)) => {
            return Err(TestCaseError::fail(format!("parsing accepts {value} but the schema refuses it:\n{refused}")));
        }
    };
    let back = serde_json::to_value(&params).map_err(|e| TestCaseError::fail(format!("{value}: {e}")))?;
    // An `f32` holds the nearest float it can, so a value just past an exclusive bound (or
    // below the smallest `f32`) may land on the bound: that is the type's precision, not a
    // disagreement between schema and check.
    if let Err(refused) = T::validate(&back)
        && !rounded_to_f32(&value, &back)
    {
        return Err(TestCaseError::fail(format!("{value} parses to {back}, which the schema refuses:\n{refused}")));
    }
    let floated = integers_as_floats(&value);
    match T::parse(floated.clone()) {
        Ok(again) => {
            let again = serde_json::to_value(&again).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(same_numbers(&back, &again), "{value} parses to {back}, but {floated} to {again}");
        }
        Err(refused) => {
            return Err(TestCaseError::fail(format!(
                "{value} is accepted, but with its integers as floats ({floated}) it is refused:\n{refused}"
            )));
        }
    }
    Ok(())
}

/// Every integer that a float holds exactly, written as a float.
fn integers_as_floats(value: &Value) -> Value {
    match value {
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) if i.unsigned_abs() <= 1 << 53 => json!(i as f64),
            (_, Some(u)) if u <= 1 << 53 => json!(u as f64),
            _ => value.clone(),
        },
        Value::Array(items) => Value::Array(items.iter().map(integers_as_floats).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), integers_as_floats(v))).collect()),
        other => other.clone(),
    }
}

/// Whether some number of `given` came back as the nearest `f32` to it, a different number.
fn rounded_to_f32(given: &Value, back: &Value) -> bool {
    match (given, back) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(f64::NAN), y.as_f64().unwrap_or(f64::NAN));
            x != y && f64::from(x as f32) == y
        }
        (Value::Array(x), Value::Array(y)) => x.iter().zip(y).any(|(x, y)| rounded_to_f32(x, y)),
        (Value::Object(x), Value::Object(y)) => x.iter().any(|(k, v)| y.get(k).is_some_and(|w| rounded_to_f32(v, w))),
        _ => false,
    }
}

/// Equal, with numbers compared by value (`3` and `3.0` are the same).
fn same_numbers(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_numbers(x, y)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_numbers(v, w)))
        }
        _ => a == b,
    }
}

/// Runs `property` on values generated from `T`'s schema.
pub(super) fn check_with<T: Params>(property: impl Fn(Value) -> Result<(), TestCaseError>) {
    let schema = T::json_schema();
    let strategy = instance(schema, schema, 0);
    let config = Config { cases: CASES, failure_persistence: None, ..Config::default() };
    if let Err(failure) = TestRunner::new(config).run(&strategy, property) {
        panic!("{}: {failure}", std::any::type_name::<T>());
    }
}

pub(super) fn check<T: Params>() {
    check_with::<T>(agrees::<T>);
}
