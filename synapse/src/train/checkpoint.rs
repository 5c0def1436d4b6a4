//! Checkpoints: the model a training starts from — a model on the backend (`checkpoint`, its
//! id), downloaded and extracted once into the model cache, or a base checkpoint the run's
//! environment names ([`BASE_CHECKPOINT_ENV`]).

use super::TrainError;
use super::archive::{extract_zip, is_zip};
use crate::backend::{BackendClient, Model};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The environment variable that places the model cache.
pub const MODEL_CACHE_ENV: &str = "SYNAPSE_MODEL_CACHE";

/// The environment variable naming a base checkpoint (a file or a directory) a training starts
/// from when its params name no `checkpoint`: the SDK's run-context checkpoint.
pub const BASE_CHECKPOINT_ENV: &str = "SYNAPSE_BASE_CHECKPOINT";

/// The model cache's directory in the process's environment; `None`: no cache. (The `train`
/// step reads the run's environment first.)
///
/// # The model cache
///
/// `$SYNAPSE_MODEL_CACHE` when set (`off` or empty: no cache, each run extracts into its own
/// work directory), else `$XDG_CACHE_HOME/synapse/models`, else `$HOME/.cache/synapse/models`.
/// A model is extracted into `.tmp-model-<id>-<random>/` there, then renamed to
/// `model-<id>-<hash of the backend's host>/`: a directory of that name is complete (a model's
/// file does not change once uploaded). Entries are kept until removed by hand.
pub fn default_model_cache_dir() -> Option<PathBuf> {
    crate::cache_dir::user_cache_dir(MODEL_CACHE_ENV, "models")
}

/// The model a training starts from: the SDK's `get_checkpoint()` answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Checkpoint {
    /// `base` for a base checkpoint from the environment, else the model's category as the
    /// SDK names it (`base` too: the backend does not say).
    pub category: String,
    /// Its directory (the extracted model) or file.
    pub path: PathBuf,
    /// The model's id, for a model on the backend.
    pub id: Option<u64>,
    /// The model's name.
    pub name: Option<String>,
    /// The model's configuration (the hyperparameters it was trained with).
    pub configuration: Option<serde_json::Value>,
}

/// The checkpoint of a base path from the environment.
///
/// # Errors
/// [`TrainError::BaseCheckpointMissing`] when it does not exist.
pub fn base_checkpoint(path: &Path) -> Result<Checkpoint, TrainError> {
    if !path.exists() {
        return Err(TrainError::BaseCheckpointMissing { path: path.to_owned() });
    }
    Ok(Checkpoint { category: "base".to_owned(), path: path.to_owned(), id: None, name: None, configuration: None })
}

/// Downloads model `id`'s file and extracts it: into `cache` (found there when already
/// extracted) or, without a cache, into `work`.
///
/// # Errors
/// [`TrainError::Checkpoint`] when the model or its file cannot be had (naming why: 404, no
/// file), [`TrainError::CheckpointNotZip`] when its file is not a zip archive,
/// [`TrainError::Archive`] when it cannot be extracted.
pub async fn fetch_checkpoint(
    client: &BackendClient,
    id: u64,
    cache: Option<&Path>,
    work: &Path,
) -> Result<Checkpoint, TrainError> {
    let model =
        client.get_model(id).await.map_err(|error| TrainError::Checkpoint { model: id, reason: error.to_string() })?;
    fetch_model(client, &model, cache, work).await
}

/// [`fetch_checkpoint`] of a model record already read (`GET models/{id}/`): its file
/// downloaded and extracted, or found extracted in `cache` without a request.
///
/// # Errors
/// As [`fetch_checkpoint`], but for reading the record.
pub async fn fetch_model(
    client: &BackendClient,
    model: &Model,
    cache: Option<&Path>,
    work: &Path,
) -> Result<Checkpoint, TrainError> {
    let id = model.id;
    let failed = |reason: String| TrainError::Checkpoint { model: id, reason };
    let checkpoint = |path: PathBuf, model: &Model| Checkpoint {
        category: "base".to_owned(),
        path,
        id: Some(id),
        name: Some(model.name.clone()),
        configuration: model.configuration.clone(),
    };
    let root = cache.unwrap_or(work);
    let entry = root.join(entry_name(client, id));
    if entry.is_dir() {
        return Ok(checkpoint(entry, model));
    }
    std::fs::create_dir_all(root)
        .map_err(|error| TrainError::Io { path: root.to_owned(), reason: error.to_string() })?;
    let temporary = tempfile::Builder::new()
        .prefix(&format!(".tmp-model-{id}-"))
        .tempdir_in(root)
        .map_err(|error| TrainError::Io { path: root.to_owned(), reason: error.to_string() })?;
    let archive = temporary.path().join("model.zip");
    client
        .download_model_file(model, &archive)
        .await
        .map_err(|error| failed(format!("downloading its file: {error}")))?;
    if !is_zip(&archive) {
        let head = std::fs::read(&archive).unwrap_or_default();
        // Control characters (a newline) escaped: the message stays one line.
        let shown: String = String::from_utf8_lossy(&head[..head.len().min(12)])
            .chars()
            .map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() })
            .collect();
        return Err(TrainError::CheckpointNotZip { model: id, reason: format!("starts with `{shown}`") });
    }
    let extracted = temporary.path().join("model");
    extract_zip(&archive, &extracted)?;
    let kept = temporary.keep();
    let renamed = std::fs::rename(kept.join("model"), &entry);
    let _ = std::fs::remove_dir_all(&kept);
    if let Err(error) = renamed
        && !entry.is_dir()
    {
        return Err(TrainError::Io { path: entry, reason: format!("cannot be renamed into place: {error}") });
    }
    Ok(checkpoint(entry, model))
}

/// The cache entry's name of model `id` of `client`'s backend: `model-<id>-<hash of the host>`
/// (two backends' model 7 are different models).
fn entry_name(client: &BackendClient, id: u64) -> String {
    use sha1::{Digest, Sha1};
    let digest = Sha1::digest(client.config().host.as_str().as_bytes());
    format!("model-{id}-{}", &hex::encode(digest)[..12])
}
