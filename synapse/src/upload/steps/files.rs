//! The steps that find and check the files: `organize_files` (each specification's folder
//! searched, files grouped by stem) and `validate_files` (each group checked by the
//! uploader).

use crate::error::Result;
use crate::steps::{Step, StepCx, StepInfo, StepSpec};
use crate::upload::UploadMessage;
use crate::upload::{FailedFile, SpecFiles, UploadError, UploadState, Uploader, group_files};
use std::path::PathBuf;

/// Finds each specification's files and groups them by stem (weight 0.15).
pub struct OrganizeFilesStep<U>(pub U);
/// Checks each group, leaving out the refused ones with their reasons (weight 0.10).
pub struct ValidateFilesStep<U>(pub U);

impl<U> StepInfo for OrganizeFilesStep<U> {
    const SPEC: StepSpec = StepSpec::new("organize_files", 0.15);
}
impl<U> StepInfo for ValidateFilesStep<U> {
    const SPEC: StepSpec = StepSpec::new("validate_files", 0.10);
}

/// The folder searched for each specification, and whether recursively: `<path>/<spec>/` in
/// single-path mode (specifications without a folder there are left out), the asset's folder
/// in multi-path mode.
fn folders(state: &UploadState) -> Vec<(String, PathBuf, bool)> {
    let Some(collection) = &state.collection else { return Vec::new() };
    let params = &state.params;
    collection
        .file_specifications
        .iter()
        .filter_map(|spec| match (&state.base, &params.assets) {
            (Some(base), _) if params.use_single_path => {
                let folder = base.join(&spec.name);
                folder.is_dir().then(|| (spec.name.clone(), folder, params.is_recursive))
            }
            (_, Some(assets)) => assets.get(&spec.name).map(|asset| {
                let folder = state.asset_folders.get(&spec.name).cloned().unwrap_or_else(|| PathBuf::from(&asset.path));
                (spec.name.clone(), folder, asset.is_recursive)
            }),
            _ => None,
        })
        .collect()
}

/// The names of the collection's file specifications.
fn spec_names(state: &UploadState) -> Vec<String> {
    state.collection.iter().flat_map(|c| c.file_specifications.iter().map(|spec| spec.name.clone())).collect()
}

/// The subfolders of `base` named after no specification, each with the nearest name.
fn unmatched_folders(base: &std::path::Path, specs: &[String]) -> Vec<(PathBuf, Option<String>)> {
    let Ok(entries) = std::fs::read_dir(base) else { return Vec::new() };
    let mut unmatched: Vec<(PathBuf, Option<String>)> = entries
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let skipped = crate::upload::EXCLUDED_DIRS.contains(&name.as_str()) || name.starts_with('.');
            (!skipped && !specs.contains(&name)).then(|| {
                let nearest = synapse_macros_core::errors::closest(&name, specs.iter().map(String::as_str));
                (entry.path(), nearest.map(str::to_owned))
            })
        })
        .collect();
    unmatched.sort();
    unmatched
}

/// How many files lie directly in `base`.
fn loose_files(base: &std::path::Path) -> usize {
    std::fs::read_dir(base)
        .map(|entries| entries.filter_map(|e| e.ok()).filter(|e| e.file_type().is_ok_and(|t| t.is_file())).count())
        .unwrap_or(0)
}

impl<U: Uploader> Step<UploadState> for OrganizeFilesStep<U> {
    type Undo = ();

