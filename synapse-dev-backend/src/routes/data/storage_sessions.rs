//! `POST storages/{id}/session/`: a storage's session, as the Python SDK's storage handle opens
//! it (`utils/storage/provider.py` `BackendSessionProvider`, which export and upload go through):
//! the storage's provider and configuration, credentials included, for a purpose, until a time.

use super::storages::storages;
use crate::drf::fields::{self, FieldErrors};
use crate::drf::{ApiError, json_body};
use crate::routes::{Shared, path_id};
use crate::store::storage_sessions;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};

/// How long a session is valid: an hour (the SDK re-opens one that has expired).
pub(crate) const LIFETIME_SECONDS: u64 = 3600;

/// The session contract this backend speaks (the SDK's `SUPPORTED_CONTRACT_VERSIONS`).
pub(crate) const CONTRACT_VERSION: i64 = 1;

/// The purposes a session is issued for; `read` when the body names none.
const PURPOSES: [&str; 2] = ["read", "write"];

/// `POST storages/{id}/session/` `{purpose?: "read" | "write"}`: 200 `{id, storage, provider,
/// configuration, purpose, contract_version, expires_at}`, recorded for `/_dev/state`. A storage
/// this backend does not have is 404 before the body is read; a purpose of neither kind is 400
/// `{"purpose": ["\"x\" is not a valid choice."]}`.
pub(crate) async fn issue(
    State(app): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = path_id(&id)?;
    let storage = storages(&app).into_iter().find(|storage| storage["id"] == id).ok_or(ApiError::NotFound)?;
    let purpose = read_purpose(json_body(&headers, &body)?)?;
    let issued = crate::time::now();
    let expires_at = crate::time::in_seconds(LIFETIME_SECONDS);
    let (recorded_purpose, recorded_expiry) = (purpose.clone(), expires_at.clone());
    let session = app
        .store
        .run(move |connection| storage_sessions::insert(connection, id, &recorded_purpose, &issued, &recorded_expiry))
        .await?;
    Ok(Json(json!({
        "id": session,
        "storage": id,
        "provider": storage["provider"],
        "configuration": storage["configuration"],
        "purpose": purpose,
        "contract_version": CONTRACT_VERSION,
        "expires_at": expires_at,
    })))
}

/// The purpose a body asks for: `read` for no body or no `purpose`; other keys are ignored, as a
/// DRF serializer ignores them.
fn read_purpose(body: Option<Value>) -> Result<String, ApiError> {
    let mut errors = FieldErrors::default();
    let purpose = match &body {
        None => None,
        Some(Value::Object(object)) => object.get("purpose"),
        Some(other) => {
            errors.add("non_field_errors", fields::expected_dict(other));
            return Err(ApiError::fields(errors.into_map()));
        }
    };
    match purpose {
        None => Ok(PURPOSES[0].to_owned()),
        Some(Value::String(text)) if PURPOSES.contains(&text.as_str()) => Ok(text.clone()),
        Some(other) => {
            errors.add("purpose", fields::invalid_choice(other));
            Err(ApiError::fields(errors.into_map()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_default_to_read_and_refuse_others() {
        assert_eq!(read_purpose(None).unwrap(), "read");
        assert_eq!(read_purpose(Some(json!({"other": 1}))).unwrap(), "read");
        assert_eq!(read_purpose(Some(json!({"purpose": "write"}))).unwrap(), "write");
        assert!(matches!(read_purpose(Some(json!({"purpose": "admin"}))), Err(ApiError::Validation(_))));
        assert!(matches!(read_purpose(Some(json!({"purpose": null}))), Err(ApiError::Validation(_))));
        assert!(matches!(read_purpose(Some(json!([]))), Err(ApiError::Validation(_))));
    }
}
