//! The presigned upload: `POST data_files/presigned_upload/upload/` hands out file keys with URLs
//! pointing at this backend (`PUT /_presigned/{key}?signature=…`, unauthenticated as a storage's
//! presigned URL is, the signature an unguessable token with an expiry), single for files up to
//! [`PART_SIZE`] and multipart above; `POST data_files/presigned_upload/confirm_upload/` checks
//! what arrived against the SHA-1 and size the client reports and makes each a data file. When
//! storage 2's S3 bucket answers, the URLs point into it instead (`presigned_s3.rs`).

use super::{base_name, checksum, new_key};
use crate::drf::fields::{self, CharField, FieldErrors};
use crate::drf::{ApiError, json_body};
use crate::pagination::links::RequestUrl;
use crate::routes::{Shared, created};
use crate::store::data::files;
use crate::store::data::presigned::{self, Presigned};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Bytes per part of a multipart upload, and the largest file put in one PUT (S3's smallest part
/// size, so that multipart is exercised with small files).
pub(crate) const PART_SIZE: u64 = 5 * 1024 * 1024;

/// The URLs' lifetime without `expiration`, and its bounds (the SDK's `BulkUploadConfig`), in seconds.
const EXPIRATION: (u64, u64, u64) = (3600, 60, 86400);

fn now_epoch() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| i64::try_from(since.as_secs()).unwrap_or(i64::MAX))
}

/// `POST data_files/presigned_upload/upload/` `{files: [{filename, size, content_type?}],
/// expiration?}`: 201 `{files: [{filename, file_key, presigned_url | multipart: {upload_id,
/// part_size, parts: [{part_number, presigned_url}]}}], expires_at}`.
pub(crate) async fn upload(
    State(app): State<Shared>,
    headers: HeaderMap,
    url: RequestUrl,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = json_body(&headers, &body)?.unwrap_or_else(|| json!({}));
    let origin = url.origin().to_owned();
    let mut errors = FieldErrors::default();
    let expiration = match body.get("expiration") {
        None | Some(Value::Null) => EXPIRATION.0,
        Some(Value::Number(number)) => match number.as_u64() {
            Some(seconds) if (EXPIRATION.1..=EXPIRATION.2).contains(&seconds) => seconds,
            _ => {
                errors
                    .add("expiration", format!("Ensure this value is between {} and {}.", EXPIRATION.1, EXPIRATION.2));
                0
            }
        },
        Some(_) => {
            errors.add("expiration", "A valid integer is required.");
            0
        }
    };
    let mut requested = Vec::new();
    match body.get("files") {
        Some(Value::Array(items)) if !items.is_empty() => {
            let mut entries = Vec::new();
            for item in items {
                match read_file(item) {
                    Ok(file) => {
                        requested.push(file);
                        entries.push(json!({}));
                    }
                    Err(entry) => entries.push(Value::Object(entry)),
                }
            }
            if requested.len() < items.len() {
                errors.set("files", Value::Array(entries));
            }
        }
        Some(Value::Array(_)) => errors.add("files", "This list may not be empty."),
        None => errors.add("files", fields::REQUIRED),
        Some(other) => {
            errors.add("files", format!("Expected a list of items but got type \"{}\".", fields::python_type(other)))
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::fields(errors.into_map()));
    }
    let expires = SystemTime::now() + Duration::from_secs(expiration);
    let expires_at = crate::time::format(expires);
    let expires_epoch = now_epoch().saturating_add(i64::try_from(expiration).unwrap_or(0));
    let bucket = app.bucket.bucket().await;
    let mut uploads = Vec::new();
    let mut shown = Vec::new();
    for (filename, size, content_type) in requested {
        let file_key = new_key(&filename);
        let signature = uuid::Uuid::new_v4().simple().to_string();
        let target = match &bucket {
            Some(bucket) => {
                super::presigned_s3::target(bucket, &file_key, size, Duration::from_secs(expiration)).await?
            }
            None => own_target(&origin, &file_key, &signature, size),
        };
        let mut entry = json!({ "filename": filename, "file_key": file_key });
        let (upload_id, part_size, parts) = match target {
            Target::Single(url) => {
                entry["presigned_url"] = json!(url);
                (None, None, None)
            }
            Target::Multipart { upload_id, part_size, urls } => {
                let parts: Vec<Value> =
                    (1..).zip(&urls).map(|(n, url)| json!({ "part_number": n, "presigned_url": url })).collect();
                entry["multipart"] = json!({ "upload_id": upload_id, "part_size": part_size, "parts": parts });
                (Some(upload_id), Some(part_size as i64), Some(urls.len() as i64))
            }
        };
        shown.push(entry);
        uploads.push(Presigned {
            file_key,
            filename,
            size: i64::try_from(size).unwrap_or(i64::MAX),
            content_type,
            signature,
            upload_id,
            part_size,
            parts,
            expires_at: expires_at.clone(),
            expires_epoch,
            data_file: None,
        });
    }
    let in_bucket = bucket.map(|bucket| bucket.name().to_owned());
    app.store.run(move |connection| presigned::insert(connection, &uploads, in_bucket.as_deref())).await?;
    Ok(created(json!({ "files": shown, "expires_at": expires_at })))
}

