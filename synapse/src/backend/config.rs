//! [`BackendConfig`]: where the Synapse backend is and who is asking, read from the variables a
//! plugin run receives (`SYNAPSE_HOST`, `SYNAPSE_ACCESS_TOKEN`, `SYNAPSE_PLUGIN_RUN_USER_TOKEN`,
//! `SYNAPSE_PLUGIN_RUN_TENANT`, `SYNAPSE_PLUGIN_RUN_URL_HOST`) or set in code; its tokens are
//! [`Secret`]s, which never show their value.

use super::BackendError;
pub use crate::secret::Secret;

/// How a client reaches the Synapse backend (API v1): its address, its credentials, the tenant,
/// and the host presigned URLs are signed for.
///
/// Credentials as the Python SDK sends them (`synapse_sdk/utils/auth.py`): a plugin-run user
/// token when there is one, else the access token; there is no client without either.
///
/// ```
/// use synapse::backend::BackendConfig;
/// let vars = [("SYNAPSE_HOST", "http://127.0.0.1:8000"), ("SYNAPSE_ACCESS_TOKEN", "t0k"),
///             ("SYNAPSE_PLUGIN_RUN_TENANT", "acme")];
/// let config = BackendConfig::from_lookup(|name| {
///     vars.iter().find(|(key, _)| *key == name).map(|(_, value)| value.to_string())
/// }).unwrap().unwrap();
/// assert_eq!(config.host.as_str(), "http://127.0.0.1:8000/");
/// assert_eq!(config.tenant.as_deref(), Some("acme"));
/// assert!(!format!("{config:?}").contains("t0k"));
/// ```
#[derive(Clone, Debug)]
pub struct BackendConfig {
    /// The backend's base URL (`SYNAPSE_HOST`); v1 paths are relative to it, with a trailing
    /// slash (`jobs/7/`).
    pub host: reqwest::Url,
    /// The access token (`SYNAPSE_ACCESS_TOKEN`), sent as `Synapse-Access-Token: Token <t>`.
    pub access_token: Option<Secret>,
    /// The plugin run's user token (`SYNAPSE_PLUGIN_RUN_USER_TOKEN`), sent as
    /// `Authorization: Token <t>`; preferred over the access token when both are set.
    pub user_token: Option<Secret>,
    /// The tenant code (`SYNAPSE_PLUGIN_RUN_TENANT`), sent as `Synapse-Tenant: Token <code>`.
    pub tenant: Option<String>,
    /// The host presigned URLs are signed for (`SYNAPSE_PLUGIN_RUN_URL_HOST`), added to every
    /// request as `?url_host=`.
    pub url_host: Option<String>,
}

/// The variables a plugin run receives, by their names.
pub const HOST_VAR: &str = "SYNAPSE_HOST";
/// See [`BackendConfig::access_token`].
pub const ACCESS_TOKEN_VAR: &str = "SYNAPSE_ACCESS_TOKEN";
/// See [`BackendConfig::user_token`].
pub const USER_TOKEN_VAR: &str = "SYNAPSE_PLUGIN_RUN_USER_TOKEN";
/// See [`BackendConfig::tenant`].
pub const TENANT_VAR: &str = "SYNAPSE_PLUGIN_RUN_TENANT";
/// See [`BackendConfig::url_host`].
pub const URL_HOST_VAR: &str = "SYNAPSE_PLUGIN_RUN_URL_HOST";

impl BackendConfig {
    /// A configuration for the backend at `host` with an access token.
    ///
    /// # Errors
    /// [`BackendError::Config`] when `host` is not an `http` or `https` URL.
    pub fn new(host: &str, access_token: impl Into<String>) -> Result<Self, BackendError> {
        Ok(BackendConfig {
            host: parse_host(host)?,
            access_token: Some(Secret::new(access_token)),
            user_token: None,
            tenant: None,
            url_host: None,
        })
    }

    /// Reads the configuration from this process's environment (see
    /// [`from_lookup`](Self::from_lookup)).
    ///
    /// # Errors
    /// As [`from_lookup`](Self::from_lookup).
    pub fn from_env() -> Result<Option<Self>, BackendError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration from the variables `lookup` gives (the process environment, an
    /// `--env-file`, a test's map). `None` when neither `SYNAPSE_HOST` nor a token is set: the
    /// run has no backend. Empty values count as unset.
    ///
    /// # Errors
    /// [`BackendError::Config`] naming the variable when the host is missing while a token is
    /// set, a token is missing while the host is set, or the host is not an `http(s)` URL.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, BackendError> {
        let var = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let host = var(HOST_VAR);
        let access_token = var(ACCESS_TOKEN_VAR).map(Secret::new);
        let user_token = var(USER_TOKEN_VAR).map(Secret::new);
        let has_token = access_token.is_some() || user_token.is_some();
        let host = match (host, has_token) {
            (None, false) => return Ok(None),
            (None, true) => {
                return Err(BackendError::Config(format!(
                    "a backend token is set but {HOST_VAR} is not: set it to the backend's address"
                )));
            }
            (Some(_), false) => {
                return Err(BackendError::Config(format!(
                    "{HOST_VAR} is set but neither {ACCESS_TOKEN_VAR} nor {USER_TOKEN_VAR} is: the backend \
                     needs one of them"
                )));
            }
            (Some(host), true) => parse_host(&host)?,
        };
        Ok(Some(BackendConfig { host, access_token, user_token, tenant: var(TENANT_VAR), url_host: var(URL_HOST_VAR) }))
    }

