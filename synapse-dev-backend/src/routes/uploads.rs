//! `chunked_upload/`: the django-chunked-upload protocol as the Synapse SDK speaks it — chunks
//! PUT with `Content-Range`, appended in order, then a POST of the whole file's MD5 that checks
//! it and moves the file into the media.

use super::Shared;
use crate::drf::ApiError;
use crate::drf::fields::{FieldErrors, REQUIRED};
use crate::media;
use crate::pagination::links::RequestUrl;
use crate::store::uploads::{self, Upload};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use md5::{Digest, Md5};
use serde_json::{Value, json};
use std::path::PathBuf;
use tokio::io::{AsyncSeekExt, AsyncWriteExt};

/// The multipart part that carries a chunk's bytes.
const FILE_FIELD: &str = "file";
/// The multipart field that names the file (the SDK sends the file part unnamed).
const FILENAME_FIELD: &str = "filename";

/// `PUT chunked_upload/`: the first chunk, which creates the upload.
pub(crate) async fn start(
    State(app): State<Shared>,
    headers: HeaderMap,
    url: RequestUrl,
    multipart: Option<Multipart>,
) -> Result<Json<Value>, ChunkError> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let range = content_range(&headers)?;
    if let Some(range) = range
        && range.start != 0
    {
        return Err(ChunkError::offsets(0));
    }
    let staged = app.media.staging_path(&id);
    let received = receive(&staged, 0, range, multipart).await;
    let received = match received {
        Ok(received) => received,
        Err(error) => {
            // Nothing of a refused first chunk is kept.
            let _ = tokio::fs::remove_file(&staged).await;
            return Err(error);
        }
    };
    let filename = received.filename.as_deref().map_or_else(|| "file".to_owned(), plain_name);
    let upload = app
        .store
        .run(move |connection| {
            uploads::create(connection, &id, &filename)?;
            uploads::advance(connection, &id, received.end, received.total)
        })
        .await
        .map_err(ApiError::from)?;
    Ok(Json(upload.to_json(url.origin())))
}

/// `PUT chunked_upload/{id}/`: the next chunk; its `Content-Range` must start at the offset.
pub(crate) async fn append(
    State(app): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    url: RequestUrl,
    multipart: Option<Multipart>,
) -> Result<Json<Value>, ChunkError> {
    let upload = find(&app, &id).await?;
    if upload.is_complete() {
        return Err(ApiError::BadRequest("Upload has already been completed".to_owned()).into());
    }
    let range = content_range(&headers)?;
    let start = range.map_or(0, |range| range.start);
    if start != upload.offset {
        return Err(ChunkError::offsets(upload.offset));
    }
    if let (Some(range), Some(total)) = (range, upload.total)
        && range.total != total
    {
        return Err(ApiError::BadRequest(format!(
            "Content-Range total {} does not match the upload's total of {total} bytes",
            range.total
        ))
        .into());
    }
    let received = receive(&app.media.staging_path(&upload.id), start, range, multipart).await?;
    let upload = app
        .store
        .run(move |connection| uploads::advance(connection, &upload.id, received.end, received.total))
        .await
        .map_err(ApiError::from)?;
    Ok(Json(upload.to_json(url.origin())))
}

/// `GET chunked_upload/{id}/`.
pub(crate) async fn retrieve(
    State(app): State<Shared>,
    Path(id): Path<String>,
    url: RequestUrl,
) -> Result<Json<Value>, ApiError> {
    let upload = find(&app, &id).await?;
    Ok(Json(upload.to_json(url.origin())))
}

/// `POST chunked_upload/{id}/` with `md5` (a JSON body, as the SDK sends it, or a form): checks
/// the assembled file's MD5; a match completes the upload and moves the file into the media.
pub(crate) async fn complete(
    State(app): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    url: RequestUrl,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let upload = find(&app, &id).await?;
    if upload.is_complete() {
        return Err(ApiError::BadRequest("Upload has already been completed".to_owned()));
    }
    let md5 = read_md5(&headers, &body)?;
    let staged = app.media.staging_path(&upload.id);
    let actual = file_md5(staged.clone()).await?;
    let key = (actual == md5).then(|| format!("chunked_uploads/{}/{}", upload.id, upload.filename));
    if let Some(key) = &key {
        app.media.adopt(&staged, key).await?;
    }
    let upload =
        app.store.run(move |connection| uploads::finalize(connection, &upload.id, &md5, key.as_deref())).await?;
    let Some(key) = &upload.media_key else {
        return Err(ApiError::BadRequest("md5 checksum does not match".to_owned()));
    };
    let mut shown = upload.to_json(url.origin());
    if let Value::Object(object) = &mut shown {
        object.insert("file".to_owned(), json!(media::url(url.origin(), key)));
        object.insert("checksum".to_owned(), json!(upload.md5));
        object.insert("size".to_owned(), json!(upload.offset));
    }
    Ok(Json(shown))
}

