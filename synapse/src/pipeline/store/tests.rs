use super::timestamp::{from_micros, to_micros};
use super::*;
use rusqlite::types::Value as SqlValue;
use serde_json::json;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

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

#[test]
fn run_store_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<RunStore>();
}

#[test]
fn checkpoint_completes_the_action_and_resume_starts_after_it() {
    let store = RunStore::in_memory().unwrap();
    store.create_run(&new_run("r1", "train", &["download", "convert", "train"])).unwrap();

    let run = store.run("r1").unwrap().unwrap();
    assert_eq!(run.status, RunStatus::Pending);
    assert_eq!(run.params, json!({"dataset": "coco", "epochs": 3}));
    assert_eq!(run.fingerprint, "fp-train");
    assert_eq!(run.finished_at, None);
    assert!(run.actions.iter().all(|action| action.status == ActionStatus::Pending && action.attempts == 0));
    assert_eq!(run.next_action(), Some(0));
    assert_eq!(store.latest_checkpoint("r1").unwrap(), None);

    let mut params = run.params.clone();
    store.start_action("r1", 0).unwrap();
    let running = store.run("r1").unwrap().unwrap();
    assert_eq!(running.status, RunStatus::Running);
    assert_eq!(running.actions[0].status, ActionStatus::Running);
    assert_eq!(running.actions[0].attempts, 1);
    assert!(running.actions[0].started_at.is_some());
    assert_eq!(running.next_action(), Some(0), "a running action is not done");

    let first = checkpoint_of("r1", 0, "download", &mut params);
    store.checkpoint(&first).unwrap();
    let run = store.run("r1").unwrap().unwrap();
    let download = &run.actions[0];
    assert_eq!(download.status, ActionStatus::Completed);
    assert_eq!(download.result, Some(json!({"download": 0})));
    assert_eq!(download.finished_at, Some(stored(first.created_at)));
    assert_eq!(download.error, None);
    assert_eq!(run.next_action(), Some(1));
    assert!(run.updated_at >= running.updated_at);

    store.start_action("r1", 1).unwrap();
    let second = checkpoint_of("r1", 1, "convert", &mut params);
    store.checkpoint(&second).unwrap();
    assert_eq!(store.run("r1").unwrap().unwrap().next_action(), Some(2));

    let latest = store.latest_checkpoint("r1").unwrap().unwrap();
    assert_eq!(latest.action_index, 1);
    assert_eq!(latest.action_name, "convert");
    assert_eq!(latest.params_snapshot, json!({"dataset": "coco", "epochs": 3, "download": 0, "convert": 1}));
    assert_eq!(latest.result, json!({"convert": 1}));
    assert_eq!(latest.created_at, stored(second.created_at));

    store.start_action("r1", 2).unwrap();
    store.checkpoint(&checkpoint_of("r1", 2, "train", &mut params)).unwrap();
    store.set_run_status("r1", RunStatus::Completed, None).unwrap();
    let done = store.run("r1").unwrap().unwrap();
    assert_eq!(done.next_action(), None);
    assert_eq!(done.status, RunStatus::Completed);
    assert!(done.finished_at.is_some());
}

