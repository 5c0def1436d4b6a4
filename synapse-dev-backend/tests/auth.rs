//! Credentials: every header form Synapse clients send is accepted and recorded; a missing or
//! wrong token is DRF's 401.

mod common;

use common::{TOKEN, client, create_job, state, status_and_json, url};
use serde_json::{Value, json};
use synapse_dev_backend::DevBackend;

const USER_TOKEN: &str = "plugin-run-user-token";

/// Headers that are accepted, and what is recorded of them: the variant, the token matched, the
/// tenant and how the tenant was sent.
type Accepted = (Vec<(&'static str, String)>, &'static str, &'static str, Option<&'static str>, Option<&'static str>);

#[tokio::test]
async fn every_variant_is_accepted_and_recorded() {
    let backend = DevBackend::builder().token(TOKEN).user_token(USER_TOKEN).start().await.expect("the backend starts");
    let client = client();
    create_job(&client, &backend, json!({})).await;

    let cases: [Accepted; 8] = [
        // The v1 SDK with SYNAPSE_ACCESS_TOKEN: the tenant carries the `Token ` prefix too.
        (
            vec![("Synapse-Access-Token", format!("Token {TOKEN}")), ("Synapse-Tenant", "Token acme".into())],
            "access_token",
            "access",
            Some("acme"),
            Some("token"),
        ),
        // The v1 SDK with SYNAPSE_PLUGIN_RUN_USER_TOKEN.
        (
            vec![("Authorization", format!("Token {USER_TOKEN}")), ("Synapse-Tenant", "Token acme".into())],
            "authorization_token",
            "user",
            Some("acme"),
            Some("token"),
        ),
        // The v2 CLI: `syn_` and no tenant; header names in any case.
        (vec![("SYNAPSE-ACCESS-TOKEN", format!("syn_{TOKEN}"))], "access_token_syn", "access", None, None),
        (vec![("synapse-access-token", TOKEN.into())], "access_token_bare", "access", None, None),
        // The v2 CLI's DRF token with a bare tenant code.
        (
            vec![("Authorization", format!("Token {TOKEN}")), ("SYNAPSE-Tenant", "acme".into())],
            "authorization_token",
            "access",
            Some("acme"),
            Some("bare"),
        ),
        (vec![("Authorization", format!("Bearer {TOKEN}"))], "authorization_bearer", "access", None, None),
        (vec![("Authorization", format!("bearer {USER_TOKEN}"))], "authorization_bearer", "user", None, None),
        (vec![("Synapse-Access-Token", format!("token {TOKEN}"))], "access_token", "access", None, None),
    ];
    for (index, (headers, ..)) in cases.iter().enumerate() {
        let mut request = client.get(url(&backend, &format!("jobs/1/?url_host=host-{index}")));
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let (status, body) = status_and_json(request.send().await.expect("GET jobs/1/")).await;
        assert_eq!(status, 200, "{headers:?}: {body}");
    }

    let state = state(&client, &backend).await;
    let records = state["auth"].as_array().expect("the records");
    assert_eq!(records.len(), cases.len());
    for (index, (record, (headers, variant, token, tenant, tenant_variant))) in records.iter().zip(&cases).enumerate() {
        let expected = json!({
            "route": "GET /jobs/{id}/",
            "path": "/jobs/1/",
            "variant": variant,
            "token": token,
            "tenant": tenant,
            "tenant_variant": tenant_variant,
            "url_host": format!("host-{index}"),
            "accepted": true,
        });
        assert_eq!(record, &expected, "{headers:?}");
    }
    assert_eq!(state["requests"]["GET /jobs/{id}/"], 8);
    backend.shutdown().await.expect("a clean shutdown");
}

#[tokio::test]
async fn missing_or_wrong_tokens_are_refused() {
    let backend = DevBackend::builder().token(TOKEN).user_token(USER_TOKEN).start().await.expect("the backend starts");
    let client = client();
    create_job(&client, &backend, json!({})).await;
    let not_provided = json!({"detail": "Authentication credentials were not provided."});
    let invalid = json!({"detail": "Invalid token."});

    let cases: [(Vec<(&str, String)>, &Value); 7] = [
        (vec![], &not_provided),
        (vec![("Synapse-Tenant", "Token acme".into())], &not_provided),
        (vec![("Authorization", format!("Basic {TOKEN}"))], &not_provided),
        (vec![("Synapse-Access-Token", "Token wrong".into())], &invalid),
        (vec![("Synapse-Access-Token", "syn_wrong".into())], &invalid),
        // The user token is no access token.
        (vec![("Synapse-Access-Token", format!("Token {USER_TOKEN}"))], &invalid),
        (vec![("Synapse-Access-Token", format!("Token {TOKEN}")), ("Authorization", "Token wrong".into())], &invalid),
    ];
    for (headers, expected) in &cases {
        let mut request = client.patch(url(&backend, "jobs/1/")).json(&json!({"status": "RUNNING"}));
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.expect("PATCH jobs/1/");
        assert_eq!(response.headers().get("www-authenticate").map(|value| value.as_bytes()), Some(&b"Token"[..]));
        let (status, body) = status_and_json(response).await;
        assert_eq!((status, &body), (401, *expected), "{headers:?}");
    }
    // Unauthenticated, a method the route lacks is still 401, as DRF authenticates first.
    let (status, body) = status_and_json(client.delete(url(&backend, "jobs/1/")).send().await.expect("DELETE")).await;
    assert_eq!((status, body), (401, not_provided.clone()));

    let state = state(&client, &backend).await;
    assert_eq!(state["jobs"][0]["status"], "PENDING");
    assert_eq!(state["jobs"][0]["patches"], json!([]));
    let records = state["auth"].as_array().expect("the records");
    assert!(records.iter().all(|record| record["accepted"] == false), "{records:?}");
    let variants: Vec<&Value> = records.iter().map(|record| &record["variant"]).collect();
    assert_eq!(
        variants,
        [
            &Value::Null,
            &Value::Null,
            &Value::Null,
            &json!("access_token"),
            &json!("access_token_syn"),
            &json!("access_token"),
            &json!("access_token+authorization_token"),
            &Value::Null,
        ]
    );
    assert_eq!(records[1]["tenant"], "acme", "a tenant is recorded even without a token");
    backend.shutdown().await.expect("a clean shutdown");
}

#[tokio::test]
async fn the_token_is_required_and_loopback_only() {
    let missing = DevBackend::builder().start().await;
    assert!(matches!(missing, Err(synapse_dev_backend::Error::MissingToken)), "{missing:?}");
    let public = DevBackend::builder().token(TOKEN).bind("0.0.0.0:0").start().await;
    assert!(matches!(public, Err(synapse_dev_backend::Error::NotLoopback(_))), "{public:?}");
    let nonsense = DevBackend::builder().token(TOKEN).bind("localhost").start().await;
    assert!(matches!(nonsense, Err(synapse_dev_backend::Error::InvalidBind(_))), "{nonsense:?}");
}
