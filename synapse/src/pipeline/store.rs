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
//! Those guarantees hold on one machine's own disk: the WAL journal shares memory between the
//! processes of one host, and network file systems do not keep SQLite's locks reliably. So a
//! store on NFS, SMB or another network file system is refused when it is opened
//! ([`StoreError::NetworkFileSystem`]), rather than losing a checkpoint or running an action
//! twice later.
//!
//! Two processes never drive one run at once: a process claims the run first
//! ([`RunStore::claim_run`]), renews the claim as it goes, and releases it when it stops; a
//! claim whose holder died is taken over (see the claims methods).

mod claims;
mod error;
mod events;
mod lifecycle;
mod local_disk;
mod queries;
mod records;
mod rows;
mod schema;
mod timestamp;

#[cfg(test)]
mod tests;

pub use error::StoreError;
pub use records::{ActionRecord, ActionStatus, Checkpoint, NewRun, RunClaim, RunRecord, RunStatus, RunSummary};

use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

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
    /// database, or its schema is newer than this build knows;
    /// [`StoreError::NetworkFileSystem`] if the directory is on NFS, SMB or another network
    /// file system (on Linux, where `statfs(2)` tells), where SQLite cannot keep its guarantees.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        let open_error =
            |source: Box<dyn std::error::Error + Send + Sync>| StoreError::Open { path: path.to_path_buf(), source };
        let dir = path.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)
            .map_err(|error| open_error(format!("cannot create the directory `{}`: {error}", dir.display()).into()))?;
        if let Some(file_system) = local_disk::network_file_system(dir) {
            return Err(StoreError::NetworkFileSystem { path: path.to_path_buf(), file_system });
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

fn run_exists(conn: &Connection, run_id: &str) -> Result<bool, StoreError> {
    Ok(conn.prepare_cached("SELECT 1 FROM runs WHERE run_id = ?1")?.exists([run_id])?)
}
