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

mod error;
mod id;
mod logs;
mod resources;
mod types;

pub use error::{BoxError, MAX_UPLOAD_BYTES, RayError};
pub use id::{MAX_SUBMISSION_ID_LEN, submission_id, validate_submission_id};
pub use logs::LogFollower;
pub use resources::check_feasible;
pub use types::{JobDetails, JobStatus, JobSubmission, LogChunk, NodeInfo, RayVersion, RuntimeEnv};

pub(crate) use error::bytes as error_bytes;
use error::{Call, classify, transport_reason};
use reqwest::header::{DATE, HeaderValue};
use reqwest::{Method, RequestBuilder, Response, Url};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long Ray needs after a job ended before its record can be deleted for good: a DELETE
/// sooner than about 2 s after the terminal status races Ray's job monitor, which then writes
/// the record back as a FAILED "ghost" (`JOB_SUPERVISOR_ACTOR_DIED`, entrypoint "Entrypoint not
/// found.").
pub const DELETE_SETTLE: Duration = Duration::from_secs(3);

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

#[derive(Deserialize)]
struct SubmitResponse {
    submission_id: String,
}

#[derive(Deserialize)]
struct LogsResponse {
    logs: String,
}

#[derive(Deserialize)]
struct StopResponse {
    stopped: bool,
}

#[derive(Deserialize)]
struct DeleteResponse {
    deleted: bool,
}

#[derive(Deserialize)]
struct StateResponse<T> {
    data: StateData<T>,
}

#[derive(Deserialize)]
struct StateData<T> {
    result: StateResult<T>,
}

#[derive(Deserialize)]
struct StateResult<T> {
    result: Vec<T>,
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

    /// The dashboard's Ray and Jobs API versions: `GET /api/version`. A cheap way to check that
    /// the dashboard is up and that the token is accepted.
    pub async fn version(&self) -> Result<RayVersion, RayError> {
        self.get_json("/api/version", Call::Plain).await
    }

    /// Submits a job and returns its submission id: `POST /api/jobs/`.
    ///
    /// Before sending, the submission id is validated and, when the job asks for resources,
    /// the cluster's nodes are checked for them ([`RayError::Infeasible`] instead of a job that
    /// would wait for its start timeout). A taken submission id gives [`RayError::AlreadyExists`];
    /// other refusals [`RayError::SubmissionRejected`] with Ray's message.
    pub async fn submit(&self, submission: &JobSubmission) -> Result<String, RayError> {
        if let Some(id) = &submission.submission_id {
            validate_submission_id(id)?;
        }
        resources::validate_request(submission)?;
        if self.resource_check && !submission.requested_resources().is_empty() {
            self.ensure_feasible(submission).await?;
        }
        let path = "/api/jobs/";
        let request = self.request(Method::POST, path)?.json(submission);
        let response = self.send(request, "POST", path, Call::Submit(submission.submission_id.as_deref())).await?;
        let answer: SubmitResponse = self.decode(response, "POST", path).await?;
        Ok(answer.submission_id)
    }

    /// Checks that some alive node has the resources `submission` asks for: fetches the nodes
    /// and runs [`check_feasible`]. When the cluster cannot list its nodes (no state API), the
    /// check is skipped.
    pub async fn ensure_feasible(&self, submission: &JobSubmission) -> Result<(), RayError> {
        resources::validate_request(submission)?;
        if submission.requested_resources().is_empty() {
            return Ok(());
        }
        match self.nodes().await {
            Ok(nodes) => check_feasible(submission, &nodes),
            Err(error @ (RayError::Api { .. } | RayError::UnexpectedResponse { .. })) => {
                tracing::warn!("cannot check the job's resources against the Ray nodes: {error}");
                Ok(())
            }
            Err(error) => Err(error),
        }
    }

    /// A job's status and details: `GET /api/jobs/{id}`.
    pub async fn status(&self, id: &str) -> Result<JobDetails, RayError> {
        Ok(self.status_with_date(id).await?.0)
    }

