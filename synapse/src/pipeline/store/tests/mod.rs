//! The run store's tests, one module per concern (as the store's own modules are): a run's
//! life, reading runs and events back, opening files and migrating them, errors, claims, and
//! durability across a killed process. Here: what they share, to make runs and checkpoints and
//! to count rows.

mod claims;
mod durability;
mod errors;
mod events;
mod lifecycle;
mod opening;
mod queries;

use super::timestamp::{from_micros, to_micros};
use super::*;
use serde_json::{Value, json};
use std::time::SystemTime;

fn new_run(run_id: &str, pipeline: &str, actions: &[&str]) -> NewRun {
    NewRun {
        run_id: run_id.to_owned(),
        pipeline: pipeline.to_owned(),
        fingerprint: format!("fp-{pipeline}"),
        actions: actions.iter().map(|name| (*name).to_owned()).collect(),
        params: json!({"dataset": "coco", "epochs": 3}),
    }
}

/// The checkpoint of action `index` named `name`, its result `{name: index}` merged into `params`.
fn checkpoint_of(run_id: &str, index: usize, name: &str, params: &mut Value) -> Checkpoint {
    let result = json!({ name: index });
    params[name] = json!(index);
    Checkpoint {
        run_id: run_id.to_owned(),
        action_index: index,
        action_name: name.to_owned(),
        params_snapshot: params.clone(),
        result,
        created_at: SystemTime::now(),
    }
}

/// `time` as the store gives it back: to the microsecond.
fn stored(time: SystemTime) -> SystemTime {
    from_micros(to_micros(time)).expect("representable")
}

fn count(store: &RunStore, sql: &str) -> i64 {
    let conn = store.conn.lock().expect("no poisoned lock in tests");
    conn.query_row(sql, [], |row| row.get(0)).expect("a count")
}
