//! The upload actions: `upload`, the SDK's default upload of a folder into a data collection,
//! and `upload_strict`, the same with an uploader of its own that takes PNG and JPEG images
//! only and refuses a unit without its row in the metadata file.

use std::collections::BTreeMap;
use synapse::backend::DataCollection;
use synapse::prelude::*;
use synapse::upload::{
    DefaultUploader, FailedFile, FileGroup, UploadParams, UploadResult, Uploader, run_upload, validate_group,
};

/// Uploads a folder (a subfolder per file specification) into a data collection.
#[action(name = "upload", category = Upload)]
pub struct Upload;

impl Action for Upload {
    type Params = UploadParams;
    type Output = UploadResult;

    async fn execute(&self, params: UploadParams, ctx: &Context) -> Result<UploadResult> {
        Ok(run_upload(ctx, params, &DefaultUploader).await?)
    }
}

/// Uploads PNG and JPEG images only, each with its row in the metadata file.
#[action(name = "upload_strict", method = Job, category = Upload)]
pub struct UploadStrict;

impl Action for UploadStrict {
    type Params = UploadParams;
    type Output = UploadResult;

    async fn execute(&self, params: UploadParams, ctx: &Context) -> Result<UploadResult> {
        Ok(run_upload(ctx, params, &Strict).await?)
    }
}

/// The uploader of `upload_strict`: images of two extensions, and a metadata row per unit.
#[derive(Debug, Clone, Copy)]
pub struct Strict;

impl Uploader for Strict {
    fn allowed_extensions(&self) -> Option<BTreeMap<String, Vec<String>>> {
        Some(BTreeMap::from([("image".to_owned(), vec![".png".to_owned(), ".jpg".to_owned(), ".jpeg".to_owned()])]))
    }

    fn validate(&self, group: &FileGroup, collection: &DataCollection) -> std::result::Result<(), FailedFile> {
        // The default checks, with this uploader's extensions.
        validate_group(group, collection, self.allowed_extensions().as_ref())?;
        if group.meta.is_some() {
            return Ok(());
        }
        let first = group.files.values().next().cloned().unwrap_or_default();
        Err(FailedFile::new(first, format!("group `{}` has no row in the metadata file", group.stem)))
    }
}
