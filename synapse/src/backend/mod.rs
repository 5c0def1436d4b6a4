//! The Synapse backend (API v1), as plugins talk to it: [`BackendClient`], configured from the
//! variables a plugin run receives ([`BackendConfig`]), with typed errors ([`BackendError`]),
//! retries where they cannot apply a request twice ([`RetryPolicy`]), paged listings that follow
//! `next` ([`BackendClient::list`]), jobs ([`Job`], [`JobUpdate`]), log entries
//! ([`LogEntry`]), chunked uploads ([`BackendClient::chunked_upload`]) and models ([`Model`]). Wire formats, headers and pagination follow the Python `synapse_sdk`'s v1
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
//! | `upload/` | [`BackendClient::chunked_upload`]: chunks, the MD5 finalize, the lost-finalize recheck; [`TransferError`] |
//! | `models.rs` | [`Model`], [`ModelCreate`], creating one from a file, downloading its file |
//! | `job_sink/` | [`JobSink`]: the job contract, a run reporting itself to its job (`record.rs`: what its events become there) |

mod client;
mod config;
mod error;
mod job_sink;
mod jobs;
mod logs;
mod models;
mod page;
mod upload;

pub use client::{BackendClient, RetryPolicy};
pub use config::{ACCESS_TOKEN_VAR, BackendConfig, HOST_VAR, Secret, TENANT_VAR, URL_HOST_VAR, USER_TOKEN_VAR};
pub use error::BackendError;
pub use job_sink::{JobLoss, JobSink, JobSinkLimits};
pub use jobs::{Job, JobId, JobStatus, JobUpdate};
pub use logs::LogEntry;
pub use models::{Model, ModelCreate};
pub use page::{PAGE_SIZE, Page};
pub use upload::{
    ChunkedUpload, ChunkedUploadOptions, DEFAULT_CHUNK_SIZE, Progress, RecheckPolicy, TransferError, UploadId,
};
