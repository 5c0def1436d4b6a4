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
    /// The absolute URL of its file: what was uploaded (the platform's serve code expects a zip of
    /// the model directory; this client uploads whatever file it is given).
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

    /// Downloads `model`'s file to `dest` with [`download`](Self::download): streamed, written
    /// to `dest` with `.part` added then renamed, the credentials sent only to the backend's own
    /// origin; returns its size in bytes.
    ///
    /// # Errors
    /// [`TransferError::NoFile`] for a model without a file; [`TransferError::Backend`] with
    /// [`download`](Self::download)'s error otherwise.
    pub async fn download_model_file(&self, model: &Model, dest: impl AsRef<Path>) -> Result<u64, TransferError> {
        let file_url = model.file.as_deref().ok_or(TransferError::NoFile { model: model.id })?;
        Ok(self.download(file_url, dest.as_ref()).await?)
    }
}
