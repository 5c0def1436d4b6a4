//! Reading runs back: the newest-first list with its counts, and records as the CLI serializes
//! them.

use super::*;

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
