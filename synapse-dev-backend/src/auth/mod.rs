//! The credentials of an API request, in every form a Synapse client sends them.
//!
//! | Variant | Header | Value | Token compared |
//! |---|---|---|---|
//! | `access_token` | `Synapse-Access-Token` | `Token <t>` (the v1 SDK) | access |
//! | `access_token_syn` | `Synapse-Access-Token` | `syn_<t>` (the v2 CLI) | access |
//! | `access_token_bare` | `Synapse-Access-Token` | `<t>` | access |
//! | `authorization_token` | `Authorization` | `Token <t>` (the plugin-run user token) | user or access |
//! | `authorization_bearer` | `Authorization` | `Bearer <t>` | user or access |
//!
//! Header names are case-insensitive, and so are the `Token`/`Bearer` keywords (DRF compares them
//! lowercased). The tenant, `Synapse-Tenant: Token <code>` (v1) or bare `<code>` (v2), is read and
//! recorded but never required. With both headers present, both must hold a valid token. An
//! `Authorization` header of another scheme is not a credential (DRF's `TokenAuthentication`
//! ignores it).

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;

/// The header of the access token.
const ACCESS_TOKEN_HEADER: &str = "synapse-access-token";
/// The header of the tenant.
const TENANT_HEADER: &str = "synapse-tenant";

/// The tokens the backend accepts.
#[derive(Clone, Debug)]
pub(crate) struct Tokens {
    /// `SYNAPSE_ACCESS_TOKEN`'s counterpart: accepted in every header.
    pub(crate) access: String,
    /// `SYNAPSE_PLUGIN_RUN_USER_TOKEN`'s counterpart: accepted in `Authorization`.
    pub(crate) user: String,
}

/// The form one credential arrived in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Variant {
    /// `Synapse-Access-Token: Token <t>`.
    AccessToken,
    /// `Synapse-Access-Token: syn_<t>`.
    AccessTokenSyn,
    /// `Synapse-Access-Token: <t>`.
    AccessTokenBare,
    /// `Authorization: Token <t>`.
    AuthorizationToken,
    /// `Authorization: Bearer <t>`.
    AuthorizationBearer,
}

impl Variant {
    /// The name `/_dev/state` records.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::AccessToken => "access_token",
            Self::AccessTokenSyn => "access_token_syn",
            Self::AccessTokenBare => "access_token_bare",
            Self::AuthorizationToken => "authorization_token",
            Self::AuthorizationBearer => "authorization_bearer",
        }
    }
}

/// Whether a request may go on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Every credential it carried holds a configured token.
    Accepted,
    /// It carried none: 401 "Authentication credentials were not provided.".
    Missing,
    /// One of its credentials is wrong: 401 "Invalid token.".
    Invalid,
}

/// What a request carried, and the verdict on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Credentials {
    /// The forms that arrived, in header order (`Synapse-Access-Token` first).
    pub(crate) variants: Vec<Variant>,
    /// Which token matched: `"access"`, `"user"`, or both `+`-joined.
    pub(crate) token: Option<&'static str>,
    /// The tenant code.
    pub(crate) tenant: Option<String>,
    /// `"token"` for `Token <code>`, `"bare"` for `<code>`.
    pub(crate) tenant_variant: Option<&'static str>,
    /// The `url_host` query parameter.
    pub(crate) url_host: Option<String>,
    /// Whether the request may go on.
    pub(crate) verdict: Verdict,
}

impl Credentials {
    /// The variants' names, `+`-joined; `None` without any.
    pub(crate) fn variant_names(&self) -> Option<String> {
        (!self.variants.is_empty())
            .then(|| self.variants.iter().map(|variant| variant.name()).collect::<Vec<_>>().join("+"))
    }
}

/// The text after `keyword` and whitespace, when `text` starts with the keyword (any case).
fn after_keyword<'a>(text: &'a str, keyword: &str) -> Option<&'a str> {
    let (first, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    first.eq_ignore_ascii_case(keyword).then(|| rest.trim())
}

