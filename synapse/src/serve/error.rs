//! [`ServeError`]: why a replica did not answer a request (each with its HTTP status and a
//! stable `kind`), or did not start.

use super::TokenError;
use crate::params::Violations;
use serde_json::{Value, json};

/// Why a replica refused or failed a request, or could not start. Each maps to an HTTP status
/// ([`status`](Self::status)) and a JSON body `{"error": {"kind", "message", …}}`
/// ([`body`](Self::body)) that [`ServeClient`](super::ServeClient) reads back into the same
/// error.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The request names no model (400).
    #[error("the request has no {} header: it names the model, by id or by model token", super::MODEL_HEADER)]
    NoModelHeader,
    /// The model header is refused (401): malformed, tampered, unsigned, expired, or a plain id
    /// where only tokens are taken.
    #[error("{0}")]
    Token(#[from] TokenError),
    /// The backend (or the models directory) has no such model (404).
    #[error("model {model} was not found {place}")]
    UnknownModel {
        /// The model's id.
        model: u64,
        /// Where it was looked for: `on the backend at <url>`, `in <dir>`.
        place: String,
    },
    /// The caller's token may not read the model (403).
    #[error("the model token's caller may not read model {model}: the backend answered {status}")]
    Forbidden {
        /// The model's id.
        model: u64,
        /// The backend's status (401 or 403).
        status: u16,
    },
    /// The backend could not be asked about the model, or its file could not be had (502).
    #[error("model {model}: {reason}")]
    Backend {
        /// The model's id.
        model: u64,
        /// What failed: the request and the backend's answer, or the download.
        reason: String,
    },
    /// The deployment's `load_model` failed for this version of the model (500). Kept: later
    /// requests for this version get it without loading again.
    #[error("model {model} does not load (version {version}): {message}")]
    LoadFailed {
        /// The model's id.
        model: u64,
        /// The version of its artifact.
        version: String,
        /// The deployment's error, with its causes.
        message: String,
    },
    /// The body is not the deployment's input (422).
    #[error("the request body is not this deployment's input:\n{violations}")]
    InvalidInput {
        /// Every violation, with its field path.
        violations: Violations,
    },
    /// The deployment's `infer` failed (500).
    #[error("inference with model {model} failed: {message}")]
    Inference {
        /// The model's id.
        model: u64,
        /// The deployment's error, with its causes.
        message: String,
    },
    /// The replica is stopping (503).
    #[error("this replica is stopping")]
    Stopping,
    /// No deployment is registered in the plugin binary.
    #[error(
        "this plugin registers no serve deployment: implement `synapse::serve::ServeDeployment` and register it with `synapse::serve_deployment!(YourType);`"
    )]
    NoDeployment,
    /// More than one deployment is registered.
    #[error("this plugin registers more than one serve deployment ({}): keep one", places.join(", "))]
    TwoDeployments {
        /// Each one's type and place.
        places: Vec<String>,
    },
    /// The replica cannot start: its address, its settings.
    #[error("{0}")]
    Setup(String),
}

impl ServeError {
    /// The HTTP status a replica answers it with.
    ///
    /// ```
    /// use synapse::serve::ServeError;
    /// assert_eq!(ServeError::UnknownModel { model: 9, place: "in models".into() }.status(), 404);
    /// ```
    pub fn status(&self) -> u16 {
        match self {
            ServeError::NoModelHeader => 400,
            ServeError::Token(_) => 401,
            ServeError::Forbidden { .. } => 403,
            ServeError::UnknownModel { .. } => 404,
            ServeError::InvalidInput { .. } => 422,
            ServeError::Backend { .. } => 502,
            ServeError::Stopping => 503,
            ServeError::LoadFailed { .. }
            | ServeError::Inference { .. }
            | ServeError::NoDeployment
            | ServeError::TwoDeployments { .. }
            | ServeError::Setup(_) => 500,
        }
    }

    /// Its stable name in a response body.
    pub fn kind(&self) -> &'static str {
        match self {
            ServeError::NoModelHeader => "no_model_header",
            ServeError::Token(_) => "model_token",
            ServeError::UnknownModel { .. } => "unknown_model",
            ServeError::Forbidden { .. } => "forbidden",
            ServeError::Backend { .. } => "backend",
            ServeError::LoadFailed { .. } => "load_failed",
            ServeError::InvalidInput { .. } => "invalid_input",
            ServeError::Inference { .. } => "inference",
            ServeError::Stopping => "stopping",
            ServeError::NoDeployment | ServeError::TwoDeployments { .. } | ServeError::Setup(_) => "setup",
        }
    }

    /// The response body: `{"error": {"kind", "message", "model"?, "violations"?}}`.
    ///
    /// ```
    /// use synapse::serve::ServeError;
    /// let body = ServeError::UnknownModel { model: 9, place: "in models".into() }.body();
    /// assert_eq!(body["error"]["kind"], "unknown_model");
    /// assert_eq!(body["error"]["model"], 9);
    /// assert_eq!(body["error"]["message"], "model 9 was not found in models");
    /// ```
    pub fn body(&self) -> Value {
        let mut error = json!({ "kind": self.kind(), "message": self.to_string() });
        let model = match self {
            ServeError::UnknownModel { model, .. }
            | ServeError::Forbidden { model, .. }
            | ServeError::Backend { model, .. }
            | ServeError::LoadFailed { model, .. }
            | ServeError::Inference { model, .. } => Some(*model),
            _ => None,
        };
        if let Some(model) = model {
            error["model"] = json!(model);
        }
        if let ServeError::InvalidInput { violations } = self {
            error["violations"] = serde_json::to_value(violations).unwrap_or(Value::Null);
        }
        json!({ "error": error })
    }
}
