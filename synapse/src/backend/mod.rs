//! The Synapse backend (API v1), as plugins talk to it: [`BackendClient`], configured from the
//! variables a plugin run receives ([`BackendConfig`]), with typed errors ([`BackendError`]),
//! retries where they cannot apply a request twice ([`RetryPolicy`]), paged listings that follow
//! `next` ([`BackendClient::list`]), jobs ([`Job`], [`JobUpdate`]), log entries
//! ([`LogEntry`]), ground truth ([`GroundTruthEvent`]), projects and tasks ([`Project`],
//! [`Task`]), plugin releases and runs ([`PluginRelease`], [`PluginRun`]), serve applications
//! ([`ServeApplication`]) and downloads ([`BackendClient::download`]). Wire formats, headers and pagination follow the Python `synapse_sdk`'s v1
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
//! | `ground_truth.rs` | [`GroundTruthEvent`], [`EventFile`], [`Split`], [`FileType`], [`GroundTruthDatasetVersion`] and the ground-truth calls |
//! | `annotation.rs` | [`Project`] (its classes: [`ProjectClass`]), [`Task`] ([`DataUnit`], [`TaskFile`]), [`AnnotationSchema`] and the project and task calls |
//! | `plugins.rs` | [`PluginRelease`] ([`Plugin`], [`PluginRef`]), [`PluginRun`] and the plugin calls |
//! | `serve.rs` | [`ServeApplication`], [`NewServeApplication`] and the serve application calls |
//! | `download.rs` | [`BackendClient::download`]: a file the API points at, streamed to disk |
//! | `job_sink/` | [`JobSink`]: the job contract, a run reporting itself to its job (`record.rs`: what its events become there) |

mod annotation;
mod client;
mod config;
mod download;
mod error;
mod ground_truth;
mod job_sink;
mod jobs;
mod logs;
mod page;
mod plugins;
mod serve;

pub use annotation::{AnnotationSchema, DataUnit, DataUnitRef, Project, ProjectClass, Task, TaskFile};
pub use client::{BackendClient, RetryPolicy};
pub use config::{ACCESS_TOKEN_VAR, BackendConfig, HOST_VAR, Secret, TENANT_VAR, URL_HOST_VAR, USER_TOKEN_VAR};
pub use error::BackendError;
pub use ground_truth::{EventFile, FileType, GroundTruthDatasetVersion, GroundTruthEvent, Split};
pub use job_sink::{JobLoss, JobSink, JobSinkLimits};
pub use jobs::{Job, JobId, JobStatus, JobUpdate};
pub use logs::LogEntry;
pub use page::{PAGE_SIZE, Page};
pub use plugins::{Plugin, PluginRef, PluginRelease, PluginRun};
pub use serve::{NewServeApplication, ServeApplication};
