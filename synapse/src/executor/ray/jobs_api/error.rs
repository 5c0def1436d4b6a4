//! What can go wrong talking to a Ray dashboard, and how Ray's plain-text error bodies (often
//! Python tracebacks) become one readable message.

use super::types::JobStatus;
use std::fmt;
use std::time::Duration;

/// A boxed error kept as the cause of a [`RayError`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a call to the Ray dashboard failed.
///
/// Every variant says what happened in its message; the fields carry the details for callers
/// that react to a specific case (for example [`RayError::AlreadyExists`] to retry with another
/// submission id).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RayError {
    /// The dashboard address is not a usable URL.
    #[error("invalid Ray dashboard address `{address}`: {reason}")]
    InvalidAddress {
        /// The address as given.
        address: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Nothing answered at the address: the connection was refused, timed out, or broke.
    #[error("Ray dashboard unreachable at {address}: {reason}")]
    Unreachable {
        /// The dashboard address.
        address: String,
        /// What the connection attempt ran into, e.g. "connection refused".
        reason: String,
        /// The transport error.
        #[source]
        source: Option<BoxError>,
    },
    /// The dashboard requires a token and none was sent (HTTP 401).
    #[error("the Ray dashboard at {address} requires a token ({message}); pass one with `with_token`")]
    Unauthorized {
        /// The dashboard address.
        address: String,
        /// Ray's message.
        message: String,
    },
    /// The dashboard rejected the token that was sent (HTTP 403).
    #[error("the Ray dashboard at {address} rejected the token: {message}")]
    Forbidden {
        /// The dashboard address.
        address: String,
        /// Ray's message.
        message: String,
    },
    /// No job has that submission id (HTTP 404 "Job … does not exist").
    #[error("Ray job `{id}` does not exist")]
    JobNotFound {
        /// The submission id asked for.
        id: String,
    },
    /// A job with that submission id exists already; submission ids are unique per cluster.
    #[error("Ray rejected the job submission: {message}")]
    AlreadyExists {
        /// The submission id.
        id: String,
        /// Ray's message, e.g. "Job with submission_id t1 already exists. Please use a different
        /// submission_id."
        message: String,
    },
    /// Ray refused the job submission.
    #[error("Ray rejected the job submission: {message}")]
    SubmissionRejected {
        /// The HTTP status Ray answered with.
        status: u16,
        /// Ray's message (the last line of its traceback, without the exception name).
        message: String,
    },
    /// The submission id cannot be used: Ray accepts ids it cannot handle (a `/` leaves a job
    /// stuck in PENDING), so ids are limited to `[A-Za-z0-9._:-]` before anything is sent.
    #[error("invalid Ray submission id `{id}`: {reason}")]
    InvalidSubmissionId {
        /// The id as given.
        id: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A resource request is malformed (negative, not a number).
    #[error("invalid resource request: {0}")]
    InvalidResources(String),
    /// No node of the cluster has as much of a resource as the job asks for; Ray would leave
    /// the job PENDING until its start timeout (15 minutes by default), so it is not submitted.
    #[error(
        "no Ray node can satisfy the job's {resource} request: asked for {}, the most any node has is {} ({nodes} alive node{})",
        amount(resource, *requested), amount(resource, *available), plural(*nodes)
    )]
    Infeasible {
        /// The resource: `CPU`, `GPU`, `memory` (bytes) or a custom resource name.
        resource: String,
        /// How much the job asks for.
        requested: f64,
        /// The largest total any alive node has.
        available: f64,
        /// How many alive nodes were considered.
        nodes: usize,
    },
    /// Each resource is available on some node, but no single node has all of them together.
    #[error("no single Ray node has all of {} ({nodes} alive node{})", requested_list(requested), plural(*nodes))]
    NoNodeFits {
        /// What the job asks for.
        requested: Vec<(String, f64)>,
        /// How many alive nodes were considered.
        nodes: usize,
    },
    /// The job is not finished, so it cannot be deleted.
    #[error("Ray job `{id}` is still {status}; only finished jobs can be deleted (stop it first)")]
    JobNotTerminal {
        /// The submission id.
        id: String,
        /// Its status.
        status: JobStatus,
    },
    /// The job did not reach a terminal status in time.
    #[error("Ray job `{id}` is still {status} after {:.1} s", after.as_secs_f64())]
    WaitTimeout {
        /// The submission id.
        id: String,
        /// Its last status.
        status: JobStatus,
        /// How long it was waited for.
        after: Duration,
    },
    /// The package is larger than the dashboard accepts in one upload.
    #[error(
        "package `{name}` is {}, more than the {} a Ray dashboard accepts in one upload; leave files out with \
         .synapseignore, or ship large files another way (a `local://` or remote working_dir)",
        bytes(*size), bytes(*limit)
    )]
    PackageTooLarge {
        /// The package name.
        name: String,
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// The package to upload could not be read back from its file, or no longer matches its
    /// name.
    #[error(transparent)]
    Package(Box<crate::executor::ray::PackageError>),
    /// A package name Ray's package store cannot hold.
    #[error("invalid Ray package name `{name}`: {reason}")]
    InvalidPackageName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The dashboard answered with an error status.
    #[error("the Ray dashboard at {address} answered {method} {path} with HTTP {status}: {message}")]
    Api {
        /// The dashboard address.
        address: String,
        /// The HTTP method.
        method: &'static str,
        /// The path asked for.
        path: String,
        /// The HTTP status.
        status: u16,
        /// Ray's message.
        message: String,
    },
    /// The dashboard answered with something this client does not understand.
    #[error("unexpected answer from the Ray dashboard to {method} {path}: {detail}")]
    UnexpectedResponse {
        /// The HTTP method.
        method: &'static str,
        /// The path asked for.
        path: String,
        /// What was wrong, with the start of the body.
        detail: String,
    },
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn requested_list(requested: &[(String, f64)]) -> String {
    requested.iter().map(|(name, value)| format!("{name} {}", amount(name, *value))).collect::<Vec<_>>().join(", ")
}

/// A resource amount as a person reads it: memory in binary units, counts without a needless
/// fraction.
pub(crate) fn amount(resource: &str, value: f64) -> String {
    if resource == "memory" || resource == "object_store_memory" {
        return bytes(value.max(0.0) as u64);
    }
    if value.fract() == 0.0 && value.abs() < 1e15 { format!("{value:.0}") } else { format!("{value}") }
}

/// A byte count in binary units: `512 B`, `1.5 KiB`, `100 MiB`, `22.9 GiB`.
pub(crate) fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 || value.fract() == 0.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// The message in a Ray error body.
///
/// Ray answers errors with `text/plain`: sometimes one line ("Job x does not exist"), often a
/// Python traceback, sometimes a traceback quoted inside another exception's message. This
/// returns what the innermost exception says, without its class name: for a duplicate
/// submission id, "Job with submission_id t1 already exists. Please use a different
/// submission_id.". HTML bodies give their title.
pub(crate) fn ray_message(body: &str) -> String {
    let body = body.trim();
    if body.is_empty() {
        return "an empty answer (is a Ray dashboard listening there?)".to_owned();
    }
    if body.starts_with('<') {
        return html_text(body);
    }
    let lines: Vec<&str> = body.lines().collect();
    const MARKER: &str = "Traceback (most recent call last):";
    let message_lines: Vec<&str> = match lines.iter().rposition(|line| line.contains(MARKER)) {
        Some(start) => {
            // After the header come the frames (indented), then the exception (not indented).
            let rest = &lines[start + 1..];
            match rest.iter().position(|line| !line.is_empty() && !line.starts_with([' ', '\t'])) {
                Some(first) => rest[first..].to_vec(),
                None => rest.to_vec(),
            }
        }
        None => lines,
    };
    let meaningful: Vec<&str> = message_lines
        .iter()
        .map(|line| line.trim_end())
        .filter(|line| line.chars().any(char::is_alphanumeric))
        .filter(|line| !is_status_line(line))
        .collect();
    let Some((first, rest)) = meaningful.split_first() else {
        return body.chars().take(200).collect();
    };
    let mut message = strip_exception_name(first).to_owned();
    for line in rest {
        message.push('\n');
        message.push_str(line);
    }
    message
}

/// `500 Internal Server Error`, as aiohttp prefixes some bodies.
fn is_status_line(line: &str) -> bool {
    let mut parts = line.splitn(2, ' ');
    matches!((parts.next(), parts.next()), (Some(code), Some(_)) if code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()))
        && !line.contains(':')
}

