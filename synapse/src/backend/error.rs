//! [`BackendError`]: why a call to the Synapse backend failed, naming the method, the path, the
//! status and the server's own words (a DRF `{"detail": …}`, its field errors, or a v2
//! `{"error": {"message": …}}`), never a token.

use std::fmt;

/// Why a call to the backend failed.
///
/// ```
/// use synapse::backend::BackendError;
/// let error = BackendError::Status {
///     method: "PATCH".into(),
///     path: "jobs/7/".into(),
///     status: 400,
///     message: "status: \"DONE\" is not a valid choice.".into(),
/// };
/// assert_eq!(error.to_string(), "PATCH jobs/7/: 400 Bad Request: status: \"DONE\" is not a valid choice.");
/// assert!(!error.is_transient());
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackendError {
    /// The configuration cannot make a client (a missing variable, a host that is not a URL).
    #[error("backend configuration: {0}")]
    Config(String),
    /// Nothing answered: the connection was refused, timed out or broke before the request was
    /// sent.
    #[error("{method} {path}: the Synapse backend at {host} is unreachable: {reason}")]
    Unreachable {
        /// The HTTP method.
        method: String,
        /// The path, relative to the host.
        path: String,
        /// The backend's address.
        host: String,
        /// What the connection ran into.
        reason: String,
    },
    /// The request was sent and its response lost (the connection broke, or it timed out
    /// while waiting): the backend may have applied it. Not retried blindly when the request
    /// is not idempotent.
    #[error("{method} {path}: the response was lost ({reason}); the backend may have applied the request")]
    ResponseLost {
        /// The HTTP method.
        method: String,
        /// The path, relative to the host.
        path: String,
        /// What broke.
        reason: String,
    },
    /// The backend answered with an error status.
    #[error("{method} {path}: {status} {}: {message}", reason(*status))]
    Status {
        /// The HTTP method.
        method: String,
        /// The path, relative to the host.
        path: String,
        /// The HTTP status code.
        status: u16,
        /// The server's own message (DRF's `detail`, its field errors as `field: message`, a v2
        /// error's `message`), or the start of the body when it is not JSON.
        message: String,
    },
    /// The response is not what the API returns (not JSON, or not of the expected shape).
    #[error("{method} {path}: the response cannot be read: {reason}")]
    Decode {
        /// The HTTP method.
        method: String,
        /// The path, relative to the host.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A local file could not be written or read (a download's destination).
    #[error("{}: {reason}", path.display())]
    File {
        /// The file.
        path: std::path::PathBuf,
        /// What failed, and why.
        reason: String,
    },
    /// A storage's record could not be opened as a storage.
    #[error("storage {id}: {source}")]
    Storage {
        /// The storage's id.
        id: u64,
        /// Why.
        source: crate::storage::StorageError,
    },
    /// A paged listing's `next` link led back to a page already read.
    #[error("GET {path}: the listing's `next` link loops back to {url}")]
    PageLoop {
        /// The listing's path.
        path: String,
        /// The page it came back to.
        url: String,
    },
}

impl BackendError {
    /// Whether trying again may succeed: unreachable, a lost response, 429, 502, 503, 504.
    pub fn is_transient(&self) -> bool {
        match self {
            BackendError::Unreachable { .. } | BackendError::ResponseLost { .. } => true,
            BackendError::Status { status, .. } => matches!(status, 429 | 502 | 503 | 504),
            _ => false,
        }
    }

    /// The HTTP status, when the backend answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            BackendError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// The reason phrase of `status`.
fn reason(status: u16) -> impl fmt::Display {
    reqwest::StatusCode::from_u16(status).ok().and_then(|code| code.canonical_reason()).unwrap_or("error")
}

/// The server's message in an error `body`: DRF's `{"detail": …}`, DRF field errors
/// (`{"field": ["…"]}`, lists of them for a list request), a v2 `{"error": {"message", "details"}}`;
/// else the body's first line (HTML pages: their title), at most 300 characters.
pub(crate) fn server_message(body: &str) -> String {
    let text = match serde_json::from_str::<serde_json::Value>(body) {
        Ok(value) => json_message(&value),
        Err(_) => html_title(body)
            .unwrap_or_else(|| body.lines().find(|line| !line.trim().is_empty()).unwrap_or("").trim().to_owned()),
    };
    let text = if text.is_empty() { "(no message)".to_owned() } else { text };
    if text.chars().count() > 300 { format!("{}…", text.chars().take(300).collect::<String>()) } else { text }
}

fn json_message(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            if let Some(detail) = map.get("detail") {
                return json_message(detail);
            }
            if let Some(error) = map.get("error").and_then(Value::as_object) {
                let message = error.get("message").map(json_message).unwrap_or_default();
                let details: Vec<String> = error
                    .get("details")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|detail| {
                        let field = detail.get("field")?.as_str()?;
                        Some(format!("{field}: {}", json_message(detail.get("message")?)))
                    })
                    .collect();
                return if details.is_empty() { message } else { format!("{message} ({})", details.join("; ")) };
            }
            map.iter()
                .map(|(field, messages)| format!("{field}: {}", json_message(messages)))
                .collect::<Vec<_>>()
                .join("; ")
        }
        Value::Array(items) => {
            let parts: Vec<String> = items
                .iter()
                .enumerate()
                .filter(|(_, item)| !matches!(item, Value::Object(map) if map.is_empty()))
                .map(|(index, item)| match item {
                    Value::Object(_) if items.len() > 1 => format!("[{index}] {}", json_message(item)),
                    _ => json_message(item),
                })
                .collect();
            parts.join("; ")
        }
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn html_title(body: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    let start = lower.find("<title>")? + "<title>".len();
    let end = start + lower[start..].find("</title>")?;
    Some(body[start..end].trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::server_message;

    #[test]
    fn the_servers_own_words_are_read() {
        assert_eq!(server_message(r#"{"detail": "Not found."}"#), "Not found.");
        assert_eq!(
            server_message(r#"{"status": ["\"x\" is not a valid choice."]}"#),
            "status: \"x\" is not a valid choice."
        );
        assert_eq!(server_message(r#"[{}, {"level": ["bad level"]}]"#), "[1] level: bad level");
        assert_eq!(
            server_message(
                r#"{"error": {"code": "VALIDATION_ERROR", "message": "Invalid", "details": [{"field": "name", "message": "required"}]}}"#
            ),
            "Invalid (name: required)"
        );
        assert_eq!(server_message("<html><head><title>502 Bad Gateway</title></head></html>"), "502 Bad Gateway");
        assert_eq!(server_message(""), "(no message)");
        assert_eq!(server_message(&"x".repeat(400)).chars().count(), 301);
    }
}