#[test]
fn a_failed_action_is_retried_and_skipped_ones_stay_done() {
    let store = RunStore::in_memory().unwrap();
    store.create_run(&new_run("r", "p", &["a", "b", "c"])).unwrap();
    store.skip_action("r", 0).unwrap();
    store.start_action("r", 1).unwrap();
    store.fail_action("r", 1, "out of memory").unwrap();
    store.set_run_status("r", RunStatus::Failed, Some("action `b` failed: out of memory")).unwrap();

    let failed = store.run("r").unwrap().unwrap();
    assert_eq!(failed.status, RunStatus::Failed);
    assert_eq!(failed.error.as_deref(), Some("action `b` failed: out of memory"));
    assert!(failed.finished_at.is_some());
    assert_eq!(failed.actions[0].status, ActionStatus::Skipped);
    assert_eq!(failed.actions[1].status, ActionStatus::Failed);
    assert_eq!(failed.actions[1].error.as_deref(), Some("out of memory"));
    assert_eq!(failed.next_action(), Some(1));

    // Resuming: the run is running again, its error and end cleared; the action counts a new attempt.
    store.start_action("r", 1).unwrap();
    let resumed = store.run("r").unwrap().unwrap();
    assert_eq!((resumed.status, resumed.error.as_deref(), resumed.finished_at), (RunStatus::Running, None, None));
    let b = &resumed.actions[1];
    assert_eq!((b.status, b.attempts, b.error.as_deref(), b.finished_at), (ActionStatus::Running, 2, None, None));
}

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
fn runs_are_listed_newest_first_by_pipeline_with_completed_counts() {
    let store = RunStore::in_memory().unwrap();
    for (id, pipeline) in [("a", "etl"), ("b", "train"), ("c", "etl"), ("d", "etl")] {
        store.create_run(&new_run(id, pipeline, &["x", "y", "z"])).unwrap();
    }
    let mut params = json!({});
    store.start_action("c", 0).unwrap();
    store.checkpoint(&checkpoint_of("c", 0, "x", &mut params)).unwrap();
    store.start_action("c", 1).unwrap();
    store.checkpoint(&checkpoint_of("c", 1, "y", &mut params)).unwrap();
    store.skip_action("c", 2).unwrap();
    store.set_run_status("d", RunStatus::Cancelled, None).unwrap();

    let ids = |runs: Vec<RunSummary>| runs.into_iter().map(|run| run.run_id).collect::<Vec<_>>();
    assert_eq!(ids(store.runs(None, 100).unwrap()), ["d", "c", "b", "a"]);
    assert_eq!(ids(store.runs(None, 2).unwrap()), ["d", "c"]);
    assert_eq!(ids(store.runs(Some("etl"), 100).unwrap()), ["d", "c", "a"]);
    assert_eq!(ids(store.runs(Some("none"), 100).unwrap()), Vec::<String>::new());
    assert_eq!(store.runs(None, 0).unwrap(), []);

    let etl = store.runs(Some("etl"), usize::MAX).unwrap();
    let c = &etl[1];
    assert_eq!((c.status, c.completed_actions, c.total_actions), (RunStatus::Running, 2, 3));
    assert_eq!((etl[0].status, etl[0].completed_actions), (RunStatus::Cancelled, 0));
    assert!(c.updated_at >= c.created_at);
}

#[test]
fn events_keep_their_order_and_sequence_numbers() {
    let store = RunStore::in_memory().unwrap();
    store.create_run(&new_run("r", "p", &["a"])).unwrap();
    store.create_run(&new_run("other", "p", &["a"])).unwrap();
    store.append_events("r", &[json!({"kind": "first"}), json!({"seq": 10, "kind": "explicit"})]).unwrap();
    store.append_events("other", &[json!({"kind": "elsewhere"})]).unwrap();
    store.append_events("r", &[json!({"kind": "after"}), json!({"seq": 3, "kind": "restarted"})]).unwrap();
    store.append_events("r", &[]).unwrap();
    store.append_events("r", &[json!("not an object")]).unwrap();

    let kinds: Vec<Value> = store.events("r").unwrap().iter().map(|event| event["kind"].clone()).collect();
    assert_eq!(kinds, [json!("first"), json!("explicit"), json!("after"), json!("restarted"), Value::Null]);
    assert_eq!(store.events("r").unwrap()[1], json!({"seq": 10, "kind": "explicit"}));

    let conn = store.conn.lock().unwrap();
    let seqs: Vec<i64> = conn
        .prepare("SELECT seq FROM events WHERE run_id = 'r' ORDER BY id")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(seqs, [0, 10, 11, 3, 4]);
    drop(conn);
    assert_eq!(store.events("other").unwrap(), [json!({"kind": "elsewhere"})]);
    store.create_run(&new_run("quiet", "p", &[])).unwrap();
    assert_eq!(store.events("quiet").unwrap(), Vec::<Value>::new());
}

