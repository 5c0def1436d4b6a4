//! A replica's models: which one a request selects and whether its caller may read it (asked of
//! the backend, the answer trusted for a while), its files (downloaded and extracted once), and
//! the loaded model (the [`ModelCache`]); a model that does not load is remembered, per version.

use super::super::{
    CacheStats, ModelCache, ModelInfo, ModelSelection, ModelSource, ServeDeployment, ServeError, ServeOptions,
};
use crate::backend::{BackendClient, BackendConfig, BackendError, Model};
use crate::secret::Secret;
use crate::train::{TrainError, fetch_model};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// More remembered access answers than this: the expired ones are dropped.
const ACCESS_ENTRIES: usize = 10_000;

/// A model as resolved for a request: what loading needs, and the version of its artifact.
#[derive(Clone)]
struct Resolved {
    /// The model record, for the backend source.
    record: Option<Model>,
    /// The client that may read it (the caller's, for a model token).
    client: Option<BackendClient>,
    /// Its directory, for the directory source.
    dir: Option<PathBuf>,
    version: String,
}

/// A remembered answer about a caller's access to a model.
struct Access {
    until: Instant,
    answer: Result<Resolved, ServeError>,
}

/// Remembered access answers, by caller (a digest of its token; `None`: the replica itself) and
/// model.
type AccessMap = HashMap<(Option<[u8; 32]>, u64), Access>;

/// Models that failed to load, by id: the error of the version that failed.
type Failed = Arc<Mutex<HashMap<u64, ServeError>>>;

