//! The `serve_multiplexed_model_id` header: which model a request is for, as a plain model id or
//! as the platform's signed model token (a JWT, HS256), as the Python SDK's
//! `create_serve_multiplexed_model_id` makes it and its `BaseServeDeployment.get_model` reads it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{KeyInit, Mac};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The header naming a request's model (Ray Serve's `SERVE_MULTIPLEXED_MODEL_ID`).
pub const MODEL_HEADER: &str = "serve_multiplexed_model_id";

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// The variable the SDK's serve code reads the backend's URL from first (the model tokens'
/// secret), before `SYNAPSE_HOST`.
pub const RUN_HOST_VAR: &str = "SYNAPSE_PLUGIN_RUN_HOST";

/// The backend's URL as the SDK's serve code has it, the model tokens' secret: `var`'s
/// [`RUN_HOST_VAR`], else its `SYNAPSE_HOST`, trimmed, exactly as set otherwise.
pub fn backend_url(var: impl Fn(&str) -> Option<String>) -> Option<String> {
    [RUN_HOST_VAR, crate::backend::HOST_VAR]
        .iter()
        .find_map(|name| var(name).map(|url| url.trim().to_owned()).filter(|url| !url.is_empty()))
}

/// The [`MODEL_HEADER`] a caller sends for `model`, from the variables `var` gives: the SDK's
/// model token (signed with [`backend_url`], carrying the run's user token
/// `SYNAPSE_PLUGIN_RUN_USER_TOKEN`, else `SYNAPSE_ACCESS_TOKEN`, and the tenant
/// `SYNAPSE_PLUGIN_RUN_TENANT`) when it has a backend and a token; else the plain id, which only
/// a replica taking plain ids serves.
///
/// ```
/// use synapse::serve::{TokenPolicy, caller_header};
/// let vars = |name: &str| match name {
///     "SYNAPSE_HOST" => Some("http://127.0.0.1:8000".to_owned()),
///     "SYNAPSE_ACCESS_TOKEN" => Some("T".to_owned()),
///     _ => None,
/// };
/// let header = caller_header(7, vars);
/// let selected = TokenPolicy::sdk("http://127.0.0.1:8000").verify(&header, 0).unwrap();
/// assert_eq!(selected.model(), 7);
/// assert_eq!(caller_header(7, |_| None), "7");
/// ```
pub fn caller_header(model: u64, var: impl Fn(&str) -> Option<String>) -> String {
    use crate::backend::{ACCESS_TOKEN_VAR, TENANT_VAR, USER_TOKEN_VAR};
    let set = |name: &str| var(name).filter(|value| !value.trim().is_empty());
    match (backend_url(&var), set(USER_TOKEN_VAR).or_else(|| set(ACCESS_TOKEN_VAR))) {
        (Some(backend), Some(token)) => TokenPolicy::sdk(&backend).sign(&ModelClaims {
            model: model.to_string(),
            token,
            tenant: set(TENANT_VAR),
            exp: None,
        }),
        _ => model.to_string(),
    }
}

/// The claims of a model token: the SDK's payload `{model: "<id>", token, tenant?}`, plus an
/// optional `exp` (seconds since the Unix epoch) for deployments that sign with a secret of
/// their own ([`TokenPolicy::secret`]).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelClaims {
    /// The model's id, as a string (the SDK's `str(model_id)`).
    pub model: String,
    /// The caller's access token: the replica reads the model with it, so a caller reaches only
    /// the models the backend lets it read.
    pub token: String,
    /// The caller's tenant, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// When the token stops being accepted, in seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<u64>,
}

impl std::fmt::Debug for ModelClaims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelClaims")
            .field("model", &self.model)
            .field("token", &"***")
            .field("tenant", &self.tenant)
            .field("exp", &self.exp)
            .finish()
    }
}

/// What a request's header selects: a model by id alone (a caller the replica trusts: a local
/// run, a test), or a model with the caller's credentials (a signed token).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelSelection {
    /// A plain model id.
    Id(u64),
    /// A verified model token.
    Token {
        /// The model's id.
        model: u64,
        /// Its claims.
        claims: ModelClaims,
    },
}