#[test]
fn delete_run_removes_everything_of_the_run_and_nothing_else() {
    let store = RunStore::in_memory().unwrap();
    let mut params = json!({});
    for id in ["gone", "kept"] {
        store.create_run(&new_run(id, "p", &["a", "b"])).unwrap();
        store.start_action(id, 0).unwrap();
        store.checkpoint(&checkpoint_of(id, 0, "a", &mut params)).unwrap();
        store.append_events(id, &[json!({"seq": 0}), json!({"seq": 1})]).unwrap();
    }
    assert!(store.delete_run("gone").unwrap());
    assert!(!store.delete_run("gone").unwrap());
    assert_eq!(store.run("gone").unwrap(), None);
    assert_eq!(store.latest_checkpoint("gone").unwrap(), None);
    assert!(matches!(store.events("gone").unwrap_err(), StoreError::UnknownRun { .. }));
    for table in ["runs", "actions", "checkpoints", "events"] {
        assert_eq!(count(&store, &format!("SELECT count(*) FROM {table} WHERE run_id = 'gone'")), 0, "{table}");
        assert!(count(&store, &format!("SELECT count(*) FROM {table} WHERE run_id = 'kept'")) > 0, "{table}");
    }
    // The id can be used again.
    store.create_run(&new_run("gone", "p", &["a"])).unwrap();
    assert_eq!(store.run("gone").unwrap().unwrap().actions.len(), 1);
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

#[test]
fn records_serialize_for_the_cli() {
    let store = RunStore::in_memory().unwrap();
    store.create_run(&new_run("r", "p", &["a"])).unwrap();
    store.start_action("r", 0).unwrap();
    let run = store.run("r").unwrap().unwrap();
    let value = serde_json::to_value(&run).unwrap();
    assert_eq!(value["status"], "running");
    assert_eq!(value["actions"][0]["status"], "running");
    assert_eq!(value["finished_at"], Value::Null);
    let created = value["created_at"].as_str().unwrap();
    assert!(created.ends_with('Z') && created.len() == "2026-01-01T00:00:00.000000Z".len(), "{created}");
    let back: RunRecord = serde_json::from_value(value).unwrap();
    assert_eq!(back, run);

    let summary = serde_json::to_value(store.runs(None, 1).unwrap()).unwrap();
    assert_eq!(summary[0]["total_actions"], 1);
    assert_eq!(RunStatus::Cancelled.to_string(), "cancelled");
    assert_eq!(ActionStatus::Skipped.to_string(), "skipped");
    for status in RunStatus::ALL {
        assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        assert_eq!(RunStatus::parse(status.as_str()), Some(status));
    }
    for status in ActionStatus::ALL {
        assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        assert_eq!(ActionStatus::parse(status.as_str()), Some(status));
    }
}

#[test]
fn threads_share_one_store() {
    let store = Arc::new(RunStore::in_memory().unwrap());
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                let run_id = format!("t{t}");
                let names = ["a", "b", "c", "d", "e"];
                store.create_run(&new_run(&run_id, "p", &names)).unwrap();
                let mut params = json!({});
                for (index, name) in names.iter().enumerate() {
                    store.start_action(&run_id, index).unwrap();
                    store.checkpoint(&checkpoint_of(&run_id, index, name, &mut params)).unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let runs = store.runs(None, 10).unwrap();
    assert_eq!(runs.len(), 4);
    assert!(runs.iter().all(|run| run.completed_actions == 5));
}

/// Set in the child process of [`committed_checkpoints_survive_sigkill`]: the store to write.
const CRASH_STORE_VAR: &str = "SYNAPSE_TEST_CRASH_STORE";
/// Actions per run in the crash test.
const CRASH_ACTIONS: usize = 10;

/// Not a test: the child process of [`committed_checkpoints_survive_sigkill`]. Checkpoints forever
/// and prints `committed N` after the N-th checkpoint returned, until it is killed.
#[test]
#[ignore = "a helper process, run by `committed_checkpoints_survive_sigkill`"]
fn crash_helper_checkpoints_until_killed() {
    let Some(path) = std::env::var_os(CRASH_STORE_VAR) else { return };
    let store = RunStore::open(path).unwrap();
    let names: Vec<String> = (0..CRASH_ACTIONS).map(|index| format!("action{index}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut stdout = std::io::stdout().lock();
    let mut committed = 0u64;
    for run in 0.. {
        let run_id = format!("crash-{run}");
        store.create_run(&new_run(&run_id, "crash", &names)).unwrap();
        let mut params = json!({});
        for (index, name) in names.iter().enumerate() {
            store.start_action(&run_id, index).unwrap();
            store.append_events(&run_id, &[json!({"kind": "progress", "index": index})]).unwrap();
            store.checkpoint(&checkpoint_of(&run_id, index, name, &mut params)).unwrap();
            committed += 1;
            writeln!(stdout, "committed {committed}").unwrap();
            stdout.flush().unwrap();
        }
    }
}

/// Kills the child when dropped, so a failing assertion leaves no process behind.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn committed_checkpoints_survive_sigkill() {
    const AT_LEAST: u64 = 100;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs.db");
    let helper = module_path!().split_once("::").map_or(module_path!(), |(_, path)| path);
    let helper = format!("{helper}::crash_helper_checkpoints_until_killed");
    let mut child = KillOnDrop(
        Command::new(std::env::current_exe().unwrap())
            .args([helper.as_str(), "--exact", "--ignored", "--nocapture", "--test-threads=1"])
            .env(CRASH_STORE_VAR, &path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );

    // Read the child's reports on a thread, so a child that hangs fails the test instead of
    // blocking it.
    let stdout = child.0.stdout.take().unwrap();
    let (reports, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(n) = line.strip_prefix("committed ").and_then(|n| n.parse::<u64>().ok())
                && reports.send(n).is_err()
            {
                break;
            }
        }
    });
    let mut committed = 0;
    while committed < AT_LEAST {
        committed = match received.recv_timeout(Duration::from_secs(60)) {
            Ok(n) => n,
            Err(error) => panic!("the helper reported {committed} checkpoints, then stopped ({error:?})"),
        };
    }
    // SIGKILL, in the middle of whatever the child was writing.
    child.0.kill().unwrap();
    let status = child.0.wait().unwrap();
    assert!(!status.success(), "{status}");

    let store = RunStore::open(&path).unwrap();
    let checkpoints = count(&store, "SELECT count(*) FROM checkpoints");
    assert!(checkpoints >= i64::try_from(committed).unwrap(), "{checkpoints} checkpoints, {committed} reported");
    // Every checkpoint's transaction is whole: its action is completed, and vice versa.
    assert_eq!(count(&store, "SELECT count(*) FROM actions WHERE status = 'completed'"), checkpoints);
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM checkpoints c JOIN actions a ON a.run_id = c.run_id AND a.idx = c.action_index
             WHERE a.status = 'completed' AND a.result = c.result"
        ),
        checkpoints
    );
    let integrity: String =
        store.conn.lock().unwrap().query_row("PRAGMA integrity_check", [], |row| row.get(0)).unwrap();
    assert_eq!(integrity, "ok");

    // The run it was in the middle of resumes where the last checkpoint left it.
    let last = store.runs(Some("crash"), 1).unwrap().remove(0);
    let run = store.run(&last.run_id).unwrap().unwrap();
    let resume_at = run.next_action().unwrap_or(CRASH_ACTIONS);
    assert_eq!(resume_at, last.completed_actions);
    if resume_at > 0 {
        let checkpoint = store.latest_checkpoint(&last.run_id).unwrap().unwrap();
        assert_eq!(checkpoint.action_index, resume_at - 1);
        assert_eq!(checkpoint.params_snapshot.as_object().unwrap().len(), resume_at);
    }
}

