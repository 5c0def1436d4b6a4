//! The dev backend's state, in SQLite: a file under the data directory (state survives a restart
//! with the same directory) or memory (tests).
//!
//! One connection, behind a mutex, used from tokio's blocking threads: each call of
//! [`Store::run`] is one unit of work, a transaction where it writes. Everything `/_dev/state`
//! shows is here, except the fault table (test configuration, kept in memory by
//! [`crate::faults`]) and what arrived since the last write of the request counters
//! ([`requests`], counted in memory).

pub(crate) mod annotation;
pub(crate) mod assignments;
pub(crate) mod data;
pub(crate) mod event_pages;
pub(crate) mod ground_truth;
pub(crate) mod jobs;
pub(crate) mod logs;
pub(crate) mod models;
pub(crate) mod plugins;
pub(crate) mod project_collections;
pub(crate) mod requests;
pub(crate) mod storage_sessions;
pub(crate) mod uploads;

use crate::drf::ApiError;
use rusqlite::Connection;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

/// The file of the state under the data directory.
pub(crate) const FILE_NAME: &str = "dev-backend.sqlite3";

/// How many prepared statements the connection keeps.
const STATEMENT_CACHE: usize = 128;

/// The layout this build reads and writes; a file with another refuses to open.
const SCHEMA_VERSION: i64 = 2;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    status TEXT NOT NULL,
    progress_record TEXT NOT NULL,
    metrics_record TEXT NOT NULL,
    console_logs TEXT NOT NULL,
    result TEXT NOT NULL,
    meta TEXT NOT NULL,
    created TEXT NOT NULL,
    modified TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS job_patches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job INTEGER NOT NULL REFERENCES jobs (id),
    body TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS job_patches_by_job ON job_patches (job, id);
CREATE TABLE IF NOT EXISTS logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job INTEGER NOT NULL REFERENCES jobs (id),
    event TEXT NOT NULL,
    data TEXT NOT NULL,
    datetime TEXT NOT NULL,
    file TEXT,
    step TEXT,
    level TEXT
);
CREATE INDEX IF NOT EXISTS logs_by_job ON logs (job, id);
CREATE TABLE IF NOT EXISTS request_counts (
    route TEXT NOT NULL,
    matched INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (route, matched)
);
CREATE TABLE IF NOT EXISTS auth_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    route TEXT NOT NULL,
    path TEXT NOT NULL,
    variant TEXT,
    token TEXT,
    tenant TEXT,
    tenant_variant TEXT,
    url_host TEXT,
    accepted INTEGER NOT NULL
);
";

/// Where the state lives.
#[derive(Clone, Debug)]
pub(crate) enum Location {
    /// `<dir>/dev-backend.sqlite3`; the directory is created when missing.
    Dir(PathBuf),
    /// Memory: gone with the server.
    Memory,
}

/// What the store failed at, and why: the `detail` of a 500.
#[derive(Debug)]
pub(crate) struct StoreError {
    what: String,
    cause: String,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.what, self.cause)
    }
}

impl std::error::Error for StoreError {}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        ApiError::Internal(error.to_string())
    }
}

/// Names what a fallible step of the store was doing, for its error.
pub(crate) trait Context<T> {
    /// The error of `self`, if any, as a [`StoreError`] saying `what` failed.
    fn what(self, what: &str) -> Result<T, StoreError>;
}

impl<T, E: fmt::Display> Context<T> for Result<T, E> {
    fn what(self, what: &str) -> Result<T, StoreError> {
        self.map_err(|error| StoreError { what: what.to_owned(), cause: error.to_string() })
    }
}

/// The state's connection, shared by the server's handlers.
#[derive(Clone)]
pub(crate) struct Store {
    connection: Arc<Mutex<Connection>>,
    /// Whether this open created the state (there were no tables yet).
    created: bool,
    /// The request counters and credentials records, written to SQLite by
    /// [`Store::flush_requests`].
    requests: Arc<requests::Requests>,
    /// Where the pages of the ground-truth event listings start.
    event_pages: Arc<event_pages::EventPages>,
}

impl Store {
    /// Opens (creating if needed) the state at `location`.
    pub(crate) fn open(location: &Location) -> Result<Self, StoreError> {
        let connection = match location {
            Location::Dir(dir) => {
                std::fs::create_dir_all(dir).what(&format!("creating the data directory {}", dir.display()))?;
                let path = dir.join(FILE_NAME);
                let connection = Connection::open(&path).what(&format!("opening {}", path.display()))?;
                connection
                    .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
                    .what("setting up the SQLite journal")?;
                connection
            }
            Location::Memory => Connection::open_in_memory().what("opening an in-memory SQLite database")?,
        };
        connection.busy_timeout(std::time::Duration::from_secs(5)).what("setting the SQLite busy timeout")?;
        // Room for every hot statement of the routes (`prepare_cached`), so that none is parsed
        // again because others pushed it out (the default keeps 16).
        connection.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        connection.execute_batch("PRAGMA foreign_keys = ON;").what("enabling SQLite foreign keys")?;
        let created = migrate(&connection, location_path(location).as_deref())?;
        let requests = Arc::new(requests::load(&connection)?);
        let event_pages = Arc::default();
        Ok(Self { connection: Arc::new(Mutex::new(connection)), created, requests, event_pages })
    }

