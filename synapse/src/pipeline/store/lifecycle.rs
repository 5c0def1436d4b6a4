//! A run's life in the store: creating it, starting, skipping, failing and checkpointing its
//! actions, setting its status, and deleting it. Each method is one write transaction; reading
//! runs back is `queries`' part, their event logs `events`', who drives them `claims`'.

use super::timestamp::{now_micros, to_micros};
use super::{ActionStatus, Checkpoint, NewRun, RunStatus, RunStore, StoreError, run_exists};
use rusqlite::{Connection, OptionalExtension, params};

impl RunStore {
    /// Records a new run: status [`Pending`](RunStatus::Pending), one
    /// [`Pending`](ActionStatus::Pending) action per name in `run.actions`.
    ///
    /// # Errors
    ///
    /// [`StoreError::RunExists`] if a run has this id.
    pub fn create_run(&self, run: &NewRun) -> Result<(), StoreError> {
        let params = run.params.to_string();
        let now = now_micros();
        self.write(|tx| {
            let inserted = tx
                .prepare_cached(
                    "INSERT INTO runs (run_id, pipeline, fingerprint, status, params, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT (run_id) DO NOTHING",
                )?
                .execute(params![
                    run.run_id,
                    run.pipeline,
                    run.fingerprint,
                    RunStatus::Pending.as_str(),
                    params,
                    now
                ])?;
            if inserted == 0 {
                return Err(StoreError::RunExists { run_id: run.run_id.clone(), store: None });
            }
            let mut insert =
                tx.prepare_cached("INSERT INTO actions (run_id, idx, name, status) VALUES (?1, ?2, ?3, ?4)")?;
            for (index, name) in run.actions.iter().enumerate() {
                insert.execute(params![run.run_id, sql_index(index), name, ActionStatus::Pending.as_str()])?;
            }
            Ok(())
        })
    }

    /// Sets the run's status and error (`None` clears it), and stamps `updated_at`; a terminal
    /// status also stamps `finished_at`, another clears it.
    ///
    /// # Errors
    ///
    /// [`StoreError::UnknownRun`].
    pub fn set_run_status(&self, run_id: &str, status: RunStatus, error: Option<&str>) -> Result<(), StoreError> {
        let now = now_micros();
        let finished_at = status.is_terminal().then_some(now);
        self.write(|tx| {
            let changed = tx
                .prepare_cached(
                    "UPDATE runs SET status = ?2, error = ?3, updated_at = ?4, finished_at = ?5 WHERE run_id = ?1",
                )?
                .execute(params![run_id, status.as_str(), error, now, finished_at])?;
            if changed == 0 {
                return Err(StoreError::UnknownRun { run_id: run_id.to_owned(), store: None });
            }
            Ok(())
        })
    }

    /// Marks action `index` [`Running`](ActionStatus::Running): stamps `started_at`, counts an
    /// attempt and clears its previous end, result and error. The run becomes
    /// [`Running`](RunStatus::Running) (clearing its error and `finished_at`, as when a failed
    /// run is resumed).
    ///
    /// # Errors
    ///
    /// [`StoreError::UnknownRun`], [`StoreError::UnknownAction`].
    pub fn start_action(&self, run_id: &str, index: usize) -> Result<(), StoreError> {
        let now = now_micros();
        self.write(|tx| {
            let changed = tx
                .prepare_cached(
                    "UPDATE actions SET status = ?3, attempts = attempts + 1, started_at = ?4, finished_at = NULL,
                     result = NULL, error = NULL WHERE run_id = ?1 AND idx = ?2",
                )?
                .execute(params![run_id, sql_index(index), ActionStatus::Running.as_str(), now])?;
            if changed == 0 {
                return Err(missing_action(tx, run_id, index, None));
            }
            tx.prepare_cached(
                "UPDATE runs SET status = ?2, error = NULL, updated_at = ?3, finished_at = NULL WHERE run_id = ?1",
            )?
            .execute(params![run_id, RunStatus::Running.as_str(), now])?;
            Ok(())
        })
    }

    /// Marks action `index` [`Skipped`](ActionStatus::Skipped): the pipeline decided not to run
    /// it, and a resumed run does not either.
    ///
    /// # Errors
    ///
    /// [`StoreError::UnknownRun`], [`StoreError::UnknownAction`].
    pub fn skip_action(&self, run_id: &str, index: usize) -> Result<(), StoreError> {
        self.end_action(run_id, index, ActionStatus::Skipped, None)
    }