/// The upload of a path id; 404 for an id that is no upload's (32 hex digits).
async fn find(app: &Shared, id: &str) -> Result<Upload, ApiError> {
    if id.len() != 32 || !id.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return Err(ApiError::NotFound);
    }
    let id = id.to_ascii_lowercase();
    app.store.run(move |connection| uploads::get(connection, &id)).await?.ok_or(ApiError::NotFound)
}

/// An error of a chunk: DRF's, or django-chunked-upload's "Offsets do not match" with the
/// upload's offset, so that a client can resume from it.
#[derive(Debug)]
pub(crate) enum ChunkError {
    /// An error as any route answers it.
    Api(ApiError),
    /// 400 `{"detail": "Offsets do not match", "offset": <bytes received>}`.
    Offsets(u64),
}

impl ChunkError {
    fn offsets(offset: u64) -> Self {
        ChunkError::Offsets(offset)
    }
}

impl From<ApiError> for ChunkError {
    fn from(error: ApiError) -> Self {
        ChunkError::Api(error)
    }
}

impl IntoResponse for ChunkError {
    fn into_response(self) -> Response {
        match self {
            ChunkError::Api(error) => error.into_response(),
            ChunkError::Offsets(offset) => {
                (StatusCode::BAD_REQUEST, Json(json!({ "detail": "Offsets do not match", "offset": offset })))
                    .into_response()
            }
        }
    }
}

/// `Content-Range: bytes <start>-<end>/<total>`, inclusive, as django-chunked-upload reads it.
#[derive(Clone, Copy, Debug)]
struct Range {
    start: u64,
    end: u64,
    total: u64,
}

/// The chunk's range: `None` without a header (or with one in another form, which
/// django-chunked-upload reads as "the whole file in this chunk"); 400 for a range that cannot be.
fn content_range(headers: &HeaderMap) -> Result<Option<Range>, ApiError> {
    let Some(value) = headers.get(header::CONTENT_RANGE).and_then(|value| value.to_str().ok()) else {
        return Ok(None);
    };
    let parsed = value.strip_prefix("bytes ").and_then(|rest| {
        let (span, total) = rest.split_once('/')?;
        let (start, end) = span.split_once('-')?;
        let number = |text: &str| text.bytes().all(|byte| byte.is_ascii_digit()).then(|| text.parse::<u64>().ok())?;
        Some(Range { start: number(start)?, end: number(end)?, total: number(total)? })
    });
    match parsed {
        Some(range) if range.end < range.start || range.end >= range.total => {
            Err(ApiError::BadRequest(format!("Content-Range `{value}` is not a range of the file")))
        }
        other => Ok(other),
    }
}

/// What a chunk brought.
struct Received {
    /// The offset after it.
    end: u64,
    /// The whole file's size.
    total: u64,
    /// The `filename` field, if any (else the file part's own name).
    filename: Option<String>,
}