impl ModelSelection {
    /// The model's id.
    pub fn model(&self) -> u64 {
        match self {
            ModelSelection::Id(model) | ModelSelection::Token { model, .. } => *model,
        }
    }
}

/// How a replica checks model tokens.
///
/// [`TokenPolicy::sdk`] accepts what the SDK makes: HS256 signed with the backend's URL, with no
/// expiry. That secret is known to anyone who knows the URL, so it only proves the token was made
/// for this backend; [`TokenPolicy::secret`] takes a secret of the deployment's own and requires an
/// `exp`. Plain ids are refused unless [`TokenPolicy::allow_plain_ids`] says otherwise.
#[derive(Clone)]
pub struct TokenPolicy {
    secret: Vec<u8>,
    require_exp: bool,
    plain_ids: bool,
}

impl std::fmt::Debug for TokenPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenPolicy")
            .field("secret", &"***")
            .field("require_exp", &self.require_exp)
            .field("plain_ids", &self.plain_ids)
            .finish()
    }
}

/// Why a `serve_multiplexed_model_id` header was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The header is empty.
    #[error("the {MODEL_HEADER} header is empty: it names the model, by id or by model token")]
    Empty,
    /// A plain id where the replica takes only signed tokens.
    #[error(
        "the {MODEL_HEADER} header is a plain model id ({0}); this server takes only signed model tokens (the SDK's create_serve_multiplexed_model_id)"
    )]
    PlainId(u64),
    /// Neither a model id nor a JWT of three base64url parts.
    #[error("the {MODEL_HEADER} header is neither a model id nor a model token (a JWT): {0}")]
    Malformed(String),
    /// A JWT of another algorithm (`none`, `HS512`, `RS256`…).
    #[error("the model token is signed with {0}; only HS256 is taken")]
    Algorithm(String),
    /// The signature does not match: made with another secret, or altered.
    #[error("the model token's signature does not match: it was made for another backend, or altered")]
    Signature,
    /// The claims are not the SDK's `{model, token, tenant?}`, or `model` is no id.
    #[error("the model token's claims are not {{model, token, tenant?}}: {0}")]
    Claims(String),
    /// `exp` is missing where the policy requires it.
    #[error("the model token has no `exp`; this server's tokens expire")]
    NoExpiry,
    /// `exp` has passed.
    #[error("the model token expired at {exp} (Unix seconds); it is now {now}")]
    Expired {
        /// Its `exp`.
        exp: u64,
        /// The time it was checked.
        now: u64,
    },
}

impl TokenPolicy {
    /// The SDK's tokens: HS256 with `backend_url` (exactly as the caller wrote it, e.g.
    /// `https://api.example.com`) as the secret, no expiry required.
    pub fn sdk(backend_url: &str) -> Self {
        TokenPolicy { secret: backend_url.as_bytes().to_vec(), require_exp: false, plain_ids: false }
    }

    /// Tokens signed with a secret of the deployment's own, each with an `exp`.
    pub fn secret(secret: impl Into<Vec<u8>>) -> Self {
        TokenPolicy { secret: secret.into(), require_exp: true, plain_ids: false }
    }

    /// Whether a plain model id (`"7"`) is taken too, for callers the replica trusts.
    #[must_use]
    pub fn allow_plain_ids(mut self, allow: bool) -> Self {
        self.plain_ids = allow;
        self
    }

