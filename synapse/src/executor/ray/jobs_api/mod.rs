//! The Ray Jobs REST API client: submit, watch, stop and delete jobs on a Ray cluster's
//! dashboard (port 8265 by default), and upload the packages they run in.
//!
//! Only HTTP is needed; no Python on the client. Errors are typed ([`RayError`]) and carry
//! Ray's own message: Ray answers many errors with a Python traceback, which becomes its last
//! meaningful line.
//!
//! ```no_run
//! use synapse::executor::ray::{JobStatus, JobSubmission, RayJobsClient, submission_id};
//! use std::time::Duration;
//!
//! # async fn run() -> Result<(), synapse::executor::ray::RayError> {
//! let client = RayJobsClient::new("http://127.0.0.1:8265")?;
//! let id = client
//!     .submit(&JobSubmission::new("echo hello").with_submission_id(submission_id("demo", "hello", "run-1")))
//!     .await?;
//! let mut logs = client.follow_logs(&id)?;
//! while let Some(text) = logs.next().await? {
//!     print!("{text}");
//! }
//! let details = client.wait(&id, Duration::from_secs(60)).await?;
//! assert_eq!(details.status, JobStatus::Succeeded);
//! client.delete(&id).await?;
//! # Ok(())
//! # }
//! ```
//!
//! Files: this one holds the client ([`RayJobsClient`]), its address and its [`Timeouts`]. Its
//! calls are in files named for them: `submit.rs` (submitting a job), `status.rs` (a job's
//! status, waiting for its end, the list of jobs), `stop.rs` (stopping a job), `delete.rs`
//! (deleting a finished job's record), `logs/` (a job's log, whole or followed as it is
//! written), `cluster.rs` (the dashboard's version, the cluster's nodes) and `packages.rs` (the
//! package store); `http.rs` holds what they all send through (requests, answers, transport
//! errors). `types/` holds what is sent and what Ray reports back, `error/` what can go wrong,
//! `id.rs` submission ids and `resources.rs` the check of a job's resources against the nodes.

mod cluster;
mod delete;
mod error;
mod http;
mod id;
mod logs;
mod packages;
mod resources;
mod status;
mod stop;
mod submit;
mod types;

pub use delete::DELETE_SETTLE;
pub use error::{BoxError, MAX_UPLOAD_BYTES, RayError, UNREACHABLE_HINT};
pub use id::{MAX_SUBMISSION_ID_LEN, submission_id, validate_submission_id};
pub use logs::{LogChunk, LogFollower};
pub use resources::check_feasible;
pub use types::{JobDetails, JobStatus, JobSubmission, NodeInfo, RayVersion, RuntimeEnv};

pub(crate) use error::bytes as error_bytes;
use error::transport_reason;
use reqwest::Url;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Timeouts of the calls to the dashboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// Establishing a connection. Default: 5 s.
    pub connect: Duration,
    /// One API call, from sending to the end of the answer. Default: 30 s.
    pub request: Duration,
    /// One package upload. Default: 5 minutes.
    pub upload: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts { connect: Duration::from_secs(5), request: Duration::from_secs(30), upload: Duration::from_secs(300) }
    }
}

/// A client for one Ray dashboard's Jobs REST API.
///
/// Cheap to clone (the connection pool is shared). Every method validates submission ids and
/// package names before sending anything.
///
/// ```
/// use synapse::executor::ray::RayJobsClient;
///
/// let client = RayJobsClient::new("127.0.0.1:8265").unwrap();
/// assert_eq!(client.address(), "http://127.0.0.1:8265");
/// let error = RayJobsClient::new("ftp://ray:8265").unwrap_err();
/// assert_eq!(error.to_string(), "invalid Ray dashboard address `ftp://ray:8265`: the scheme must be http or https, not ftp");
/// ```
#[derive(Clone)]
pub struct RayJobsClient {
    http: reqwest::Client,
    /// The dashboard's base URL, ending with `/`.
    base: Url,
    /// The base URL as shown in messages, without the final `/`.
    address: Arc<str>,
    token: Option<Arc<str>>,
    timeouts: Timeouts,
    resource_check: bool,
}

impl fmt::Debug for RayJobsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RayJobsClient")
            .field("address", &self.address)
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .field("timeouts", &self.timeouts)
            .field("resource_check", &self.resource_check)
            .finish()
    }
}

impl RayJobsClient {
    /// A client for the dashboard at `address`: `http://host:8265`, or `host:8265` (then
    /// `http://` is assumed). A path is kept as a prefix (for a dashboard behind a proxy).
    /// `https://` needs synapse's `tls` feature. Nothing is sent yet.
    pub fn new(address: &str) -> Result<Self, RayError> {
        let base = parse_address(address)?;
        let timeouts = Timeouts::default();
        let http = build_http(address, &timeouts)?;
        let shown = base.as_str().trim_end_matches('/').to_owned();
        Ok(RayJobsClient { http, base, address: shown.into(), token: None, timeouts, resource_check: true })
    }

