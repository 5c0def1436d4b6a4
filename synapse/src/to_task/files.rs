//! A task's files: its data unit's files with their URLs ([`TaskFile`]), the primary one, the
//! one of a specification, and their download into the run's directory.

use crate::backend::{BackendClient, DataUnitFile, DataUnitRef, Task};
use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A file of a task's data unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFile {
    /// Its specification's name (`image_1`, `label_1`): the key of the unit's `files`.
    pub specification: String,
    /// Its URL (absolute, or relative to the backend's host).
    pub url: String,
    /// Its original name (`file_name_original`, else `filename`, else `name`).
    pub file_name: Option<String>,
    /// Whether it is the unit's primary file.
    pub is_primary: bool,
}

impl TaskFile {
    /// The name it is saved under: its file name without directories, else its specification.
    pub fn local_name(&self) -> String {
        self.file_name
            .as_deref()
            .and_then(|name| Path::new(name).file_name())
            .map(|name| name.to_string_lossy().into_owned())
            .filter(|name| !name.is_empty() && name != "." && name != "..")
            .unwrap_or_else(|| self.specification.clone())
    }

    /// Downloads it into `dir` (as `<specification>-<local name>`); the path.
    ///
    /// # Errors
    /// As [`BackendClient::download`], with the task's file named.
    pub async fn download(&self, client: &BackendClient, dir: &Path) -> Result<PathBuf> {
        let path = dir.join(format!("{}-{}", self.specification, self.local_name()));
        client.download(&self.url, &path).await.map_err(|error| {
            Error::new(error).context(format!("downloading the task's `{}` file", self.specification))
        })?;
        Ok(path)
    }
}

/// The files of `task`'s data unit with a URL, by specification name: the expanded unit's (or
/// the listing's), else `GET data_units/{id}/?expand=files` (the SDK's fallback).
///
/// # Errors
/// When the task has no data unit, or its unit no file with a URL; a backend failure of the
/// fallback.
pub(super) async fn task_files(client: &BackendClient, task: &Task) -> Result<Vec<TaskFile>> {
    let mut files: Option<BTreeMap<String, DataUnitFile>> = task.unit_files().cloned();
    if files.as_ref().is_none_or(BTreeMap::is_empty) {
        let unit = match &task.data_unit {
            Some(DataUnitRef::Id(id)) => Some(*id),
            Some(DataUnitRef::Expanded(unit)) => Some(unit.id),
            None => None,
        };
        let Some(unit) = unit else { return Err(Error::msg("the task has no data unit")) };
        files = Some(client.get_data_unit(unit).await?.files);
    }
    let files: Vec<TaskFile> = files
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(specification, file)| {
            let url = file.url.clone()?;
            let file_name = file.file_name().map(str::to_owned);
            Some(TaskFile { specification, url, file_name, is_primary: file.is_primary })
        })
        .collect();
    if files.is_empty() {
        return Err(Error::msg("the task's data unit has no file with a URL"));
    }
    Ok(files)
}

/// The primary file among `files`.
///
/// # Errors
/// When none is primary, naming the files there are.
pub(super) fn primary(files: &[TaskFile]) -> Result<&TaskFile> {
    files
        .iter()
        .find(|file| file.is_primary)
        .ok_or_else(|| Error::msg(format!("the task has no primary file (its files: {})", names(files))))
}

/// The file of specification `name` among `files`.
///
/// # Errors
/// When there is none, naming the files there are.
pub(super) fn of_specification<'f>(files: &'f [TaskFile], name: &str) -> Result<&'f TaskFile> {
    files
        .iter()
        .find(|file| file.specification == name)
        .ok_or_else(|| Error::msg(format!("the task has no `{name}` file (its files: {})", names(files))))
}

fn names(files: &[TaskFile]) -> String {
    files.iter().map(|file| file.specification.as_str()).collect::<Vec<_>>().join(", ")
}
