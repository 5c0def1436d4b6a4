//! Ray: the distributed engine. Job mode submits one Ray job per run over the Jobs REST API;
//! task mode keeps the plugin binary resident as a long-running Ray job and sends it runs.
//! (A whole pipeline as one job is `pipeline::RayPipelineExecutor`, with the `store` feature,
//! built on the job mode here.)
//!
//! Nothing here needs Python on the client: the dashboard's REST API and its package upload
//! endpoint are enough.

pub mod job;
pub mod jobs_api;
pub mod package;
pub(crate) mod resident;
pub(crate) mod shipment;
pub mod task;
pub mod worker;
pub mod worker_client;

pub use job::{RayJob, RayJobExecutor};
pub use jobs_api::{
    JobDetails, JobStatus, JobSubmission, LogChunk, LogFollower, NodeInfo, RayError, RayJobsClient, RayVersion,
    RuntimeEnv, Timeouts, UNREACHABLE_HINT, check_feasible, submission_id, validate_submission_id,
};
pub use package::{PackageBuilder, PackageEntry, PackageError, PluginPackage};
pub use task::RayTaskExecutor;
