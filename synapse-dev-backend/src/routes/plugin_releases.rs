//! `POST plugin_releases/`: a plugin release published (the SDK's `synapse plugin publish`, and
//! synapse's `synapse publish`): multipart fields `plugin` (the code; the plugin is created at
//! its first release), `version`, `config` (the plugin's `config.yaml` as a JSON object),
//! `debug`, and the package as `file`, kept under `/media/plugin_releases/<code>/<version>/`.
//!
//! Refused with DRF's field errors (400): a missing field, a `config` that is not a JSON object
//! or whose `code` is not `plugin`, and a version the plugin has already (`non_field_errors`,
//! DRF's unique-together message).

use super::{Shared, created};
use crate::drf::ApiError;
use crate::drf::fields::FieldErrors;
use crate::pagination::links::RequestUrl;
use crate::store::plugins;
use axum::extract::{FromRequest, Multipart, Request, State};
use serde_json::{Map, Value, json};

/// The parts of a publish request.
#[derive(Default)]
struct Parts {
    plugin: Option<String>,
    version: Option<String>,
    config: Option<String>,
    debug: bool,
    file: Option<(String, Vec<u8>)>,
}

/// `POST plugin_releases/`: 201 with the release (`plugin` expanded) and its `file` URL.
pub(crate) async fn create(
    State(app): State<Shared>,
    url: RequestUrl,
    request: Request,
) -> Result<axum::response::Response, ApiError> {
    let bad = |error: axum::extract::multipart::MultipartError| ApiError::BadRequest(error.body_text());
    let mut multipart =
        Multipart::from_request(request, &app).await.map_err(|error| ApiError::BadRequest(error.body_text()))?;
    let mut parts = Parts::default();
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                let file_name = field.file_name().unwrap_or("package.zip").to_owned();
                parts.file = Some((file_name, field.bytes().await.map_err(bad)?.to_vec()));
            }
            "plugin" => parts.plugin = Some(field.text().await.map_err(bad)?),
            "version" => parts.version = Some(field.text().await.map_err(bad)?),
            "config" => parts.config = Some(field.text().await.map_err(bad)?),
            "debug" => parts.debug = matches!(field.text().await.map_err(bad)?.as_str(), "true" | "True" | "1"),
            _ => {}
        }
    }
    let mut errors = FieldErrors::default();
    let required = "This field is required.";
    let plugin = parts.plugin.filter(|code| !code.trim().is_empty());
    let version = parts.version.filter(|version| !version.trim().is_empty());
    if plugin.is_none() {
        errors.add("plugin", required);
    }
    if version.is_none() {
        errors.add("version", required);
    }
    if parts.file.is_none() {
        errors.add("file", "No file was submitted.");
    }
    let config: Option<Map<String, Value>> = match parts.config.as_deref().map(serde_json::from_str::<Value>) {
        None => {
            errors.add("config", required);
            None
        }
        Some(Ok(Value::Object(config))) => Some(config),
        Some(_) => {
            errors.add("config", "Value must be valid JSON.");
            None
        }
    };
    if let (Some(code), Some(config)) = (&plugin, &config)
        && config.get("code").and_then(Value::as_str).is_some_and(|given| given != code)
    {
        errors.add("config", format!("`code` in the config is not the plugin's code `{code}`."));
    }
    let (Some(code), Some(version), Some(config), Some((file_name, bytes)), true) =
        (plugin, version, config, parts.file, errors.is_empty())
    else {
        return Err(ApiError::fields(errors.into_map()));
    };
    let name = config.get("name").and_then(Value::as_str).unwrap_or(&code).to_owned();
    let (stored_code, stored_version, config) = (code.clone(), version.clone(), Value::Object(config));
    let id = app
        .store
        .run(move |connection| {
            plugins::create_release(connection, &stored_code, &name, &stored_version, &config, &json!([]), parts.debug)
        })
        .await?;
    let Some(id) = id else {
        let mut errors = FieldErrors::default();
        errors.add("non_field_errors", "The fields plugin, version must make a unique set.");
        return Err(ApiError::fields(errors.into_map()));
    };
    let key = format!("plugin_releases/{code}/{version}/{}", file_name.replace('/', "_"));
    app.media.write(&key, &bytes).await?;
    let release = app
        .store
        .run(move |connection| {
            plugins::set_release_file(connection, id, &key)?;
            plugins::release(connection, id, true)
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(created(super::plugins::with_file_url(release, url.origin())))
}
