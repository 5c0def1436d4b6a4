//! Downloading a file the API points at (a ground-truth event's image, a task's label, a model
//! archive): to disk with [`BackendClient::download`], or into memory when it is small with
//! [`BackendClient::fetch`] ([`Fetched`]).

use super::client::transport_reason;
use super::{BackendClient, BackendError};
use reqwest::header::LOCATION;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// The most redirects a download follows.
const MAX_REDIRECTS: usize = 10;

/// The HTTP client of downloads, shared by every [`BackendClient`]: no credentials of its own,
/// and no redirects followed by itself, so that each hop decides whether it gets credentials.
static MEDIA: OnceLock<Result<reqwest::Client, String>> = OnceLock::new();

fn media_client() -> Result<&'static reqwest::Client, BackendError> {
    MEDIA
        .get_or_init(|| {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(Duration::from_secs(10))
                .read_timeout(Duration::from_secs(60))
                .build()
                .map_err(|error| error.to_string())
        })
        .as_ref()
        .map_err(|reason| BackendError::Config(format!("cannot build the HTTP client of downloads: {reason}")))
}

/// What [`BackendClient::fetch`] gave: the body in memory, or the file it was streamed to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetched {
    /// The whole body: the response said its length (`Content-Length`), and it was at most the
    /// limit asked for.
    Bytes(Vec<u8>),
    /// The file the body was streamed to (the response gave no length, or a larger one), and
    /// its size in bytes.
    File {
        /// Where it is.
        path: PathBuf,
        /// Its size in bytes.
        size: u64,
    },
}

