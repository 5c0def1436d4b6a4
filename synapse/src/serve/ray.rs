//! Replicas on Ray: [`RayDeployment`] starts the plugin binary's `serve` as resident Ray jobs
//! (as task mode starts its worker), routes requests to them by model, replaces a replica whose
//! job ended, registers the serve application on the backend, and stops them.

use super::{Batching, InferError, SERVE_LINE_MARKER, ServeAnnouncement, ServeClient};
use crate::backend::{BackendClient, BackendError, JobId, NewServeApplication, ServeApplication};
use crate::executor::ray::resident::{Resident, await_announcement};
use crate::executor::ray::shipment::Shipment;
use crate::executor::ray::{JobStatus, RayJobsClient};
use crate::executor::{ExecutionMode, ListenAddress, RunError, RunOptions};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

/// The `synapse.role` of a replica's Ray job.
pub const REPLICA_ROLE: &str = "serve";

/// The variables a replica needs from the deploying process to read models from the backend
/// (forwarded into its job's environment when set here).
pub const FORWARDED_VARS: &[&str] = &[
    "SYNAPSE_HOST",
    "SYNAPSE_ACCESS_TOKEN",
    "SYNAPSE_PLUGIN_RUN_HOST",
    "SYNAPSE_PLUGIN_RUN_USER_TOKEN",
    "SYNAPSE_PLUGIN_RUN_TENANT",
    "SYNAPSE_PLUGIN_RUN_URL_HOST",
    "SYNAPSE_PLUGIN_RELEASE_CHECKSUM",
    "SYNAPSE_MODEL_CACHE",
];

/// How each replica serves: its `serve` command line.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReplicaSettings {
    /// How many models a replica holds (default 3).
    pub max_models: Option<usize>,
    /// Take only signed model tokens.
    pub signed_only: bool,
    /// Request batching.
    pub batching: Option<Batching>,
    /// The route served besides `/`.
    pub route_prefix: Option<String>,
}

impl ReplicaSettings {
    /// The `serve` command line of a replica listening on `bind` (a replica on Ray is given
    /// [`RunOptions::worker_bind`], `node:0` by default: a free port on the address of the node
    /// Ray places it on).
    ///
    /// ```
    /// use synapse::serve::ReplicaSettings;
    /// let settings = ReplicaSettings { max_models: Some(5), signed_only: true, ..ReplicaSettings::default() };
    /// assert_eq!(
    ///     settings.args("127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap()),
    ///     ["serve", "--bind", "127.0.0.1:0", "--max-models", "5", "--signed-only"]
    /// );
    /// ```
    pub fn args(&self, bind: impl Into<ListenAddress>) -> Vec<String> {
        let bind: ListenAddress = bind.into();
        let mut args = vec!["serve".to_owned(), "--bind".to_owned(), bind.to_string()];
        if let Some(max) = self.max_models {
            args.extend(["--max-models".to_owned(), max.to_string()]);
        }
        if self.signed_only {
            args.push("--signed-only".to_owned());
        }
        if let Some(batching) = self.batching {
            args.extend([
                "--batch-size".to_owned(),
                batching.max_batch_size.to_string(),
                "--batch-wait".to_owned(),
                format!("{}ms", batching.max_wait.as_millis()),
            ]);
        }
        if let Some(prefix) = &self.route_prefix {
            args.extend(["--route-prefix".to_owned(), prefix.clone()]);
        }
        args
    }
}

/// A replica: its Ray job and where it listens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaJob {
    /// Its Ray job's submission id.
    pub job: String,
    /// Where it serves.
    pub addr: SocketAddr,
    /// Its process id on its node.
    pub pid: u32,
}

struct Inner {
    client: RayJobsClient,
    shipment: Shipment,
    options: RunOptions,
    settings: ReplicaSettings,
    replicas: Mutex<Vec<ReplicaJob>>,
    router: ServeClient,
}

/// The replicas of the plugin's serve deployment on a Ray cluster.
///
/// Each replica is the plugin binary's `serve`, started as a long-running Ray job holding the
/// resources the options give (its `entrypoint_num_cpus`, …), listening where the options'
/// `worker_bind` says (by default the address of the node Ray places it on, so that callers on
/// other nodes reach it too). Requests go to the
/// replica that holds their model ([`ServeClient`]); a replica that does not answer fails that
/// request with [`InferError::Unreachable`] and, once its job is seen ended, is started again
/// (as task mode's worker is).
///
/// ```no_run
/// # async fn demo() -> Result<(), synapse::RunError> {
/// use synapse::executor::RunOptions;
/// use synapse::serve::{RayDeployment, ReplicaSettings};
/// let options = RunOptions::default().ray_address("http://127.0.0.1:8265").binary("target/release/detector");
/// let deployment = RayDeployment::new(options, ReplicaSettings::default())?;
/// deployment.scale_to(2).await?;
/// let answer = deployment.infer("7", 7, &serde_json::json!({"values": [1.0]})).await;
/// deployment.stop().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RayDeployment {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for RayDeployment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RayDeployment").field("replicas", &self.inner.router.replicas()).finish()
    }
}