/// Reads the credentials, tenant and `url_host` of a request.
pub(crate) fn inspect(headers: &HeaderMap, query: Option<&str>, tokens: &Tokens) -> Credentials {
    let mut variants = Vec::new();
    let mut matched: Vec<&'static str> = Vec::new();
    let mut invalid = false;

    if let Some(value) = headers.get(ACCESS_TOKEN_HEADER) {
        let text = value.to_str().unwrap_or("").trim();
        let (variant, given) = match after_keyword(text, "token") {
            Some(given) => (Variant::AccessToken, given),
            None if text.starts_with("syn_") && text != tokens.access => (Variant::AccessTokenSyn, text),
            None => (Variant::AccessTokenBare, text),
        };
        variants.push(variant);
        let syn = format!("syn_{}", tokens.access);
        if given == tokens.access || given == syn {
            matched.push("access");
        } else {
            invalid = true;
        }
    }

    if let Some(value) = headers.get(AUTHORIZATION) {
        let text = value.to_str().unwrap_or("").trim();
        let found = after_keyword(text, "token")
            .map(|given| (Variant::AuthorizationToken, given))
            .or_else(|| after_keyword(text, "bearer").map(|given| (Variant::AuthorizationBearer, given)));
        if let Some((variant, given)) = found {
            variants.push(variant);
            if given == tokens.user {
                matched.push("user");
            } else if given == tokens.access {
                matched.push("access");
            } else {
                invalid = true;
            }
        }
    }

    let (tenant, tenant_variant) = match headers.get(TENANT_HEADER).and_then(|value| value.to_str().ok()) {
        Some(text) => match after_keyword(text.trim(), "token") {
            Some(code) => (Some(code.to_owned()), Some("token")),
            None => (Some(text.trim().to_owned()), Some("bare")),
        },
        None => (None, None),
    };
    let tenant_variant = tenant.as_deref().is_some_and(|code| !code.is_empty()).then_some(tenant_variant).flatten();
    let tenant = tenant.filter(|code| !code.is_empty());

    let url_host = query.and_then(|query| {
        form_urlencoded::parse(query.as_bytes()).find(|(key, _)| key == "url_host").map(|(_, value)| value.into_owned())
    });

    let verdict = if variants.is_empty() {
        Verdict::Missing
    } else if invalid {
        Verdict::Invalid
    } else {
        Verdict::Accepted
    };
    let token = match matched.as_slice() {
        [] => None,
        [one] => Some(*one),
        [_, "user"] => Some("access+user"),
        _ => Some("access+access"),
    };
    Credentials { variants, token, tenant, tenant_variant, url_host, verdict }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn tokens() -> Tokens {
        Tokens { access: "secret".into(), user: "usertok".into() }
    }

    fn with(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn every_variant() {
        let cases = [
            ("synapse-access-token", "Token secret", Variant::AccessToken, "access"),
            ("synapse-access-token", "token secret", Variant::AccessToken, "access"),
            ("synapse-access-token", "syn_secret", Variant::AccessTokenSyn, "access"),
            ("synapse-access-token", "secret", Variant::AccessTokenBare, "access"),
            ("authorization", "Token usertok", Variant::AuthorizationToken, "user"),
            ("authorization", "Token secret", Variant::AuthorizationToken, "access"),
            ("authorization", "Bearer secret", Variant::AuthorizationBearer, "access"),
        ];
        for (name, value, variant, token) in cases {
            let seen = inspect(&with(&[(name, value)]), None, &tokens());
            assert_eq!(seen.verdict, Verdict::Accepted, "{name}: {value}");
            assert_eq!(seen.variants, [variant], "{name}: {value}");
            assert_eq!(seen.token, Some(token), "{name}: {value}");
        }
    }

    #[test]
    fn missing_and_wrong() {
        assert_eq!(inspect(&HeaderMap::new(), None, &tokens()).verdict, Verdict::Missing);
        assert_eq!(inspect(&with(&[("authorization", "Basic abc")]), None, &tokens()).verdict, Verdict::Missing);
        for (name, value) in [
            ("synapse-access-token", "Token nope"),
            ("synapse-access-token", "syn_nope"),
            ("synapse-access-token", "Token"),
            ("synapse-access-token", "usertok"),
            ("authorization", "Token nope"),
            ("authorization", "Bearer "),
        ] {
            assert_eq!(inspect(&with(&[(name, value)]), None, &tokens()).verdict, Verdict::Invalid, "{name}: {value}");
        }
        let one_wrong = with(&[("synapse-access-token", "Token secret"), ("authorization", "Token nope")]);
        assert_eq!(inspect(&one_wrong, None, &tokens()).verdict, Verdict::Invalid);
    }

    #[test]
    fn tenant_and_url_host() {
        let seen = inspect(
            &with(&[("synapse-access-token", "Token secret"), ("synapse-tenant", "Token acme")]),
            Some("page=2&url_host=http%3A%2F%2Fminio%3A9000"),
            &tokens(),
        );
        assert_eq!((seen.tenant.as_deref(), seen.tenant_variant), (Some("acme"), Some("token")));
        assert_eq!(seen.url_host.as_deref(), Some("http://minio:9000"));
        let bare = inspect(&with(&[("synapse-tenant", "acme")]), None, &tokens());
        assert_eq!((bare.tenant.as_deref(), bare.tenant_variant), (Some("acme"), Some("bare")));
        let empty = inspect(&with(&[("synapse-tenant", "Token ")]), None, &tokens());
        assert_eq!((empty.tenant, empty.tenant_variant), (None, None));
    }

    #[test]
    fn both_headers() {
        let both = with(&[("synapse-access-token", "Token secret"), ("authorization", "Token usertok")]);
        let seen = inspect(&both, None, &tokens());
        assert_eq!(seen.verdict, Verdict::Accepted);
        assert_eq!(seen.variant_names().as_deref(), Some("access_token+authorization_token"));
        assert_eq!(seen.token, Some("access+user"));
    }
}
