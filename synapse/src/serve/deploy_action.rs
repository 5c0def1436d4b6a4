//! The deployment action: [`DeploymentParams`] and [`deploy`], the SDK's `BaseDeploymentAction`
//! over [`RayDeployment`] — the plugin's serve deployment started (or updated) on Ray from an
//! action, and the serve application registered for the run's backend job.

use super::{Batching, RayDeployment, ReplicaJob, ReplicaSettings, running_replica_jobs};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::executor::RunOptions;
use crate::executor::ray::RayJobsClient;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The variable naming the Ray dashboard a deployment action starts replicas on.
pub const RAY_ADDRESS_VAR: &str = "SYNAPSE_RAY_ADDRESS";

/// What a deployment action takes: the SDK's deployment params (`num_cpus`, `num_gpus`,
/// `memory`) with the replicas' count and serving settings.
#[crate::params(crate = crate)]
#[derive(Debug, Clone)]
pub struct DeploymentParams {
    /// How many replicas to run.
    #[param(default = 1, range(min = 1, max = 64))]
    pub replicas: u32,
    /// Logical CPUs each replica reserves on the cluster.
    pub num_cpus: Option<f64>,
    /// GPUs each replica reserves.
    pub num_gpus: Option<f64>,
    /// Memory each replica reserves, in bytes.
    pub memory: Option<u64>,
    /// How many models each replica holds at once.
    #[param(default = 3, range(min = 1, max = 1000))]
    pub max_models: u32,
    /// Replicas take only signed model tokens, not plain ids.
    #[param(default = false)]
    pub signed_only: bool,
    /// Gather up to this many concurrent requests for one model into one inference (0: no
    /// batching).
    #[param(default = 0, range(max = 4096))]
    pub batch_size: u32,
    /// How long the first request of a batch waits for others, in milliseconds.
    #[param(default = 5, range(max = 60000))]
    pub batch_wait_ms: u64,
}

/// What a deployment action gives: the SDK's `serve_application` and `deployed`, with the
/// replicas.
#[crate::output(crate = crate)]
#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentResult {
    /// The serve application's name (`<plugin code>@<version>`).
    pub application: String,
    /// The serve application registered on the backend, for the run's job (none without one).
    pub serve_application: Option<u64>,
    /// Whether the replicas serve.
    pub deployed: bool,
    /// Each replica's Ray job and address.
    pub replicas: Vec<DeployedReplica>,
    /// The replica jobs of an earlier deployment, stopped once the new ones served.
    pub stopped: Vec<String>,
}

/// A replica of a [`DeploymentResult`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DeployedReplica {
    /// Its Ray job's submission id.
    pub job: String,
    /// Where it serves (`host:port`).
    pub addr: String,
}

impl From<ReplicaJob> for DeployedReplica {
    fn from(replica: ReplicaJob) -> Self {
        DeployedReplica { job: replica.job, addr: replica.addr.to_string() }
    }
}

/// Starts the plugin's serve deployment on the Ray cluster the run's environment names
/// ([`RAY_ADDRESS_VAR`]) as `params` say: new replicas first, then the replicas of an earlier
/// deployment stopped, then the serve application registered for the run's backend job. The
/// replicas are this process's binary and working directory, with the run's backend
/// variables. A failure stops the replicas it started (the earlier ones keep serving).
///
/// ```no_run
/// use synapse::prelude::*;
/// use synapse::serve::{DeploymentParams, DeploymentResult};
///
/// /// Deploys the model server on Ray.
/// #[action(name = "deployment", method = Job, category = NeuralNet)]
/// pub struct Deployment;
///
/// impl Action for Deployment {
///     type Params = DeploymentParams;
///     type Output = DeploymentResult;
///
///     async fn execute(&self, params: DeploymentParams, ctx: &Context) -> Result<DeploymentResult> {
///         synapse::serve::deploy(ctx, &params).await
///     }
/// }
/// ```
///
/// # Errors
/// No Ray address in the run's environment; the package, a replica that does not start, or
/// the dashboard ([`RunError`](crate::RunError)); the backend refusing the serve application.
pub async fn deploy(ctx: &Context, params: &DeploymentParams) -> Result<DeploymentResult> {
    let var = |name: &str| ctx.env().get_str(name, "").ok().filter(|value| !value.is_empty());
    let address = var(RAY_ADDRESS_VAR).or_else(|| std::env::var(RAY_ADDRESS_VAR).ok()).ok_or_else(|| {
        Error::msg(format!(
            "a deployment needs the Ray dashboard's address in {RAY_ADDRESS_VAR} (the run's environment)"
        ))
    })?;
    let binary =
        std::env::current_exe().map_err(|error| Error::msg(format!("the plugin binary's path is unknown: {error}")))?;
    let mut options = RunOptions::default().ray_address(&address).binary(binary).plugin_code(ctx.plugin());
    options.plugin_dir = std::env::current_dir().ok().filter(|dir| dir.join("config.yaml").is_file());
    options.resources.num_cpus = params.num_cpus;
    options.resources.num_gpus = params.num_gpus;
    options.resources.memory = params.memory;
    // The run's backend, for the replicas to read models from.
    for name in super::FORWARDED_VARS {
        if let Some(value) = var(name) {
            options.env_vars.push(((*name).to_owned(), value));
        }
    }
    let settings = ReplicaSettings {
        max_models: Some(params.max_models as usize),
        signed_only: params.signed_only,
        batching: (params.batch_size > 0)
            .then(|| Batching::new(params.batch_size as usize, Duration::from_millis(params.batch_wait_ms))),
        route_prefix: None,
    };
    let deployment = RayDeployment::new(options, settings)?;
    let client = RayJobsClient::new(&address)?;
    let earlier = running_replica_jobs(&client, ctx.plugin()).await?;
    ctx.log_message_code(&super::ServeMessage::StartingReplicas {
        replicas: params.replicas,
        application: deployment.application_name(),
    });
    if let Err(error) = deployment.scale_to(params.replicas as usize).await {
        let _ = deployment.stop().await;
        return Err(error.into());
    }
    super::stop_replica_jobs(&client, &earlier).await?;
    let serve_application = match (ctx.job_id(), ctx.client()) {
        (Some(job), Ok(backend)) => {
            let job =
                job.parse::<u64>().map(Into::into).unwrap_or_else(|_| crate::backend::JobId::from(job.to_owned()));
            match deployment.register(backend, job).await {
                Ok(application) => Some(application.id),
                Err(error) => {
                    let _ = deployment.stop().await;
                    return Err(Error::msg(format!("the serve application could not be registered: {error}")));
                }
            }
        }
        _ => None,
    };
    Ok(DeploymentResult {
        application: deployment.application_name(),
        serve_application,
        deployed: true,
        replicas: deployment.replicas().await.into_iter().map(DeployedReplica::from).collect(),
        stopped: earlier,
    })
}