    async fn execute(&self, cx: &mut StepCx<'_, UploadState>, _: &mut ()) -> Result<()> {
        let folders = folders(cx);
        let roots: Vec<PathBuf> = match (&cx.base, folders.is_empty()) {
            (Some(base), true) => vec![base.clone()],
            _ => folders.iter().map(|(_, folder, _)| folder.clone()).collect(),
        };
        let uploader = self.0.clone();
        let searched = folders.clone();
        let found = cx
            .spawn_blocking(move || {
                searched
                    .into_iter()
                    .map(|(spec, root, recursive)| {
                        let found = uploader.discover_files(&root, recursive)?;
                        Ok((SpecFiles { spec, root, files: found.files }, found.skipped))
                    })
                    .collect::<std::result::Result<Vec<_>, UploadError>>()
            })
            .await??;
        let mut specs = Vec::new();
        for (spec, skipped) in found {
            for skip in skipped {
                cx.log_message_code(&UploadMessage::PathSkipped { path: skip.to_string() });
                cx.log("path_skipped", &skip);
                cx.state().skipped_paths.push(skip);
            }
            specs.push(spec);
        }
        if let Some(base) = cx.base.clone().filter(|_| cx.params.use_single_path) {
            let specs = spec_names(cx);
            for (folder, nearest) in unmatched_folders(&base, &specs) {
                let hint = nearest.as_ref().map(|name| format!("; did you mean `{name}`?")).unwrap_or_default();
                cx.log_message_code(&UploadMessage::FolderUnmatched {
                    folder: folder.display().to_string(),
                    specifications: specs.join(", "),
                    hint,
                });
                cx.log("folder_unmatched", serde_json::json!({ "folder": folder, "did_you_mean": nearest }));
            }
        }
        let discovered: usize = specs.iter().map(|spec| spec.files.len()).sum();
        if discovered == 0 {
            let (missing, loose) = match cx.base.as_ref().filter(|_| cx.params.use_single_path) {
                Some(base) => {
                    let missing = spec_names(cx).iter().map(|name| base.join(name)).filter(|f| !f.is_dir()).collect();
                    (missing, loose_files(base))
                }
                None => (Vec::new(), 0),
            };
            return Err(UploadError::NoFiles { roots, missing, loose }.into());
        }
        let (groups, failed) = group_files(&specs, cx.metadata.as_ref());
        let with_meta = groups.iter().filter(|group| group.meta.is_some()).count();
        cx.log(
            "files_organized",
            serde_json::json!({
                "files": discovered, "groups": groups.len(), "with_metadata": with_meta,
                "left_out": failed.len(), "skipped_paths": cx.skipped_paths.len(),
            }),
        );
        cx.set_progress(1, 1);
        let state = cx.state();
        state.discovered = discovered;
        state.groups = groups;
        state.failed.extend(failed);
        Ok(())
    }

    async fn rollback(&self, cx: &mut StepCx<'_, UploadState>, _: ()) -> Result<()> {
        let state = cx.state();
        state.groups.clear();
        state.failed.clear();
        state.skipped_paths.clear();
        Ok(())
    }
}

impl<U: Uploader> Step<UploadState> for ValidateFilesStep<U> {
    type Undo = ();

    async fn execute(&self, cx: &mut StepCx<'_, UploadState>, _: &mut ()) -> Result<()> {
        let Some(collection) = cx.collection.clone() else {
            return Err(UploadError::NoSpecifications { id: cx.params.data_collection }.into());
        };
        if let Some(allowed) = self.0.allowed_extensions() {
            let types: Vec<String> =
                collection.file_specifications.iter().map(|spec| String::from(spec.file_type.clone())).collect();
            for key in allowed.keys().filter(|key| !types.contains(key)) {
                cx.log_message_code(&UploadMessage::ExtensionsKeyUnknown {
                    key: key.clone(),
                    collection: collection.id,
                    types: types.join(", "),
                });
            }
        }
        let groups = std::mem::take(&mut cx.state().groups);
        let total = groups.len() as u64;
        let (mut valid, mut failed) = (Vec::new(), Vec::new());
        for (index, group) in groups.into_iter().enumerate() {
            match self.0.validate(&group, &collection) {
                Ok(()) => valid.push(group),
                Err(refused) => {
                    for path in group.files.values() {
                        if refused.path != path.display().to_string() {
                            let reason = format!("its group `{}` was refused: {}", group.stem, refused.reason);
                            failed.push(FailedFile::new(path, reason));
                        }
                    }
                    failed.push(refused);
                }
            }
            cx.set_progress(index as u64 + 1, total);
        }
        cx.log("files_validated", serde_json::json!({ "valid_groups": valid.len(), "failed_files": failed.len() }));
        for refused in failed.iter().take(20) {
            cx.logger().warn(format!("left out: {refused}"));
        }
        let state = cx.state();
        state.failed.extend(failed);
        if valid.is_empty() {
            let total = state.discovered;
            return Err(UploadError::NothingUploaded { total, failed: state.failed.clone() }.into());
        }
        state.groups = valid;
        Ok(())
    }
}