    /// Marks action `index` [`Failed`](ActionStatus::Failed) with `error`. The run's status is
    /// left alone: set it with [`set_run_status`](Self::set_run_status).
    ///
    /// # Errors
    ///
    /// [`StoreError::UnknownRun`], [`StoreError::UnknownAction`].
    pub fn fail_action(&self, run_id: &str, index: usize, error: &str) -> Result<(), StoreError> {
        self.end_action(run_id, index, ActionStatus::Failed, Some(error))
    }

    fn end_action(
        &self,
        run_id: &str,
        index: usize,
        status: ActionStatus,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let now = now_micros();
        self.write(|tx| {
            let changed = tx
                .prepare_cached(
                    "UPDATE actions SET status = ?3, finished_at = ?4, error = ?5 WHERE run_id = ?1 AND idx = ?2",
                )?
                .execute(params![run_id, sql_index(index), status.as_str(), now, error])?;
            if changed == 0 {
                return Err(missing_action(tx, run_id, index, None));
            }
            touch_run(tx, run_id, now)
        })
    }

    /// Records that an action completed, in one transaction that is durable when this returns:
    /// the action becomes [`Completed`](ActionStatus::Completed) with its result and
    /// `finished_at` (the checkpoint's `created_at`), the checkpoint is appended, and the run's
    /// `updated_at` is stamped.
    ///
    /// # Errors
    ///
    /// [`StoreError::UnknownRun`], [`StoreError::UnknownAction`], and
    /// [`StoreError::ActionMismatch`] if the run's action at `action_index` has another name.
    pub fn checkpoint(&self, checkpoint: &Checkpoint) -> Result<(), StoreError> {
        let Checkpoint { run_id, action_index, action_name, params_snapshot, result, created_at } = checkpoint;
        let (params_snapshot, result) = (params_snapshot.to_string(), result.to_string());
        let created_at = to_micros(*created_at);
        let now = now_micros();
        self.write(|tx| {
            let changed = tx
                .prepare_cached(
                    "UPDATE actions SET status = ?4, result = ?5, finished_at = ?6, error = NULL
                     WHERE run_id = ?1 AND idx = ?2 AND name = ?3",
                )?
                .execute(params![
                    run_id,
                    sql_index(*action_index),
                    action_name,
                    ActionStatus::Completed.as_str(),
                    result,
                    created_at
                ])?;
            if changed == 0 {
                return Err(missing_action(tx, run_id, *action_index, Some(action_name)));
            }
            tx.prepare_cached(
                "INSERT INTO checkpoints (run_id, action_index, action_name, params_snapshot, result, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                run_id,
                sql_index(*action_index),
                action_name,
                params_snapshot,
                result,
                created_at
            ])?;
            touch_run(tx, run_id, now)
        })
    }

    /// Deletes the run with its actions, checkpoints and events. `false` if there was no such run.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] only.
    pub fn delete_run(&self, run_id: &str) -> Result<bool, StoreError> {
        self.write(|tx| Ok(tx.prepare_cached("DELETE FROM runs WHERE run_id = ?1")?.execute([run_id])? > 0))
    }
}

/// An index as SQLite stores it. Indexes past `i64::MAX` cannot exist, so they become one that
/// does not.
fn sql_index(index: usize) -> i64 {
    i64::try_from(index).unwrap_or(i64::MAX)
}

/// Stamps the run's `updated_at`.
fn touch_run(conn: &Connection, run_id: &str, now: i64) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE runs SET updated_at = ?2 WHERE run_id = ?1")?.execute(params![run_id, now])?;
    Ok(())
}

/// Why no action row matched `(run_id, index[, name])`: no such run, no such action, or (with a
/// `name`) another name at that index.
fn missing_action(conn: &Connection, run_id: &str, index: usize, name: Option<&str>) -> StoreError {
    let diagnose = || -> Result<StoreError, StoreError> {
        let found = conn
            .prepare_cached("SELECT name FROM actions WHERE run_id = ?1 AND idx = ?2")?
            .query_row(params![run_id, sql_index(index)], |row| row.get::<_, String>(0))
            .optional()?;
        if let (Some(expected), Some(name)) = (found, name) {
            return Ok(StoreError::ActionMismatch {
                run_id: run_id.to_owned(),
                index,
                expected,
                found: name.to_owned(),
                store: None,
            });
        }
        if !run_exists(conn, run_id)? {
            return Ok(StoreError::UnknownRun { run_id: run_id.to_owned(), store: None });
        }
        let actions: i64 = conn
            .prepare_cached("SELECT count(*) FROM actions WHERE run_id = ?1")?
            .query_row([run_id], |row| row.get(0))?;
        Ok(StoreError::UnknownAction {
            run_id: run_id.to_owned(),
            index,
            actions: usize::try_from(actions).unwrap_or(0),
            store: None,
        })
    };
    diagnose().unwrap_or_else(|error| error)
}
