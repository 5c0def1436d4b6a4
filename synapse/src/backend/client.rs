//! [`BackendClient`]: one HTTP client of the Synapse API v1, with the SDK's authentication
//! headers, `?url_host=` on every request, typed errors, and retries with backoff where a retry
//! cannot apply a request twice.

use super::{BackendConfig, BackendError};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// When a failed call is tried again: transient failures (the backend unreachable, 429, 502,
/// 503, 504, a lost response) up to `attempts` times in all, waiting a random time up to
/// `base · 2^n` (at most `max`; a 429's `Retry-After` when it says longer). A request that is
/// not idempotent (a `POST`) is retried only when the backend surely did not apply it: it was
/// not sent (unreachable), or refused (429, 503).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included (1: no retry).
    pub attempts: u32,
    /// The first backoff's bound.
    pub base: Duration,
    /// The longest wait between tries.
    pub max: Duration,
}

impl Default for RetryPolicy {
    /// 4 tries, backoff from 200 ms up to 5 s.
    fn default() -> Self {
        RetryPolicy { attempts: 4, base: Duration::from_millis(200), max: Duration::from_secs(5) }
    }
}

impl RetryPolicy {
    /// Never retries.
    pub const NONE: RetryPolicy = RetryPolicy { attempts: 1, base: Duration::ZERO, max: Duration::ZERO };

    /// The wait before try `retry` (1-based): full jitter over `base · 2^(retry-1)`, capped.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let bound = self.base.saturating_mul(2u32.saturating_pow(retry.saturating_sub(1))).min(self.max);
        bound.mul_f64(jitter())
    }
}

/// A number in [0, 1), different on every call.
pub(crate) fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher
        .write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// A client of the Synapse backend (API v1).
///
/// Paths are relative to [`BackendConfig::host`] and end with a slash, as the API's do
/// (`jobs/7/`). Cheap to clone: clones share one connection pool.
///
/// ```no_run
/// # async fn demo() -> Result<(), synapse::backend::BackendError> {
/// use synapse::backend::{BackendClient, BackendConfig, JobStatus, JobUpdate};
/// let client = BackendClient::new(BackendConfig::new("http://127.0.0.1:8000", "my-token")?)?;
/// let job = client.get_job(7).await?;
/// client.update_job(job.id, &JobUpdate { status: Some(JobStatus::Running), ..JobUpdate::default() }).await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct BackendClient {
    http: reqwest::Client,
    config: BackendConfig,
    pub(crate) retry: RetryPolicy,
}

/// Whether this build speaks HTTPS (the `tls` feature, or an object store's rustls).
pub(crate) const TLS: bool = cfg!(any(feature = "tls", feature = "_rustls"));