#[test]
fn a_claim_is_refused_while_its_holder_lives_and_taken_over_when_it_is_gone_or_stale() {
    let store = RunStore::in_memory().unwrap();
    store.create_run(&new_run("r", "p", &["a"])).unwrap();
    let minute = Duration::from_secs(60);
    let alive = |_: &str| false;
    assert_eq!(store.run("r").unwrap().unwrap().claim, None);

    store.claim_run("r", "a:1", minute, alive).unwrap();
    store.claim_run("r", "a:1", minute, alive).expect("the holder claims again");
    let claim = store.run("r").unwrap().unwrap().claim.unwrap();
    assert_eq!(claim.owner, "a:1");
    assert!(claim.heartbeat_at.elapsed().unwrap_or_default() < minute);

    let refused = store.claim_run("r", "b:2", minute, alive).unwrap_err();
    let message = refused.to_string();
    assert!(
        message.starts_with("run `r` is being run by `a:1` (last heartbeat 0s ago) in the in-memory run store"),
        "{message}"
    );
    let mut asked = Vec::new();
    store
        .claim_run("r", "b:2", minute, |holder| {
            asked.push(holder.to_owned());
            true
        })
        .expect("a gone holder is taken over");
    assert_eq!(asked, ["a:1"]);

    // The old holder finds out at its next renewal, and cannot release what it lost.
    let lost = store.renew_claim("r", "a:1").unwrap_err();
    assert!(matches!(&lost, StoreError::RunClaimed { owner, .. } if owner == "b:2"), "{lost}");
    assert!(!store.release_run("r", "a:1").unwrap());
    store.renew_claim("r", "b:2").unwrap();

    // A claim older than the caller allows lapses, whoever holds it.
    store.claim_run("r", "c:3", Duration::ZERO, alive).expect("stale");
    assert!(store.release_run("r", "c:3").unwrap());
    assert_eq!(store.run("r").unwrap().unwrap().claim, None);
    assert!(
        matches!(store.renew_claim("r", "c:3").unwrap_err(), StoreError::RunClaimed { owner, .. } if owner == "nobody")
    );
    assert!(matches!(store.claim_run("nope", "a:1", minute, alive).unwrap_err(), StoreError::UnknownRun { .. }));
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
