//! Opening a store: a reopened file keeps everything, with its settings; the default path; what
//! a file that cannot be a store says; and the schema's migrations, from version 1 and to a
//! version this build does not know.

use super::*;
use rusqlite::types::Value as SqlValue;
use std::time::Duration;

#[test]
fn a_reopened_file_store_has_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep/er/runs.db");
    let mut params = json!({});
    {
        let store = RunStore::open(&path).unwrap();
        assert_eq!(store.path(), Some(path.as_path()));
        store.create_run(&new_run("r", "etl", &["extract", "load"])).unwrap();
        store.start_action("r", 0).unwrap();
        store.checkpoint(&checkpoint_of("r", 0, "extract", &mut params)).unwrap();
        store.append_events("r", &[json!({"seq": 0, "kind": "log"}), json!({"seq": 1, "kind": "result"})]).unwrap();
    }
    let store = RunStore::open(&path).unwrap();
    let run = store.run("r").unwrap().unwrap();
    assert_eq!(run.status, RunStatus::Running);
    assert_eq!(run.actions[0].status, ActionStatus::Completed);
    assert_eq!(run.next_action(), Some(1));
    assert_eq!(store.latest_checkpoint("r").unwrap().unwrap().params_snapshot, json!({"extract": 0}));
    assert_eq!(store.events("r").unwrap().len(), 2);

    let conn = store.conn.lock().unwrap();
    let pragma = |name: &str| conn.pragma_query_value(None, name, |row| row.get::<_, SqlValue>(0)).unwrap();
    assert_eq!(pragma("journal_mode"), SqlValue::Text("wal".into()));
    assert_eq!(pragma("synchronous"), SqlValue::Integer(2), "FULL");
    assert_eq!(pragma("foreign_keys"), SqlValue::Integer(1));
    assert_eq!(pragma("user_version"), SqlValue::Integer(schema_version()));
}

fn schema_version() -> i64 {
    let conn = RunStore::in_memory().unwrap().conn.into_inner().unwrap();
    conn.pragma_query_value(None, "user_version", |row| row.get(0)).unwrap()
}

#[test]
fn open_default_honours_the_environment_variable() {
    // Reading the variable only: setting it would race with other tests.
    let expected = match std::env::var_os(RunStore::PATH_VAR) {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => PathBuf::from(".synapse/runs.db"),
    };
    assert_eq!(RunStore::default_path(), expected);
}

#[test]
fn open_errors_say_which_file_and_why() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "").unwrap();
    let under_a_file = file.join("runs.db");
    let error = RunStore::open(&under_a_file).unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, StoreError::Open { .. }));
    assert!(
        message
            .starts_with(&format!("run store `{}`: cannot open: cannot create the directory", under_a_file.display())),
        "{message}"
    );

    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, vec![b'x'; 8192]).unwrap();
    let message = RunStore::open(&garbage).unwrap_err().to_string();
    assert!(message.starts_with(&format!("run store `{}`: cannot open: ", garbage.display())), "{message}");
    assert!(message.contains("not a database"), "{message}");
}

#[test]
fn a_store_from_a_newer_schema_is_refused_and_migrations_run_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs.db");
    {
        let store = RunStore::open(&path).unwrap();
        store.create_run(&new_run("kept", "p", &["a"])).unwrap();
    }
    // Opening again does not re-run the migrations (they would fail: the tables exist).
    assert!(RunStore::open(&path).unwrap().run("kept").unwrap().is_some());

    rusqlite::Connection::open(&path).unwrap().pragma_update(None, "user_version", 99).unwrap();
    let message = RunStore::open(&path).unwrap_err().to_string();
    assert!(message.contains("schema version is 99"), "{message}");
    assert!(message.starts_with(&format!("run store `{}`: cannot open: ", path.display())), "{message}");
}

#[test]
fn a_version_1_store_gains_claims_and_keeps_its_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(schema::MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute(
            "INSERT INTO runs (run_id, pipeline, fingerprint, status, params, created_at, updated_at)
             VALUES ('old', 'p', 'f', 'failed', '{}', 1, 1)",
            [],
        )
        .unwrap();
    }
    let store = RunStore::open(&path).unwrap();
    let old = store.run("old").unwrap().expect("kept");
    assert_eq!((old.status, old.claim), (RunStatus::Failed, None));
    store.claim_run("old", "a:1", Duration::from_secs(1), |_| false).unwrap();
    assert_eq!(store.run("old").unwrap().unwrap().claim.unwrap().owner, "a:1");
}
