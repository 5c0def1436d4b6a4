//! Serving models: a plugin's [`ServeDeployment`] (load a model, infer over a batch) becomes a
//! model server — each replica the plugin binary serving HTTP (`plugin serve`), the model
//! chosen per request by the `serve_multiplexed_model_id` header, as Ray Serve's model
//! multiplexing does for the Python SDK's serve deployments, without Python or Ray Serve.
//!
//! ```text
//! POST /                      body: the deployment's Input (JSON)   header: serve_multiplexed_model_id
//! POST /<route prefix>/       the same, where the SDK's infer_remote posts
//! GET  /-/healthz  /-/ready   liveness, readiness (503 while stopping)
//! GET  /-/models              the models held (most recently used first), the bound, the cache's counters, failed loads
//! ```
//!
//! A model on the backend is a zip of its directory (files at the zip's root: what a
//! [`train`](crate::train) action registers, or [`BackendClient::create_model_from_file`](crate::backend::BackendClient::create_model_from_file)
//! uploads); its version is its file's URL. Under [`ModelSource::Directory`] (`--models-dir`)
//! model N is `DIR/N/`, its version the newest change of the directory or a file in it, seen
//! within the access TTL. Batches of one model run one at a time, batches of different models
//! side by side.
//!
//! Per request: the header is checked ([`TokenPolicy`]: a plain model id, or the SDK's signed
//! model token, HS256), the body against the input's schema (422 with each field path), the
//! caller's access to the model asked of the backend with the caller's token (`GET
//! models/{id}/`, the answer trusted for [`DEFAULT_ACCESS_TTL`]), the model's file downloaded
//! and extracted once into the model cache, loaded once ([`ModelCache`]: LRU of
//! [`DEFAULT_MAX_MODELS`], single flight), and inferred over, alone or batched ([`Batching`]).
//!
//! | request | answer |
//! |---|---|
//! | no header; a malformed, altered, unsigned, foreign-algorithm or expired token | 400; 401 with [`TokenError`] |
//! | a model the backend does not have / the caller may not read | 404 naming it and the backend; 403 |
//! | a body that is not the input; an input `infer` refuses with an [`InputError`] | 422, every violation with its field path |
//! | a model whose file is not a zip or whose `load_model` fails | 500 with the model's error, loaded once: later requests for that version get the same error |
//! | a backend that does not answer | 502; the next request asks again |
//!
//! | file | what it holds |
//! |---|---|
//! | `deployment.rs` | [`ServeDeployment`], [`ModelInfo`], [`Batching`], [`serve_deployment!`](crate::serve_deployment) and [`registered_deployment`] |
//! | `deploy_action.rs` | [`deploy`]: the deployment action's work ([`DeploymentParams`], [`DeploymentResult`]) |
//! | `options.rs` | [`ServeOptions`], [`ModelSource`] |
//! | `replica/` | one replica's work: the model resolved, its access remembered, loaded, batched |
//! | `inference.rs` | [`infer_with`]: a deployment run over a batch inside an action (the SDK's inference action) |
//! | `http.rs` | [`serve()`]: the HTTP routes, [`ServeAnnouncement`] |
//! | `client.rs` | [`ServeClient`]: requests routed to replicas by model, [`InferError`] |
//! | `ray.rs` | [`RayDeployment`]: replicas as resident Ray jobs, routed to by model, replaced when their job ends, registered as the serve application ([`ReplicaSettings`], [`ReplicaJob`]) |
//! | `error.rs` | [`ServeError`]: each with its HTTP status and JSON body; [`InputError`] |
//! | `token.rs` | the `serve_multiplexed_model_id` header ([`MODEL_HEADER`]): a plain model id or the platform's signed model token ([`TokenPolicy`], [`ModelClaims`], [`ModelSelection`], [`TokenError`]) |
//! | `cache.rs` | [`ModelCache`]: a bounded LRU of loaded models keyed by model id, single-flight loads, reloads when the artifact changes ([`CacheStats`]) |
//! | `affinity.rs` | [`replica_order`]: rendezvous hashing of model ids over replicas, so a model's requests meet its cache |
//!
//! Sources: Ray Serve's `serve.multiplexed` (`max_num_models_per_replica`, default 3, LRU) and
//! its `serve_multiplexed_model_id` header; the SDK's `create_serve_multiplexed_model_id` (a JWT,
//! HS256, the backend's URL as the secret, no `exp`) and `BaseServeDeployment.get_model` (which
//! caches per token, without bound or single flight: fixed here).

mod affinity;
mod cache;
mod client;
mod deploy_action;
mod deployment;
mod error;
mod http;
mod inference;
mod messages;
mod options;
mod ray;
mod replica;
mod token;

pub use affinity::replica_order;
pub use cache::{CacheStats, DEFAULT_MAX_MODELS, ModelCache};
pub use client::{DEFAULT_SATURATION, DOWN_FOR, InferError, ServeClient};
pub use deploy_action::{DeployedReplica, DeploymentParams, DeploymentResult, RAY_ADDRESS_VAR, deploy};
#[doc(hidden)]
pub use deployment::ErasedDeployment;
pub use deployment::{
    Batching, DeploymentEntry, ModelInfo, SYNAPSE_DEPLOYMENTS_V0, ServeDeployment, registered_deployment,
};
pub use error::{InputError, ServeError};
pub use http::{SERVE_LINE_MARKER, ServeAnnouncement, serve};
pub use inference::infer_with;
pub use messages::ServeMessage;
pub use options::{DEFAULT_ACCESS_TTL, ModelSource, ServeOptions};
pub use ray::{
    FORWARDED_VARS, REPLICA_ROLE, RayDeployment, ReplicaJob, ReplicaSettings, running_replica_jobs, stop_replica_jobs,
};
pub use token::{
    MODEL_HEADER, ModelClaims, ModelSelection, RUN_HOST_VAR, TokenError, TokenPolicy, backend_url, caller_header,
};
