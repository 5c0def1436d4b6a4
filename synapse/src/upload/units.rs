//! The default data unit strategy ([`create_units`]): `POST data_units/` in batches, up to
//! `workers` batches at once, each retried on a passing failure; the ids recorded as they come.

use super::UploadError;
use crate::backend::{BackendClient, BackendError, DataUnitCreate};
use crate::context::Context;
use futures_util::StreamExt;

/// How [`create_units`] sends units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitOptions {
    /// Units per request (`creating_data_unit_batch_size`).
    pub batch_size: usize,
    /// Requests in flight at once (`creating_data_unit_max_workers`).
    pub workers: usize,
    /// More tries of a batch after a passing failure (`upload_max_retries`): unreachable, 429,
    /// 502, 503, 504. A lost response is never sent again (its units may exist).
    pub retries: u32,
}

/// Creates `units` as `options` says, pushing each created unit's id onto `created` as its
/// batch succeeds (so a rollback deletes them even when a later batch fails), and the units
/// done as `ctx`'s progress.
///
/// # Errors
/// [`UploadError::Units`] for the first batch that failed after its retries; the batches
/// already in flight finish first (their ids are in `created`).
pub async fn create_units(
    ctx: &Context,
    client: &BackendClient,
    units: &[DataUnitCreate],
    options: &UnitOptions,
    created: &mut Vec<u64>,
) -> Result<(), UploadError> {
    let size = options.batch_size.max(1);
    let count = units.len().div_ceil(size);
    let total = units.len() as u64;
    let mut stream = futures_util::stream::iter((0..count).map(|index| async move {
        let batch = &units[index * size..((index + 1) * size).min(units.len())];
        let mut attempts = 0;
        loop {
            attempts += 1;
            match client.create_data_units(batch).await {
                Ok(made) => return Ok(made),
                Err(error) if retryable(&error) && attempts <= options.retries => {
                    tracing::debug!("data unit batch {} of {count}: trying again after: {error}", index + 1);
                    tokio::time::sleep(client.retry_policy().backoff(attempts)).await;
                }
                Err(source) => {
                    return Err(UploadError::Units {
                        batch: index + 1,
                        batches: count,
                        units: batch.len(),
                        attempts,
                        source: Box::new(source),
                    });
                }
            }
        }
    }))
    .buffered(options.workers.max(1));
    let mut first_error = None;
    while let Some(outcome) = stream.next().await {
        match outcome {
            Ok(made) => {
                created.extend(made.iter().map(|unit| unit.id));
                ctx.set_progress(created.len() as u64, total);
            }
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
        if first_error.is_some() && options.workers <= 1 {
            break;
        }
    }
    first_error.map_or(Ok(()), Err)
}

fn retryable(error: &BackendError) -> bool {
    error.is_transient() && !matches!(error, BackendError::ResponseLost { .. })
}
