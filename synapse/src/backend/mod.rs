//! The Synapse backend (API v1), as plugins talk to it: [`BackendClient`], configured from the
//! variables a plugin run receives ([`BackendConfig`]), with typed errors ([`BackendError`]),
//! retries where they cannot apply a request twice ([`RetryPolicy`]), paged listings that follow
//! `next` ([`BackendClient::list`]), jobs ([`Job`], [`JobUpdate`]), log entries
//! ([`LogEntry`]), ground truth ([`GroundTruthEvent`]), projects and tasks ([`Project`],
//! [`Task`]), plugin releases and runs ([`PluginRelease`], [`PluginRun`]), serve applications
//! ([`ServeApplication`]), downloads ([`BackendClient::download`]),
//! chunked uploads ([`BackendClient::chunked_upload`]) and models ([`Model`]). Wire formats, headers and pagination follow the Python `synapse_sdk`'s v1
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
//! | `data/` | data collections, data files (multipart, chunked, presigned), checksums, data units ([`DataCollection`], [`DataFile`], [`DataUnit`], [`DataError`]) |
//! | `storages.rs` | a storage's record ([`StorageRecord`](crate::storage::StorageRecord)), and the storage it names, opened |
//! | `ground_truth.rs` | [`GroundTruthEvent`], [`EventFile`], [`Split`], [`GroundTruthDatasetVersion`] and the ground-truth calls |
//! | `assignments.rs` | [`Assignment`] and `GET sdk/assignments/` |
//! | `annotation.rs` | [`Project`] (its classes: [`ProjectClass`]), [`Task`] (its [`DataUnit`], from `data/`), [`AnnotationSchema`] and the project and task calls |
//! | `plugins.rs` | [`PluginRelease`] ([`Plugin`], [`PluginRef`]), [`PluginReleaseCreate`], [`PluginRun`] and the plugin calls |
//! | `serve.rs` | [`ServeApplication`], [`NewServeApplication`] and the serve application calls |
//! | `download.rs` | [`BackendClient::download`], [`BackendClient::fetch`], [`Fetched`]: a file the API points at, streamed to disk or, when small, into memory |
//! | `upload/` | [`BackendClient::chunked_upload`]: chunks, the MD5 finalize, the lost-finalize recheck; [`TransferError`] |
//! | `models.rs` | [`Model`], [`ModelCreate`], creating one from a file, downloading its file |
//! | `job_sink/` | [`JobSink`]: the job contract, a run reporting itself to its job (`record.rs`: what its events become there; `queue.rs`: the entries waiting, bounded by memory; `deliver.rs`: the sink's thread) |

mod annotation;
mod assignments;
mod client;
mod config;
mod data;
mod download;
mod error;
mod ground_truth;
mod job_sink;
mod jobs;
mod logs;
mod models;
mod page;
mod plugins;
mod serve;
mod storages;
mod upload;

pub use annotation::{AnnotationSchema, DataUnitRef, Project, ProjectClass, Task};
pub use assignments::Assignment;
pub use client::{BackendClient, RetryPolicy};
pub use config::{ACCESS_TOKEN_VAR, BackendConfig, HOST_VAR, Secret, TENANT_VAR, URL_HOST_VAR, USER_TOKEN_VAR};
pub use data::{
    CHECKSUM_BATCH, CHUNKED_UPLOAD_THRESHOLD, ConfirmResult, ConfirmUploadResponse, DataCollection, DataError,
    DataFile, DataUnit, DataUnitCreate, DataUnitFile, FileDeletion, FileRef, FileSpecification, FileType, FunctionType,
    MultipartTarget, PartEtag, PresignedFailure, PresignedFile, PresignedPart, PresignedReport, PresignedTarget,
    PresignedUpload, PresignedUploaded, UploadedFile, UploadedParts, checksum_of, file_checksum,
};
pub use data::{LocalContent, read_local};
pub use download::Fetched;
pub use error::BackendError;
pub use ground_truth::{EventFile, GroundTruthDatasetVersion, GroundTruthEvent, Split};
pub use job_sink::{JobLoss, JobSink, JobSinkLimits};
pub use jobs::{Job, JobId, JobStatus, JobUpdate};
pub use logs::LogEntry;
pub use models::{Model, ModelCreate};
pub use page::{PAGE_SIZE, Page};
pub use plugins::{Plugin, PluginRef, PluginRelease, PluginReleaseCreate, PluginRun};
pub use serve::{NewServeApplication, ServeApplication};
pub use upload::{
    ChunkedUpload, ChunkedUploadOptions, DEFAULT_CHUNK_SIZE, Progress, RecheckPolicy, TransferError, UploadId,
};
