//! The `upload_files` step: checksums, local duplicates, the server's checksums and the
//! uploader's strategy, pipelined (a batch of [`CHECKSUM_BATCH`] files is verified and sent
//! while the next one is read); rolled back by deleting the data files made.

use super::{client, metrics};
use crate::backend::{BackendClient, CHECKSUM_BATCH, FileDeletion};
use crate::context::Context;
use crate::error::Result;
use crate::events::LogLevel;
use crate::steps::{Step, StepCx, StepInfo, StepSpec};
use crate::upload::UploadMessage;
use crate::upload::{
    FailedFile, FailureCode, FileGroup, LocalFile, TransferOptions, TransferReport, UploadError, UploadState,
    UploadedFile, Uploader, checksum_stream, supports_presigned,
};
use futures_util::StreamExt;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

/// Computes checksums, drops local duplicates, skips what the backend has, uploads the rest
/// with the uploader's strategy (weight 0.30). Its rollback deletes the data files it made.
///
/// The phases overlap: the files are read in the groups' order; each batch of
/// [`CHECKSUM_BATCH`] new contents is checked against the backend
/// (`POST data_files/verify_checksums/`) as soon as it is read, and what the backend lacks is
/// handed to [`Uploader::upload`] while the next batch is read. The strategy is called once
/// per batch, with [`TransferOptions::done_before`] and [`TransferOptions::total`] set so
/// that the step's progress runs over all of its files.
pub struct UploadFilesStep<U>(pub U);

impl<U> StepInfo for UploadFilesStep<U> {
    const SPEC: StepSpec = StepSpec::new("upload_files", 0.30);
}

/// Paths left out (path → code, reason).
type Bad = HashMap<PathBuf, (FailureCode, String)>;

/// Leaves out the groups with a file in `bad`, recording each of their files (the others with
/// the code of the file that took the group out).
pub(super) fn drop_groups(state: &mut UploadState, bad: &Bad) {
    let groups = std::mem::take(&mut state.groups);
    for group in groups {
        let Some((culprit, (code, reason))) = group.files.values().find_map(|path| bad.get(path).map(|c| (path, c)))
        else {
            state.groups.push(group);
            continue;
        };
        for path in group.files.values() {
            let reason = if path == culprit {
                reason.clone()
            } else {
                format!("its group `{}` lost {}: {reason}", group.stem, culprit.display())
            };
            state.failed.push(FailedFile::new(path, reason).with_code(*code));
        }
    }
}

/// What reading and verifying the files found.
#[derive(Default)]
struct Read {
    local: HashMap<PathBuf, LocalFile>,
    bad: Bad,
    duplicates: usize,
    /// Contents the backend already has.
    present: Vec<LocalFile>,
    existing: HashSet<String>,
}

