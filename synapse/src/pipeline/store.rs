//! The run store: every pipeline run, its actions, checkpoints and events, in an embedded SQLite
//! database, so that a run killed at any point (even by `SIGKILL` or a power loss) can be resumed
//! from its last checkpoint, skipping the actions that completed.
//!
//! The store is a file, `.synapse/runs.db` under the working directory by default
//! ([`RunStore::DEFAULT_PATH`]; the `SYNAPSE_RUN_STORE` environment variable names another), or
//! an in-memory database for tests ([`RunStore::in_memory`]).
//!
//! ```
//! use synapse::pipeline::store::{ActionStatus, Checkpoint, NewRun, RunStatus, RunStore};
//! use serde_json::json;
//! use std::time::SystemTime;
//!
//! let store = RunStore::in_memory()?;
//! store.create_run(&NewRun {
//!     run_id: "run-1".into(),
//!     pipeline: "train".into(),
//!     fingerprint: "3f2a".into(),
//!     actions: vec!["download".into(), "convert".into(), "train".into()],
//!     params: json!({"dataset": "coco"}),
//! })?;
//!
//! // Each action: start it, run it, checkpoint its result (one durable transaction).
//! store.start_action("run-1", 0)?;
//! store.checkpoint(&Checkpoint {
//!     run_id: "run-1".into(),
//!     action_index: 0,
//!     action_name: "download".into(),
//!     params_snapshot: json!({"dataset": "coco", "path": "/data/coco"}),
//!     result: json!({"path": "/data/coco"}),
//!     created_at: SystemTime::now(),
//! })?;
//!
//! // After a crash: where to resume, and with which params.
//! let run = store.run("run-1")?.expect("the run exists");
//! assert_eq!(run.status, RunStatus::Running);
//! assert_eq!(run.actions[0].status, ActionStatus::Completed);
//! assert_eq!(run.next_action(), Some(1));
//! let checkpoint = store.latest_checkpoint("run-1")?.expect("one checkpoint");
//! assert_eq!(checkpoint.params_snapshot["path"], "/data/coco");
//! # Ok::<(), synapse::pipeline::store::StoreError>(())
//! ```
//!
//! # Schema
//!
//! Four tables; timestamps are integer microseconds since the Unix epoch, JSON values are stored
//! as text, statuses as their lowercase names ([`RunStatus::as_str`], [`ActionStatus::as_str`]).
//!
//! | table | key | columns |
//! |---|---|---|
//! | `runs` | `run_id` | `pipeline`, `fingerprint`, `status`, `params` (the initial params, JSON), `error`, `created_at`, `updated_at`, `finished_at` (set when the status is terminal), `owner` and `heartbeat_at` (the claim of the process driving it) |
//! | `actions` | `(run_id, idx)` | `name`, `status`, `attempts`, `started_at`, `finished_at`, `result` (JSON), `error` |
//! | `checkpoints` | `id` (insertion order) | `run_id`, `action_index`, `action_name`, `params_snapshot` (JSON), `result` (JSON), `created_at` |
//! | `events` | `id` (insertion order) | `run_id`, `seq`, `event` (the event, JSON) |
//!
//! `actions`, `checkpoints` and `events` reference `runs` with `ON DELETE CASCADE`: deleting a
//! run deletes everything of it. `runs` is indexed by `created_at` and by
//! `(pipeline, created_at)` for the newest-first listing; the other tables by `(run_id, id)`.
//! The schema version is SQLite's `PRAGMA user_version`; opening a store applies the migrations
//! it lacks in one transaction, and refuses a store written by a newer version.
//!
//! # Durability and concurrency
//!
//! A file store uses the WAL journal with `synchronous = FULL`: every write method commits one
//! transaction and fsyncs the log before it returns, so what it wrote survives a killed process
//! and a power loss. Other processes may use the same file; a writer waits up to 5 s for
//! another's lock. Within a process a [`RunStore`] is `Send + Sync`: its methods take `&self`
//! and share one connection behind a mutex.
//!
//! Two processes never drive one run at once: a process claims the run first
//! ([`RunStore::claim_run`]), renews the claim as it goes, and releases it when it stops; a
//! claim whose holder died is taken over (see the claims methods).

mod claims;
mod error;
mod records;
mod rows;
mod schema;
mod timestamp;

#[cfg(test)]
mod tests;

pub use error::StoreError;
pub use records::{ActionRecord, ActionStatus, Checkpoint, NewRun, RunClaim, RunRecord, RunStatus, RunSummary};

use rows::{RawAction, RawRun, RawSummary, decode_index, decode_json, decode_time};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use timestamp::{now_micros, to_micros};