pub(super) struct Models<D: ServeDeployment> {
    deployment: &'static D,
    source: ModelSource,
    ttl: Duration,
    cache: ModelCache<D::Model, ServeError>,
    access: Mutex<AccessMap>,
    failed: Failed,
    /// Where models are extracted without a model cache (removed with the replica).
    scratch: Arc<tempfile::TempDir>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<D: ServeDeployment> Models<D> {
    pub(super) fn new(deployment: &'static D, options: &ServeOptions) -> Result<Self, ServeError> {
        if let ModelSource::Directory(dir) = &options.source
            && !dir.is_dir()
        {
            return Err(ServeError::Setup(format!("the models directory {} does not exist", dir.display())));
        }
        let scratch = tempfile::Builder::new()
            .prefix("synapse-serve-")
            .tempdir()
            .map_err(|error| ServeError::Setup(format!("no scratch directory for models: {error}")))?;
        Ok(Models {
            deployment,
            source: options.source.clone(),
            ttl: options.access_ttl,
            cache: ModelCache::new(options.max_models),
            access: Mutex::default(),
            failed: Failed::default(),
            scratch: Arc::new(scratch),
        })
    }

    pub(super) fn stats(&self) -> CacheStats {
        self.cache.stats()
    }

    pub(super) fn loaded(&self) -> Vec<u64> {
        self.cache.loaded()
    }

    /// The models whose load failed: `[{model, message}]`.
    pub(super) fn failed(&self) -> Vec<Value> {
        let mut failed: Vec<(u64, String)> =
            lock(&self.failed).iter().map(|(model, error)| (*model, error.to_string())).collect();
        failed.sort();
        failed.into_iter().map(|(model, message)| json!({ "model": model, "message": message })).collect()
    }

    /// The model `selection` names, loaded.
    ///
    /// # Errors
    /// [`ServeError::UnknownModel`], [`ServeError::Forbidden`], [`ServeError::Backend`] from
    /// its resolution; [`ServeError::LoadFailed`] (remembered for the version) and
    /// [`ServeError::Backend`] (its download: tried again by the next request) from its load.
    pub(super) async fn get(&self, selection: &ModelSelection) -> Result<Arc<D::Model>, ServeError> {
        let id = selection.model();
        let resolved = self.resolve(selection).await?;
        if let Some(error) = lock(&self.failed).get(&id)
            && matches!(error, ServeError::LoadFailed { version, .. } if *version == resolved.version)
        {
            return Err(error.clone());
        }
        let (deployment, failed, scratch, cache_dir) =
            (self.deployment, self.failed.clone(), self.scratch.clone(), self.cache_dir());
        let version = resolved.version.clone();
        self.cache
            .get_or_load(id, &version.clone(), move || async move {
                let info = files(id, &resolved, cache_dir.as_ref(), scratch.path()).await.inspect_err(|error| {
                    if let ServeError::LoadFailed { .. } = error {
                        remember(&failed, id, error.clone());
                    }
                })?;
                let files = info.path.clone();
                deployment.load_model(info).await.map_err(|error| {
                    let message = format!("{error:#} (its files: {})", files.display());
                    let error = ServeError::LoadFailed { model: id, version, message };
                    remember(&failed, id, error.clone());
                    error
                })
            })
            .await
    }

    fn cache_dir(&self) -> Option<PathBuf> {
        match &self.source {
            ModelSource::Backend { cache, .. } => cache.clone(),
            ModelSource::Directory(_) => None,
        }
    }

    /// The model `selection` names, and whether its caller may read it: the answer remembered
    /// for the access TTL, else asked.
    async fn resolve(&self, selection: &ModelSelection) -> Result<Resolved, ServeError> {
        let id = selection.model();
        let key = (caller_key(selection), id);
        let now = Instant::now();
        if let Some(access) = lock(&self.access).get(&key)
            && access.until > now
        {
            return access.answer.clone();
        }
        let answer = self.ask(selection).await;
        // A backend that could not answer is asked again by the next request.
        if !matches!(answer, Err(ServeError::Backend { .. })) {
            let mut access = lock(&self.access);
            if access.len() >= ACCESS_ENTRIES {
                access.retain(|_, entry| entry.until > now);
            }
            access.insert(key, Access { until: now + self.ttl, answer: answer.clone() });
        }
        answer
    }

    async fn ask(&self, selection: &ModelSelection) -> Result<Resolved, ServeError> {
        let id = selection.model();
        match &self.source {
            ModelSource::Directory(dir) => {
                let path = dir.join(id.to_string());
                let modified = newest_change(&path).map_err(|_| ServeError::UnknownModel {
                    model: id,
                    place: format!("in {} (no directory {id}/)", dir.display()),
                })?;
                let version = format!("modified {}", humantime::format_rfc3339_nanos(modified));
                Ok(Resolved { record: None, client: None, dir: Some(path), version })
            }
            ModelSource::Backend { client, .. } => {
                let client = match selection {
                    ModelSelection::Id(_) => BackendClient::clone(client),
                    ModelSelection::Token { claims, .. } => caller_client(client, &claims.token, claims.tenant.clone())
                        .map_err(|error| ServeError::Backend { model: id, reason: error.to_string() })?,
                };
                let record = client.get_model(id).await.map_err(|error| match error.status() {
                    Some(404) => ServeError::UnknownModel {
                        model: id,
                        place: format!("on the backend at {}", client.config().host),
                    },
                    Some(status @ (401 | 403)) => ServeError::Forbidden { model: id, status },
                    _ => ServeError::Backend { model: id, reason: format!("reading it: {error}") },
                })?;
                let Some(file) = record.file.as_deref() else {
                    return Err(ServeError::LoadFailed {
                        model: id,
                        version: String::new(),
                        message: "the backend has no file for it".into(),
                    });
                };
                // A presigned URL changes with every answer: its path names the artifact.
                let version = file.split('?').next().unwrap_or(file).to_owned();
                Ok(Resolved { record: Some(record), client: Some(client), dir: None, version })
            }
        }
    }
}

/// When the model directory `path` or a file directly in it last changed: its version, so an
/// edited model is loaded afresh (once the access answer's TTL has passed).
fn newest_change(path: &std::path::Path) -> std::io::Result<std::time::SystemTime> {
    let mut newest = std::fs::metadata(path)?.modified()?;
    for entry in std::fs::read_dir(path)? {
        if let Ok(modified) = entry.and_then(|entry| entry.metadata()).and_then(|meta| meta.modified()) {
            newest = newest.max(modified);
        }
    }
    Ok(newest)
}

/// The key a caller's access is remembered under: a digest of its token (`None`: the replica's
/// own access, for a plain id).
fn caller_key(selection: &ModelSelection) -> Option<[u8; 32]> {
    match selection {
        ModelSelection::Id(_) => None,
        ModelSelection::Token { claims, .. } => {
            let mut digest = Sha256::new();
            digest.update(claims.token.as_bytes());
            digest.update([0]);
            digest.update(claims.tenant.as_deref().unwrap_or_default().as_bytes());
            Some(digest.finalize().into())
        }
    }
}

/// A client of the replica's backend with the caller's credentials (the SDK's
/// `BackendClient(backend_url, authorization_token=token)`).
fn caller_client(replica: &BackendClient, token: &str, tenant: Option<String>) -> Result<BackendClient, BackendError> {
    let own = replica.config();
    BackendClient::new(BackendConfig {
        host: own.host.clone(),
        access_token: None,
        user_token: Some(Secret::new(token)),
        tenant,
        url_host: own.url_host.clone(),
    })
}

fn remember(failed: &Failed, id: u64, error: ServeError) {
    let mut failed = lock(failed);
    if failed.get(&id) != Some(&error) {
        // The model's error, said once (later requests get it without loading again).
        eprintln!("serve: {error}");
        failed.insert(id, error);
    }
}

/// The model's files: its directory, or its file downloaded and extracted (into the model cache
/// when there is one).
async fn files(
    id: u64,
    resolved: &Resolved,
    cache: Option<&PathBuf>,
    scratch: &std::path::Path,
) -> Result<ModelInfo, ServeError> {
    if let Some(dir) = &resolved.dir {
        return Ok(ModelInfo {
            id,
            name: None,
            path: dir.clone(),
            configuration: None,
            version: resolved.version.clone(),
        });
    }
    let (Some(record), Some(client)) = (&resolved.record, &resolved.client) else {
        return Err(ServeError::Setup(format!("model {id} was resolved without its record")));
    };
    let work = scratch.join(format!("model-{id}"));
    let checkpoint =
        fetch_model(client, record, cache.map(PathBuf::as_path), &work).await.map_err(|error| match error {
            TrainError::CheckpointNotZip { .. } | TrainError::Archive { .. } => {
                ServeError::LoadFailed { model: id, version: resolved.version.clone(), message: error.to_string() }
            }
            other => ServeError::Backend { model: id, reason: format!("its file: {other}") },
        })?;
    Ok(ModelInfo {
        id,
        name: Some(record.name.clone()),
        path: checkpoint.path,
        configuration: record.configuration.clone(),
        version: resolved.version.clone(),
    })
}
