//! `upload`: the uploader's hooks, each with the SDK's default until changed here.

use std::collections::BTreeMap;
use synapse::backend::DataCollection;
use synapse::prelude::*;
use synapse::upload::{FailedFile, FileGroup, UploadParams, UploadResult, Uploader, run_upload, validate_group};

/// The uploader. Its other hooks (`discover_files`, `metadata`, `upload`, `data_units`) keep
/// the SDK's behaviour until you override them here.
#[derive(Debug, Clone, Copy, Default)]
pub struct FolderUploader;

impl Uploader for FolderUploader {
    /// The extensions allowed per file specification kind (`None`: the SDK's defaults).
    fn allowed_extensions(&self) -> Option<BTreeMap<String, Vec<String>>> {
        let images = [".png", ".jpg", ".jpeg", ".webp"].map(str::to_owned).to_vec();
        Some(BTreeMap::from([("image".to_owned(), images)]))
    }

    /// A unit refused before upload is recorded as failed, with why: here the default checks
    /// (every required specification present, allowed extensions), then no empty file.
    fn validate(&self, group: &FileGroup, collection: &DataCollection) -> std::result::Result<(), FailedFile> {
        validate_group(group, collection, self.allowed_extensions().as_ref())?;
        for path in group.files.values() {
            if std::fs::metadata(path).is_ok_and(|meta| meta.len() == 0) {
                return Err(FailedFile::new(path.clone(), format!("`{}` is empty", path.display())));
            }
        }
        Ok(())
    }
}

/// Uploads a folder into a data collection through the uploader's hooks (`FolderUploader`).
#[action(name = "upload", method = Job, category = Upload)]
pub struct Upload;

impl Action for Upload {
    type Params = UploadParams;
    type Output = UploadResult;

    async fn execute(&self, params: UploadParams, ctx: &Context) -> Result<UploadResult> {
        Ok(run_upload(ctx, params, &FolderUploader).await?)
    }
}
