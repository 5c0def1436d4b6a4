//! `POST logs/`: one entry, or a list of them (the SDK's JobLogger sends a list when it has more
//! than one), all created or none. An entry's `file` is a base64 `data:` URI (the SDK's
//! `convert_file_to_base64`), kept decoded in the media directory and shown as its URL.

use super::{Shared, created};
use crate::drf::fields::{self, CharField, FieldErrors};
use crate::drf::{ApiError, json_body};
use crate::pagination::links::RequestUrl;
use crate::store::logs::{self, LogFile, NewLog};
use crate::store::{StoreError, jobs};
use crate::time;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use base64::Engine;
use rusqlite::Connection;
use serde_json::{Map, Value, json};

/// The log levels, lowest first.
pub(crate) const LEVELS: [&str; 7] = ["debug", "info", "success", "warning", "danger", "error", "critical"];

/// `POST logs/`: 201 with the created entry (or list of entries), each with its id; 400 with
/// DRF's errors otherwise, one object per entry for a list (`{}` for the entries that were
/// right), like DRF's `ListSerializer`.
pub(crate) async fn create(
    State(app): State<Shared>,
    url: RequestUrl,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    // DRF reads an empty body as `{}`: every required field is then missing.
    let body = json_body(&headers, &body)?.unwrap_or_else(|| json!({}));
    let (many, items) = match body {
        Value::Array(items) => (true, items),
        single => (false, vec![single]),
    };
    let media = app.media.root().to_path_buf();
    let origin = url.origin().to_owned();
    let mut entries = app
        .store
        .run(move |connection| {
            let mut entries = Vec::with_capacity(items.len());
            let mut errors = Vec::with_capacity(items.len());
            for item in &items {
                match validate(connection, item)? {
                    Ok(entry) => {
                        entries.push(entry);
                        errors.push(Value::Object(Map::new()));
                    }
                    Err(entry_errors) => errors.push(Value::Object(entry_errors)),
                }
            }
            if entries.len() < items.len() {
                let body = if many { Value::Array(errors) } else { errors.swap_remove(0) };
                return Ok(Err(ApiError::Validation(body)));
            }
            Ok(Ok(logs::insert(connection, &media, &origin, &entries)?))
        })
        .await??;
    Ok(created(if many { Value::Array(entries) } else { entries.swap_remove(0) }))
}

/// One entry, `{event, data, datetime, job, file?, step?, level?}`, or its field errors. Other
/// keys are ignored, as DRF's serializers ignore them.
fn validate(connection: &Connection, item: &Value) -> Result<Result<NewLog, Map<String, Value>>, StoreError> {
    let mut errors = FieldErrors::default();
    let Value::Object(object) = item else {
        errors.add("non_field_errors", fields::expected_dict(item));
        return Ok(Err(errors.into_map()));
    };
    let required = CharField { required: true, allow_null: false, allow_blank: false };
    let optional = CharField { required: false, allow_null: true, allow_blank: true };

    let event = required.read(object, "event").unwrap_or_else(|message| {
        errors.add("event", message);
        None
    });
    let data = match object.get("data") {
        None => {
            errors.add("data", fields::REQUIRED);
            Value::Null
        }
        Some(Value::Null) => {
            errors.add("data", fields::NULL);
            Value::Null
        }
        Some(data) => data.clone(),
    };
    let datetime = match object.get("datetime") {
        None => {
            errors.add("datetime", fields::REQUIRED);
            None
        }
        Some(Value::Null) => {
            errors.add("datetime", fields::NULL);
            None
        }
        Some(Value::String(text)) if time::is_iso8601(text.trim()) => Some(text.trim().to_owned()),
        Some(_) => {
            errors.add("datetime", fields::DATETIME_FORMAT);
            None
        }
    };
    let job = match fields::read_pk(object, "job") {
        Ok(None) => {
            errors.add("job", fields::REQUIRED);
            None
        }
        Ok(Some(job)) if jobs::exists(connection, job)? => Some(job),
        Ok(Some(job)) => {
            errors.add("job", fields::pk_does_not_exist(&job.to_string()));
            None
        }
        Err(message) => {
            errors.add("job", message);
            None
        }
    };
    let file = match read_file(object) {
        Ok(file) => file,
        Err(message) => {
            errors.add("file", message);
            None
        }
    };
    let mut optional_text = |name: &str| {
        optional.read(object, name).unwrap_or_else(|message| {
            errors.add(name, message);
            None
        })
    };
    let step = optional_text("step");
    let level = match object.get("level") {
        None | Some(Value::Null) => None,
        Some(Value::String(level)) if LEVELS.contains(&level.as_str()) => Some(level.clone()),
        Some(other) => {
            errors.add("level", fields::invalid_choice(other));
            None
        }
    };

    match (event, datetime, job) {
        (Some(event), Some(datetime), Some(job)) if errors.is_empty() => {
            let file = file.map(|(mime, bytes)| LogFile::new(job, &mime, bytes));
            Ok(Ok(NewLog { job, event, data, datetime, file, step, level }))
        }
        _ => Ok(Err(errors.into_map())),
    }
}

/// DRF's `FileField` message for a file without content.
const EMPTY_FILE: &str = "The submitted file is empty.";

/// The message for a `file` that is no base64 `data:` URI (drf-extra-fields' `Base64FileField`
/// says its first sentence).
const NOT_A_DATA_URI: &str = "Please upload a valid file: a base64 data: URI (data:<media type>;base64,<content>).";

/// The optional `file`: absent, `null` or `""` is none; else a base64 `data:` URI, decoded to
/// its media type and content (standard alphabet, padded, as Python's `b64encode` writes it).
fn read_file(object: &Map<String, Value>) -> Result<Option<(String, Vec<u8>)>, String> {
    let text = match object.get("file") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(text)) if text.is_empty() => return Ok(None),
        Some(Value::String(text)) => text,
        Some(other) => {
            return Err(format!(
                "Invalid type. This is not an base64 string: <class '{}'>",
                fields::python_type(other)
            ));
        }
    };
    let (mime, content) = text
        .strip_prefix("data:")
        .and_then(|rest| rest.split_once(";base64,"))
        .ok_or_else(|| NOT_A_DATA_URI.to_owned())?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(content).map_err(|_| NOT_A_DATA_URI.to_owned())?;
    if bytes.is_empty() {
        return Err(EMPTY_FILE.to_owned());
    }
    let mime = if mime.is_empty() { "application/octet-stream" } else { mime };
    Ok(Some((mime.to_owned(), bytes)))
}