    /// Waits until the job's status is terminal and returns its details, polling every 50 ms at
    /// first and at most every 500 ms later. Fails with [`RayError::WaitTimeout`] after
    /// `timeout`.
    pub async fn wait(&self, id: &str, timeout: Duration) -> Result<JobDetails, RayError> {
        let started = Instant::now();
        let mut interval = Duration::from_millis(50);
        loop {
            let details = self.status(id).await?;
            if details.status.is_terminal() {
                return Ok(details);
            }
            let elapsed = started.elapsed();
            if elapsed >= timeout {
                return Err(RayError::WaitTimeout { id: id.to_owned(), status: details.status, after: elapsed });
            }
            tokio::time::sleep(interval.min(timeout - elapsed)).await;
            interval = (interval * 3 / 2).min(Duration::from_millis(500));
        }
    }

    /// The job's whole log so far: `GET /api/jobs/{id}/logs`. The entrypoint's stdout and
    /// stderr are merged, with Ray's own lines ("Runtime env is setting up.", "Running
    /// entrypoint for job …") mixed in, not always in order.
    pub async fn logs(&self, id: &str) -> Result<String, RayError> {
        validate_submission_id(id)?;
        let path = format!("/api/jobs/{id}/logs");
        let answer: LogsResponse = self.get_json(&path, Call::Job(id)).await?;
        Ok(answer.logs)
    }

    /// The log text after byte `offset`, and the offset to continue from.
    ///
    /// Stateless, for callers that keep the offset themselves; Ray has no offset parameter, so
    /// each call transfers the whole log. To follow a running job, [`follow_logs`](Self::follow_logs)
    /// is cheaper: it streams only new text. An offset inside a character continues at the
    /// next character; an offset past the end gives no text.
    pub async fn logs_since(&self, id: &str, offset: usize) -> Result<LogChunk, RayError> {
        let logs = self.logs(id).await?;
        let mut start = offset.min(logs.len());
        while !logs.is_char_boundary(start) {
            start += 1;
        }
        Ok(LogChunk { text: logs[start..].to_owned(), next_offset: logs.len().max(offset) })
    }

    /// Follows the job's log: each [`LogFollower::next`] returns the text written since the
    /// previous one, and `None` once the job is over and all of its log was returned.
    ///
    /// It reads Ray's chunked log stream (`GET /api/v0/logs/stream` on the driver's node), so
    /// only new text crosses the network; see [`LogFollower`].
    pub fn follow_logs(&self, id: &str) -> Result<LogFollower, RayError> {
        validate_submission_id(id)?;
        Ok(LogFollower::new(self.clone(), id.to_owned()))
    }

    /// Stops a running job (SIGTERM to its process group, SIGKILL after 3 s): `POST
    /// /api/jobs/{id}/stop`. Returns `false` when the job was already over.
    pub async fn stop(&self, id: &str) -> Result<bool, RayError> {
        validate_submission_id(id)?;
        let path = format!("/api/jobs/{id}/stop");
        let request = self.request(Method::POST, &path)?;
        let response = self.send(request, "POST", &path, Call::Job(id)).await?;
        let answer: StopResponse = self.decode(response, "POST", &path).await?;
        Ok(answer.stopped)
    }

