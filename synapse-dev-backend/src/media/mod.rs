//! Media: the files the backend holds (uploaded data files, model archives, seeded images), kept
//! in a directory and served under `/media/<key>`.
//!
//! A key is a relative path of plain segments (`models/7/model.zip`): no empty, `.` or `..`
//! segment, no backslash. The directory is `<data>/media` for a backend with a data directory,
//! or one in a temporary directory removed with the backend for one in memory; chunked uploads
//! are assembled beside it (`<data>/chunked_uploads`), never served, then moved in. URLs are absolute,
//! built from the request's own origin, as the backend's media URLs are absolute.

use crate::drf::ApiError;
use crate::store::{Context, Location, StoreError};
use axum::body::Body;
use axum::extract::{Path as RoutePath, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use std::path::PathBuf;
use tokio_util::io::ReaderStream;

/// The directory of the media under a data directory.
pub(crate) const DIR_NAME: &str = "media";

/// The directory of the files being assembled by chunked uploads, under a data directory.
const STAGING_DIR_NAME: &str = "chunked_uploads";

fn create_dirs(root: &std::path::Path, staging: &std::path::Path) -> Result<(), StoreError> {
    std::fs::create_dir_all(root).what(&format!("creating the media directory {}", root.display()))?;
    std::fs::create_dir_all(staging).what(&format!("creating the upload directory {}", staging.display()))
}

/// The media directory.
#[derive(Debug)]
pub(crate) struct Media {
    root: PathBuf,
    /// Files being assembled (chunked uploads), beside the media and never served.
    staging: PathBuf,
    /// The directory of a backend in memory, removed with it.
    _temporary: Option<tempfile::TempDir>,
}

impl Media {
    /// Opens (creating if needed) the media directory of a backend kept at `location`.
    pub(crate) fn open(location: &Location) -> Result<Self, StoreError> {
        match location {
            Location::Dir(dir) => {
                let (root, staging) = (dir.join(DIR_NAME), dir.join(STAGING_DIR_NAME));
                create_dirs(&root, &staging)?;
                Ok(Self { root, staging, _temporary: None })
            }
            Location::Memory => {
                let temporary = tempfile::Builder::new()
                    .prefix("synapse-dev-backend-media-")
                    .tempdir()
                    .what("creating a temporary media directory")?;
                let (root, staging) = (temporary.path().join(DIR_NAME), temporary.path().join(STAGING_DIR_NAME));
                create_dirs(&root, &staging)?;
                Ok(Self { root, staging, _temporary: Some(temporary) })
            }
        }
    }

    /// The file a chunked upload is assembled in, by its id (32 hex digits, checked by the caller).
    pub(crate) fn staging_path(&self, upload_id: &str) -> PathBuf {
        self.staging.join(format!("{upload_id}.part"))
    }

    /// Moves the file `from` (a staged upload) to be the media file `key`, replacing any.
    pub(crate) async fn adopt(&self, from: &std::path::Path, key: &str) -> Result<(), ApiError> {
        let path = self.path_of(key)?;
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(|error| ApiError::Internal(format!("creating {}: {error}", parent.display())))?;
        }
        tokio::fs::rename(from, &path)
            .await
            .map_err(|error| ApiError::Internal(format!("moving {} to {}: {error}", from.display(), path.display())))
    }

    /// The file of `key`, or 400 naming the key when it is no relative path of plain segments.
    pub(crate) fn path_of(&self, key: &str) -> Result<PathBuf, ApiError> {
        check_key(key)?;
        Ok(self.root.join(key))
    }

    /// Writes `bytes` as the file of `key` (its directories created), replacing any.
    pub(crate) async fn write(&self, key: &str, bytes: impl AsRef<[u8]>) -> Result<(), ApiError> {
        let path = self.path_of(key)?;
        match tokio::fs::write(&path, bytes.as_ref()).await {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                if let Some(parent) = path.parent() {
                    tokio::fs::create_dir_all(parent).await.map_err(|error| creating(parent, &error))?;
                }
                tokio::fs::write(&path, bytes).await
            }
            written => written,
        }
        .map_err(|error| ApiError::Internal(format!("writing {}: {error}", path.display())))
    }

    /// [`Self::write`] on the calling thread (one of tokio's blocking threads): the directories
    /// are created only when the file cannot be created without them.
    pub(crate) fn write_here(&self, key: &str, bytes: &[u8]) -> Result<(), ApiError> {
        let path = self.path_of(key)?;
        match std::fs::write(&path, bytes) {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(|error| creating(parent, &error))?;
                }
                std::fs::write(&path, bytes)
            }
            written => written,
        }
        .map_err(|error| ApiError::Internal(format!("writing {}: {error}", path.display())))
    }

    /// The directory itself (a `file_system` storage's `location`).
    pub(crate) fn root(&self) -> &std::path::Path {
        &self.root
    }

    /// The content of `key`; `None` when there is no such file.
    pub(crate) async fn read(&self, key: &str) -> Result<Option<Vec<u8>>, ApiError> {
        let path = self.path_of(key)?;
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(ApiError::Internal(format!("reading {}: {error}", path.display()))),
        }
    }

    /// Removes the file of `key`; a file already gone is no error.
    pub(crate) async fn remove(&self, key: &str) -> Result<(), ApiError> {
        let path = self.path_of(key)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(ApiError::Internal(format!("removing {}: {error}", path.display()))),
        }
    }
}

