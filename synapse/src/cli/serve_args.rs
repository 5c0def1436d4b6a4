//! The serving commands' arguments: `serve`, `infer`, `deploy`, `undeploy`, and what they share
//! (where models come from, how a replica serves).

use super::resources;
use clap::Args;
use std::path::PathBuf;

/// Where a replica's models come from and how it holds them (`serve`, `infer`).
#[derive(Args, Debug)]
#[cfg_attr(not(feature = "serve"), allow(dead_code))]
pub(super) struct SourceArgs {
    /// Serve model N from the directory DIR/N/ instead of the backend (development, benchmarks).
    #[arg(long, value_name = "DIR")]
    pub(super) models_dir: Option<PathBuf>,
    /// How many models the replica holds at once; loading one more drops the least recently used.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub(super) max_models: usize,
    /// Model tokens are signed with the secret in this environment variable (at least 16
    /// characters) and must carry an `exp`, instead of the SDK's (signed with the backend's URL).
    #[arg(long, value_name = "VAR")]
    pub(super) token_secret_env: Option<String>,
    /// How long the backend's answer about a caller's access to a model is trusted.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "30s")]
    pub(super) access_ttl: std::time::Duration,
}

/// How a replica serves (`serve`, `deploy`).
#[derive(Args, Debug)]
#[cfg_attr(not(feature = "serve"), allow(dead_code))]
pub(super) struct ReplicaArgs {
    /// Take only signed model tokens in the `serve_multiplexed_model_id` header, not plain ids
    /// (which a replica reads with its own backend credentials).
    #[arg(long)]
    pub(super) signed_only: bool,
    /// Gather up to N concurrent requests for one model into one inference [default: the
    /// deployment's own batching, if any]. One model's batches run one at a time, so requests
    /// that could have run side by side wait for the batch before theirs.
    #[arg(long, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub(super) batch_size: Option<usize>,
    /// How long the first request of a batch waits for others.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "5ms")]
    pub(super) batch_wait: std::time::Duration,
    /// Also serve the inference at /PREFIX/ (the SDK's route prefix) [default:
    /// SYNAPSE_PLUGIN_RELEASE_CHECKSUM, if set].
    #[arg(long, value_name = "PREFIX")]
    pub(super) route_prefix: Option<String>,
}

#[derive(Args, Debug)]
#[cfg_attr(not(feature = "serve"), allow(dead_code))]
pub(super) struct ServeArgs {
    /// The address to listen on: IP:PORT, or node:PORT for this Ray node's address (found from
    /// RAY_ADDRESS; 127.0.0.1 off Ray), which `deploy` passes its replicas. Port 0: any free
    /// port; the chosen address is printed on a line starting `@synapse-serve `.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub(super) bind: crate::executor::ListenAddress,
    #[command(flatten)]
    pub(super) source: SourceArgs,
    #[command(flatten)]
    pub(super) replica: ReplicaArgs,
    /// Worker threads [default: one per CPU].
    #[arg(long, value_name = "N")]
    pub(super) threads: Option<usize>,
}

#[derive(Args, Debug)]
#[cfg_attr(not(feature = "serve"), allow(dead_code))]
pub(super) struct InferArgs {
    /// The model's id.
    #[arg(long)]
    pub(super) model: u64,
    /// The input: inline JSON, `@path/to/file.json`, or `-` for standard input.
    #[arg(long, short)]
    pub(super) input: String,
    /// Ask the replica listening at HOST:PORT instead of loading the model here (with the SDK's
    /// model token when SYNAPSE_HOST and SYNAPSE_ACCESS_TOKEN are set, else the plain id).
    #[arg(long, value_name = "HOST:PORT")]
    pub(super) url: Option<String>,
    /// With --url: send the plain model id even when a backend is configured (for a replica
    /// serving --models-dir, which cannot check the backend's tokens).
    #[arg(long, requires = "url")]
    pub(super) plain_id: bool,
    #[command(flatten)]
    pub(super) source: SourceArgs,
}

#[derive(Args, Debug)]
#[cfg_attr(not(feature = "serve"), allow(dead_code))]
pub(super) struct DeployArgs {
    /// How many replicas to run (each a resident Ray job holding the resources below).
    #[arg(long, default_value_t = 1)]
    pub(super) replicas: usize,
    /// The Ray dashboard.
    #[arg(long, env = "SYNAPSE_RAY_ADDRESS", value_name = "URL")]
    pub(super) ray_address: Option<String>,
    /// The token of a Ray cluster that runs Ray's token authentication.
    #[arg(long, env = "SYNAPSE_RAY_TOKEN", value_name = "TOKEN", hide_env_values = true)]
    pub(super) ray_token: Option<String>,
    /// Where each replica listens on the node Ray places it on: IP:PORT, or node:PORT for that
    /// node's address [default: node:0, a free port there].
    #[arg(long, value_name = "ADDR")]
    pub(super) bind: Option<crate::executor::ListenAddress>,
    /// The plugin directory shipped to Ray with the binary (default: the crate directory the
    /// binary was built from).
    #[arg(long, value_name = "DIR")]
    pub(super) plugin_dir: Option<PathBuf>,
    /// How many models each replica holds at once [default: 3].
    #[arg(long, value_name = "N")]
    pub(super) max_models: Option<usize>,
    #[command(flatten)]
    pub(super) replica: ReplicaArgs,
    /// The backend job the deployment belongs to: the serve application is registered for it
    /// (needs SYNAPSE_HOST and SYNAPSE_ACCESS_TOKEN).
    #[arg(long, env = "SYNAPSE_JOB_ID")]
    pub(super) job_id: Option<u64>,
    #[command(flatten)]
    pub(super) resources: resources::ResourceArgs,
}

#[derive(Args, Debug)]
#[cfg_attr(not(feature = "serve"), allow(dead_code))]
pub(super) struct UndeployArgs {
    /// The Ray dashboard.
    #[arg(long, env = "SYNAPSE_RAY_ADDRESS", value_name = "URL")]
    pub(super) ray_address: Option<String>,
    /// The token of a Ray cluster that runs Ray's token authentication.
    #[arg(long, env = "SYNAPSE_RAY_TOKEN", value_name = "TOKEN", hide_env_values = true)]
    pub(super) ray_token: Option<String>,
}
