//! Files grouped into data units by stem across specifications ([`group_files`]), and the
//! default check of a group ([`validate_group`]): its primary and required specifications
//! present, each file's extension allowed.

use super::{FailedFile, FailureCode, FileGroup, Metadata};
use crate::backend::DataCollection;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The files found for one specification: its name, the folder searched, the files.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecFiles {
    /// The specification's name (`image_1`).
    pub spec: String,
    /// The folder searched.
    pub root: PathBuf,
    /// The files found there.
    pub files: Vec<PathBuf>,
}

/// Groups `found` by file stem (`cat.png` of `image_1` and `cat.json` of `data_meta_1` make
/// one group), sorted by stem, each with its metadata row (by a file's name, then the stem).
/// A second file of one specification with the same stem (`cat.png`, `cat.jpg`) is left out,
/// returned with the reason.
///
/// ```
/// use synapse::upload::{SpecFiles, group_files};
/// let found = vec![
///     SpecFiles { spec: "image_1".into(), root: "/d/image_1".into(), files: vec!["/d/image_1/cat.png".into()] },
///     SpecFiles { spec: "data_meta_1".into(), root: "/d/data_meta_1".into(), files: vec!["/d/data_meta_1/cat.json".into()] },
/// ];
/// let (groups, failed) = group_files(&found, None);
/// assert_eq!(groups[0].stem, "cat");
/// assert_eq!(groups[0].relative["data_meta_1"], "data_meta_1/cat.json");
/// assert!(failed.is_empty());
/// ```
pub fn group_files(found: &[SpecFiles], metadata: Option<&Metadata>) -> (Vec<FileGroup>, Vec<FailedFile>) {
    let mut groups: BTreeMap<String, FileGroup> = BTreeMap::new();
    let mut failed = Vec::new();
    for spec in found {
        for path in &spec.files {
            let stem = path.file_stem().map(|stem| stem.to_string_lossy().into_owned()).unwrap_or_default();
            let group = groups.entry(stem.clone()).or_insert_with(|| FileGroup {
                stem: stem.clone(),
                files: BTreeMap::new(),
                relative: BTreeMap::new(),
                meta: None,
            });
            if let Some(first) = group.files.get(&spec.spec) {
                let reason = format!(
                    "`{}` already has a file with the stem `{stem}` ({}); a unit takes one file per specification",
                    spec.spec,
                    first.display()
                );
                failed.push(FailedFile::new(path, reason).with_code(FailureCode::DuplicateFile));
                continue;
            }
            let relative = path.strip_prefix(&spec.root).unwrap_or(path);
            group.relative.insert(spec.spec.clone(), format!("{}/{}", spec.spec, slashed(relative)));
            group.files.insert(spec.spec.clone(), path.clone());
        }
    }
    let mut groups: Vec<FileGroup> = groups.into_values().collect();
    if let Some(metadata) = metadata {
        for group in &mut groups {
            let names: Vec<String> = group
                .files
                .values()
                .filter_map(|path| path.file_name().map(|name| name.to_string_lossy().into_owned()))
                .chain([group.stem.clone()])
                .collect();
            group.meta = metadata.row(names.iter().map(String::as_str)).cloned();
        }
    }
    (groups, failed)
}

fn slashed(path: &Path) -> String {
    path.components().map(|part| part.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// The extensions a specification takes: its `configuration.extensions` (`[".png", "jpg"]`),
/// lowercase without the dot; `None` when it names none.
pub fn spec_extensions(configuration: &serde_json::Value) -> Option<Vec<String>> {
    let list = configuration.get("extensions")?.as_array()?;
    let extensions: Vec<String> =
        list.iter().filter_map(|ext| ext.as_str()).map(|ext| ext.trim_start_matches('.').to_lowercase()).collect();
    (!extensions.is_empty()).then_some(extensions)
}

/// The default check of a group (the SDK's `DefaultValidationStrategy.validate_files`): each
/// file's extension is one its specification's `configuration.extensions` and `allowed` (by
/// file type, as [`Uploader::allowed_extensions`](super::Uploader::allowed_extensions) gives
/// it) take, and the primary and every required specification have a file. The refusal names
/// the file at fault (for a missing specification: the group's first file) and why.
///
/// # Errors
/// The first [`FailedFile`] found.
pub fn validate_group(
    group: &FileGroup,
    collection: &DataCollection,
    allowed: Option<&BTreeMap<String, Vec<String>>>,
) -> Result<(), FailedFile> {
    for (spec_name, path) in &group.files {
        let Some(spec) = collection.specification(spec_name) else {
            return Err(FailedFile::new(
                path,
                format!("data collection {} has no specification `{spec_name}`", collection.id),
            )
            .with_code(FailureCode::MissingRequiredData));
        };
        let extension = path.extension().map(|ext| ext.to_string_lossy().to_lowercase()).unwrap_or_default();
        let kind = String::from(spec.file_type.clone());
        let by_type = allowed
            .and_then(|allowed| allowed.get(&kind))
            .map(|list| list.iter().map(|ext| ext.trim_start_matches('.').to_lowercase()).collect::<Vec<_>>());
        for (list, whose) in [(spec_extensions(&spec.configuration), "its specification"), (by_type, "this uploader")] {
            if let Some(list) = list
                && !list.contains(&extension)
            {
                let reason = format!(
                    "extension `.{extension}` is not allowed for `{spec_name}` ({kind}): {whose} takes {}",
                    list.iter().map(|ext| format!(".{ext}")).collect::<Vec<_>>().join(", ")
                );
                return Err(FailedFile::new(path, reason).with_code(FailureCode::UnsupportedExtension));
            }
        }
    }
    let first = group.files.values().next().cloned().unwrap_or_default();
    for spec in &collection.file_specifications {
        if (spec.is_required || spec.is_primary) && !group.files.contains_key(&spec.name) {
            let role = if spec.is_primary { "primary" } else { "required" };
            let reason = format!("group `{}` has no file for the {role} specification `{}`", group.stem, spec.name);
            return Err(FailedFile::new(first, reason).with_code(FailureCode::MissingRequiredData));
        }
    }
    Ok(())
}