    /// Deletes a finished job's record and log: `DELETE /api/jobs/{id}`.
    ///
    /// A job that is not finished gives [`RayError::JobNotTerminal`] (stop it and wait first).
    /// If the job ended less than [`DELETE_SETTLE`] ago (measured on the dashboard's clock),
    /// this waits out the rest first: Ray writes the record of a job deleted sooner back as a
    /// FAILED ghost. So the call can take up to about 4 s.
    pub async fn delete(&self, id: &str) -> Result<bool, RayError> {
        let (details, server_now) = self.status_with_date(id).await?;
        if !details.status.is_terminal() {
            return Err(RayError::JobNotTerminal { id: id.to_owned(), status: details.status });
        }
        let now = server_now.unwrap_or_else(SystemTime::now);
        let wait = match details.ended_at() {
            Some(ended) => DELETE_SETTLE.saturating_sub(now.duration_since(ended).unwrap_or_default()),
            None => DELETE_SETTLE,
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        let path = format!("/api/jobs/{id}");
        let request = self.request(Method::DELETE, &path)?;
        let response = self.send(request, "DELETE", &path, Call::Delete(id)).await?;
        let answer: DeleteResponse = self.decode(response, "DELETE", &path).await?;
        Ok(answer.deleted)
    }

    /// Every job the cluster knows: `GET /api/jobs/` (Ray has no filter or paging).
    pub async fn list(&self) -> Result<Vec<JobDetails>, RayError> {
        self.get_json("/api/jobs/", Call::Plain).await
    }

    /// The cluster's nodes and their total resources: `GET /api/v0/nodes`.
    pub async fn nodes(&self) -> Result<Vec<NodeInfo>, RayError> {
        let answer: StateResponse<NodeInfo> = self.get_json("/api/v0/nodes?limit=10000", Call::Plain).await?;
        Ok(answer.data.result.result)
    }

    /// Whether the package store has the package `name` (e.g. `_ray_pkg_….zip`): `GET
    /// /api/packages/gcs/{name}`.
    ///
    /// This GET also pins the package for 10 minutes (even when it answers "no"), so a job
    /// submitted within that time can use it; call it right before submitting.
    pub async fn package_exists(&self, name: &str) -> Result<bool, RayError> {
        validate_package_name(name)?;
        let path = format!("/api/packages/gcs/{name}");
        let request = self.request(Method::GET, &path)?;
        let response = request.send().await.map_err(|error| self.transport(error, self.timeouts.request))?;
        match response.status().as_u16() {
            200..=299 => Ok(true),
            404 => Ok(false),
            status => {
                let body = response.text().await.unwrap_or_default();
                Err(classify(&self.address, "GET", &path, Call::Plain, status, &body))
            }
        }
    }

    /// Uploads a package's bytes as `name`: `PUT /api/packages/gcs/{name}`.
    ///
    /// Packages larger than [`MAX_UPLOAD_BYTES`] are refused before sending. Call
    /// [`package_exists`](Self::package_exists) first (it pins the package): a package uploaded
    /// without it and never used stays in the cluster's memory until the cluster restarts.
    /// [`PluginPackage::ensure_uploaded`](super::package::PluginPackage::ensure_uploaded) does both.
    pub async fn upload_package(&self, name: &str, bytes: &[u8]) -> Result<(), RayError> {
        self.upload_package_bytes(name, bytes.to_vec()).await
    }

    /// [`upload_package`](Self::upload_package) of bytes the caller owns (no copy).
    pub(crate) async fn upload_package_bytes(&self, name: &str, bytes: Vec<u8>) -> Result<(), RayError> {
        validate_package_name(name)?;
        let size = bytes.len() as u64;
        if size > MAX_UPLOAD_BYTES {
            return Err(RayError::PackageTooLarge { name: name.to_owned(), size, limit: MAX_UPLOAD_BYTES });
        }
        let path = format!("/api/packages/gcs/{name}");
        let request = self.request(Method::PUT, &path)?.timeout(self.timeouts.upload).body(bytes);
        self.send(request, "PUT", &path, Call::Upload { name, size }).await?;
        Ok(())
    }

    // Internals.

    fn url(&self, path: &str) -> Result<Url, RayError> {
        self.base.join(path.trim_start_matches('/')).map_err(|error| RayError::InvalidAddress {
            address: self.address.to_string(),
            reason: format!("cannot add `{path}` to it: {error}"),
        })
    }

    /// A request with the token and the request timeout.
    fn request(&self, method: Method, path: &str) -> Result<RequestBuilder, RayError> {
        Ok(self.request_without_timeout(method, self.url(path)?).timeout(self.timeouts.request))
    }

    fn request_without_timeout(&self, method: Method, url: Url) -> RequestBuilder {
        let request = self.http.request(method, url);
        match &self.token {
            Some(token) => request.bearer_auth(&**token),
            None => request,
        }
    }

    fn transport(&self, error: reqwest::Error, timeout: Duration) -> RayError {
        let reason = if error.is_timeout() && error.is_connect() {
            format!("could not connect within {}", humantime::format_duration(self.timeouts.connect))
        } else if error.is_timeout() {
            format!("no answer within {}", humantime::format_duration(timeout))
        } else if error.is_connect() {
            transport_reason(&error, None)
        } else {
            // Something accepted the connection and then broke it: not the answer of a dashboard.
            format!(
                "the connection broke before an answer ({}); is a Ray dashboard listening there?",
                transport_reason(&error, None)
            )
        };
        RayError::Unreachable { address: self.address.to_string(), reason, source: Some(Box::new(error)) }
    }

    /// Sends a request; an error status becomes the matching [`RayError`].
    async fn send(
        &self,
        request: RequestBuilder,
        method: &'static str,
        path: &str,
        call: Call<'_>,
    ) -> Result<Response, RayError> {
        let timeout = if matches!(call, Call::Upload { .. }) { self.timeouts.upload } else { self.timeouts.request };
        let response = request.send().await.map_err(|error| self.transport(error, timeout))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let body = response.text().await.unwrap_or_default();
        Err(classify(&self.address, method, path, call, status.as_u16(), &body))
    }

    async fn decode<T: DeserializeOwned>(
        &self,
        response: Response,
        method: &'static str,
        path: &str,
    ) -> Result<T, RayError> {
        let text = response.text().await.map_err(|error| self.transport(error, self.timeouts.request))?;
        serde_json::from_str(&text).map_err(|error| RayError::UnexpectedResponse {
            method,
            path: path.to_owned(),
            detail: format!("{error}; the answer starts with {:?}", text.chars().take(200).collect::<String>()),
        })
    }

    async fn get_json<T: DeserializeOwned>(&self, path: &str, call: Call<'_>) -> Result<T, RayError> {
        let request = self.request(Method::GET, path)?;
        let response = self.send(request, "GET", path, call).await?;
        self.decode(response, "GET", path).await
    }

    /// The job's details and the dashboard's clock at the time of the answer (its `Date`
    /// header), when it sent one.
    async fn status_with_date(&self, id: &str) -> Result<(JobDetails, Option<SystemTime>), RayError> {
        validate_submission_id(id)?;
        let path = format!("/api/jobs/{id}");
        let request = self.request(Method::GET, &path)?;
        let response = self.send(request, "GET", &path, Call::Job(id)).await?;
        let date = response.headers().get(DATE).and_then(parse_http_date);
        Ok((self.decode(response, "GET", &path).await?, date))
    }

    /// The whole of a log file on a node: `GET /api/v0/logs/file`.
    pub(crate) async fn log_file(&self, node_id: &str, filename: &str) -> Result<Vec<u8>, RayError> {
        let mut url = self.url("/api/v0/logs/file")?;
        url.query_pairs_mut()
            .append_pair("node_id", node_id)
            .append_pair("filename", filename)
            .append_pair("lines", "-1");
        let path = "/api/v0/logs/file";
        let request = self.request_without_timeout(Method::GET, url).timeout(self.timeouts.request);
        let response = self.send(request, "GET", path, Call::Plain).await?;
        let bytes = response.bytes().await.map_err(|error| self.transport(error, self.timeouts.request))?;
        Ok(bytes.to_vec())
    }

    /// A never-ending chunked follow of a log file on a node, from its start:
    /// `GET /api/v0/logs/stream`. Only the answer's headers are bounded by the request timeout.
    pub(crate) async fn log_stream(
        &self,
        node_id: &str,
        filename: &str,
        interval: Duration,
    ) -> Result<Response, RayError> {
        let mut url = self.url("/api/v0/logs/stream")?;
        url.query_pairs_mut()
            .append_pair("node_id", node_id)
            .append_pair("filename", filename)
            .append_pair("lines", "-1")
            .append_pair("interval", &format!("{:.3}", interval.as_secs_f64()));
        let path = "/api/v0/logs/stream";
        let request = self.request_without_timeout(Method::GET, url);
        match tokio::time::timeout(self.timeouts.request, self.send(request, "GET", path, Call::Plain)).await {
            Ok(result) => result,
            Err(_) => Err(RayError::Unreachable {
                address: self.address.to_string(),
                reason: format!("no answer within {}", humantime::format_duration(self.timeouts.request)),
                source: None,
            }),
        }
    }
}

fn build_http(address: &str, timeouts: &Timeouts) -> Result<reqwest::Client, RayError> {
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
        "https" => return Err(invalid("https needs synapse's `tls` feature".to_owned())),
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

fn validate_package_name(name: &str) -> Result<(), RayError> {
    let invalid = |reason: &str| Err(RayError::InvalidPackageName { name: name.to_owned(), reason: reason.to_owned() });
    if name.is_empty() || name.len() > 255 {
        return invalid("it must be 1 to 255 characters long");
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) {
        return invalid("only A-Z, a-z, 0-9, `.`, `_` and `-` are allowed");
    }
    if name.starts_with('.') {
        return invalid("it must not start with `.`");
    }
    if ![".zip", ".tar.gz", ".tgz", ".tar.xz"].iter().any(|ext| name.ends_with(ext)) {
        return invalid("it must end with .zip, .tar.gz, .tgz or .tar.xz");
    }
    Ok(())
}

/// Parses an HTTP date (`Wed, 25 Nov 2026 01:34:11 GMT`, the only form servers send today).
fn parse_http_date(value: &HeaderValue) -> Option<SystemTime> {
    let text = value.to_str().ok()?;
    let mut parts = text.split_whitespace().skip(1);
    let day: u32 = parts.next()?.parse().ok()?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = parts.next()?.parse().ok()?;
    let mut clock = parts.next()?.split(':').map(|part| part.parse::<u64>().ok());
    let (hours, minutes, seconds) = (clock.next()??, clock.next()??, clock.next()??);
    if parts.next()? != "GMT" || !(1..=31).contains(&day) || hours > 23 || minutes > 59 || seconds > 60 {
        return None;
    }
    // Days since 1970-01-01 of a civil date (proleptic Gregorian).
    let (y, m) = if month <= 2 { (year - 1, month + 9) } else { (year, month - 3) };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * m + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = u64::try_from(era * 146_097 + day_of_era - 719_468).ok()?;
    Some(UNIX_EPOCH + Duration::from_secs(days * 86_400 + hours * 3600 + minutes * 60 + seconds))
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
            assert_eq!(reason("https://h"), "https needs synapse's `tls` feature");
        }
    }

