//! What the store's errors say: the run, the action and the store they concern, and rows that
//! cannot be read back.

use super::*;

#[test]
fn errors_name_the_run_the_action_and_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs.db");
    let store = RunStore::open(&path).unwrap();
    let at = format!("run store `{}`", path.display());
    store.create_run(&new_run("r", "p", &["a", "b"])).unwrap();

    let exists = store.create_run(&new_run("r", "other", &["x"])).unwrap_err();
    assert!(matches!(&exists, StoreError::RunExists { run_id, .. } if run_id == "r"));
    assert_eq!(exists.to_string(), format!("run `r` already exists in the {at}"));
    assert_eq!(store.run("r").unwrap().unwrap().pipeline, "p", "the first run is untouched");

    let unknown = format!("no run `nope` in the {at}");
    assert_eq!(store.start_action("nope", 0).unwrap_err().to_string(), unknown);
    assert_eq!(store.skip_action("nope", 0).unwrap_err().to_string(), unknown);
    assert_eq!(store.fail_action("nope", 0, "x").unwrap_err().to_string(), unknown);
    assert_eq!(store.set_run_status("nope", RunStatus::Failed, None).unwrap_err().to_string(), unknown);
    assert_eq!(store.append_events("nope", &[json!({})]).unwrap_err().to_string(), unknown);
    assert_eq!(store.events("nope").unwrap_err().to_string(), unknown);
    let mut params = json!({});
    assert!(matches!(
        store.checkpoint(&checkpoint_of("nope", 0, "a", &mut params)).unwrap_err(),
        StoreError::UnknownRun { run_id, store: Some(p) } if run_id == "nope" && p == path
    ));
    assert_eq!(store.run("nope").unwrap(), None);
    assert_eq!(store.latest_checkpoint("nope").unwrap(), None);

    let no_action = store.start_action("r", 2).unwrap_err();
    assert!(matches!(no_action, StoreError::UnknownAction { index: 2, actions: 2, .. }));
    assert_eq!(no_action.to_string(), format!("run `r` has no action #2 (it has 2) in the {at}"));
    assert!(matches!(
        store.checkpoint(&checkpoint_of("r", 7, "a", &mut params)).unwrap_err(),
        StoreError::UnknownAction { index: 7, .. }
    ));
    assert!(matches!(store.fail_action("r", usize::MAX, "x").unwrap_err(), StoreError::UnknownAction { .. }));

    let mismatch = store.checkpoint(&checkpoint_of("r", 1, "a", &mut params)).unwrap_err();
    assert_eq!(
        mismatch.to_string(),
        format!("checkpoint of run `r` names action #1 `a`, but that action is `b` in the {at}")
    );
    assert_eq!(store.latest_checkpoint("r").unwrap(), None, "a refused checkpoint leaves nothing behind");
    assert_eq!(store.run("r").unwrap().unwrap().actions[1].status, ActionStatus::Pending);

    let in_memory = RunStore::in_memory().unwrap();
    assert_eq!(in_memory.start_action("x", 0).unwrap_err().to_string(), "no run `x` in the in-memory run store");
}

#[test]
fn rows_that_cannot_be_read_are_reported_as_corrupt() {
    let store = RunStore::in_memory().unwrap();
    store.create_run(&new_run("r", "p", &["a"])).unwrap();
    let mut params = json!({});
    store.start_action("r", 0).unwrap();
    store.checkpoint(&checkpoint_of("r", 0, "a", &mut params)).unwrap();
    store.append_events("r", &[json!({})]).unwrap();
    let corrupt = |sql: &str| store.conn.lock().unwrap().execute_batch(sql).unwrap();

    corrupt("UPDATE actions SET status = 'exploded'");
    let message = store.run("r").unwrap_err().to_string();
    assert_eq!(
        message,
        "the in-memory run store is corrupt: run `r`, action #0: `status` is `exploded`, not an action status"
    );
    corrupt("UPDATE actions SET status = 'completed'; UPDATE runs SET params = '{oops'");
    assert!(store.run("r").unwrap_err().to_string().contains("run `r`: `params` is not JSON"));
    corrupt("UPDATE runs SET status = 'meh'");
    assert!(matches!(store.runs(None, 10).unwrap_err(), StoreError::Corrupt { what, .. } if what.contains("`meh`")));
    corrupt("UPDATE checkpoints SET result = '['");
    assert!(store.latest_checkpoint("r").unwrap_err().to_string().contains("checkpoint of action #0: `result`"));
    corrupt("UPDATE events SET event = 'nope'");
    assert!(matches!(store.events("r").unwrap_err(), StoreError::Corrupt { .. }));
}
