//! What Ray reports about jobs: one job's status (`GET /api/jobs/{id}`), waiting for it to be
//! over, and every job the cluster knows. The status with the dashboard's clock
//! (`status_with_date`) is for `delete.rs`, which waits on it.

use super::error::Call;
use super::http::parse_http_date;
use super::{JobDetails, RayError, RayJobsClient, validate_submission_id};
use reqwest::Method;
use reqwest::header::DATE;
use std::time::{Duration, Instant, SystemTime};

impl RayJobsClient {
    /// A job's status and details: `GET /api/jobs/{id}`.
    pub async fn status(&self, id: &str) -> Result<JobDetails, RayError> {
        Ok(self.status_with_date(id).await?.0)
    }

    /// Waits until the job's status is terminal and returns its details, polling every 50 ms at
    /// first and at most every 500 ms later. Fails with [`RayError::WaitTimeout`] after
    /// `timeout`.
    pub async fn wait(&self, id: &str, timeout: Duration) -> Result<JobDetails, RayError> {
        let started = Instant::now();
        let mut interval = Duration::from_millis(50);
        loop {
            let details = self.status(id).await?;
            if details.status.is_terminal() {
                return Ok(details);
            }
            let elapsed = started.elapsed();
            if elapsed >= timeout {
                return Err(RayError::WaitTimeout { id: id.to_owned(), status: details.status, after: elapsed });
            }
            tokio::time::sleep(interval.min(timeout - elapsed)).await;
            interval = (interval * 3 / 2).min(Duration::from_millis(500));
        }
    }

    /// Every job the cluster knows: `GET /api/jobs/` (Ray has no filter or paging).
    pub async fn list(&self) -> Result<Vec<JobDetails>, RayError> {
        self.get_json("/api/jobs/", Call::Plain).await
    }

    /// The job's details and the dashboard's clock at the time of the answer (its `Date`
    /// header), when it sent one.
    pub(super) async fn status_with_date(&self, id: &str) -> Result<(JobDetails, Option<SystemTime>), RayError> {
        validate_submission_id(id)?;
        let path = format!("/api/jobs/{id}");
        let request = self.request(Method::GET, &path)?;
        let response = self.send(request, "GET", &path, Call::Job(id)).await?;
        let date = response.headers().get(DATE).and_then(parse_http_date);
        Ok((self.decode(response, "GET", &path).await?, date))
    }
}