impl RayDeployment {
    /// A deployment of the plugin binary the options give, on their Ray cluster; no replica
    /// started yet. The options' environment variables go to every replica, with
    /// [`FORWARDED_VARS`] of this process that they do not set.
    ///
    /// # Errors
    /// As [`RayTaskExecutor::from_options`](crate::executor::ray::RayTaskExecutor::from_options).
    pub fn new(mut options: RunOptions, settings: ReplicaSettings) -> Result<Self, RunError> {
        for var in FORWARDED_VARS {
            if !options.env_vars.iter().any(|(key, _)| key == var)
                && let Ok(value) = std::env::var(var)
                && !value.is_empty()
            {
                options.env_vars.push(((*var).to_owned(), value));
            }
        }
        let (client, shipment) = Shipment::with_client(&options, ExecutionMode::Task)?;
        let inner = Inner {
            client,
            shipment,
            options,
            settings,
            replicas: Mutex::new(Vec::new()),
            router: ServeClient::new(Vec::new()),
        };
        Ok(RayDeployment { inner: Arc::new(inner) })
    }

    /// The serve application's name: the plugin's `<code>@<version>` (the SDK's
    /// `get_serve_app_name`).
    pub fn application_name(&self) -> String {
        let code = self.inner.shipment.plugin_code(&self.inner.options);
        let version = crate::registry::registry().map(|registry| registry.plugin().version).unwrap_or_default();
        format!("{code}@{version}")
    }

    /// The replicas started or adopted.
    pub async fn replicas(&self) -> Vec<ReplicaJob> {
        self.inner.replicas.lock().await.clone()
    }

    /// Its router over the replicas.
    pub fn router(&self) -> &ServeClient {
        &self.inner.router
    }

    /// Starts replicas until `count` run (side by side), or stops the newest beyond `count`.
    ///
    /// # Errors
    /// The first replica's [`RunError`] that did not start (those that did keep running).
    pub async fn scale_to(&self, count: usize) -> Result<Vec<ReplicaJob>, RunError> {
        let running = self.inner.replicas.lock().await.len();
        if running < count {
            let starts = (running..count).map(|_| self.launch());
            let started = futures_util::future::join_all(starts).await;
            let mut first_error = None;
            {
                let mut replicas = self.inner.replicas.lock().await;
                for outcome in started {
                    match outcome {
                        Ok(replica) => replicas.push(replica),
                        Err(error) => {
                            first_error.get_or_insert(error);
                        }
                    }
                }
                self.route(&replicas);
            }
            if let Some(error) = first_error {
                return Err(error);
            }
        } else {
            let extra: Vec<ReplicaJob> = {
                let mut replicas = self.inner.replicas.lock().await;
                let extra = replicas.split_off(count);
                self.route(&replicas);
                extra
            };
            for replica in extra {
                self.inner.client.stop(&replica.job).await?;
            }
        }
        Ok(self.replicas().await)
    }

    /// Adds the replicas of this plugin already running on the cluster (started by an earlier
    /// `deploy`), read from the jobs' metadata and logs; returns them.
    ///
    /// # Errors
    /// The dashboard's [`RunError`].
    pub async fn adopt(&self) -> Result<Vec<ReplicaJob>, RunError> {
        let plugin = self.inner.shipment.plugin_code(&self.inner.options);
        let jobs = running_replica_jobs(&self.inner.client, &plugin).await?;
        let mut adopted = Vec::new();
        for job in jobs {
            let announcement: ServeAnnouncement =
                await_announcement(&self.inner.client, &job, SERVE_LINE_MARKER, "serve replica").await?;
            adopted.push(ReplicaJob { job, addr: announcement.addr, pid: announcement.pid });
        }
        let mut replicas = self.inner.replicas.lock().await;
        for replica in &adopted {
            if !replicas.iter().any(|known| known.job == replica.job) {
                replicas.push(replica.clone());
            }
        }
        self.route(&replicas);
        Ok(adopted)
    }

    async fn launch(&self) -> Result<ReplicaJob, RunError> {
        let bind = self.inner.options.worker_bind.unwrap_or_default();
        let resident = Resident {
            role: REPLICA_ROLE,
            args: self.inner.settings.args(bind),
            env: Vec::new(),
            metadata: vec![("synapse.deployment".to_owned(), self.application_name())],
            marker: SERVE_LINE_MARKER,
        };
        let (job, announcement): (String, ServeAnnouncement) =
            resident.launch(&self.inner.client, &self.inner.shipment, &self.inner.options).await?;
        Ok(ReplicaJob { job, addr: announcement.addr, pid: announcement.pid })
    }

    fn route(&self, replicas: &[ReplicaJob]) {
        self.inner.router.set_replicas(replicas.iter().map(|replica| replica.addr).collect());
    }