/// The embedded store of pipeline runs (see the [module docs](self)).
pub struct RunStore {
    conn: Mutex<Connection>,
    path: Option<PathBuf>,
}

impl std::fmt::Debug for RunStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunStore").field("path", &self.path).finish_non_exhaustive()
    }
}

impl RunStore {
    /// Where [`open_default`](Self::open_default) opens the store, relative to the current
    /// directory, unless `SYNAPSE_RUN_STORE` says otherwise.
    pub const DEFAULT_PATH: &str = ".synapse/runs.db";

    /// The environment variable that overrides [`DEFAULT_PATH`](Self::DEFAULT_PATH).
    pub const PATH_VAR: &str = "SYNAPSE_RUN_STORE";

    /// Opens the store at `path`, creating the file and its parent directories if need be, and
    /// brings its schema up to date.
    ///
    /// ```
    /// use synapse::pipeline::store::RunStore;
    ///
    /// let dir = std::env::temp_dir().join(format!("synapse-store-doc-{}", std::process::id()));
    /// let store = RunStore::open(dir.join("nested/runs.db"))?;
    /// assert_eq!(store.path(), Some(dir.join("nested/runs.db").as_path()));
    /// # drop(store);
    /// # std::fs::remove_dir_all(&dir).ok();
    /// # Ok::<(), synapse::pipeline::store::StoreError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`StoreError::Open`] if the directory cannot be created, the file is not an SQLite
    /// database, or its schema is newer than this build knows.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        let open_error =
            |source: Box<dyn std::error::Error + Send + Sync>| StoreError::Open { path: path.to_path_buf(), source };
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|error| {
                open_error(format!("cannot create the directory `{}`: {error}", dir.display()).into())
            })?;
        }
        let mut conn = Connection::open(path).map_err(|error| open_error(error.into()))?;
        schema::setup(&mut conn, true).map_err(|error| open_error(error.into()))?;
        Ok(Self { conn: Mutex::new(conn), path: Some(path.to_path_buf()) })
    }

    /// Opens the store at [`default_path`](Self::default_path).
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open).
    pub fn open_default() -> Result<Self, StoreError> {
        Self::open(Self::default_path())
    }

    /// The path of the default store: `$SYNAPSE_RUN_STORE` if set and not empty, else
    /// [`DEFAULT_PATH`](Self::DEFAULT_PATH) (relative to the current directory).
    pub fn default_path() -> PathBuf {
        match std::env::var_os(Self::PATH_VAR) {
            Some(path) if !path.is_empty() => PathBuf::from(path),
            _ => PathBuf::from(Self::DEFAULT_PATH),
        }
    }

    /// A store in memory, gone when dropped: for tests and dry runs.
    ///
    /// # Errors
    ///
    /// [`StoreError::Open`] (with the path `:memory:`) if SQLite cannot allocate it.
    pub fn in_memory() -> Result<Self, StoreError> {
        let open_error = |source| StoreError::Open { path: PathBuf::from(":memory:"), source };
        let mut conn = Connection::open_in_memory().map_err(|error| open_error(error.into()))?;
        schema::setup(&mut conn, false).map_err(|error| open_error(error.into()))?;
        Ok(Self { conn: Mutex::new(conn), path: None })
    }

    /// The store's file, or `None` for an in-memory store.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

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

    /// Deletes the run with its actions, checkpoints and events. `false` if there was no such run.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] only.
    pub fn delete_run(&self, run_id: &str) -> Result<bool, StoreError> {
        self.write(|tx| Ok(tx.prepare_cached("DELETE FROM runs WHERE run_id = ?1")?.execute([run_id])? > 0))
    }

    /// Runs `f` in a write transaction (taking the database's write lock at once, so it cannot
    /// deadlock with another writer) and commits it if `f` succeeds.
    fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>) -> Result<T, StoreError> {
        self.with_conn(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let value = f(&tx)?;
            tx.commit()?;
            Ok(value)
        })
    }

    /// Runs `f` in a read transaction: one consistent snapshot.
    fn read<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>) -> Result<T, StoreError> {
        self.with_conn(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
            f(&tx)
        })
    }

    fn with_conn<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        // A panic while the lock was held cannot have left a transaction open: dropping the
        // `Transaction` rolled it back.
        let mut conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut conn).map_err(|error| error.located(self.path()))
    }
}

/// An index as SQLite stores it. Indexes past `i64::MAX` cannot exist, so they become one that
/// does not.
fn sql_index(index: usize) -> i64 {
    i64::try_from(index).unwrap_or(i64::MAX)
}

fn run_exists(conn: &Connection, run_id: &str) -> Result<bool, StoreError> {
    Ok(conn.prepare_cached("SELECT 1 FROM runs WHERE run_id = ?1")?.exists([run_id])?)
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