    /// Sends `Authorization: Bearer <token>` with every request, for clusters started with
    /// `RAY_AUTH_MODE=token`.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into().into());
        self
    }

    /// Sets the timeouts.
    ///
    /// ```
    /// use synapse::executor::ray::{RayJobsClient, Timeouts};
    /// use std::time::Duration;
    ///
    /// let client = RayJobsClient::new("http://127.0.0.1:8265")
    ///     .unwrap()
    ///     .with_timeouts(Timeouts { request: Duration::from_secs(10), ..Timeouts::default() })
    ///     .unwrap();
    /// assert_eq!(client.timeouts().request, Duration::from_secs(10));
    /// ```
    pub fn with_timeouts(mut self, timeouts: Timeouts) -> Result<Self, RayError> {
        self.http = build_http(&self.address, &timeouts)?;
        self.timeouts = timeouts;
        Ok(self)
    }

    /// Whether [`submit`](Self::submit) first checks that some node can provide the resources a
    /// job asks for (on by default; see [`check_feasible`]). Switch it off for clusters that
    /// add nodes on demand.
    pub fn with_resource_check(mut self, enabled: bool) -> Self {
        self.resource_check = enabled;
        self
    }

    /// The dashboard address, e.g. `http://127.0.0.1:8265`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The timeouts in use.
    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }
}

fn build_http(address: &str, timeouts: &Timeouts) -> Result<reqwest::Client, RayError> {
    #[cfg(feature = "_rustls")]
    crate::storage::install_tls_provider();
    reqwest::Client::builder()
        .connect_timeout(timeouts.connect)
        .user_agent(concat!("synapse/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|error| RayError::InvalidAddress {
            address: address.to_owned(),
            reason: format!("cannot set up an HTTP client: {}", transport_reason(&error, None)),
        })
}

fn parse_address(address: &str) -> Result<Url, RayError> {
    let invalid = |reason: String| RayError::InvalidAddress { address: address.to_owned(), reason };
    let trimmed = address.trim();
    if trimmed.is_empty() {
        return Err(invalid("it is empty".to_owned()));
    }
    let full = if trimmed.contains("://") { trimmed.to_owned() } else { format!("http://{trimmed}") };
    let mut url = Url::parse(&full).map_err(|error| invalid(error.to_string()))?;
    match url.scheme() {
        "http" => {}
        "https" if cfg!(feature = "tls") => {}
        "https" => return Err(invalid(crate::features::missing(&["tls"], "to reach a dashboard over https"))),
        other => return Err(invalid(format!("the scheme must be http or https, not {other}"))),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it names no host".to_owned()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not have a query or a fragment".to_owned()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("credentials do not belong in the address; use `with_token`".to_owned()));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_normalized() {
        let address = |a: &str| RayJobsClient::new(a).map(|c| c.address().to_owned());
        assert_eq!(address("http://127.0.0.1:8265").unwrap(), "http://127.0.0.1:8265");
        assert_eq!(address("http://127.0.0.1:8265/").unwrap(), "http://127.0.0.1:8265");
        assert_eq!(address("  localhost:8265 ").unwrap(), "http://localhost:8265");
        assert_eq!(address("http://proxy/ray").unwrap(), "http://proxy/ray");
        let client = RayJobsClient::new("http://proxy/ray").unwrap();
        assert_eq!(client.url("/api/jobs/x").unwrap().as_str(), "http://proxy/ray/api/jobs/x");
        let client = RayJobsClient::new("http://h:1").unwrap();
        assert_eq!(client.url("/api/jobs/").unwrap().as_str(), "http://h:1/api/jobs/");
    }

    #[test]
    fn bad_addresses_say_why() {
        let reason = |a: &str| match RayJobsClient::new(a) {
            Err(RayError::InvalidAddress { reason, .. }) => reason,
            other => panic!("{a}: {other:?}"),
        };
        assert_eq!(reason(""), "it is empty");
        assert_eq!(reason("ray://h:10001"), "the scheme must be http or https, not ray");
        assert_eq!(reason("http://h:8265/?x=1"), "it must not have a query or a fragment");
        assert_eq!(reason("http://u:p@h:8265"), "credentials do not belong in the address; use `with_token`");
        assert_eq!(reason("http://h:99999"), "invalid port number");
        if !cfg!(feature = "tls") {
            assert_eq!(reason("https://h"), crate::features::missing(&["tls"], "to reach a dashboard over https"));
            assert!(reason("https://h").contains("features = [\"tls\"]"));
        }
    }

    #[test]
    fn the_token_is_not_shown() {
        let client = RayJobsClient::new("http://h:1").unwrap().with_token("secret");
        assert!(!format!("{client:?}").contains("secret"));
    }

    #[tokio::test]
    async fn invalid_ids_are_refused_before_sending() {
        // Nothing listens here: an attempt to send would fail differently.
        let client = RayJobsClient::new("http://127.0.0.1:9").unwrap();
        for result in [
            client.status("a/b").await.map(|_| ()),
            client.logs("a b").await.map(|_| ()),
            client.stop("..").await.map(|_| ()),
            client.delete("").await.map(|_| ()),
            client.submit(&JobSubmission::new("true").with_submission_id("x?y")).await.map(|_| ()),
        ] {
            assert!(matches!(result, Err(RayError::InvalidSubmissionId { .. })), "{result:?}");
        }
        let error = client.submit(&JobSubmission::new("true").with_num_gpus(-1.0)).await.unwrap_err();
        assert!(matches!(error, RayError::InvalidResources(_)), "{error:?}");
        let error = client.upload_package("x.zip", &vec![0; MAX_UPLOAD_BYTES as usize + 1]).await.unwrap_err();
        assert!(matches!(error, RayError::PackageTooLarge { .. }), "{error:?}");
    }
}
