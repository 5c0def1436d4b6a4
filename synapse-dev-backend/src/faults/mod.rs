//! Injected faults: what the next matching API requests suffer.
//!
//! A fault is `{method, path_glob, nth? | every?, status? | drop_response?: true | delay_ms?}`:
//! - `method` is an HTTP method (any case), or `*` for every method; `path_glob` a [`glob`] over
//!   the request path (`logs/` and `/logs/` are the same).
//! - Every API request that matches counts, from the moment the fault is added; with `nth`, only
//!   the nth match (1-based) suffers it; with `every`, every kth (the kth, the 2kth, …: `every: 20`
//!   fails 5 % of the matches, evenly spread); otherwise every match does.
//! - `delay_ms` holds the request that long before it is handled; it combines with either of the
//!   others.
//! - `status` answers with that status and `{"detail": "Injected fault."}` instead: the request is
//!   not applied.
//! - `drop_response` applies the request, then breaks the connection before a whole response
//!   arrives: the client sees an incomplete message, as when a proxy or the network drops it.
//!
//! When several faults fire on one request, their delays add up, and the first added of those
//! with a `status` or `drop_response` decides the outcome. The table lives in memory only:
//! faults are a test's configuration, not the backend's state.

pub(crate) mod glob;

use crate::drf::fields::{self, FieldErrors};
use axum::http::{Method, StatusCode};
use glob::PathGlob;
use serde_json::{Map, Value, json};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// The longest delay a fault may ask for: ten minutes.
const MAX_DELAY_MS: u64 = 600_000;

/// What a fault does to a request it fires on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Answer with this status instead of handling the request.
    Status(StatusCode),
    /// Handle the request, then break the response.
    DropResponse,
}

/// A fault, as added.
#[derive(Clone, Debug)]
struct Fault {
    id: u64,
    /// `None` for every method.
    method: Option<Method>,
    glob: PathGlob,
    nth: Option<u64>,
    /// Fires on every kth match.
    every: Option<u64>,
    outcome: Option<Outcome>,
    delay: Duration,
    /// Requests that matched so far.
    matched: u64,
    /// Requests it fired on so far.
    fired: u64,
}

impl Fault {
    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "method": self.method.as_ref().map_or("*", Method::as_str),
            "path_glob": self.glob.as_str(),
            "nth": self.nth,
            "every": self.every,
            "status": match self.outcome { Some(Outcome::Status(status)) => Some(status.as_u16()), _ => None },
            "drop_response": self.outcome == Some(Outcome::DropResponse),
            "delay_ms": u64::try_from(self.delay.as_millis()).unwrap_or(u64::MAX),
            "matched": self.matched,
            "fired": self.fired,
        })
    }
}

/// What the faults that fired on a request do to it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Firing {
    /// How long to hold the request first.
    pub(crate) delay: Duration,
    /// What to answer, if not the handler's response.
    pub(crate) outcome: Option<Outcome>,
}

#[derive(Debug, Default)]
struct Table {
    next_id: u64,
    faults: Vec<Fault>,
}

/// The fault table.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    table: Mutex<Table>,
}

impl Faults {
    /// Adds the fault a `POST /_dev/faults` body describes; the fault as shown, or DRF field
    /// errors.
    pub(crate) fn add(&self, body: &Value) -> Result<Value, Map<String, Value>> {
        let mut fault = parse(body)?;
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        table.next_id += 1;
        fault.id = table.next_id;
        let shown = fault.to_json();
        table.faults.push(fault);
        Ok(shown)
    }

    /// Removes every fault; how many there were.
    pub(crate) fn clear(&self) -> usize {
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        std::mem::take(&mut table.faults).len()
    }

    /// The faults, with how often each matched and fired.
    pub(crate) fn list(&self) -> Vec<Value> {
        let table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        table.faults.iter().map(Fault::to_json).collect()
    }

    /// Counts a request against every fault, and says what the ones that fire do to it.
    pub(crate) fn fire(&self, method: &Method, path: &str) -> Firing {
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        let mut firing = Firing::default();
        for fault in &mut table.faults {
            if fault.method.as_ref().is_some_and(|wanted| wanted != method) || !fault.glob.matches(path) {
                continue;
            }
            fault.matched += 1;
            if fault.nth.is_some_and(|nth| nth != fault.matched)
                || fault.every.is_some_and(|every| !fault.matched.is_multiple_of(every))
            {
                continue;
            }
            fault.fired += 1;
            firing.delay = firing.delay.saturating_add(fault.delay);
            firing.outcome = firing.outcome.or(fault.outcome);
        }
        firing
    }
}

