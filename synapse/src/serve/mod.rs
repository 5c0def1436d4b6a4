//! Serving models: what an inference replica needs to pick, hold and route models per request,
//! as Ray Serve's model multiplexing does for the Python SDK's serve deployments, without Python.
//!
//! | file | what it holds |
//! |---|---|
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
mod token;

pub use affinity::replica_order;
pub use cache::{CacheStats, DEFAULT_MAX_MODELS, ModelCache};
pub use token::{MODEL_HEADER, ModelClaims, ModelSelection, TokenError, TokenPolicy};