impl BackendClient {
    /// A client for `config`, with the default [`RetryPolicy`] and a 60 s limit per request.
    ///
    /// # Errors
    /// [`BackendError::Config`] when a credential cannot be a header value, the host is
    /// `https://` in a build without the `tls` feature, or the HTTP client cannot be built.
    pub fn new(config: BackendConfig) -> Result<Self, BackendError> {
        if config.host.scheme() == "https" && !TLS {
            return Err(BackendError::Config(format!(
                "the Synapse backend at {} is HTTPS: {}",
                config.host,
                crate::features::missing(&["tls"], "to speak HTTPS")
            )));
        }
        #[cfg(feature = "_rustls")]
        crate::storage::install_tls_provider();
        let http = reqwest::Client::builder()
            .default_headers(config.auth_headers()?)
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|error| BackendError::Config(format!("cannot build the HTTP client: {error}")))?;
        Ok(BackendClient { http, config, retry: RetryPolicy::default() })
    }

    /// The client the process environment configures (see [`BackendConfig::from_env`]), or
    /// `None` when it configures no backend.
    ///
    /// # Errors
    /// As [`BackendConfig::from_env`] and [`new`](Self::new).
    pub fn from_env() -> Result<Option<Self>, BackendError> {
        BackendClient::from_config(BackendConfig::from_env())
    }

    /// The client of a configuration that may be absent or wrong: `None` for no backend.
    ///
    /// # Errors
    /// The configuration's error, or [`new`](Self::new)'s.
    pub fn from_config(config: Result<Option<BackendConfig>, BackendError>) -> Result<Option<Self>, BackendError> {
        config?.map(BackendClient::new).transpose()
    }

    /// The same client with another retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Its configuration.
    pub fn config(&self) -> &BackendConfig {
        &self.config
    }

    /// The HTTP client (sending the credentials: only for the backend's own host).
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Its retry policy.
    pub(crate) fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    /// `GET path` with `query`, read as `T`.
    ///
    /// # Errors
    /// As [`BackendError`]; retried as [`RetryPolicy`] says.
    pub async fn get<T: DeserializeOwned>(&self, path: &str, query: &[(&str, &str)]) -> Result<T, BackendError> {
        let url = self.url(path, query)?;
        self.call(Method::GET, url, None::<&()>).await
    }

    /// `PATCH path` with the JSON `body`, the answer read as `T`.
    ///
    /// # Errors
    /// As [`get`](Self::get).
    pub async fn patch<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, BackendError> {
        let url = self.url(path, &[])?;
        self.call(Method::PATCH, url, Some(body)).await
    }

    /// `POST path` with the JSON `body`, the answer read as `T`. Not idempotent: retried only
    /// when the backend surely did not apply it.
    ///
    /// # Errors
    /// As [`get`](Self::get); [`BackendError::ResponseLost`] when the request was sent and its
    /// answer lost.
    pub async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, BackendError> {
        let url = self.url(path, &[])?;
        self.call(Method::POST, url, Some(body)).await
    }

    /// `DELETE path`, the answer (none for a 204) read as `T`. Idempotent: retried as
    /// [`RetryPolicy`] says.
    ///
    /// # Errors
    /// As [`get`](Self::get).
    pub async fn delete<T: DeserializeOwned>(&self, path: &str) -> Result<T, BackendError> {
        let url = self.url(path, &[])?;
        self.call(Method::DELETE, url, None::<&()>).await
    }

    /// The URL of `path` with `query` and the configured `url_host`.
    pub(crate) fn url(&self, path: &str, query: &[(&str, &str)]) -> Result<reqwest::Url, BackendError> {
        let mut url = self
            .config
            .host
            .join(path.trim_start_matches('/'))
            .map_err(|error| BackendError::Config(format!("`{path}` is not a path of the backend: {error}")))?;
        if !query.is_empty() || self.config.url_host.is_some() {
            let mut pairs = url.query_pairs_mut();
            for (key, value) in query {
                pairs.append_pair(key, value);
            }
            if let Some(host) = &self.config.url_host {
                pairs.append_pair("url_host", host);
            }
        }
        Ok(url)
    }

    /// `url` as the path errors name: relative to the host when under it, without the query.
    pub(crate) fn path_of(&self, url: &reqwest::Url) -> String {
        let base = self.config.host.path();
        url.path().strip_prefix(base).map_or_else(|| url.path().to_owned(), str::to_owned)
    }

    /// Sends `method url` (with the JSON `body`) as the retry policy says, and reads the answer.
    pub(crate) async fn call<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        url: reqwest::Url,
        body: Option<&B>,
    ) -> Result<T, BackendError> {
        self.call_with(method, url, |request| match body {
            Some(body) => request.json(body),
            None => request,
        })
        .await
    }

    /// [`call`](Self::call) with the body `attach` puts on each try's request (a multipart form
    /// is made anew for each try).
    pub(crate) async fn call_with<T: DeserializeOwned>(
        &self,
        method: Method,
        url: reqwest::Url,
        attach: impl Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> Result<T, BackendError> {
        let idempotent = method != Method::POST;
        let mut retry = 0;
        loop {
            let outcome = self.once(&method, &url, &attach).await;
            let error = match outcome {
                Ok(text) => return self.decode(&method, &url, &text),
                Err((error, _)) if retry + 1 >= self.retry.attempts => return Err(error),
                Err((error, wait)) => {
                    let safe = match &error {
                        BackendError::Unreachable { .. } => true,
                        BackendError::Status { status, .. } => idempotent || matches!(status, 429 | 503),
                        BackendError::ResponseLost { .. } => idempotent,
                        _ => false,
                    };
                    if !(error.is_transient() && safe) {
                        return Err(error);
                    }
                    retry += 1;
                    let backoff = self.retry.backoff(retry);
                    tokio::time::sleep(wait.map_or(backoff, |wait| wait.min(Duration::from_secs(60)).max(backoff)))
                        .await;
                    error
                }
            };
            tracing::debug!("retrying after: {error}");
        }
    }

    /// One try: the body text of a success, or the error with the wait the server asked for.
    async fn once(
        &self,
        method: &Method,
        url: &reqwest::Url,
        attach: &impl Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> Result<String, (BackendError, Option<Duration>)> {
        let request = attach(self.http.request(method.clone(), url.clone()));
        let response = request.send().await.map_err(|error| (self.transport(method, url, &error), None))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let text = response.text().await.map_err(|error| (self.lost(method, url, &error), None))?;
        if status.is_success() {
            return Ok(text);
        }
        let error = BackendError::Status {
            method: method.to_string(),
            path: self.path_of(url),
            status: status.as_u16(),
            message: super::error::server_message(&text),
        };
        Err((error, if status == StatusCode::TOO_MANY_REQUESTS { retry_after } else { None }))
    }

    pub(crate) fn transport(&self, method: &Method, url: &reqwest::Url, error: &reqwest::Error) -> BackendError {
        if error.is_connect() {
            BackendError::Unreachable {
                method: method.to_string(),
                path: self.path_of(url),
                host: self.config.host.to_string(),
                reason: transport_reason(error),
            }
        } else {
            self.lost(method, url, error)
        }
    }

    pub(crate) fn lost(&self, method: &Method, url: &reqwest::Url, error: &reqwest::Error) -> BackendError {
        BackendError::ResponseLost {
            method: method.to_string(),
            path: self.path_of(url),
            reason: transport_reason(error),
        }
    }

    pub(crate) fn decode<T: DeserializeOwned>(
        &self,
        method: &Method,
        url: &reqwest::Url,
        text: &str,
    ) -> Result<T, BackendError> {
        // An empty answer (204) reads as JSON null.
        let text = if text.trim().is_empty() { "null" } else { text };
        serde_json::from_str(text).map_err(|error| BackendError::Decode {
            method: method.to_string(),
            path: self.path_of(url),
            reason: error.to_string(),
        })
    }
}

/// The innermost cause of a transport error, in words ("connection refused").
pub(crate) fn transport_reason(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return "timed out".to_owned();
    }
    let mut source: Option<&dyn std::error::Error> = Some(error);
    let mut last = error.to_string();
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return match io.kind() {
                std::io::ErrorKind::ConnectionRefused => "connection refused".to_owned(),
                std::io::ErrorKind::ConnectionReset => "connection reset".to_owned(),
                _ => io.to_string(),
            };
        }
        last = cause.to_string();
        source = cause.source();
    }
    last
}