    #[test]
    fn the_token_is_not_shown() {
        let client = RayJobsClient::new("http://h:1").unwrap().with_token("secret");
        assert!(!format!("{client:?}").contains("secret"));
    }

    #[test]
    fn package_names_are_checked() {
        assert!(validate_package_name("_ray_pkg_0123abcd.zip").is_ok());
        assert!(validate_package_name("plugin-1.0.tar.gz").is_ok());
        for bad in ["", "a/b.zip", "../x.zip", "x.rar", ".zip", "a b.zip"] {
            assert!(validate_package_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn http_dates_parse() {
        let date = parse_http_date(&HeaderValue::from_static("Wed, 25 Nov 2026 01:34:11 GMT")).unwrap();
        assert_eq!(date.duration_since(UNIX_EPOCH).unwrap().as_secs(), 1_795_570_451);
        let date = parse_http_date(&HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT")).unwrap();
        assert_eq!(date, UNIX_EPOCH);
        let date = parse_http_date(&HeaderValue::from_static("Tue, 29 Feb 2000 12:00:00 GMT")).unwrap();
        assert_eq!(date.duration_since(UNIX_EPOCH).unwrap().as_secs(), 951_825_600);
        assert!(parse_http_date(&HeaderValue::from_static("yesterday")).is_none());
        assert!(parse_http_date(&HeaderValue::from_static("Wed, 25 Nov 2026 01:34:11 CET")).is_none());
    }

    #[tokio::test]
    async fn a_dead_dashboard_is_unreachable_at_its_address() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let client = RayJobsClient::new(&format!("http://127.0.0.1:{port}")).unwrap();
        let error = client.version().await.unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("Ray dashboard unreachable at http://127.0.0.1:{port}: connection refused")
        );
        assert!(error.is_unreachable());
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