/// `ValueError: Job … exists` → `Job … exists`; lines that do not start with an exception name
/// are kept whole.
fn strip_exception_name(line: &str) -> &str {
    let Some((name, message)) = line.split_once(": ") else {
        return line;
    };
    let plain = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
    let last = name.rsplit('.').next().unwrap_or(name);
    let exception = ["Error", "Exception", "Exit", "Interrupt", "Warning"].iter().any(|suffix| last.ends_with(suffix));
    if plain && exception { message.trim() } else { line }
}

/// What an HTML error page says: its title, and the first line of its text that is not the
/// title again (a proxy's or server's error page: "502 Bad Gateway", "Server got itself in
/// trouble"); never its markup.
fn html_text(body: &str) -> String {
    let lower = body.to_ascii_lowercase();
    let title = (|| {
        let start = lower.find("<title>")? + "<title>".len();
        let end = lower[start..].find("</title>")? + start;
        Some(collapse(&body[start..end]))
    })()
    .filter(|title| !title.is_empty());
    // The text outside tags (and outside <head>, <script> and <style>), one line per block.
    let mut text = String::new();
    let mut rest = body;
    let mut skip_until: Option<&str> = None;
    while let Some(open) = rest.find('<') {
        if skip_until.is_none() {
            text.push_str(&rest[..open]);
        }
        let Some(close) = rest[open..].find('>') else { break };
        let tag = rest[open + 1..open + close].trim().to_ascii_lowercase();
        let name = tag.trim_start_matches('/').split([' ', '\t', '\n', '/']).next().unwrap_or_default().to_owned();
        match skip_until {
            Some(end) if tag.starts_with('/') && name == end => skip_until = None,
            Some(_) => {}
            None if matches!(name.as_str(), "head" | "script" | "style") && !tag.starts_with('/') => {
                skip_until = Some(match name.as_str() {
                    "head" => "head",
                    "script" => "script",
                    _ => "style",
                });
            }
            None => text.push('\n'),
        }
        rest = &rest[open + close + 1..];
    }
    if skip_until.is_none() {
        text.push_str(rest);
    }
    let detail = text.lines().map(collapse).find(|line| !line.is_empty() && Some(line) != title.as_ref());
    let message = match (title, detail) {
        (Some(title), Some(detail)) => format!("{title}: {detail}"),
        (Some(title), None) => title,
        (None, Some(detail)) => detail,
        (None, None) => "an HTML page without text".to_owned(),
    };
    message.chars().take(300).collect()
}

