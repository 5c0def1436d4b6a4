//! The schema, its migrations (numbered by `PRAGMA user_version`) and the connection settings.

use rusqlite::{Connection, TransactionBehavior};
use std::time::Duration;

/// The migrations, in order: migration `i` takes the schema from version `i` to `i + 1`. Append
/// new ones; never edit a published one.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: runs, their actions, checkpoints and events.
    "CREATE TABLE runs (
        run_id      TEXT PRIMARY KEY NOT NULL,
        pipeline    TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        status      TEXT NOT NULL,
        params      TEXT NOT NULL,
        error       TEXT,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL,
        finished_at INTEGER
    );
    CREATE INDEX runs_by_created ON runs (created_at);
    CREATE INDEX runs_by_pipeline ON runs (pipeline, created_at);

    CREATE TABLE actions (
        run_id      TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
        idx         INTEGER NOT NULL,
        name        TEXT NOT NULL,
        status      TEXT NOT NULL,
        attempts    INTEGER NOT NULL DEFAULT 0,
        started_at  INTEGER,
        finished_at INTEGER,
        result      TEXT,
        error       TEXT,
        PRIMARY KEY (run_id, idx)
    ) WITHOUT ROWID;

    CREATE TABLE checkpoints (
        id              INTEGER PRIMARY KEY,
        run_id          TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
        action_index    INTEGER NOT NULL,
        action_name     TEXT NOT NULL,
        params_snapshot TEXT NOT NULL,
        result          TEXT NOT NULL,
        created_at      INTEGER NOT NULL
    );
    CREATE INDEX checkpoints_by_run ON checkpoints (run_id, id);

    CREATE TABLE events (
        id     INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
        seq    INTEGER NOT NULL,
        event  TEXT NOT NULL
    );
    CREATE INDEX events_by_run ON events (run_id, id);",
    // 2: which process drives a run (`host:pid`), and when it last said so.
    "ALTER TABLE runs ADD COLUMN owner TEXT;
    ALTER TABLE runs ADD COLUMN heartbeat_at INTEGER;",
];

/// The schema version this build writes.
const VERSION: usize = MIGRATIONS.len();

/// How long a statement waits for another connection's lock before failing with `SQLITE_BUSY`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a store could not be set up.
pub(super) enum SetupError {
    Sqlite(rusqlite::Error),
    /// The file's schema version is newer than [`VERSION`].
    Newer(i64),
}

impl From<rusqlite::Error> for SetupError {
    fn from(error: rusqlite::Error) -> Self {
        Self::Sqlite(error)
    }
}

impl From<SetupError> for Box<dyn std::error::Error + Send + Sync> {
    fn from(error: SetupError) -> Self {
        match error {
            SetupError::Sqlite(error) => Box::new(error),
            SetupError::Newer(found) => format!(
                "its schema version is {found}, but this build of synapse knows versions up to {VERSION}: \
                 a newer synapse wrote it"
            )
            .into(),
        }
    }
}

/// Configures a fresh connection and brings its schema up to date. `file` is whether it is a
/// file (WAL journal) rather than an in-memory database.
pub(super) fn setup(conn: &mut Connection, file: bool) -> Result<(), SetupError> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    if file {
        // WAL: a commit appends to the log (one sequential write and one fsync) and readers never
        // block the writer. The mode is persistent; setting it again is a no-op.
        let _mode: String = conn.pragma_update_and_check(None, "journal_mode", "wal", |row| row.get(0))?;
    }
    // FULL: the WAL is fsynced on every commit, so a committed checkpoint survives a power loss,
    // not only a killed process.
    conn.pragma_update(None, "synchronous", "full")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    // Every statement the store runs stays prepared.
    conn.set_prepared_statement_cache_capacity(64);
    migrate(conn)
}

/// Applies the migrations the file lacks, all in one transaction.
fn migrate(conn: &mut Connection) -> Result<(), SetupError> {
    let version = |conn: &Connection| conn.pragma_query_value(None, "user_version", |row| row.get::<_, i64>(0));
    let expected = i64::try_from(VERSION).unwrap_or(i64::MAX);
    if version(conn)? == expected {
        return Ok(());
    }
    // Another process may be migrating the same file: take the write lock, then look again.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found = version(&tx)?;
    if found > expected {
        return Err(SetupError::Newer(found));
    }
    let done = usize::try_from(found).unwrap_or(0);
    for migration in &MIGRATIONS[done..] {
        tx.execute_batch(migration)?;
    }
    tx.pragma_update(None, "user_version", expected)?;
    tx.commit()?;
    Ok(())
}
