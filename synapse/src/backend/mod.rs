//! The Synapse backend (API v1), as plugins talk to it: [`BackendClient`], configured from the
//! variables a plugin run receives ([`BackendConfig`]), with typed errors ([`BackendError`]),
//! retries where they cannot apply a request twice ([`RetryPolicy`]), paged listings that follow
//! `next` ([`BackendClient::list`]), jobs ([`Job`], [`JobUpdate`]) and log entries
//! ([`LogEntry`]). Wire formats, headers and pagination follow the Python `synapse_sdk`'s v1
//! client (`clients/backend`, `utils/auth.py`).
//!
//! Needs the `backend` feature.
//!
//! | file | holds |
//! |---|---|
//! | `config.rs` | [`BackendConfig`] (the environment's variables, the SDK's headers), [`Secret`] |
//! | `client.rs` | [`BackendClient`]: requests, `?url_host=`, retries ([`RetryPolicy`]) |
//! | `error.rs` | [`BackendError`], and reading the server's own message |
//! | `page.rs` | [`Page`] and [`BackendClient::list`] |
//! | `jobs.rs` | [`Job`], [`JobStatus`], [`JobUpdate`] and the job calls |
//! | `logs.rs` | [`LogEntry`] and `POST logs/` |
//! | `job_sink/` | [`JobSink`]: the job contract, a run reporting itself to its job (`record.rs`: what its events become there; `queue.rs`: the entries waiting, bounded by memory; `deliver.rs`: the sink's thread) |

mod client;
mod config;
mod error;
mod job_sink;
mod jobs;
mod logs;
mod page;

pub use client::{BackendClient, RetryPolicy};
pub use config::{ACCESS_TOKEN_VAR, BackendConfig, HOST_VAR, Secret, TENANT_VAR, URL_HOST_VAR, USER_TOKEN_VAR};
pub use error::BackendError;
pub use job_sink::{JobLoss, JobSink, JobSinkLimits};
pub use jobs::{Job, JobId, JobStatus, JobUpdate};
pub use logs::LogEntry;
pub use page::{PAGE_SIZE, Page};