/// A fault from its JSON description.
fn parse(body: &Value) -> Result<Fault, Map<String, Value>> {
    let mut errors = FieldErrors::default();
    let Value::Object(object) = body else {
        errors.add("non_field_errors", fields::expected_dict(body));
        return Err(errors.into_map());
    };
    for key in object.keys() {
        if !["method", "path_glob", "nth", "every", "status", "drop_response", "delay_ms"].contains(&key.as_str()) {
            errors.add(key, fields::NOT_ALLOWED);
        }
    }
    let text = fields::CharField { required: true, allow_null: false, allow_blank: false };
    let method = match text.read(object, "method") {
        Ok(Some(method)) if method == "*" => None,
        Ok(Some(method)) => match Method::from_bytes(method.to_ascii_uppercase().as_bytes()) {
            Ok(method) => Some(method),
            Err(_) => {
                errors.add("method", format!("\"{method}\" is not an HTTP method."));
                None
            }
        },
        Ok(None) => None,
        Err(message) => {
            errors.add("method", message);
            None
        }
    };
    let glob = match text.read(object, "path_glob") {
        Ok(glob) => PathGlob::new(&glob.unwrap_or_default()),
        Err(message) => {
            errors.add("path_glob", message);
            PathGlob::new("")
        }
    };
    let nth = read_integer(object, "nth", 1, u64::MAX, &mut errors);
    let every = read_integer(object, "every", 1, u64::MAX, &mut errors);
    let status = read_integer(object, "status", 200, 599, &mut errors)
        .and_then(|status| StatusCode::from_u16(u16::try_from(status).ok()?).ok());
    let delay_ms = read_integer(object, "delay_ms", 0, MAX_DELAY_MS, &mut errors);
    let drop_response = match object.get("drop_response") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::Bool(true)) => true,
        Some(_) => {
            errors.add("drop_response", "Must be a valid boolean.");
            false
        }
    };
    if errors.is_empty() {
        if nth.is_some() && every.is_some() {
            errors.add("non_field_errors", "Give nth or every, not both.");
        } else if status.is_some() && drop_response {
            errors.add("non_field_errors", "Give status or drop_response, not both.");
        } else if status.is_none() && !drop_response && delay_ms.is_none() {
            errors.add("non_field_errors", "Give status, drop_response or delay_ms.");
        }
    }
    if !errors.is_empty() {
        return Err(errors.into_map());
    }
    let outcome = status.map(Outcome::Status).or(drop_response.then_some(Outcome::DropResponse));
    Ok(Fault {
        id: 0,
        method,
        glob,
        nth,
        every,
        outcome,
        delay: Duration::from_millis(delay_ms.unwrap_or(0)),
        matched: 0,
        fired: 0,
    })
}

/// An optional integer field between `min` and `max`.
fn read_integer(object: &Map<String, Value>, name: &str, min: u64, max: u64, errors: &mut FieldErrors) -> Option<u64> {
    match object.get(name) {
        None | Some(Value::Null) => None,
        Some(Value::Number(number)) => match number.as_u64() {
            Some(value) if (min..=max).contains(&value) => Some(value),
            _ => {
                errors.add(name, format!("Ensure this value is an integer from {min} to {max}."));
                None
            }
        },
        Some(_) => {
            errors.add(name, "A valid integer is required.");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nth_fires_once() {
        let faults = Faults::default();
        faults.add(&json!({"method": "post", "path_glob": "logs/", "nth": 2, "status": 503})).expect("a fault");
        let post = |path| faults.fire(&Method::POST, path).outcome;
        assert_eq!(post("/logs/"), None);
        assert_eq!(faults.fire(&Method::GET, "/logs/").outcome, None);
        assert_eq!(post("/jobs/"), None);
        assert_eq!(post("/logs/"), Some(Outcome::Status(StatusCode::SERVICE_UNAVAILABLE)));
        assert_eq!(post("/logs/"), None);
        assert_eq!(faults.list()[0]["matched"], 3);
        assert_eq!(faults.list()[0]["fired"], 1);
    }

    #[test]
    fn every_fires_on_each_kth_match() {
        let faults = Faults::default();
        faults.add(&json!({"method": "POST", "path_glob": "/logs/", "every": 20, "status": 503})).expect("a fault");
        let failed = (0..100).filter(|_| faults.fire(&Method::POST, "/logs/").outcome.is_some()).count();
        assert_eq!(failed, 5);
        assert_eq!(faults.list()[0]["every"], 20);
        assert!(faults.add(&json!({"method": "GET", "path_glob": "x", "nth": 1, "every": 2, "status": 500})).is_err());
    }

    #[test]
    fn delays_add_and_the_first_outcome_wins() {
        let faults = Faults::default();
        for fault in [
            json!({"method": "*", "path_glob": "/jobs/**", "delay_ms": 5}),
            json!({"method": "PATCH", "path_glob": "/jobs/*/", "drop_response": true, "delay_ms": 7}),
            json!({"method": "PATCH", "path_glob": "/jobs/*/", "status": 500}),
        ] {
            faults.add(&fault).expect("a fault");
        }
        let firing = faults.fire(&Method::PATCH, "/jobs/1/");
        assert_eq!(firing, Firing { delay: Duration::from_millis(12), outcome: Some(Outcome::DropResponse) });
        assert_eq!(faults.fire(&Method::GET, "/jobs/").delay, Duration::from_millis(5));
        assert_eq!(faults.clear(), 3);
        assert_eq!(faults.fire(&Method::PATCH, "/jobs/1/"), Firing::default());
    }

    #[test]
    fn descriptions_are_validated() {
        let faults = Faults::default();
        let errors = |body: Value| faults.add(&body).err().map(Value::Object);
        assert_eq!(errors(json!({"path_glob": "x", "status": 500})), Some(json!({"method": [fields::REQUIRED]})));
        assert_eq!(
            errors(json!({"method": "GET", "path_glob": "x", "status": 700, "colour": 1})),
            Some(
                json!({"colour": [fields::NOT_ALLOWED], "status": ["Ensure this value is an integer from 200 to 599."]})
            )
        );
        assert_eq!(
            errors(json!({"method": "GET", "path_glob": "x"})),
            Some(json!({"non_field_errors": ["Give status, drop_response or delay_ms."]}))
        );
        assert_eq!(
            errors(json!({"method": "GET", "path_glob": "x", "status": 500, "drop_response": true})),
            Some(json!({"non_field_errors": ["Give status or drop_response, not both."]}))
        );
        assert!(errors(json!([])).is_some());
        assert!(faults.list().is_empty());
    }
}
