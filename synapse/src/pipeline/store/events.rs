//! A run's event log: appending events (numbering those that come without a `seq`) and reading
//! them back in the order they were appended.

use super::rows::decode_json;
use super::{RunStore, StoreError, run_exists};
use rusqlite::{OptionalExtension, params};
use serde_json::Value;

impl RunStore {
    /// Appends events to the run's event log, in one transaction. Each is stored with its `seq`
    /// field if it has an integer one, else with the previous event's `seq` plus one (0 for the
    /// run's first event).
    ///
    /// ```
    /// use synapse::pipeline::store::{NewRun, RunStore};
    /// use serde_json::json;
    ///
    /// let store = RunStore::in_memory()?;
    /// let run = NewRun { run_id: "r".into(), pipeline: "p".into(), fingerprint: "f".into(), actions: vec![], params: json!({}) };
    /// store.create_run(&run)?;
    /// store.append_events("r", &[json!({"seq": 0, "kind": "log"}), json!({"kind": "progress"})])?;
    /// assert_eq!(store.events("r")?[1]["kind"], "progress");
    /// # Ok::<(), synapse::pipeline::store::StoreError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`StoreError::UnknownRun`].
    pub fn append_events(&self, run_id: &str, events: &[Value]) -> Result<(), StoreError> {
        let events: Vec<(Option<i64>, String)> =
            events.iter().map(|event| (event.get("seq").and_then(Value::as_i64), event.to_string())).collect();
        self.write(|tx| {
            if !run_exists(tx, run_id)? {
                return Err(StoreError::UnknownRun { run_id: run_id.to_owned(), store: None });
            }
            let mut insert = tx.prepare_cached("INSERT INTO events (run_id, seq, event) VALUES (?1, ?2, ?3)")?;
            let mut next = None;
            for (seq, event) in &events {
                let seq = match (seq, next) {
                    (Some(seq), _) => *seq,
                    (None, Some(next)) => next,
                    (None, None) => tx
                        .prepare_cached("SELECT seq FROM events WHERE run_id = ?1 ORDER BY id DESC LIMIT 1")?
                        .query_row([run_id], |row| row.get::<_, i64>(0))
                        .optional()?
                        .map_or(0, |last| last.saturating_add(1)),
                };
                insert.execute(params![run_id, seq, event])?;
                next = Some(seq.saturating_add(1));
            }
            Ok(())
        })
    }

    /// The run's events, in the order they were appended.
    ///
    /// # Errors
    ///
    /// [`StoreError::UnknownRun`], and [`StoreError::Corrupt`] if an event is not valid JSON.
    pub fn events(&self, run_id: &str) -> Result<Vec<Value>, StoreError> {
        self.read(|tx| {
            let events = tx
                .prepare_cached("SELECT id, event FROM events WHERE run_id = ?1 ORDER BY id")?
                .query_map([run_id], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?)))?
                .map(|row| {
                    let (id, event) = row?;
                    decode_json(&event, "event", || format!("run `{run_id}`, event {id}"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            if events.is_empty() && !run_exists(tx, run_id)? {
                return Err(StoreError::UnknownRun { run_id: run_id.to_owned(), store: None });
            }
            Ok(events)
        })
    }
}