/// Where one file goes: one URL, or one per part of `part_size` bytes (the last may be shorter).
pub(super) enum Target {
    Single(String),
    Multipart { upload_id: String, part_size: u64, urls: Vec<String> },
}

/// A target at this backend's `PUT /_presigned/{key}`: multipart above [`PART_SIZE`].
fn own_target(origin: &str, file_key: &str, signature: &str, size: u64) -> Target {
    let url = format!("{origin}/_presigned/{file_key}?signature={signature}");
    if size <= PART_SIZE {
        return Target::Single(url);
    }
    let upload_id = uuid::Uuid::new_v4().simple().to_string();
    let urls = (1..=size.div_ceil(PART_SIZE)).map(|n| format!("{url}&upload_id={upload_id}&part_number={n}")).collect();
    Target::Multipart { upload_id, part_size: PART_SIZE, urls }
}

/// One requested file: `(filename, size, content_type)`, or its field errors.
fn read_file(item: &Value) -> Result<(String, u64, Option<String>), Map<String, Value>> {
    let mut errors = FieldErrors::default();
    let Value::Object(object) = item else {
        errors.add("non_field_errors", fields::expected_dict(item));
        return Err(errors.into_map());
    };
    let filename = CharField { required: true, allow_null: false, allow_blank: false }
        .read(object, "filename")
        .unwrap_or_else(|message| {
            errors.add("filename", message);
            None
        });
    let size = match object.get("size") {
        Some(Value::Number(number)) if number.as_u64().is_some() => number.as_u64(),
        None => {
            errors.add("size", fields::REQUIRED);
            None
        }
        Some(_) => {
            errors.add("size", "A valid integer is required.");
            None
        }
    };
    let content_type = CharField { required: false, allow_null: true, allow_blank: true }
        .read(object, "content_type")
        .unwrap_or_else(|message| {
            errors.add("content_type", message);
            None
        });
    match (filename, size) {
        (Some(filename), Some(size)) if errors.is_empty() => Ok((base_name(&filename), size, content_type)),
        _ => Err(errors.into_map()),
    }
}

