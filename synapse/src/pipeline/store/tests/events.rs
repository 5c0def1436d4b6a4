//! A run's event log: order, sequence numbers, and one run's events kept apart from another's.

use super::*;

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