    /// The headers that authenticate a request, as the Python SDK's v1 client sends them
    /// (`Authorization: Token <user token>` or `Synapse-Access-Token: Token <access token>`,
    /// and `Synapse-Tenant: Token <tenant>`); values are marked sensitive.
    pub(crate) fn auth_headers(&self) -> Result<reqwest::header::HeaderMap, BackendError> {
        use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
        let value = |text: String, what: &str| {
            HeaderValue::from_str(&text)
                .map(|mut value| {
                    value.set_sensitive(true);
                    value
                })
                .map_err(|_| BackendError::Config(format!("the {what} holds characters a header cannot carry")))
        };
        let mut headers = HeaderMap::new();
        if let Some(token) = &self.user_token {
            headers.insert(AUTHORIZATION, value(format!("Token {}", token.expose()), USER_TOKEN_VAR)?);
        } else if let Some(token) = &self.access_token {
            let name = HeaderName::from_static("synapse-access-token");
            headers.insert(name, value(format!("Token {}", token.expose()), ACCESS_TOKEN_VAR)?);
        }
        if let Some(tenant) = &self.tenant {
            headers.insert(HeaderName::from_static("synapse-tenant"), value(format!("Token {tenant}"), TENANT_VAR)?);
        }
        Ok(headers)
    }
}

fn parse_host(host: &str) -> Result<reqwest::Url, BackendError> {
    let trimmed = host.trim();
    let with_slash = if trimmed.ends_with('/') { trimmed.to_owned() } else { format!("{trimmed}/") };
    match reqwest::Url::parse(&with_slash) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => Ok(url),
        Ok(url) => Err(BackendError::Config(format!(
            "{HOST_VAR} `{trimmed}` is not an http(s) address (scheme `{}`)",
            url.scheme()
        ))),
        Err(error) => Err(BackendError::Config(format!("{HOST_VAR} `{trimmed}` is not a URL: {error}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Option<BackendConfig>, BackendError> {
        BackendConfig::from_lookup(|name| vars.iter().find(|(key, _)| *key == name).map(|(_, v)| (*v).to_owned()))
    }

    #[test]
    fn no_host_and_no_token_is_no_backend() {
        assert!(config(&[]).unwrap().is_none());
        assert!(config(&[(HOST_VAR, " ")]).unwrap().is_none());
    }

    #[test]
    fn a_half_configuration_names_what_is_missing() {
        let error = config(&[(HOST_VAR, "http://b")]).unwrap_err().to_string();
        assert!(error.contains("neither SYNAPSE_ACCESS_TOKEN nor SYNAPSE_PLUGIN_RUN_USER_TOKEN"), "{error}");
        let error = config(&[(ACCESS_TOKEN_VAR, "t")]).unwrap_err().to_string();
        assert!(error.contains("SYNAPSE_HOST is not"), "{error}");
        let error = config(&[(HOST_VAR, "ftp://b"), (ACCESS_TOKEN_VAR, "t")]).unwrap_err().to_string();
        assert!(error.contains("not an http(s) address (scheme `ftp`)"), "{error}");
    }

    #[test]
    fn headers_are_the_sdks_and_the_user_token_wins() {
        let both = config(&[
            (HOST_VAR, "http://b:8000/api"),
            (ACCESS_TOKEN_VAR, "access"),
            (USER_TOKEN_VAR, "user"),
            (TENANT_VAR, "acme"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(both.host.as_str(), "http://b:8000/api/");
        let headers = both.auth_headers().unwrap();
        assert_eq!(headers["authorization"], "Token user");
        assert_eq!(headers["synapse-tenant"], "Token acme");
        assert!(headers.get("synapse-access-token").is_none());
        assert!(headers["authorization"].is_sensitive());
        let access = config(&[(HOST_VAR, "http://b"), (ACCESS_TOKEN_VAR, "access")]).unwrap().unwrap();
        assert_eq!(access.auth_headers().unwrap()["synapse-access-token"], "Token access");
    }

    #[test]
    fn tokens_never_show() {
        let config =
            config(&[(HOST_VAR, "http://b"), (ACCESS_TOKEN_VAR, "s3cr3t"), (USER_TOKEN_VAR, "u5er")]).unwrap().unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cr3t") && !shown.contains("u5er"), "{shown}");
    }
}