impl BackendClient {
    /// Downloads `url` to `dest` (its directories created), streaming it; the number of bytes
    /// written. `url` is absolute (a storage's presigned URL, the backend's media), or a path
    /// relative to the host.
    ///
    /// Credentials go to the backend's own origin only: a URL elsewhere (a storage), or a
    /// redirect there, is fetched without them. The file appears whole or not at all (it is
    /// written beside `dest` and renamed). Transient failures are retried as the client's
    /// [`RetryPolicy`](super::RetryPolicy) says.
    ///
    /// ```no_run
    /// # async fn demo(client: synapse::backend::BackendClient, event: synapse::backend::GroundTruthEvent)
    /// # -> Result<(), synapse::backend::BackendError> {
    /// if let Some((name, file)) = event.primary_file() {
    ///     client.download(&file.url, std::path::Path::new(&format!("data/{}-{name}.png", event.id))).await?;
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`BackendError::Status`] (`GET <path>`: the backend's path, or a storage URL without its
    /// query, which may hold a signature), [`BackendError::Unreachable`],
    /// [`BackendError::ResponseLost`] when the body broke off, [`BackendError::File`] when `dest`
    /// cannot be written, [`BackendError::Config`] when `url` is no URL, or an `https://` one in a
    /// build without the `tls` feature.
    pub async fn download(&self, url: &str, dest: &Path) -> Result<u64, BackendError> {
        match self.fetch(url, None, dest).await? {
            Fetched::Bytes(bytes) => Ok(bytes.len() as u64),
            Fetched::File { size, .. } => Ok(size),
        }
    }

    /// Downloads `url` into memory when the response says its length (`Content-Length`) and it
    /// is at most `in_memory_up_to` bytes, else streams it to `dest` as
    /// [`download`](Self::download) does (`None`: always to `dest`). Small files then cost no
    /// file at all; a large or unsized one is never held in memory whole.
    ///
    /// ```no_run
    /// # async fn demo(client: synapse::backend::BackendClient) -> Result<(), synapse::backend::BackendError> {
    /// use synapse::backend::Fetched;
    /// match client.fetch("/media/gt/1/img_0001.png", Some(8 << 20), "big/img_0001.png".as_ref()).await? {
    ///     Fetched::Bytes(bytes) => println!("{} bytes in memory", bytes.len()),
    ///     Fetched::File { path, size } => println!("{size} bytes in {}", path.display()),
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`download`](Self::download).
    pub async fn fetch(&self, url: &str, in_memory_up_to: Option<u64>, dest: &Path) -> Result<Fetched, BackendError> {
        let start = self
            .config()
            .host
            .join(url)
            .map_err(|error| BackendError::Config(format!("`{url}` is not a URL to download: {error}")))?;
        if start.scheme() == "https" && !super::client::TLS {
            let shown = start.as_str().split('?').next().unwrap_or_default();
            return Err(BackendError::Config(format!(
                "{shown} is HTTPS: {}",
                crate::features::missing(&["tls"], "to download over HTTPS")
            )));
        }
        let mut retry = 0;
        loop {
            match self.download_once(&start, in_memory_up_to, dest).await {
                Err(error) if error.is_transient() && retry + 1 < self.retry.attempts => {
                    retry += 1;
                    tracing::debug!("retrying after: {error}");
                    tokio::time::sleep(self.retry.backoff(retry)).await;
                }
                outcome => return outcome,
            }
        }
    }

    /// `url` as errors name it: the path relative to the host for the backend's own URLs, else
    /// the URL without its query.
    fn named(&self, url: &reqwest::Url) -> String {
        if url.origin() == self.config().host.origin() {
            self.path_of(url)
        } else {
            format!("{}{}", url.origin().ascii_serialization(), url.path())
        }
    }

    async fn download_once(
        &self,
        start: &reqwest::Url,
        in_memory_up_to: Option<u64>,
        dest: &Path,
    ) -> Result<Fetched, BackendError> {
        let client = media_client()?;
        let mut url = start.clone();
        for _ in 0..=MAX_REDIRECTS {
            let mut request = client.get(url.clone());
            if url.origin() == self.config().host.origin() {
                request = request.headers(self.config().auth_headers()?);
            }
            let response = request.send().await.map_err(|error| {
                let (method, path, reason) = ("GET".to_owned(), self.named(&url), transport_reason(&error));
                if error.is_connect() {
                    BackendError::Unreachable { method, path, host: url.origin().ascii_serialization(), reason }
                } else {
                    BackendError::ResponseLost { method, path, reason }
                }
            })?;
            let status = response.status();
            if status.is_redirection()
                && let Some(location) = response.headers().get(LOCATION).and_then(|value| value.to_str().ok())
            {
                url = url.join(location).map_err(|error| BackendError::Decode {
                    method: "GET".to_owned(),
                    path: self.named(&url),
                    reason: format!("its redirect to `{location}` is not a URL: {error}"),
                })?;
                continue;
            }
            if !status.is_success() {
                let text = response.text().await.unwrap_or_default();
                return Err(BackendError::Status {
                    method: "GET".to_owned(),
                    path: self.named(&url),
                    status: status.as_u16(),
                    message: super::error::server_message(&text),
                });
            }
            let length = response.content_length();
            if let (Some(limit), Some(length)) = (in_memory_up_to, length)
                && length <= limit
            {
                let body = response.bytes().await.map_err(|error| BackendError::ResponseLost {
                    method: "GET".to_owned(),
                    path: self.named(&url),
                    reason: transport_reason(&error),
                })?;
                return Ok(Fetched::Bytes(Vec::from(body)));
            }
            let size = self.save(response, &url, dest).await?;
            return Ok(Fetched::File { path: dest.to_owned(), size });
        }
        Err(BackendError::Decode {
            method: "GET".to_owned(),
            path: self.named(start),
            reason: format!("more than {MAX_REDIRECTS} redirects"),
        })
    }

    /// Streams the body of `response` (from `url`) into `dest`, through a file beside it.
    async fn save(
        &self,
        mut response: reqwest::Response,
        url: &reqwest::Url,
        dest: &Path,
    ) -> Result<u64, BackendError> {
        let failed = |path: &Path, what: &str, error: std::io::Error| BackendError::File {
            path: path.to_owned(),
            reason: format!("cannot be {what}: {error}"),
        };
        if let Some(parent) = dest.parent().filter(|parent| !parent.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(parent).await.map_err(|error| failed(parent, "created", error))?;
        }
        let partial = partial_path(dest);
        let mut file = tokio::fs::File::create(&partial).await.map_err(|error| failed(&partial, "created", error))?;
        let mut written = 0u64;
        let outcome = async {
            while let Some(chunk) = response.chunk().await.map_err(|error| BackendError::ResponseLost {
                method: "GET".to_owned(),
                path: self.named(url),
                reason: transport_reason(&error),
            })? {
                file.write_all(&chunk).await.map_err(|error| failed(&partial, "written", error))?;
                written += chunk.len() as u64;
            }
            file.flush().await.map_err(|error| failed(&partial, "written", error))?;
            drop(file);
            tokio::fs::rename(&partial, dest).await.map_err(|error| failed(dest, "written", error))
        }
        .await;
        if outcome.is_err() {
            // What is left of the partial file says nothing; the error says what happened.
            let _ = tokio::fs::remove_file(&partial).await;
        }
        outcome.map(|()| written)
    }
}

/// `dir/.name.part` for `dir/name`.
fn partial_path(dest: &Path) -> PathBuf {
    let name = dest.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    dest.with_file_name(format!(".{name}.part"))
}
