//! The finalize of a chunked upload (`POST <url> {"md5": …}`), and what is done when its
//! response is lost: `GET chunked_upload/{id}/` until it shows `completed_at` (the SDK's
//! `_recheck_finalized_chunked_upload`), the finalize sent again only when the backend shows the
//! upload not completed.

use super::{ChunkedUpload, ChunkedUploadOptions, UploadId};
use crate::backend::{BackendClient, BackendError};
use reqwest::Method;
use serde_json::json;
use std::time::{Duration, Instant};

/// Whether the backend may have applied a finalize that failed this way: its answer was lost,
/// or it failed (5xx) while it may have been assembling the file.
fn maybe_applied(error: &BackendError) -> bool {
    match error {
        BackendError::ResponseLost { .. } => true,
        BackendError::Status { status, .. } => *status >= 500,
        _ => false,
    }
}

/// What a recheck found.
enum Recheck {
    /// Completed: its state.
    Completed(ChunkedUpload),
    /// The backend answered, and the upload is not completed.
    NotCompleted,
    /// The backend never answered.
    Unknown,
}

impl BackendClient {
    /// Finalizes the upload `id` at `url` with `md5`; a lost finalize is rechecked, and sent
    /// again once only when the backend shows it was not applied.
    pub(super) async fn finalize_upload(
        &self,
        url: &reqwest::Url,
        id: &UploadId,
        md5: &str,
        options: &ChunkedUploadOptions,
    ) -> Result<ChunkedUpload, BackendError> {
        let body = json!({ "md5": md5 });
        let first = self.post_finalize(url, &body, options.timeout).await;
        let error = match first {
            Ok(done) => return Ok(done),
            Err(error) if maybe_applied(&error) => error,
            Err(error) => return Err(error),
        };
        tracing::warn!("the finalize of chunked upload {id} failed ({error}); asking the backend whether it completed");
        match self.recheck(id, options).await {
            Recheck::Completed(done) => Ok(done),
            Recheck::Unknown => Err(error),
            Recheck::NotCompleted => {
                tracing::warn!("chunked upload {id} is not completed on the backend; sending its finalize again");
                match self.post_finalize(url, &body, options.timeout).await {
                    Ok(done) => Ok(done),
                    // Completed meanwhile ("Upload has already been completed")?
                    Err(again) => match self.upload_state(id).await {
                        Ok(state) if completed(&state) => Ok(state),
                        _ => Err(again),
                    },
                }
            }
        }
    }

    async fn post_finalize(
        &self,
        url: &reqwest::Url,
        body: &serde_json::Value,
        timeout: Duration,
    ) -> Result<ChunkedUpload, BackendError> {
        let method = Method::POST;
        let response = self
            .http()
            .post(url.clone())
            .json(body)
            .timeout(timeout)
            .send()
            .await
            .map_err(|error| self.transport(&method, url, &error))?;
        let status = response.status();
        let text = response.text().await.map_err(|error| self.lost(&method, url, &error))?;
        if !status.is_success() {
            return Err(BackendError::Status {
                method: method.to_string(),
                path: self.path_of(url),
                status: status.as_u16(),
                message: crate::backend::error::server_message(&text),
            });
        }
        self.decode(&method, url, &text)
    }

    /// `GET chunked_upload/{id}/`.
    async fn upload_state(&self, id: &UploadId) -> Result<ChunkedUpload, BackendError> {
        self.get(&format!("chunked_upload/{id}/"), &[]).await
    }

    /// Asks for the upload's state as the recheck policy says, until it shows `completed_at`.
    async fn recheck(&self, id: &UploadId, options: &ChunkedUploadOptions) -> Recheck {
        let policy = options.recheck;
        let deadline = Instant::now() + policy.budget;
        let mut found = Recheck::Unknown;
        for attempt in 0..policy.attempts.max(1) {
            match self.upload_state(id).await {
                Ok(state) if completed(&state) => {
                    tracing::warn!(
                        "chunked upload {id}: the finalize's response was lost but the backend completed it \
                         (check {}); not sending it again",
                        attempt + 1
                    );
                    return Recheck::Completed(state);
                }
                Ok(_) => found = Recheck::NotCompleted,
                Err(error) => tracing::debug!("rechecking chunked upload {id}: {error}"),
            }
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() || attempt + 1 >= policy.attempts {
                break;
            }
            let bound = policy.base.saturating_mul(2u32.saturating_pow(attempt));
            tokio::time::sleep(bound.mul_f64(crate::backend::client::jitter()).min(remaining)).await;
        }
        found
    }
}

/// Whether a state shows the upload completed: a non-empty `completed_at` (what the SDK trusts,
/// not `status`).
fn completed(state: &ChunkedUpload) -> bool {
    state.completed_at.as_deref().is_some_and(|at| !at.trim().is_empty())
}
