//! Submitting a job: `POST /api/jobs/`, once its submission id and the resources it asks for
//! were checked (against the cluster's nodes, see `resources.rs`).

use super::error::Call;
use super::{JobSubmission, RayError, RayJobsClient, check_feasible, resources, validate_submission_id};
use reqwest::Method;
use serde::Deserialize;

#[derive(Deserialize)]
struct SubmitResponse {
    submission_id: String,
}

impl RayJobsClient {
    /// Submits a job and returns its submission id: `POST /api/jobs/`.
    ///
    /// Before sending, the submission id is validated and, when the job asks for resources,
    /// the cluster's nodes are checked for them ([`RayError::Infeasible`] instead of a job that
    /// would wait for its start timeout). A taken submission id gives [`RayError::AlreadyExists`];
    /// other refusals [`RayError::SubmissionRejected`] with Ray's message.
    pub async fn submit(&self, submission: &JobSubmission) -> Result<String, RayError> {
        if let Some(id) = &submission.submission_id {
            validate_submission_id(id)?;
        }
        resources::validate_request(submission)?;
        if self.resource_check && !submission.requested_resources().is_empty() {
            self.ensure_feasible(submission).await?;
        }
        let path = "/api/jobs/";
        let request = self.request(Method::POST, path)?.json(submission);
        let response = self.send(request, "POST", path, Call::Submit(submission.submission_id.as_deref())).await?;
        let answer: SubmitResponse = self.decode(response, "POST", path).await?;
        Ok(answer.submission_id)
    }

    /// Checks that some alive node has the resources `submission` asks for: fetches the nodes
    /// and runs [`check_feasible`]. When the cluster cannot list its nodes (no state API), the
    /// check is skipped.
    pub async fn ensure_feasible(&self, submission: &JobSubmission) -> Result<(), RayError> {
        resources::validate_request(submission)?;
        if submission.requested_resources().is_empty() {
            return Ok(());
        }
        match self.nodes().await {
            Ok(nodes) => check_feasible(submission, &nodes),
            Err(error @ (RayError::Api { .. } | RayError::UnexpectedResponse { .. })) => {
                tracing::warn!("cannot check the job's resources against the Ray nodes: {error}");
                Ok(())
            }
            Err(error) => Err(error),
        }
    }
}