/// `text` with entities for the common characters decoded and whitespace runs collapsed.
fn collapse(text: &str) -> String {
    let decoded = text
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What a request was for: decides how an error status is read.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Call<'a> {
    /// Anything without a special meaning for errors.
    Plain,
    /// Submitting a job (with its submission id, when one was chosen).
    Submit(Option<&'a str>),
    /// A call about one job: a 404 means the job does not exist.
    Job(&'a str),
    /// Deleting a job.
    Delete(&'a str),
    /// Uploading a package.
    Upload { name: &'a str, size: u64 },
}

/// The limit of one upload to the dashboard (aiohttp's `client_max_size` in Ray's dashboard).
pub const MAX_UPLOAD_BYTES: u64 = 100 * 1024 * 1024;

/// The error for an HTTP error answer.
pub(crate) fn classify(
    address: &str,
    method: &'static str,
    path: &str,
    call: Call<'_>,
    status: u16,
    body: &str,
) -> RayError {
    let message = ray_message(body);
    match (status, call) {
        (401, _) => return RayError::Unauthorized { address: address.to_owned(), message },
        (403, _) => return RayError::Forbidden { address: address.to_owned(), message },
        (404, Call::Job(id) | Call::Delete(id)) if message.contains("does not exist") => {
            return RayError::JobNotFound { id: id.to_owned() };
        }
        (413, Call::Upload { name, size }) => {
            return RayError::PackageTooLarge { name: name.to_owned(), size, limit: MAX_UPLOAD_BYTES };
        }
        // An HTML page is not Ray speaking (a proxy, a web server in Ray's place): say where.
        (400..=599, Call::Submit(id)) if !body.trim_start().starts_with('<') => {
            return match id {
                Some(id) if message.contains("already exists") => {
                    RayError::AlreadyExists { id: id.to_owned(), message }
                }
                _ => RayError::SubmissionRejected { status, message },
            };
        }
        (500, Call::Delete(id)) if message.contains("non-terminal state") => {
            let word = message.trim_end_matches('.').rsplit(' ').next().unwrap_or_default();
            if let Ok(status) = word.parse::<JobStatus>() {
                return RayError::JobNotTerminal { id: id.to_owned(), status };
            }
        }
        _ => {}
    }
    RayError::Api { address: address.to_owned(), method, path: path.to_owned(), status, message }
}

/// A short reason for a transport error: the innermost I/O error's kind when there is one.
pub(crate) fn transport_reason(error: &(dyn std::error::Error + 'static), timeout: Option<Duration>) -> String {
    let mut innermost: &(dyn std::error::Error + 'static) = error;
    let mut io_kind = None;
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            io_kind = Some(io.kind());
        }
        innermost = e;
        current = e.source();
    }
    use std::io::ErrorKind::*;
    match io_kind {
        Some(ConnectionRefused) => "connection refused".to_owned(),
        Some(ConnectionReset) => "connection reset".to_owned(),
        Some(ConnectionAborted) => "connection aborted".to_owned(),
        Some(TimedOut) => "connection timed out".to_owned(),
        Some(HostUnreachable) => "host unreachable".to_owned(),
        Some(NetworkUnreachable) => "network unreachable".to_owned(),
        Some(AddrNotAvailable) => "address not available".to_owned(),
        _ => match timeout {
            Some(after) => format!("no answer within {}", humantime::format_duration(after)),
            None => innermost.to_string(),
        },
    }
}

impl RayError {
    /// Whether the error means the dashboard could not be reached at all.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, RayError::Unreachable { .. })
    }

    /// Whether the error is about a job that does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, RayError::JobNotFound { .. })
    }
}

/// Displays a job status the way Ray spells it.
impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DUPLICATE: &str = r#"Traceback (most recent call last):
  File "/tmp/rayenv/lib/python3.11/site-packages/ray/dashboard/modules/job/job_head.py", line 419, in submit_job
    resp = await job_agent_client.submit_job_internal(submit_request)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/tmp/rayenv/lib/python3.11/site-packages/ray/dashboard/modules/job/job_head.py", line 134, in _raise_error
    raise RuntimeError(f"Request failed with status code {status}: {error_text}.")
RuntimeError: Request failed with status code 400: Traceback (most recent call last):
  File "/tmp/rayenv/lib/python3.11/site-packages/ray/dashboard/modules/job/job_agent.py", line 45, in submit_job
    submission_id = await self.get_job_manager().submit_job(
                    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/tmp/rayenv/lib/python3.11/site-packages/ray/dashboard/modules/job/job_manager.py", line 553, in submit_job
    raise ValueError(
ValueError: Job with submission_id probe-2 already exists. Please use a different submission_id.
."#;

    const BAD_TYPE: &str = r#"Traceback (most recent call last):
  File "/tmp/rayenv/lib/python3.11/site-packages/ray/dashboard/modules/job/utils.py", line 128, in parse_and_validate_request
    return validate_request_type(json_data, request_type)
  File "<string>", line 13, in __init__
  File "/tmp/rayenv/lib/python3.11/site-packages/ray/dashboard/modules/job/common.py", line 524, in __post_init__
    raise TypeError(
TypeError: entrypoint_num_cpus must be a number, got <class 'str'>
"#;

    #[test]
    fn nested_traceback_gives_the_innermost_message() {
        assert_eq!(
            ray_message(DUPLICATE),
            "Job with submission_id probe-2 already exists. Please use a different submission_id."
        );
    }

    #[test]
    fn traceback_message_loses_the_exception_name() {
        assert_eq!(ray_message(BAD_TYPE), "entrypoint_num_cpus must be a number, got <class 'str'>");
        let delete = "Traceback (most recent call last):\n  File \"x.py\", line 1, in f\n    g()\n\
                      RuntimeError: Attempted to delete job 'long-2', but it is in a non-terminal state RUNNING.\n";
        assert_eq!(ray_message(delete), "Attempted to delete job 'long-2', but it is in a non-terminal state RUNNING.");
    }

    #[test]
    fn plain_bodies_are_kept() {
        assert_eq!(ray_message("Job nope does not exist"), "Job nope does not exist");
        assert_eq!(
            ray_message("Unauthorized: Missing authentication token"),
            "Unauthorized: Missing authentication token"
        );
        assert_eq!(
            ray_message("500 Internal Server Error\n\nServer got itself in trouble"),
            "Server got itself in trouble"
        );
        assert_eq!(ray_message("A file is not found at: /tmp/x.log"), "A file is not found at: /tmp/x.log");
        assert_eq!(
            ray_message("TypeError: JobSubmitRequest.__init__() got an unexpected keyword argument 'bogus'"),
            "JobSubmitRequest.__init__() got an unexpected keyword argument 'bogus'"
        );
        assert_eq!(ray_message("<html><head><title>404 Not Found</title></head></html>"), "404 Not Found");
        let page = "<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title>\n<style>body { color: red }</style></head>\n\
                    <body><h1>500 Internal Server Error</h1>\n<p>Server got itself in&nbsp;trouble &amp; gave up</p>\n\
                    <script>var x = '<b>';</script></body></html>";
        assert_eq!(ray_message(page), "500 Internal Server Error: Server got itself in trouble & gave up");
        assert_eq!(ray_message("<p>bad gateway</p>"), "bad gateway");
        assert_eq!(ray_message("<html></html>"), "an HTML page without text");
        assert_eq!(ray_message("404: Not Found"), "404: Not Found");
    }

    #[test]
    fn error_statuses_become_typed_errors() {
        let address = "http://127.0.0.1:8265";
        let error = classify(address, "POST", "api/jobs/", Call::Submit(Some("probe-2")), 500, DUPLICATE);
        assert!(matches!(&error, RayError::AlreadyExists { id, .. } if id == "probe-2"), "{error:?}");
        assert_eq!(
            error.to_string(),
            "Ray rejected the job submission: Job with submission_id probe-2 already exists. Please use a different submission_id."
        );

        let page = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>";
        let error = classify(address, "POST", "/api/jobs/", Call::Submit(Some("probe-3")), 502, page);
        assert_eq!(
            error.to_string(),
            "the Ray dashboard at http://127.0.0.1:8265 answered POST /api/jobs/ with HTTP 502: 502 Bad Gateway"
        );

        let error = classify(address, "POST", "api/jobs/", Call::Submit(None), 400, BAD_TYPE);
        assert!(matches!(error, RayError::SubmissionRejected { status: 400, .. }), "{error:?}");

        let error = classify(address, "GET", "api/jobs/nope", Call::Job("nope"), 404, "Job nope does not exist");
        assert_eq!(error.to_string(), "Ray job `nope` does not exist");
        assert!(error.is_not_found());

        let error =
            classify(address, "GET", "api/version", Call::Plain, 401, "Unauthorized: Missing authentication token");
        assert_eq!(
            error.to_string(),
            "the Ray dashboard at http://127.0.0.1:8265 requires a token (Unauthorized: Missing authentication token); \
             pass one with `with_token`"
        );
        let error =
            classify(address, "GET", "api/version", Call::Plain, 403, "Forbidden: Invalid authentication token");
        assert!(matches!(error, RayError::Forbidden { .. }), "{error:?}");

        let body = "Traceback (most recent call last):\n  File \"x\"\nRuntimeError: Attempted to delete job 'long-2', \
                    but it is in a non-terminal state RUNNING.";
        let error = classify(address, "DELETE", "api/jobs/long-2", Call::Delete("long-2"), 500, body);
        assert!(matches!(error, RayError::JobNotTerminal { status: JobStatus::Running, .. }), "{error:?}");

        let error = classify(
            address,
            "PUT",
            "api/packages/gcs/p.zip",
            Call::Upload { name: "p.zip", size: 200 << 20 },
            413,
            "",
        );
        assert_eq!(
            error.to_string(),
            "package `p.zip` is 200 MiB, more than the 100 MiB a Ray dashboard accepts in one upload; leave files out \
             with .synapseignore, or ship large files another way (a `local://` or remote working_dir)"
        );

        let error = classify(address, "GET", "api/nothing", Call::Plain, 404, "404: Not Found");
        assert_eq!(
            error.to_string(),
            "the Ray dashboard at http://127.0.0.1:8265 answered GET api/nothing with HTTP 404: 404: Not Found"
        );
    }

    #[test]
    fn amounts_read_naturally() {
        assert_eq!(amount("GPU", 64.0), "64");
        assert_eq!(amount("CPU", 0.5), "0.5");
        assert_eq!(amount("memory", 1024.0 * 1024.0 * 1024.0 * 1024.0), "1 TiB");
        assert_eq!(amount("memory", 24_601_742_848.0), "22.9 GiB");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
    }

    #[test]
    fn transport_reasons_name_the_io_error() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(transport_reason(&refused, None), "connection refused");
        let other = std::io::Error::other("boom");
        assert_eq!(transport_reason(&other, Some(Duration::from_secs(5))), "no answer within 5s");
    }
}