/// Streams the chunk's `file` part into `staged` at `start` (anything after it is cut off), and
/// checks its length against the range.
async fn receive(
    staged: &std::path::Path,
    start: u64,
    range: Option<Range>,
    multipart: Option<Multipart>,
) -> Result<Received, ChunkError> {
    let no_chunk = || ChunkError::Api(ApiError::BadRequest("No chunk file was submitted".to_owned()));
    let mut multipart = multipart.ok_or_else(no_chunk)?;
    let io = |what: &str, error: std::io::Error| ApiError::Internal(format!("{what} {}: {error}", staged.display()));
    let malformed = |error: axum::extract::multipart::MultipartError| {
        ApiError::BadRequest(format!("Multipart form parse error - {}", error.body_text()))
    };
    let (mut filename, mut part_name, mut length) = (None, None, None);
    while let Some(mut field) = multipart.next_field().await.map_err(malformed)? {
        match field.name() {
            Some(FILENAME_FIELD) => filename = Some(field.text().await.map_err(malformed)?),
            Some(FILE_FIELD) if length.is_none() => {
                part_name = field.file_name().map(str::to_owned);
                let mut file = tokio::fs::OpenOptions::new()
                    .create(true)
                    .write(true)
                    .truncate(false)
                    .open(staged)
                    .await
                    .map_err(|error| io("opening", error))?;
                file.seek(std::io::SeekFrom::Start(start)).await.map_err(|error| io("seeking in", error))?;
                let mut written = 0u64;
                while let Some(bytes) = field.chunk().await.map_err(malformed)? {
                    file.write_all(&bytes).await.map_err(|error| io("writing", error))?;
                    written += bytes.len() as u64;
                }
                file.set_len(start + written).await.map_err(|error| io("cutting", error))?;
                file.flush().await.map_err(|error| io("writing", error))?;
                length = Some(written);
            }
            _ => {}
        }
    }
    let length = length.ok_or_else(no_chunk)?;
    let (end, total) = match range {
        Some(range) if range.end - range.start + 1 != length => {
            // The partial chunk is not kept: the offset stays where it was.
            if let Ok(file) = tokio::fs::OpenOptions::new().write(true).open(staged).await {
                let _ = file.set_len(start).await;
            }
            return Err(ApiError::BadRequest("File size doesn't match headers".to_owned()).into());
        }
        Some(range) => (range.end + 1, range.total),
        None => (length, length),
    };
    Ok(Received { end, total, filename: filename.or(part_name) })
}

/// A file name as one plain path segment: its last component, `file` when nothing is left.
fn plain_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    if last.is_empty() || last == "." || last == ".." { "file".to_owned() } else { last.to_owned() }
}

/// The `md5` of a finalize: from a JSON body (the SDK's) or a urlencoded form; lowercase hex.
fn read_md5(headers: &HeaderMap, body: &Bytes) -> Result<String, ApiError> {
    let media = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or("");
    let md5 = if media.starts_with("application/x-www-form-urlencoded") {
        form_urlencoded::parse(body).find(|(key, _)| key == "md5").map(|(_, value)| value.into_owned())
    } else {
        let value = crate::drf::json_body(headers, body)?.unwrap_or(Value::Null);
        value.get("md5").and_then(Value::as_str).map(str::to_owned)
    };
    match md5.map(|md5| md5.trim().to_ascii_lowercase()) {
        Some(md5) if !md5.is_empty() => Ok(md5),
        _ => {
            let mut errors = FieldErrors::default();
            errors.add("md5", REQUIRED);
            Err(ApiError::fields(errors.into_map()))
        }
    }
}

/// The MD5 of a file, lowercase hex, read on a blocking thread.
async fn file_md5(path: PathBuf) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let what = |error: std::io::Error| ApiError::Internal(format!("reading {}: {error}", path.display()));
        let mut file = std::fs::File::open(&path).map_err(what)?;
        let mut hasher = Md5::new();
        let mut buffer = vec![0; 1 << 20];
        loop {
            let read = file.read(&mut buffer).map_err(what)?;
            if read == 0 {
                break;
            }
            hasher.update(&buffer[..read]);
        }
        Ok(hasher.finalize().iter().map(|byte| format!("{byte:02x}")).collect())
    })
    .await
    .map_err(|error| ApiError::Internal(format!("checking an upload's MD5: {error}")))?
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn ranges_as_django_chunked_upload_reads_them() {
        let mut headers = HeaderMap::new();
        assert!(content_range(&headers).expect("no header").is_none());
        headers.insert(header::CONTENT_RANGE, HeaderValue::from_static("bytes 10-19/30"));
        let range = content_range(&headers).expect("valid").expect("a range");
        assert_eq!((range.start, range.end, range.total), (10, 19, 30));
        headers.insert(header::CONTENT_RANGE, HeaderValue::from_static("items 1-2/3"));
        assert!(content_range(&headers).expect("another form").is_none());
        headers.insert(header::CONTENT_RANGE, HeaderValue::from_static("bytes 10-30/30"));
        assert!(content_range(&headers).is_err());
    }

    #[test]
    fn names_are_one_segment() {
        assert_eq!(plain_name("model.zip"), "model.zip");
        assert_eq!(plain_name("../../etc/passwd"), "passwd");
        assert_eq!(plain_name("a\\b.bin"), "b.bin");
        assert_eq!(plain_name(".."), "file");
        assert_eq!(plain_name(""), "file");
    }
}