/// `PUT /_presigned/{*key}?signature=…[&upload_id=…&part_number=N]`: stores the body as the file
/// (or as part N), 200 with an `ETag` (the quoted SHA-1 of what was stored). 403 for a wrong or
/// expired signature, 404 for a key never handed out, 400 for a part that does not belong.
pub(crate) async fn put(
    State(app): State<Shared>,
    Path(key): Path<String>,
    uri: Uri,
    body: Bytes,
) -> Result<Response, ApiError> {
    let query: Vec<(String, String)> =
        form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()).into_owned().collect();
    let param = |name: &str| query.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone());
    let lookup = key.clone();
    let upload =
        app.store.run(move |connection| presigned::get(connection, &lookup)).await?.ok_or(ApiError::NotFound)?;
    if param("signature").as_deref() != Some(upload.signature.as_str()) {
        return Ok(forbidden("The request signature does not match."));
    }
    if now_epoch() > upload.expires_epoch {
        return Ok(forbidden("Request has expired."));
    }
    let etag = format!("\"{}\"", checksum(&body));
    match (&upload.upload_id, param("upload_id"), param("part_number")) {
        (None, None, None) => app.media.write(&key, &body).await?,
        (Some(upload_id), Some(given), Some(number)) if *upload_id == given => {
            let number: i64 =
                number.parse().ok().filter(|number| (1..=upload.parts.unwrap_or(0)).contains(number)).ok_or_else(
                    || ApiError::BadRequest(format!("Part number {number} is not a part of this upload.")),
                )?;
            app.media.write(&part_key(upload_id, number), &body).await?;
            let (file_key, tag, size) = (key.clone(), etag.clone(), body.len());
            app.store.run(move |connection| presigned::record_part(connection, &file_key, number, &tag, size)).await?;
        }
        _ => {
            return Err(ApiError::BadRequest(format!(
                "`{key}` takes {} PUTs.",
                if upload.upload_id.is_some() { "multipart" } else { "single" }
            )));
        }
    }
    let mut response = StatusCode::OK.into_response();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    Ok(response)
}

/// Where part `number` of multipart upload `upload_id` waits for the confirmation.
fn part_key(upload_id: &str, number: i64) -> String {
    format!("presigned-parts/{upload_id}/{number}")
}

fn forbidden(message: &str) -> Response {
    (StatusCode::FORBIDDEN, Json(json!({ "detail": message }))).into_response()
}

/// `POST data_files/presigned_upload/confirm_upload/` `{files: [{file_key, checksum, size,
/// multipart?: {upload_id, parts: [{part_number, etag}]}}]}`: 200 `{results: [{file_key,
/// checksum, data_file_id?, success, error?}], created_count, failed_count}`. A file whose stored
/// content is not what the client reports (SHA-1, size), was never put, or whose parts do not
/// match fails alone, its content removed.
pub(crate) async fn confirm(
    State(app): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(&headers, &body)?.unwrap_or_else(|| json!({}));
    let items = match body.get("files") {
        Some(Value::Array(items)) => items.clone(),
        None => return Err(super::files::field_error("files", fields::REQUIRED)),
        Some(other) => {
            let message = format!("Expected a list of items but got type \"{}\".", fields::python_type(other));
            return Err(super::files::field_error("files", &message));
        }
    };
    let mut results = Vec::with_capacity(items.len());
    for item in &items {
        let file_key = item.get("file_key").and_then(Value::as_str).unwrap_or_default().to_owned();
        let given = item.get("checksum").and_then(Value::as_str).unwrap_or_default().trim().to_ascii_lowercase();
        let outcome = confirm_one(&app, &file_key, &given, item).await?;
        results.push(match outcome {
            Ok((id, sum)) => json!({ "file_key": file_key, "checksum": sum, "data_file_id": id, "success": true }),
            Err(error) => json!({ "file_key": file_key, "checksum": given, "data_file_id": null, "success": false, "error": error }),
        });
    }
    let created_count = results.iter().filter(|result| result["success"] == true).count();
    let failed_count = results.len() - created_count;
    Ok(Json(json!({ "results": results, "created_count": created_count, "failed_count": failed_count })))
}