    /// The request counters and credentials records.
    pub(crate) fn requests(&self) -> &requests::Requests {
        &self.requests
    }

    /// Where the pages of the ground-truth event listings start.
    pub(crate) fn event_pages(&self) -> Arc<event_pages::EventPages> {
        self.event_pages.clone()
    }

    /// Writes the requests counted since the last flush to SQLite ([`requests::flush`]).
    pub(crate) async fn flush_requests(&self) -> Result<(), StoreError> {
        let requests = self.requests.clone();
        self.run(move |connection| requests::flush(connection, &requests)).await
    }

    /// Whether opening it created the state: in memory always, on a data directory the first
    /// time.
    pub(crate) fn created(&self) -> bool {
        self.created
    }

    /// Runs `work` with the connection, on a blocking thread.
    pub(crate) async fn run<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.run_here(work)).await.what("running a store task")?
    }

    /// Runs `work` with the connection on the calling thread, which may block on it: for work
    /// already on one of tokio's blocking threads (a route's file write and its row in one hop).
    pub(crate) fn run_here<T>(&self, work: impl FnOnce(&mut Connection) -> T) -> T {
        // A panic elsewhere while holding the lock left no transaction open (they roll back when
        // dropped), so the connection is still sound.
        let mut connection = self.connection.lock().unwrap_or_else(PoisonError::into_inner);
        work(&mut connection)
    }
}

fn location_path(location: &Location) -> Option<PathBuf> {
    match location {
        Location::Dir(dir) => Some(dir.join(FILE_NAME)),
        Location::Memory => None,
    }
}

/// Creates the tables of a new state (true when it was new); refuses a state of another layout.
fn migrate(connection: &Connection, path: Option<&Path>) -> Result<bool, StoreError> {
    let version: i64 =
        connection.query_row("PRAGMA user_version", [], |row| row.get(0)).what("reading the state's version")?;
    let tables: i64 = connection
        .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table'", [], |row| row.get(0))
        .what("reading the state's tables")?;
    if tables > 0 && version != SCHEMA_VERSION {
        let file = path.map(|path| path.display().to_string()).unwrap_or_default();
        return Err(StoreError {
            what: format!("opening the state {file}"),
            cause: format!("it has layout version {version}; this build reads version {SCHEMA_VERSION}"),
        });
    }
    connection.execute_batch(SCHEMA).what("creating the state's tables")?;
    connection.execute_batch(data::SCHEMA).what("creating the data tables")?;
    connection.execute_batch(data::presigned::BUCKET_SCHEMA).what("creating the presigned bucket table")?;
    connection.execute_batch(ground_truth::SCHEMA).what("creating the ground-truth tables")?;
    connection.execute_batch(annotation::SCHEMA).what("creating the annotation tables")?;
    connection.execute_batch(plugins::SCHEMA).what("creating the plugin tables")?;
    connection.execute_batch(uploads::SCHEMA).what("creating the chunked upload table")?;
    connection.execute_batch(models::SCHEMA).what("creating the model table")?;
    connection.execute_batch(storage_sessions::SCHEMA).what("creating the storage session table")?;
    connection.execute_batch(project_collections::SCHEMA).what("creating the project collection table")?;
    connection.execute_batch(assignments::SCHEMA).what("creating the assignment table")?;
    connection.pragma_update(None, "user_version", SCHEMA_VERSION).what("writing the state's version")?;
    Ok(tables == 0)
}

/// A JSON column's text.
pub(crate) fn to_column(value: &serde_json::Value) -> String {
    value.to_string()
}

/// A JSON column's value.
pub(crate) fn from_column(text: &str, what: &str) -> Result<serde_json::Value, StoreError> {
    serde_json::from_str(text).what(what)
}

/// A count or offset as SQLite's integers hold it (`u64::MAX`, "all", becomes `i64::MAX`).
pub(crate) fn clamp(count: u64) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

/// Every row of `table` by id, each read by `read` (`None` skips it); `what` names the listing
/// in errors (e.g. "listing the projects").
pub(crate) fn each_by_id<T>(
    connection: &Connection,
    table: &str,
    what: &str,
    mut read: impl FnMut(i64) -> Result<Option<T>, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let ids: Vec<i64> = connection
        .prepare_cached(&format!("SELECT id FROM {table} ORDER BY id"))
        .and_then(|mut statement| statement.query_map([], |row| row.get(0))?.collect())
        .what(what)?;
    ids.into_iter().filter_map(|id| read(id).transpose()).collect()
}
