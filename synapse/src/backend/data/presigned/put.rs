//! The PUTs to a storage's presigned URLs: the file (or each part) sent as
//! `application/octet-stream`, hashed as it is read, without the backend's credentials.

use super::wire::{PartEtag, UploadedParts};
use super::{PresignedFailure, PresignedTarget, UploadedFile};
use sha1::{Digest, Sha1};
use std::path::Path;
use std::time::Duration;
use tokio::io::AsyncReadExt;

/// An HTTP client for storage URLs: no backend credentials.
pub(super) fn storage_client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(300))
        .build()
        .map_err(|error| format!("cannot build the HTTP client of storage uploads: {error}"))
}

pub(super) async fn put_file(
    storage: &reqwest::Client,
    target: &PresignedTarget,
    path: &Path,
) -> Result<UploadedFile, PresignedFailure> {
    let read = |source| PresignedFailure::Read { path: path.to_owned(), source };
    let mut file = tokio::fs::File::open(path).await.map_err(read)?;
    let mut hasher = Sha1::new();
    if let Some(url) = &target.presigned_url {
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).await.map_err(read)?;
        hasher.update(&bytes);
        let size = bytes.len() as u64;
        put_bytes(storage, url, bytes, path, target).await?;
        return Ok(UploadedFile {
            file_key: target.file_key.clone(),
            checksum: hex::encode(hasher.finalize()),
            size,
            multipart: None,
        });
    }
    let Some(multipart) = &target.multipart else { return Err(PresignedFailure::NoTarget { path: path.to_owned() }) };
    let mut parts = Vec::with_capacity(multipart.parts.len());
    let mut size = 0;
    for part in &multipart.parts {
        let mut bytes = Vec::new();
        (&mut file).take(multipart.part_size).read_to_end(&mut bytes).await.map_err(read)?;
        if bytes.is_empty() {
            break;
        }
        hasher.update(&bytes);
        size += bytes.len() as u64;
        let etag = put_bytes(storage, &part.presigned_url, bytes, path, target).await?;
        parts.push(PartEtag { part_number: part.part_number, etag });
    }
    Ok(UploadedFile {
        file_key: target.file_key.clone(),
        checksum: hex::encode(hasher.finalize()),
        size,
        multipart: Some(UploadedParts { upload_id: multipart.upload_id.clone(), parts }),
    })
}

/// One PUT; the `ETag` answered (empty when none).
async fn put_bytes(
    storage: &reqwest::Client,
    url: &str,
    bytes: Vec<u8>,
    path: &Path,
    target: &PresignedTarget,
) -> Result<String, PresignedFailure> {
    let response = storage
        .put(url)
        .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .map_err(|error| put_error(path, target, url, None, error.to_string()))?;
    let status = response.status();
    let etag =
        response.headers().get(reqwest::header::ETAG).and_then(|value| value.to_str().ok()).unwrap_or("").to_owned();
    if status.is_success() {
        return Ok(etag);
    }
    let body = response.text().await.unwrap_or_default();
    Err(put_error(path, target, url, Some(status.as_u16()), storage_message(&body)))
}

pub(super) fn put_error(
    path: &Path,
    target: &PresignedTarget,
    url: &str,
    status: Option<u16>,
    message: String,
) -> PresignedFailure {
    PresignedFailure::Put {
        path: path.to_owned(),
        file_key: target.file_key.clone(),
        url: url.split('?').next().unwrap_or_default().to_owned(),
        status,
        message,
    }
}

/// A storage error body's `Code` and `Message` only (an S3 error carries the string it signed,
/// never shown), or the backend's way of reading a JSON body.
fn storage_message(body: &str) -> String {
    if body.trim_start().starts_with('<') {
        let field = |name: &str| {
            let open = format!("<{name}>");
            let start = body.find(&open)? + open.len();
            let end = start + body[start..].find(&format!("</{name}>"))?;
            Some(body[start..end].trim().to_owned())
        };
        let parts: Vec<String> = [field("Code"), field("Message")].into_iter().flatten().collect();
        return if parts.is_empty() { "(no message)".to_owned() } else { parts.join(": ") };
    }
    crate::backend::error::server_message(body)
}

#[cfg(test)]
mod tests {
    use super::storage_message;

    #[test]
    fn storage_errors_show_their_code_and_message_only() {
        let body =
            "<Error><Code>SignatureDoesNotMatch</Code><Message>No.</Message><StringToSign>PUT…</StringToSign></Error>";
        assert_eq!(storage_message(body), "SignatureDoesNotMatch: No.");
        assert_eq!(storage_message(r#"{"detail": "Request has expired."}"#), "Request has expired.");
    }
}
