//! `POST storages/{id}/session/`: a storage's credential-bearing session, which the SDK's
//! `BackendSessionProvider` (`utils/storage/provider.py`) opens before an export writes (purpose
//! `write`) or an upload reads (`read`), falling back to `GET storages/{id}/?with_configuration=true`
//! only on 404/405.

use super::data::storages;
use super::{Shared, path_id};
use crate::drf::fields::{self, FieldErrors};
use crate::drf::{ApiError, json_body};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};

/// The scopes a session is asked for.
pub(crate) const PURPOSES: [&str; 2] = ["read", "write"];

/// The session contract this backend issues (the SDK's `SUPPORTED_CONTRACT_VERSIONS`).
pub(crate) const CONTRACT_VERSION: u64 = 1;

/// `POST storages/{id}/session/` with `{purpose?: "read"|"write"}` (`read` when absent): 200
/// `{storage, provider, configuration, purpose, expires_at: null, contract_version: 1}`, the
/// configuration `GET storages/{id}/` shows (a session never expires here). 404 for a storage that
/// does not exist; 400 `{"purpose": ["\"x\" is not a valid choice."]}`.
pub(crate) async fn open(
    State(app): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = path_id(&id)?;
    let storage = storages::storages(&app).into_iter().find(|storage| storage["id"] == id).ok_or(ApiError::NotFound)?;
    let body = json_body(&headers, &body)?.unwrap_or_else(|| json!({}));
    let purpose = purpose(&body)?;
    Ok(Json(json!({
        "storage": id,
        "provider": storage["provider"],
        "configuration": storage["configuration"],
        "purpose": purpose,
        "expires_at": null,
        "contract_version": CONTRACT_VERSION,
    })))
}

/// The body's `purpose`, one of [`PURPOSES`]; DRF's field errors otherwise.
fn purpose(body: &Value) -> Result<&'static str, ApiError> {
    let mut errors = FieldErrors::default();
    let Value::Object(object) = body else {
        errors.add("non_field_errors", fields::expected_dict(body));
        return Err(ApiError::fields(errors.into_map()));
    };
    match object.get("purpose") {
        None => Ok(PURPOSES[0]),
        Some(value) => match PURPOSES.into_iter().find(|purpose| value.as_str() == Some(purpose)) {
            Some(purpose) => Ok(purpose),
            None => {
                errors.add("purpose", fields::invalid_choice(value));
                Err(ApiError::fields(errors.into_map()))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes() {
        assert_eq!(purpose(&json!({})).ok(), Some("read"));
        assert_eq!(purpose(&json!({"purpose": "write"})).ok(), Some("write"));
        assert!(purpose(&json!({"purpose": "delete"})).is_err());
        assert!(purpose(&json!([1])).is_err());
    }
}