    /// Infers over `input` with the model `header` names (model `model`) on the replica that
    /// holds it. A replica that did not answer is checked and, when its job has ended, started
    /// again in the background: the next request is served.
    ///
    /// # Errors
    /// As [`ServeClient::infer`].
    pub async fn infer(&self, header: &str, model: u64, input: &Value) -> Result<Value, InferError> {
        let answer = self.inner.router.infer(header, model, input).await;
        if let Err(InferError::Unreachable { addr, .. }) = &answer {
            let this = self.clone();
            let addr = *addr;
            tokio::spawn(async move {
                if let Err(error) = this.replace(addr).await {
                    eprintln!("serve: the replica at {addr} could not be replaced: {error}");
                }
            });
        }
        answer
    }

    /// Replaces every replica whose job has ended; returns the `(old, new)` pairs.
    ///
    /// # Errors
    /// The dashboard's, or a new replica's, [`RunError`].
    pub async fn heal(&self) -> Result<Vec<(ReplicaJob, ReplicaJob)>, RunError> {
        let mut replaced = Vec::new();
        for replica in self.replicas().await {
            let status = self.inner.client.status(&replica.job).await?.status;
            if status.is_terminal()
                && let Some(new) = self.swap(&replica).await?
            {
                replaced.push((replica, new));
            }
        }
        Ok(replaced)
    }

    /// The replica at `addr` did not answer: once Ray sees its job ended (or it is stopped for
    /// not answering while running), a new one takes its place.
    async fn replace(&self, addr: SocketAddr) -> Result<(), RunError> {
        let Some(replica) = self.replicas().await.into_iter().find(|replica| replica.addr == addr) else {
            return Ok(());
        };
        // A process that just died is RUNNING to Ray until its supervisor's next look.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
        let status = loop {
            let status = self.inner.client.status(&replica.job).await?.status;
            if status.is_terminal() || tokio::time::Instant::now() >= deadline {
                break status;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        if status == JobStatus::Running {
            self.inner.client.stop(&replica.job).await?;
        }
        self.swap(&replica).await.map(drop)
    }

    /// Starts a replica in `old`'s place (unless another caller did already).
    async fn swap(&self, old: &ReplicaJob) -> Result<Option<ReplicaJob>, RunError> {
        let new = self.launch().await?;
        let mut replicas = self.inner.replicas.lock().await;
        match replicas.iter_mut().find(|replica| replica.job == old.job) {
            Some(slot) => {
                *slot = new.clone();
                self.route(&replicas);
                Ok(Some(new))
            }
            None => {
                drop(replicas);
                self.inner.client.stop(&new.job).await?;
                Ok(None)
            }
        }
    }

    /// Stops every replica it started or adopted.
    ///
    /// # Errors
    /// The dashboard's [`RunError`] (the others are still stopped).
    pub async fn stop(&self) -> Result<(), RunError> {
        let replicas = std::mem::take(&mut *self.inner.replicas.lock().await);
        self.route(&[]);
        let mut first_error = None;
        for replica in replicas {
            if let Err(error) = self.inner.client.stop(&replica.job).await {
                first_error.get_or_insert(RunError::from(error));
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Registers the serve application on the backend for backend job `job`: `POST
    /// serve_applications/` with status `RUNNING` and, as its data, the application's name,
    /// route prefix and replicas (the SDK's `register_serve_application`).
    ///
    /// # Errors
    /// As [`BackendClient::create_serve_application`].
    pub async fn register(&self, backend: &BackendClient, job: JobId) -> Result<ServeApplication, BackendError> {
        let replicas = self.replicas().await;
        let data = json!({
            "name": self.application_name(),
            "route_prefix": self.inner.settings.route_prefix.as_deref().map(|prefix| format!("/{}", prefix.trim_matches('/'))),
            "replicas": replicas,
        });
        let application = NewServeApplication { job, status: Some("RUNNING".to_owned()), data: Some(data) };
        backend.create_serve_application(&application).await
    }
}

/// The submission ids of plugin `plugin`'s replica jobs running on the cluster.
///
/// # Errors
/// The dashboard's [`RunError`].
pub async fn running_replica_jobs(client: &RayJobsClient, plugin: &str) -> Result<Vec<String>, RunError> {
    let jobs = client.list().await?;
    Ok(jobs
        .into_iter()
        .filter(|job| {
            job.status == JobStatus::Running
                && job.metadata.get("synapse.role").map(String::as_str) == Some(REPLICA_ROLE)
                && job.metadata.get("synapse.plugin").map(String::as_str) == Some(plugin)
        })
        .filter_map(|job| job.submission_id)
        .collect())
}

/// Stops replica jobs `jobs` and waits until Ray says each has ended (a job told to stop shows
/// RUNNING for a moment), up to a minute each.
///
/// # Errors
/// The dashboard's [`RunError`].
pub async fn stop_replica_jobs(client: &RayJobsClient, jobs: &[String]) -> Result<(), RunError> {
    for job in jobs {
        client.stop(job).await?;
    }
    for job in jobs {
        client.wait(job, Duration::from_secs(60)).await?;
    }
    Ok(())
}
