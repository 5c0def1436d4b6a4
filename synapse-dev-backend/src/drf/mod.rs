//! Django REST framework's error bodies and request parsing, as the Synapse v1 backend answers.
//!
//! Every error the API answers with is an [`ApiError`]: `{"detail": "…"}` for request-level
//! errors, and field → messages (or a list of those, one per entry) for validation errors.

pub(crate) mod dynamic;
pub(crate) mod fields;
pub(crate) mod filters;

use axum::Json;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// An error answered in DRF's shape.
#[derive(Debug)]
pub(crate) enum ApiError {
    /// 404 `{"detail": "Not found."}`.
    NotFound,
    /// 404 `{"detail": "Invalid page."}`.
    InvalidPage,
    /// 404 `{"detail": "Invalid cursor"}` (DRF's `CursorPagination`).
    InvalidCursor,
    /// 400 with a body of field errors (an object, or one object per entry of a list).
    Validation(Value),
    /// 400 `{"detail": "<why>"}`: a request the backend refuses as a whole.
    BadRequest(String),
    /// 400 `{"detail": "JSON parse error - …"}`.
    Parse(String),
    /// 415 `{"detail": "Unsupported media type \"…\" in request."}`.
    UnsupportedMediaType(String),
    /// 405 `{"detail": "Method \"…\" not allowed."}`.
    MethodNotAllowed(Method),
    /// 401 `{"detail": "Authentication credentials were not provided."}`.
    NotAuthenticated,
    /// 401 `{"detail": "Invalid token."}`.
    InvalidToken,
    /// 500 `{"detail": "<what failed>"}`: the server's own failure (its store), never the request's.
    Internal(String),
}

impl ApiError {
    /// A 400 with one message on each of the given fields.
    pub(crate) fn fields(errors: Map<String, Value>) -> Self {
        Self::Validation(Value::Object(errors))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            Self::NotFound => (StatusCode::NOT_FOUND, detail("Not found.")),
            Self::InvalidPage => (StatusCode::NOT_FOUND, detail("Invalid page.")),
            Self::InvalidCursor => (StatusCode::NOT_FOUND, detail("Invalid cursor")),
            Self::Validation(body) => (StatusCode::BAD_REQUEST, body),
            Self::BadRequest(message) => (StatusCode::BAD_REQUEST, detail(&message)),
            Self::Parse(message) => (StatusCode::BAD_REQUEST, detail(&format!("JSON parse error - {message}"))),
            Self::UnsupportedMediaType(media) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, detail(&format!("Unsupported media type \"{media}\" in request.")))
            }
            Self::MethodNotAllowed(method) => {
                (StatusCode::METHOD_NOT_ALLOWED, detail(&format!("Method \"{method}\" not allowed.")))
            }
            Self::NotAuthenticated => {
                return unauthorized("Authentication credentials were not provided.");
            }
            Self::InvalidToken => return unauthorized("Invalid token."),
            Self::Internal(what) => (StatusCode::INTERNAL_SERVER_ERROR, detail(&what)),
        };
        (status, Json(body)).into_response()
    }
}

/// DRF's 401: the body, and `WWW-Authenticate` naming the scheme (TokenAuthentication's `Token`).
fn unauthorized(message: &str) -> Response {
    let mut response = (StatusCode::UNAUTHORIZED, Json(detail(message))).into_response();
    response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Token"));
    response
}

/// `{"detail": message}`.
pub(crate) fn detail(message: &str) -> Value {
    json!({ "detail": message })
}

/// The JSON body of an API request, as DRF's `JSONParser` takes it: `None` when the body is empty;
/// 415 unless the content type is JSON; 400 when the JSON does not parse.
pub(crate) fn json_body(headers: &HeaderMap, body: &Bytes) -> Result<Option<Value>, ApiError> {
    if body.is_empty() {
        return Ok(None);
    }
    let media = headers.get(header::CONTENT_TYPE).map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
    let essence = media.as_deref().unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if essence != "application/json" && !(essence.starts_with("application/") && essence.ends_with("+json")) {
        return Err(ApiError::UnsupportedMediaType(media.unwrap_or_default()));
    }
    serde_json::from_slice(body).map(Some).map_err(|error| ApiError::Parse(error.to_string()))
}

/// A body for the dev routes: JSON whatever the content type says, `None` when empty.
pub(crate) fn lenient_json_body(body: &Bytes) -> Result<Option<Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(body).map(Some).map_err(|error| ApiError::Parse(error.to_string()))
}
