//! [`ServeOptions`]: how a replica serves (where it listens, where its models come from, which
//! model tokens it takes, how many models it holds, batching), and [`ModelSource`].

use super::Batching;
use super::DEFAULT_MAX_MODELS;
use super::TokenPolicy;
use crate::backend::BackendClient;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How long a caller's access to a model, as the backend answered it, is trusted before it is
/// asked again.
pub const DEFAULT_ACCESS_TTL: Duration = Duration::from_secs(30);

/// Where a replica's models come from.
#[derive(Clone, Debug)]
pub enum ModelSource {
    /// The backend: `GET models/{id}/` (with the caller's token from a model token, else the
    /// replica's own), the model's file downloaded and extracted once into `cache` (`None`: a
    /// temporary directory of the replica's).
    Backend {
        /// The replica's own client.
        client: Box<BackendClient>,
        /// The model cache's directory (see [`default_model_cache_dir`](crate::train::default_model_cache_dir)).
        cache: Option<PathBuf>,
    },
    /// A local directory, for development and benchmarks: model `N` is the directory `<dir>/N/`
    /// (no backend; a model token's signature is still checked, its access is not).
    Directory(PathBuf),
}

/// How a replica serves.
///
/// ```
/// use synapse::serve::{ModelSource, ServeOptions, TokenPolicy};
/// let options = ServeOptions::new(ModelSource::Directory("models".into()), TokenPolicy::sdk("http://127.0.0.1:8000"));
/// assert_eq!(options.max_models, 3);
/// assert_eq!(options.bind.to_string(), "127.0.0.1:0");
/// ```
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// Where it listens (port 0: a free port; the chosen address is announced).
    pub bind: SocketAddr,
    /// Where models come from.
    pub source: ModelSource,
    /// Which `serve_multiplexed_model_id` values it takes.
    pub tokens: TokenPolicy,
    /// How many models it holds at once (Ray Serve's `max_num_models_per_replica`).
    pub max_models: usize,
    /// How long a caller's access to a model is trusted before the backend is asked again.
    pub access_ttl: Duration,
    /// Batching, over the deployment's own ([`ServeDeployment::batching`](super::ServeDeployment::batching)).
    pub batching: Option<Batching>,
    /// The route the inference is served at besides `/`: the SDK's route prefix
    /// (`/<SYNAPSE_PLUGIN_RELEASE_CHECKSUM>`), where its `infer_remote` posts.
    pub route_prefix: Option<String>,
    /// The plugin's code, for the announcement and `/-/models`.
    pub plugin: String,
}

impl ServeOptions {
    /// Options with `source` and `tokens`, listening on `127.0.0.1:0`, holding
    /// [`DEFAULT_MAX_MODELS`], trusting access answers for [`DEFAULT_ACCESS_TTL`], with the
    /// deployment's own batching and no route prefix.
    pub fn new(source: ModelSource, tokens: TokenPolicy) -> Self {
        ServeOptions {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            source,
            tokens,
            max_models: DEFAULT_MAX_MODELS,
            access_ttl: DEFAULT_ACCESS_TTL,
            batching: None,
            route_prefix: None,
            plugin: String::new(),
        }
    }
}
