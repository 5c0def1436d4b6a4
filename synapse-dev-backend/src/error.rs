//! What can stop the dev backend from starting.

use std::net::SocketAddr;

/// Why the dev backend did not start, or did not stop cleanly.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No token was configured: the backend does not run without one.
    #[error("no token is configured: the dev backend requires one (`token`, `--token`)")]
    MissingToken,
    /// The bind address is not an `IP:port` address.
    #[error("`{0}` is not an address to bind (IP:port, e.g. 127.0.0.1:0)")]
    InvalidBind(String),
    /// The bind address is not a loopback address: the dev backend serves this machine only.
    #[error("{0} is not a loopback address: the dev backend listens on this machine only (127.0.0.1, ::1)")]
    NotLoopback(SocketAddr),
    /// The address could not be bound.
    #[error("binding {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The state could not be opened.
    #[error("{0}")]
    Store(String),
    /// A fixture file cannot be read, or a field of it does not fit (named by its JSON path,
    /// e.g. `gt_datasets[0].splits.valid`; `.` for the whole file).
    #[error("fixture {}: at `{path}`: {reason}", file.display())]
    Fixture {
        /// The fixture file.
        file: std::path::PathBuf,
        /// The JSON path of the field.
        path: String,
        /// Why it does not fit.
        reason: String,
    },
    /// The server failed while serving.
    #[error("serving: {0}")]
    Serve(std::io::Error),
}