/// One file's confirmation: `Ok(Ok((data file id, checksum)))`, or `Ok(Err(why))` for a failure of
/// this file alone.
async fn confirm_one(
    app: &Shared,
    file_key: &str,
    given: &str,
    item: &Value,
) -> Result<Result<(i64, String), String>, ApiError> {
    if file_key.is_empty() {
        return Ok(Err("file_key: This field is required.".to_owned()));
    }
    let lookup = file_key.to_owned();
    let Some(upload) = app.store.run(move |connection| presigned::get(connection, &lookup)).await? else {
        return Ok(Err(format!("Unknown file key `{file_key}`.")));
    };
    if let Some(id) = upload.data_file {
        let file = app.store.run(move |connection| files::get(connection, id)).await?;
        if let Some(file) = file {
            return Ok(Ok((id, file.checksum)));
        }
    }
    let key = file_key.to_owned();
    if let Some(bucket) = app.store.run(move |connection| presigned::bucket_of(connection, &key)).await? {
        return super::presigned_s3::confirm_one(app, &bucket, &upload, given, item).await;
    }
    if let Some(upload_id) = &upload.upload_id {
        let key = file_key.to_owned();
        let recorded = app.store.run(move |connection| presigned::parts(connection, &key)).await?;
        if let Err(why) = check_parts(upload_id, upload.parts.unwrap_or(0), &recorded, item.get("multipart")) {
            return Ok(Err(why));
        }
        let mut whole = Vec::new();
        for (number, _) in &recorded {
            let part = app.media.read(&part_key(upload_id, *number)).await?.unwrap_or_default();
            whole.extend_from_slice(&part);
        }
        app.media.write(file_key, &whole).await?;
        for (number, _) in &recorded {
            app.media.remove(&part_key(upload_id, *number)).await?;
        }
    }
    let Some(bytes) = app.media.read(file_key).await? else {
        return Ok(Err(format!("Nothing was uploaded to `{file_key}`.")));
    };
    let stored = checksum(&bytes);
    let size = bytes.len() as u64;
    let given_size = item.get("size").and_then(Value::as_u64);
    let mismatch = if stored != given {
        Some(format!("Checksum mismatch: the stored content's SHA-1 is {stored}, the confirmation says {given:?}."))
    } else if given_size.is_some_and(|given| given != size) {
        Some(format!("Size mismatch: {size} bytes were stored, the confirmation says {}.", given_size.unwrap_or(0)))
    } else {
        None
    };
    if let Some(why) = mismatch {
        app.media.remove(file_key).await?;
        return Ok(Err(why));
    }
    let id = record(app, file_key, &upload.filename, &stored, size).await?;
    Ok(Ok((id, stored)))
}

/// Makes the confirmed upload `file_key` (its content the media file `file_key`) a data file: its id.
pub(super) async fn record(
    app: &Shared,
    file_key: &str,
    filename: &str,
    sum: &str,
    size: u64,
) -> Result<i64, ApiError> {
    let (key, filename, sum) = (file_key.to_owned(), filename.to_owned(), sum.to_owned());
    Ok(app
        .store
        .run(move |connection| {
            let file = files::insert(connection, &key, &filename, &sum, size, "presigned")?;
            presigned::confirm(connection, &key, file.id)?;
            Ok(file.id)
        })
        .await?)
}

/// Whether the confirmation's `multipart` names this upload and every part with the ETag it got.
fn check_parts(upload_id: &str, count: i64, recorded: &[(i64, String)], given: Option<&Value>) -> Result<(), String> {
    let given = given.ok_or("This file was uploaded in parts: `multipart` is required.")?;
    if given.get("upload_id").and_then(Value::as_str) != Some(upload_id) {
        return Err(format!("multipart.upload_id is not this file's upload ({upload_id})."));
    }
    let parts: Vec<(i64, String)> = given
        .get("parts")
        .and_then(Value::as_array)
        .map(|parts| {
            parts
                .iter()
                .map(|part| {
                    let number = part.get("part_number").and_then(Value::as_i64).unwrap_or(0);
                    (number, part.get("etag").and_then(Value::as_str).unwrap_or_default().to_owned())
                })
                .collect()
        })
        .unwrap_or_default();
    if i64::try_from(recorded.len()).unwrap_or(0) != count {
        return Err(format!("{} of {count} parts were uploaded.", recorded.len()));
    }
    for (number, etag) in recorded {
        match parts.iter().find(|(given, _)| given == number) {
            None => return Err(format!("Part {number} is missing from the confirmation.")),
            Some((_, given)) if given.trim_matches('"') != etag.trim_matches('"') => {
                return Err(format!("Part {number}: the ETag {given:?} is not the part's ({etag})."));
            }
            Some(_) => {}
        }
    }
    Ok(())
}
