//! Reading runs back: one run with its actions, its latest checkpoint, and the newest-first list
//! of runs. Each query reads one consistent snapshot; `rows` decodes what it reads.

use super::rows::{RawAction, RawRun, RawSummary, decode_index, decode_json, decode_time};
use super::{Checkpoint, RunRecord, RunStore, RunSummary, StoreError};
use rusqlite::{OptionalExtension, params};

impl RunStore {
    /// The run `run_id` with its actions, or `None` if there is no such run.
    ///
    /// # Errors
    ///
    /// [`StoreError::Corrupt`] if a row cannot be read back.
    pub fn run(&self, run_id: &str) -> Result<Option<RunRecord>, StoreError> {
        self.read(|tx| {
            let run = tx
                .prepare_cached(
                    "SELECT run_id, pipeline, fingerprint, status, params, error, created_at, updated_at, finished_at,
                     owner, heartbeat_at FROM runs WHERE run_id = ?1",
                )?
                .query_row([run_id], RawRun::from_row)
                .optional()?;
            let Some(run) = run else { return Ok(None) };
            let actions = tx
                .prepare_cached(
                    "SELECT idx, name, status, attempts, started_at, finished_at, result, error
                     FROM actions WHERE run_id = ?1 ORDER BY idx",
                )?
                .query_map([run_id], RawAction::from_row)?
                .map(|action| action.map_err(StoreError::from).and_then(|action| action.decode(run_id)))
                .collect::<Result<Vec<_>, _>>()?;
            run.decode(actions).map(Some)
        })
    }

    /// The run's most recent checkpoint, or `None` if it has none (or there is no such run).
    ///
    /// # Errors
    ///
    /// [`StoreError::Corrupt`] if the row cannot be read back.
    pub fn latest_checkpoint(&self, run_id: &str) -> Result<Option<Checkpoint>, StoreError> {
        self.read(|tx| {
            let row = tx
                .prepare_cached(
                    "SELECT action_index, action_name, params_snapshot, result, created_at
                     FROM checkpoints WHERE run_id = ?1 ORDER BY id DESC LIMIT 1",
                )?
                .query_row([run_id], |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, i64>(4)?,
                    ))
                })
                .optional()?;
            let Some((index, action_name, params_snapshot, result, created_at)) = row else { return Ok(None) };
            let at = || format!("run `{run_id}`, checkpoint of action #{index}");
            Ok(Some(Checkpoint {
                run_id: run_id.to_owned(),
                action_index: decode_index(index, at)?,
                action_name,
                params_snapshot: decode_json(&params_snapshot, "params_snapshot", at)?,
                result: decode_json(&result, "result", at)?,
                created_at: decode_time(created_at, "created_at", at)?,
            }))
        })
    }

    /// Up to `limit` runs, newest first, of the pipeline `pipeline` or of every pipeline.
    ///
    /// ```
    /// use synapse::pipeline::store::{NewRun, RunStore};
    ///
    /// let store = RunStore::in_memory()?;
    /// for (id, pipeline) in [("a", "etl"), ("b", "train"), ("c", "etl")] {
    ///     let run = NewRun {
    ///         run_id: id.into(), pipeline: pipeline.into(), fingerprint: "f".into(),
    ///         actions: vec!["x".into()], params: serde_json::json!({}),
    ///     };
    ///     store.create_run(&run)?;
    /// }
    /// let etl: Vec<_> = store.runs(Some("etl"), 10)?.into_iter().map(|run| run.run_id).collect();
    /// assert_eq!(etl, ["c", "a"]);
    /// assert_eq!(store.runs(None, 2)?.len(), 2);
    /// # Ok::<(), synapse::pipeline::store::StoreError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`StoreError::Corrupt`] if a row cannot be read back.
    pub fn runs(&self, pipeline: Option<&str>, limit: usize) -> Result<Vec<RunSummary>, StoreError> {
        /// The run list query (the columns of [`RawSummary`]), with a filter and the limit's parameter.
        macro_rules! summaries {
            ($filter:literal, $limit:literal) => {
                concat!(
                    "SELECT r.run_id, r.pipeline, r.status, r.created_at, r.updated_at,
                     (SELECT count(*) FROM actions a WHERE a.run_id = r.run_id AND a.status = 'completed'),
                     (SELECT count(*) FROM actions a WHERE a.run_id = r.run_id)
                     FROM runs r ",
                    $filter,
                    " ORDER BY r.created_at DESC, r.rowid DESC LIMIT ",
                    $limit
                )
            };
        }
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(|tx| {
            let raw = match pipeline {
                Some(pipeline) => tx
                    .prepare_cached(summaries!("WHERE r.pipeline = ?1", "?2"))?
                    .query_map(params![pipeline, limit], RawSummary::from_row)?
                    .collect::<Result<Vec<_>, _>>()?,
                None => tx
                    .prepare_cached(summaries!("", "?1"))?
                    .query_map([limit], RawSummary::from_row)?
                    .collect::<Result<Vec<_>, _>>()?,
            };
            raw.into_iter().map(RawSummary::decode).collect()
        })
    }
}
