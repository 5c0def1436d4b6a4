//! How a failed call becomes a [`RayError`]: an error answer by its status, Ray's message
//! (`message.rs`) and what the call was for; a transport failure by its innermost I/O error.

use super::message::ray_message;
use super::{MAX_UPLOAD_BYTES, RayError};
use crate::executor::ray::jobs_api::JobStatus;
use std::time::Duration;

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

#[cfg(test)]
mod tests {
    use super::super::tracebacks::{BAD_TYPE, DUPLICATE};
    use super::*;

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
    fn transport_reasons_name_the_io_error() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(transport_reason(&refused, None), "connection refused");
        let other = std::io::Error::other("boom");
        assert_eq!(transport_reason(&other, Some(Duration::from_secs(5))), "no answer within 5s");
    }
}
