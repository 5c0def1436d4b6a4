//! Deleting a finished job's record and log: `DELETE /api/jobs/{id}`, not before Ray's job
//! monitor is done with it ([`DELETE_SETTLE`]). Stopping a running job first is in `stop.rs`.

use super::error::Call;
use super::{RayError, RayJobsClient};
use reqwest::Method;
use serde::Deserialize;
use std::time::{Duration, SystemTime};

/// How long Ray needs after a job ended before its record can be deleted for good: a DELETE
/// sooner than about 2 s after the terminal status races Ray's job monitor, which then writes
/// the record back as a FAILED "ghost" (`JOB_SUPERVISOR_ACTOR_DIED`, entrypoint "Entrypoint not
/// found.").
pub const DELETE_SETTLE: Duration = Duration::from_secs(3);

#[derive(Deserialize)]
struct DeleteResponse {
    deleted: bool,
}

impl RayJobsClient {
    /// Deletes a finished job's record and log: `DELETE /api/jobs/{id}`.
    ///
    /// A job that is not finished gives [`RayError::JobNotTerminal`] (stop it and wait first).
    /// If the job ended less than [`DELETE_SETTLE`] ago (measured on the dashboard's clock),
    /// this waits out the rest first: Ray writes the record of a job deleted sooner back as a
    /// FAILED ghost. So the call can take up to about 4 s.
    pub async fn delete(&self, id: &str) -> Result<bool, RayError> {
        let (details, server_now) = self.status_with_date(id).await?;
        if !details.status.is_terminal() {
            return Err(RayError::JobNotTerminal { id: id.to_owned(), status: details.status });
        }
        let now = server_now.unwrap_or_else(SystemTime::now);
        let wait = match details.ended_at() {
            Some(ended) => DELETE_SETTLE.saturating_sub(now.duration_since(ended).unwrap_or_default()),
            None => DELETE_SETTLE,
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        let path = format!("/api/jobs/{id}");
        let request = self.request(Method::DELETE, &path)?;
        let response = self.send(request, "DELETE", &path, Call::Delete(id)).await?;
        let answer: DeleteResponse = self.decode(response, "DELETE", &path).await?;
        Ok(answer.deleted)
    }
}
