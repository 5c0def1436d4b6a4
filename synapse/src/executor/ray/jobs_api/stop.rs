//! Stopping a running job: `POST /api/jobs/{id}/stop`. Deleting its record once it is over is
//! in `delete.rs`.

use super::error::Call;
use super::{RayError, RayJobsClient, validate_submission_id};
use reqwest::Method;
use serde::Deserialize;

#[derive(Deserialize)]
struct StopResponse {
    stopped: bool,
}

impl RayJobsClient {
    /// Stops a running job (SIGTERM to its process group, SIGKILL after 3 s): `POST
    /// /api/jobs/{id}/stop`. Returns `false` when the job was already over.
    pub async fn stop(&self, id: &str) -> Result<bool, RayError> {
        validate_submission_id(id)?;
        let path = format!("/api/jobs/{id}/stop");
        let request = self.request(Method::POST, &path)?;
        let response = self.send(request, "POST", &path, Call::Job(id)).await?;
        let answer: StopResponse = self.decode(response, "POST", &path).await?;
        Ok(answer.stopped)
    }
}