/// The 500 of a directory that could not be created.
fn creating(dir: &std::path::Path, error: &std::io::Error) -> ApiError {
    ApiError::Internal(format!("creating {}: {error}", dir.display()))
}

/// The absolute URL of `key` at `origin` (`http://<host>`, from [`crate::pagination::RequestUrl`]).
pub(crate) fn url(origin: &str, key: &str) -> String {
    format!("{origin}/{DIR_NAME}/{key}")
}

/// Refuses a key that could leave the media directory or name it ambiguously.
fn check_key(key: &str) -> Result<(), ApiError> {
    let plain = !key.is_empty()
        && !key.contains('\\')
        && key.split('/').all(|segment| !segment.is_empty() && segment != "." && segment != "..");
    if plain {
        Ok(())
    } else {
        Err(ApiError::BadRequest(format!("`{key}` is not a media key (a relative path of plain segments)")))
    }
}

/// Files up to this size are read whole and answered in one piece; larger ones are streamed.
const WHOLE_LIMIT: u64 = 1024 * 1024;

/// A media file opened to be served.
enum Opened {
    /// Its whole content (at most [`WHOLE_LIMIT`] bytes).
    Whole(Vec<u8>),
    /// A larger file, and its length.
    Large(std::fs::File, u64),
}

/// Opens the file at `path` and reads it when it is small, on the calling (blocking) thread.
fn open(path: &std::path::Path) -> std::io::Result<Opened> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let length = file.metadata()?.len();
    if length > WHOLE_LIMIT {
        return Ok(Opened::Large(file, length));
    }
    // `length` ≤ WHOLE_LIMIT fits a usize; a file grown since is read whole all the same.
    let mut bytes = Vec::with_capacity(usize::try_from(length).unwrap_or(0));
    file.read_to_end(&mut bytes)?;
    Ok(Opened::Whole(bytes))
}

/// `GET /media/{*key}`: the file with a content type from its extension and its length (read in
/// one piece up to 1 MiB, streamed beyond); 404 when there is none.
pub(crate) async fn serve(State(app): State<crate::routes::Shared>, RoutePath(key): RoutePath<String>) -> Response {
    let path = match app.media.path_of(&key) {
        Ok(path) => path,
        Err(_) => return ApiError::NotFound.into_response(),
    };
    let opened = match tokio::task::spawn_blocking(move || open(&path).map_err(|error| (path, error))).await {
        Ok(Ok(opened)) => opened,
        Ok(Err((_, error))) if error.kind() == std::io::ErrorKind::NotFound => {
            return ApiError::NotFound.into_response();
        }
        Ok(Err((path, error))) => {
            return ApiError::Internal(format!("reading {}: {error}", path.display())).into_response();
        }
        Err(error) => return ApiError::Internal(format!("reading the media file {key}: {error}")).into_response(),
    };
    let (mut response, length) = match opened {
        Opened::Whole(bytes) => {
            let length = bytes.len() as u64;
            (Body::from(bytes).into_response(), length)
        }
        Opened::Large(file, length) => {
            let stream = ReaderStream::new(tokio::fs::File::from_std(file));
            (Body::from_stream(stream).into_response(), length)
        }
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(&key)));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    response
}

/// The media type of a key, from its extension (`application/octet-stream` when unknown).
fn content_type(key: &str) -> &'static str {
    let extension = key.rsplit_once('.').map(|(_, extension)| extension.to_ascii_lowercase());
    match extension.as_deref() {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("json") => "application/json",
        Some("txt") => "text/plain; charset=utf-8",
        Some("zip") => "application/zip",
        Some("csv") => "text/csv",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_stay_inside_the_directory() {
        for bad in ["", "/etc/passwd", "a/../../b", "./a", "a//b", "a\\b", "a/"] {
            assert!(check_key(bad).is_err(), "{bad:?} was accepted");
        }
        for good in ["a.png", "models/7/model.zip", "gt/1/train/img_0001.png"] {
            assert!(check_key(good).is_ok(), "{good:?} was refused");
        }
    }

    #[test]
    fn content_types_follow_extensions() {
        assert_eq!(content_type("x/a.PNG"), "image/png");
        assert_eq!(content_type("model.zip"), "application/zip");
        assert_eq!(content_type("noext"), "application/octet-stream");
    }
}
