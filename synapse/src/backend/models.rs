//! Models (API v1): `POST models/` from a chunked upload, `GET models/{id}/`, creating one from a
//! file as the SDK's `clients/backend/ml.py` `create_model` does, and downloading a model's file.

use super::{BackendClient, BackendError, ChunkedUploadOptions, TransferError, UploadId};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::Path;

/// A `POST models/` body: exactly the SDK's `ModelCreateRequest` (`clients/backend/models.py`,
/// `extra='forbid'`); only the fields set are sent.
///
/// ```
/// use synapse::backend::ModelCreate;
/// let model = ModelCreate { plugin: Some("yolo".into()), version: Some("1.0.0".into()), ..ModelCreate::new("detector") };
/// assert_eq!(
///     serde_json::to_value(&model).unwrap(),
///     serde_json::json!({"name": "detector", "plugin": "yolo", "version": "1.0.0"})
/// );
/// ```
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct ModelCreate {
    /// The model's name.
    pub name: String,
    /// The plugin's code (not its id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plugin: Option<String>,
    /// The plugin's version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The parent model's id, for a fine-tuned model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<u64>,
    /// The completed chunked upload holding the model's file (set by
    /// [`BackendClient::create_model_from_file`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chunked_upload: Option<UploadId>,
    /// Free-form configuration (an object).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configuration: Option<Value>,
    /// A description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl ModelCreate {
    /// A request with only `name` set.
    pub fn new(name: impl Into<String>) -> Self {
        ModelCreate { name: name.into(), ..ModelCreate::default() }
    }
}

/// A model as `GET models/{id}/` returns it (fields the client does not know are ignored).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Model {
    /// Its id.
    pub id: u64,
    /// Its name.
    pub name: String,
    /// Its plugin, as the backend gives it (the code it was created with on the dev backend).
    #[serde(default)]
    pub plugin: Option<Value>,
    /// The plugin's version.
    #[serde(default)]
    pub version: Option<String>,
    /// The parent model's id.
    #[serde(default)]
    pub checkpoint: Option<u64>,
    /// Its configuration.
    #[serde(default)]
    pub configuration: Option<Value>,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
    /// The absolute URL of its file (a zip, as the SDK's serve code expects).
    #[serde(default)]
    pub file: Option<String>,
    /// When it was created.
    #[serde(default)]
    pub created: Option<String>,
}

impl BackendClient {
    /// `POST models/`.
    ///
    /// # Errors
    /// As [`BackendClient::post`]: a 400 names the field and the server's message
    /// (`chunked_upload: …`).
    pub async fn create_model(&self, model: &ModelCreate) -> Result<Model, BackendError> {
        self.post("models/", model).await
    }

    /// `GET models/{id}/`.
    ///
    /// # Errors
    /// As [`BackendClient::get`].
    pub async fn get_model(&self, id: u64) -> Result<Model, BackendError> {
        self.get(&format!("models/{id}/"), &[]).await
    }

    /// Uploads the file at `path` ([`chunked_upload`](Self::chunked_upload)), then creates the
    /// model with that upload as its `chunked_upload`, as the SDK's `create_model(data, file=…)`.
    ///
    /// # Errors
    /// The upload's [`TransferError`]; [`TransferError::Backend`] when `POST models/` fails.
    pub async fn create_model_from_file(
        &self,
        path: impl AsRef<Path>,
        mut model: ModelCreate,
        options: &ChunkedUploadOptions,
    ) -> Result<Model, TransferError> {
        let upload = self.chunked_upload(path, options).await?;
        model.chunked_upload = Some(upload.id);
        Ok(self.create_model(&model).await?)
    }

    /// Downloads `model`'s file to `dest` (written to `dest` with `.part` added, then renamed),
    /// streamed; returns its size in bytes. The credentials go with the request only when the
    /// URL is at the backend's own host (media URLs need none).
    ///
    /// # Errors
    /// [`TransferError::NoFile`]; [`TransferError::Backend`] for a URL that is no URL, a failed
    /// request or an error status; [`TransferError::File`] when `dest` cannot be written.
    pub async fn download_model_file(&self, model: &Model, dest: impl AsRef<Path>) -> Result<u64, TransferError> {
        let dest = dest.as_ref();
        let file_url = model.file.as_deref().ok_or(TransferError::NoFile { model: model.id })?;
        let url = reqwest::Url::parse(file_url).map_err(|error| {
            BackendError::Config(format!("model {}'s file `{file_url}` is not a URL: {error}", model.id))
        })?;
        let own_host = url.origin() == self.config().host.origin();
        let http = if own_host {
            self.http().clone()
        } else {
            reqwest::Client::builder()
                .build()
                .map_err(|error| BackendError::Config(format!("cannot build the HTTP client: {error}")))?
        };
        let method = reqwest::Method::GET;
        let mut response = http.get(url.clone()).send().await.map_err(|error| self.transport(&method, &url, &error))?;
        if !response.status().is_success() {
            let status = response.status().as_u16();
            let text = response.text().await.unwrap_or_default();
            return Err(BackendError::Status {
                method: method.to_string(),
                path: self.path_of(&url),
                status,
                message: super::error::server_message(&text),
            }
            .into());
        }
        let partial = dest.with_file_name(format!(
            "{}.part",
            dest.file_name().map_or_else(|| "download".into(), |name| name.to_string_lossy())
        ));
        let io = |action: &'static str, file: &Path| {
            let file = file.to_owned();
            move |error: std::io::Error| TransferError::File { file, action, reason: error.to_string() }
        };
        let mut out = tokio::fs::File::create(&partial).await.map_err(io("creating", &partial))?;
        let mut written = 0u64;
        while let Some(bytes) = response.chunk().await.map_err(|error| self.lost(&method, &url, &error))? {
            tokio::io::AsyncWriteExt::write_all(&mut out, &bytes).await.map_err(io("writing", &partial))?;
            written += bytes.len() as u64;
        }
        tokio::io::AsyncWriteExt::flush(&mut out).await.map_err(io("writing", &partial))?;
        drop(out);
        tokio::fs::rename(&partial, dest).await.map_err(io("renaming to", dest))?;
        Ok(written)
    }
}
