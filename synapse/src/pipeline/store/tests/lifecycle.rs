//! A run's life: its actions started, checkpointed, failed, retried and skipped, the run deleted,
//! and several threads writing one store.

use super::*;
use std::sync::Arc;

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