    /// A token with `claims`, signed as this policy checks: the same bytes PyJWT's
    /// `jwt.encode(claims, secret, algorithm="HS256")` gives (header `{"alg":"HS256","typ":"JWT"}`,
    /// compact JSON, base64url without padding, RFC 7519).
    ///
    /// ```
    /// use synapse::serve::{ModelClaims, TokenPolicy};
    /// let policy = TokenPolicy::sdk("http://127.0.0.1:8000");
    /// let claims = ModelClaims { model: "7".into(), token: "T".into(), tenant: None, exp: None };
    /// // What the SDK's create_serve_multiplexed_model_id(7, "T", "http://127.0.0.1:8000") gives:
    /// assert_eq!(
    ///     policy.sign(&claims),
    ///     "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJtb2RlbCI6IjciLCJ0b2tlbiI6IlQifQ.o2yWsd_ynUzAw2dAtVi1iKnC05qHnBftMxMCDTW-Kxk"
    /// );
    /// ```
    pub fn sign(&self, claims: &ModelClaims) -> String {
        // serde_json writes compact JSON with the fields in declaration order, as PyJWT does.
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
        let signing_input = format!("{header}.{payload}");
        let signature = URL_SAFE_NO_PAD.encode(self.mac(&signing_input).finalize().into_bytes());
        format!("{signing_input}.{signature}")
    }

    /// The model `header` (a `serve_multiplexed_model_id` value) selects, checked at `now` (Unix
    /// seconds). The signature is compared in constant time.
    ///
    /// ```
    /// use synapse::serve::{ModelSelection, TokenError, TokenPolicy};
    /// let policy = TokenPolicy::sdk("http://127.0.0.1:8000");
    /// let token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJtb2RlbCI6IjciLCJ0b2tlbiI6IlQifQ.o2yWsd_ynUzAw2dAtVi1iKnC05qHnBftMxMCDTW-Kxk";
    /// assert_eq!(policy.verify(token, 0).unwrap().model(), 7);
    /// assert_eq!(TokenPolicy::sdk("http://elsewhere").verify(token, 0), Err(TokenError::Signature));
    /// assert_eq!(policy.verify("7", 0), Err(TokenError::PlainId(7)));
    /// assert_eq!(policy.allow_plain_ids(true).verify("7", 0), Ok(ModelSelection::Id(7)));
    /// ```
    ///
    /// # Errors
    /// [`TokenError`]: what is wrong with the header, never echoing the caller's access token.
    pub fn verify(&self, header: &str, now: u64) -> Result<ModelSelection, TokenError> {
        let header = header.trim();
        if header.is_empty() {
            return Err(TokenError::Empty);
        }
        if let Ok(model) = header.parse::<u64>() {
            return if self.plain_ids { Ok(ModelSelection::Id(model)) } else { Err(TokenError::PlainId(model)) };
        }
        let mut parts = header.split('.');
        let (Some(head), Some(body), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed("not three `.`-separated parts".to_owned()));
        };
        let decode = |part: &str, what: &str| {
            URL_SAFE_NO_PAD.decode(part).map_err(|error| TokenError::Malformed(format!("its {what}: {error}")))
        };
        let head: Value = serde_json::from_slice(&decode(head, "header")?)
            .map_err(|error| TokenError::Malformed(format!("its header: {error}")))?;
        let algorithm = head.get("alg").and_then(Value::as_str).unwrap_or("none");
        if algorithm != "HS256" {
            return Err(TokenError::Algorithm(algorithm.to_owned()));
        }
        let signing_input = &header[..header.len() - signature.len() - 1];
        self.mac(signing_input).verify_slice(&decode(signature, "signature")?).map_err(|_| TokenError::Signature)?;
        let claims: ModelClaims =
            serde_json::from_slice(&decode(body, "claims")?).map_err(|error| TokenError::Claims(error.to_string()))?;
        let model = claims
            .model
            .trim()
            .parse::<u64>()
            .map_err(|_| TokenError::Claims(format!("`model` is {:?}, not a model id", claims.model)))?;
        match claims.exp {
            Some(exp) if exp <= now => return Err(TokenError::Expired { exp, now }),
            None if self.require_exp => return Err(TokenError::NoExpiry),
            _ => {}
        }
        Ok(ModelSelection::Token { model, claims })
    }

    fn mac(&self, signing_input: &str) -> HmacSha256 {
        // HMAC takes keys of any length.
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&self.secret).unwrap_or_else(|_| unreachable!());
        mac.update(signing_input.as_bytes());
        mac
    }
}
