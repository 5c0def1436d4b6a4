//! The run store's errors.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Why a run store operation failed. Every message names the store (its path, or "in-memory").
///
/// The `store` fields are `None` for an in-memory store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store could not be opened: its directory could not be created, the file is not an
    /// SQLite database, or its schema is newer than this build knows.
    #[error("run store `{}`: cannot open: {source}", path.display())]
    Open {
        /// The path given to [`RunStore::open`](super::RunStore::open).
        path: PathBuf,
        /// The cause.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The store's directory is on a network file system (NFS, SMB/CIFS, Ceph, Lustre, …),
    /// where SQLite's locks are unreliable and its WAL journal does not work at all (it shares
    /// memory between the processes of one host): runs could be driven twice, checkpoints lost.
    /// SQLite's own documentation says so (<https://www.sqlite.org/wal.html>,
    /// <https://www.sqlite.org/faq.html#q5>).
    #[error(
        "run store `{}`: it is on a network file system ({file_system}), where SQLite's locks are \
         unreliable and its WAL journal does not work; give a path on this machine's own disk",
        path.display()
    )]
    NetworkFileSystem {
        /// The path given to [`RunStore::open`](super::RunStore::open).
        path: PathBuf,
        /// The file system's kind, e.g. `nfs`.
        file_system: &'static str,
    },
    /// SQLite failed (a full disk, a lock held longer than the busy timeout, …).
    #[error("{}: {source}", name(store))]
    Sqlite {
        /// The store's path.
        store: Option<PathBuf>,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// [`create_run`](super::RunStore::create_run) with an id that is already taken.
    #[error("run `{run_id}` already exists in the {}", name(store))]
    RunExists {
        /// The id.
        run_id: String,
        /// The store's path.
        store: Option<PathBuf>,
    },
    /// No run has this id.
    #[error("no run `{run_id}` in the {}", name(store))]
    UnknownRun {
        /// The id.
        run_id: String,
        /// The store's path.
        store: Option<PathBuf>,
    },
    /// The run has no action at this index.
    #[error("run `{run_id}` has no action #{index} (it has {actions}) in the {}", name(store))]
    UnknownAction {
        /// The run's id.
        run_id: String,
        /// The index asked for.
        index: usize,
        /// How many actions the run has.
        actions: usize,
        /// The store's path.
        store: Option<PathBuf>,
    },
    /// A checkpoint names a different action than the run has at its index.
    #[error(
        "checkpoint of run `{run_id}` names action #{index} `{found}`, but that action is `{expected}` in the {}",
        name(store)
    )]
    ActionMismatch {
        /// The run's id.
        run_id: String,
        /// The action's index.
        index: usize,
        /// The action's name in the store.
        expected: String,
        /// The name in the checkpoint.
        found: String,
        /// The store's path.
        store: Option<PathBuf>,
    },
    /// Another process drives the run: its claim is alive (see
    /// [`RunStore::claim_run`](super::RunStore::claim_run)).
    #[error(
        "run `{run_id}` is being run by `{owner}` (last heartbeat {} ago) in the {}; \
         it can be resumed once that process ends",
        humantime::format_duration(Duration::from_secs(heartbeat_age.as_secs())),
        name(store)
    )]
    RunClaimed {
        /// The run.
        run_id: String,
        /// Who holds it: `host:pid`.
        owner: String,
        /// How long ago the holder last renewed its claim.
        heartbeat_age: Duration,
        /// The store's path.
        store: Option<PathBuf>,
    },
    /// A row holds something this build cannot read: invalid JSON, an unknown status, an
    /// out-of-range number.
    #[error("the {} is corrupt: {what}", name(store))]
    Corrupt {
        /// What is wrong, and where (run, action, column).
        what: String,
        /// The store's path.
        store: Option<PathBuf>,
    },
}

impl From<rusqlite::Error> for StoreError {
    fn from(source: rusqlite::Error) -> Self {
        Self::Sqlite { store: None, source }
    }
}

impl StoreError {
    /// A corrupt-row error (the store is filled in by [`located`](Self::located)).
    pub(super) fn corrupt(what: impl Into<String>) -> Self {
        Self::Corrupt { what: what.into(), store: None }
    }

    /// Sets the store of an error built without one.
    pub(super) fn located(mut self, path: Option<&Path>) -> Self {
        match &mut self {
            Self::Open { .. } | Self::NetworkFileSystem { .. } => {}
            Self::Sqlite { store, .. }
            | Self::RunExists { store, .. }
            | Self::UnknownRun { store, .. }
            | Self::UnknownAction { store, .. }
            | Self::ActionMismatch { store, .. }
            | Self::RunClaimed { store, .. }
            | Self::Corrupt { store, .. } => {
                if store.is_none() {
                    *store = path.map(Path::to_path_buf);
                }
            }
        }
        self
    }
}

/// "run store `path`", or "in-memory run store".
fn name(store: &Option<PathBuf>) -> String {
    match store {
        Some(path) => format!("run store `{}`", path.display()),
        None => "in-memory run store".to_owned(),
    }
}
