//! What can go wrong talking to a Ray dashboard, and how Ray's plain-text error bodies (often
//! Python tracebacks) become one readable message.
//!
//! Files: this one holds [`RayError`] and how its messages show amounts; `message.rs` reads
//! Ray's error bodies, `classify.rs` turns an error answer or a transport failure into the
//! matching [`RayError`].

mod classify;
mod message;
#[cfg(test)]
mod tracebacks;

pub(crate) use classify::{Call, classify, transport_reason};

use super::types::JobStatus;
use std::time::Duration;

/// A boxed error kept as the cause of a [`RayError`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What to check when a Ray dashboard does not answer, as its error says it.
pub const UNREACHABLE_HINT: &str = "is the cluster up? `ray status` on its head tells; the dashboard listens on port 8265 unless the head was \
     started with another `--dashboard-port`, and on loopback only unless with `--dashboard-host 0.0.0.0`";

/// Why a call to the Ray dashboard failed.
///
/// Every variant says what happened in its message; the fields carry the details for callers
/// that react to a specific case (for example [`RayError::AlreadyExists`] to retry with another
/// submission id).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RayError {
    /// The dashboard address is not a usable URL.
    #[error("invalid Ray dashboard address `{address}`: {reason}")]
    InvalidAddress {
        /// The address as given.
        address: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Nothing answered at the address: the connection was refused, timed out, or broke. Its
    /// message ends with what to check ([`UNREACHABLE_HINT`]).
    #[error("Ray dashboard unreachable at {address}: {reason} ({UNREACHABLE_HINT})")]
    Unreachable {
        /// The dashboard address.
        address: String,
        /// What the connection attempt ran into, e.g. "connection refused".
        reason: String,
        /// The transport error.
        #[source]
        source: Option<BoxError>,
    },
    /// The dashboard requires a token and none was sent (HTTP 401).
    #[error("the Ray dashboard at {address} requires a token ({message}); pass one with `with_token`")]
    Unauthorized {
        /// The dashboard address.
        address: String,
        /// Ray's message.
        message: String,
    },
    /// The dashboard rejected the token that was sent (HTTP 403).
    #[error("the Ray dashboard at {address} rejected the token: {message}")]
    Forbidden {
        /// The dashboard address.
        address: String,
        /// Ray's message.
        message: String,
    },
    /// No job has that submission id (HTTP 404 "Job … does not exist").
    #[error("Ray job `{id}` does not exist")]
    JobNotFound {
        /// The submission id asked for.
        id: String,
    },
    /// A job with that submission id exists already; submission ids are unique per cluster.
    #[error("Ray rejected the job submission: {message}")]
    AlreadyExists {
        /// The submission id.
        id: String,
        /// Ray's message, e.g. "Job with submission_id t1 already exists. Please use a different
        /// submission_id."
        message: String,
    },
    /// Ray refused the job submission.
    #[error("Ray rejected the job submission: {message}")]
    SubmissionRejected {
        /// The HTTP status Ray answered with.
        status: u16,
        /// Ray's message (the last line of its traceback, without the exception name).
        message: String,
    },
    /// The submission id cannot be used: Ray accepts ids it cannot handle (a `/` leaves a job
    /// stuck in PENDING), so ids are limited to `[A-Za-z0-9._:-]` before anything is sent.
    #[error("invalid Ray submission id `{id}`: {reason}")]
    InvalidSubmissionId {
        /// The id as given.
        id: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A resource request is malformed (negative, not a number).
    #[error("invalid resource request: {0}")]
    InvalidResources(String),
    /// No node of the cluster has as much of a resource as the job asks for; Ray would leave
    /// the job PENDING until its start timeout (15 minutes by default), so it is not submitted.
    #[error(
        "no Ray node can satisfy the job's {resource} request: asked for {}, the most any node has is {} ({nodes} alive node{})",
        amount(resource, *requested), amount(resource, *available), plural(*nodes)
    )]
    Infeasible {
        /// The resource: `CPU`, `GPU`, `memory` (bytes) or a custom resource name.
        resource: String,
        /// How much the job asks for.
        requested: f64,
        /// The largest total any alive node has.
        available: f64,
        /// How many alive nodes were considered.
        nodes: usize,
    },
    /// Each resource is available on some node, but no single node has all of them together.
    #[error("no single Ray node has all of {} ({nodes} alive node{})", requested_list(requested), plural(*nodes))]
    NoNodeFits {
        /// What the job asks for.
        requested: Vec<(String, f64)>,
        /// How many alive nodes were considered.
        nodes: usize,
    },
    /// The job is not finished, so it cannot be deleted.
    #[error("Ray job `{id}` is still {status}; only finished jobs can be deleted (stop it first)")]
    JobNotTerminal {
        /// The submission id.
        id: String,
        /// Its status.
        status: JobStatus,
    },
    /// The job did not reach a terminal status in time.
    #[error("Ray job `{id}` is still {status} after {:.1} s", after.as_secs_f64())]
    WaitTimeout {
        /// The submission id.
        id: String,
        /// Its last status.
        status: JobStatus,
        /// How long it was waited for.
        after: Duration,
    },
    /// The package is larger than the dashboard accepts in one upload.
    #[error(
        "package `{name}` is {}, more than the {} a Ray dashboard accepts in one upload; leave files out with \
         .synapseignore, or ship large files another way (a `local://` or remote working_dir)",
        bytes(*size), bytes(*limit)
    )]
    PackageTooLarge {
        /// The package name.
        name: String,
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// The package to upload could not be read back from its file, or no longer matches its
    /// name.
    #[error(transparent)]
    Package(Box<crate::executor::ray::PackageError>),
    /// A package name Ray's package store cannot hold.
    #[error("invalid Ray package name `{name}`: {reason}")]
    InvalidPackageName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The dashboard answered with an error status.
    #[error("the Ray dashboard at {address} answered {method} {path} with HTTP {status}: {message}")]
    Api {
        /// The dashboard address.
        address: String,
        /// The HTTP method.
        method: &'static str,
        /// The path asked for.
        path: String,
        /// The HTTP status.
        status: u16,
        /// Ray's message.
        message: String,
    },
    /// The dashboard answered with something this client does not understand.
    #[error("unexpected answer from the Ray dashboard to {method} {path}: {detail}")]
    UnexpectedResponse {
        /// The HTTP method.
        method: &'static str,
        /// The path asked for.
        path: String,
        /// What was wrong, with the start of the body.
        detail: String,
    },
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn requested_list(requested: &[(String, f64)]) -> String {
    requested.iter().map(|(name, value)| format!("{name} {}", amount(name, *value))).collect::<Vec<_>>().join(", ")
}

/// A resource amount as a person reads it: memory in binary units, counts without a needless
/// fraction.
pub(crate) fn amount(resource: &str, value: f64) -> String {
    if resource == "memory" || resource == "object_store_memory" {
        return bytes(value.max(0.0) as u64);
    }
    if value.fract() == 0.0 && value.abs() < 1e15 { format!("{value:.0}") } else { format!("{value}") }
}

/// A byte count in binary units: `512 B`, `1.5 KiB`, `100 MiB`, `22.9 GiB`.
pub(crate) fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 || value.fract() == 0.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// The limit of one upload to the dashboard (aiohttp's `client_max_size` in Ray's dashboard).
pub const MAX_UPLOAD_BYTES: u64 = 100 * 1024 * 1024;

impl RayError {
    /// Whether the error means the dashboard could not be reached at all.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, RayError::Unreachable { .. })
    }

    /// Whether the error is about a job that does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, RayError::JobNotFound { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_naturally() {
        assert_eq!(amount("GPU", 64.0), "64");
        assert_eq!(amount("CPU", 0.5), "0.5");
        assert_eq!(amount("memory", 1024.0 * 1024.0 * 1024.0 * 1024.0), "1 TiB");
        assert_eq!(amount("memory", 24_601_742_848.0), "22.9 GiB");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
    }
}