/// Reads the files of `groups` in order, drops local duplicates, verifies each batch of new
/// contents with the backend and sends what it lacks on `to_send`.
async fn read_and_verify(
    ctx: &Context,
    client: &BackendClient,
    groups: &[FileGroup],
    primary: Option<&str>,
    workers: usize,
    to_send: tokio::sync::mpsc::Sender<Vec<LocalFile>>,
) -> std::result::Result<Read, UploadError> {
    let paths: Vec<PathBuf> = groups.iter().flat_map(|group| group.files.values().cloned()).collect();
    let total = paths.len() as u64;
    let mut stream = std::pin::pin!(checksum_stream(paths, workers));
    let mut read = Read::default();
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    let (mut by_sum, mut pending, mut done) = (HashSet::new(), Vec::new(), 0);
    for (index, group) in groups.iter().enumerate() {
        let mut files = Vec::with_capacity(group.files.len());
        for _ in 0..group.files.len() {
            match stream.next().await {
                Some(Ok(file)) => files.push(file),
                Some(Err(failed)) => drop(read.bad.insert(PathBuf::from(&failed.path), (failed.code, failed.reason))),
                None => {}
            }
            done += 1;
            ctx.set_category_progress("checksums", done, total);
        }
        let complete = files.len() == group.files.len();
        // Local duplicates: a group whose primary file has the content of an earlier group's.
        if let Some(path) = primary.and_then(|spec| group.files.get(spec))
            && let Some(file) = files.iter().find(|file| &file.path == path)
        {
            if let Some(first) = seen.get(&file.checksum) {
                let reason = format!("duplicate of {} (same content); left out", first.display());
                read.bad.insert(path.clone(), (FailureCode::DuplicateFile, reason));
                read.duplicates += 1;
            } else if complete {
                seen.insert(file.checksum.clone(), path.clone());
            }
        }
        let kept = complete && group.files.values().all(|path| !read.bad.contains_key(path));
        for file in files {
            if kept && by_sum.insert(file.checksum.clone()) {
                pending.push(file.clone());
            }
            read.local.insert(file.path.clone(), file);
        }
        if pending.len() >= CHECKSUM_BATCH || (index + 1 == groups.len() && !pending.is_empty()) {
            let batch = std::mem::take(&mut pending);
            let sums: Vec<String> = batch.iter().map(|file| file.checksum.clone()).collect();
            let existing: HashSet<String> = client
                .verify_checksums(&sums)
                .await
                .map_err(|error| UploadError::Checksums(Box::new(error)))?
                .into_iter()
                .collect();
            let (present, send): (Vec<LocalFile>, Vec<LocalFile>) =
                batch.into_iter().partition(|file| existing.contains(&file.checksum));
            read.existing.extend(existing);
            read.present.extend(present);
            if !send.is_empty() && to_send.send(send).await.is_err() {
                // The strategy stopped the step: nothing more is sent.
                break;
            }
        }
    }
    Ok(read)
}

impl<U: Uploader> Step<UploadState> for UploadFilesStep<U> {
    /// The data files made, by id.
    type Undo = Vec<u64>;

    async fn execute(&self, cx: &mut StepCx<'_, UploadState>, made: &mut Vec<u64>) -> Result<()> {
        let ctx = cx.ctx().clone();
        let client = client(&ctx)?;
        let params = cx.params.clone();
        let workers = params.upload_max_workers as usize;
        let groups = cx.groups.clone();
        let found = groups.iter().map(|group| group.files.len()).sum::<usize>();
        metrics(cx, "data_files", found, 0, 0);
        let primary = cx.collection.as_ref().and_then(|collection| collection.primary()).map(|spec| spec.name.clone());
        let presigned = cx.storage.as_ref().is_some_and(supports_presigned);
        let mut options = TransferOptions {
            presigned,
            chunked_threshold: params.chunked_threshold(),
            workers,
            retries: params.upload_max_retries as u32,
            batch_size: params.upload_batch_size as usize,
            done_before: 0,
            total: found as u64,
        };
        let (sender, mut batches) = tokio::sync::mpsc::channel(2);
        let reading = read_and_verify(&ctx, &client, &groups, primary.as_deref(), workers, sender);
        let sending = async {
            let (mut report, mut sent, mut outcome) = (TransferReport::default(), Vec::new(), Ok(()));
            while let Some(batch) = batches.recv().await {
                outcome = self.0.upload(&ctx, &client, &batch, &options, &mut report).await;
                options.done_before += batch.len() as u64;
                sent.extend(batch);
                if outcome.is_err() {
                    break;
                }
            }
            drop(batches);
            (report, sent, outcome)
        };
        let (read, (report, to_send, sent)) = tokio::join!(reading, sending);
        made.extend(report.uploaded.iter().filter_map(|file| file.data_file_id));
        sent?;
        let Read { local, mut bad, duplicates, present, existing } = read?;
        cx.state().duplicates = duplicates;
        cx.state().checksums = local.iter().map(|(path, file)| (path.clone(), file.checksum.clone())).collect();
        let made_sums: Vec<(u64, String)> =
            report.uploaded.iter().filter_map(|file| file.data_file_id.map(|id| (id, file.checksum.clone()))).collect();
        // The content on the backend is the content read here.
        let sums_of: HashMap<&PathBuf, &str> =
            to_send.iter().map(|file| (&file.path, file.checksum.as_str())).collect();
        let mut on_backend: HashMap<String, UploadedFile> = HashMap::new();
        for file in report.uploaded {
            match sums_of.get(&file.path) {
                Some(sum) if *sum != file.checksum => {
                    let reason = format!("the backend's checksum {} differs from the file's {sum}", file.checksum);
                    bad.insert(file.path.clone(), (FailureCode::ChecksumMismatch, reason));
                }
                _ => drop(on_backend.insert(file.checksum.clone(), file)),
            }
        }
        for file in report.failed {
            bad.insert(PathBuf::from(&file.path), (file.code, file.reason));
        }
        for file in present {
            let uploaded = UploadedFile { path: file.path, data_file_id: None, checksum: file.checksum.clone() };
            on_backend.insert(file.checksum, uploaded);
        }
        drop_groups(cx.state(), &bad);
        // The data files made for groups left out: no unit will name them.
        let kept: HashSet<&String> = cx
            .groups
            .iter()
            .flat_map(|group| group.files.values())
            .filter_map(|path| local.get(path))
            .map(|file| &file.checksum)
            .collect();
        let unused: Vec<u64> = made_sums.iter().filter(|(_, sum)| !kept.contains(sum)).map(|(id, _)| *id).collect();
        let mut removed = Vec::new();
        for id in unused {
            match client.delete_data_file(id).await {
                Ok(FileDeletion::Deleted) => removed.push(id),
                Ok(FileDeletion::Orphaned { status, message, .. }) => {
                    cx.logger()
                        .warn(format!("data file {id} of a group left out stays on the backend: {status} {message}"));
                }
                Err(error) => {
                    cx.logger().warn(format!("data file {id} of a group left out stays on the backend: {error}"))
                }
            }
        }
        made.retain(|id| !removed.contains(id));
        on_backend.retain(|_, file| file.data_file_id.is_none_or(|id| !removed.contains(&id)));
        if !removed.is_empty() {
            cx.log("unused_data_files_deleted", json!({ "ids": removed }));
        }
        let uploaded: Vec<UploadedFile> = on_backend.into_values().collect();
        metrics(cx, "data_files", 0, uploaded.len(), found.saturating_sub(uploaded.len()));
        cx.set_progress(found as u64, found as u64);
        cx.log(
            "files_uploaded",
            json!({
                "uploaded": made.len(), "already_on_backend": existing.len(), "duplicates": duplicates,
                "failed": bad.len(), "presigned": presigned,
            }),
        );
        if !bad.is_empty() {
            cx.log_message_code(&UploadMessage::FilesFailed { count: bad.len() });
        }
        let state = cx.state();
        state.uploaded = uploaded;
        if state.groups.is_empty() {
            return Err(UploadError::NothingUploaded { total: state.discovered, failed: state.failed.clone() }.into());
        }
        Ok(())
    }

    async fn rollback(&self, cx: &mut StepCx<'_, UploadState>, made: Vec<u64>) -> Result<()> {
        cx.state().uploaded.clear();
        cx.state().checksums.clear();
        if made.is_empty() {
            return Ok(());
        }
        let client = client(cx.ctx())?;
        let (mut deleted, mut orphaned, mut reasons) = (Vec::new(), Vec::new(), Vec::new());
        for id in made.into_iter().rev() {
            match client.delete_data_file(id).await {
                Ok(FileDeletion::Deleted) => deleted.push(id),
                Ok(FileDeletion::Orphaned { status, message, .. }) => {
                    orphaned.push(id);
                    reasons.push(format!("{id}: {status} {message}"));
                }
                Err(error) => {
                    orphaned.push(id);
                    reasons.push(format!("{id}: {error}"));
                }
            }
        }
        cx.log("data_files_deleted", json!({ "ids": deleted }));
        if orphaned.is_empty() {
            return Ok(());
        }
        cx.ctx().log_at(LogLevel::Warning, "orphaned_data_files", json!({ "ids": orphaned, "reasons": reasons }));
        cx.state().orphaned_data_files.extend(&orphaned);
        Err(UploadError::Orphaned { ids: orphaned, reason: reasons.join("; ") }.into())
    }
}
