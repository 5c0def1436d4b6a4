//! `POST storages/{id}/session/`, as the Python SDK's storage handle opens a storage (upload and
//! export): the storage's provider and configuration for a purpose, until a time; its refusals.

mod common;

use common::{authed, client, start, state, status_and_json, url};
use reqwest::Client;
use serde_json::{Value, json};
use synapse_dev_backend::{DevBackend, RunningDevBackend, S3Storage};

async fn open(http: &Client, backend: &RunningDevBackend, storage: &str, body: Value) -> (u16, Value) {
    let request = authed(http.post(url(backend, &format!("storages/{storage}/session/")))).json(&body);
    status_and_json(request.send().await.unwrap()).await
}

#[tokio::test]
async fn a_session_carries_the_storage_and_is_recorded() {
    let backend = start().await;
    let http = client();
    let (_, storage) = status_and_json(authed(http.get(url(&backend, "storages/1/"))).send().await.unwrap()).await;

    let (status, session) = open(&http, &backend, "1", json!({"purpose": "read"})).await;
    assert_eq!(status, 200, "{session}");
    assert_eq!(
        (&session["storage"], &session["provider"], &session["configuration"], &session["purpose"]),
        (&json!(1), &json!("file_system"), &storage["configuration"], &json!("read")),
        "{session}"
    );
    assert_eq!(session["contract_version"], 1, "{session}");

    let (status, written) = open(&http, &backend, "1", json!({"purpose": "write"})).await;
    assert_eq!((status, written["purpose"].as_str()), (200, Some("write")), "{written}");
    let (status, defaulted) = open(&http, &backend, "1", json!({})).await;
    assert_eq!((status, defaulted["purpose"].as_str()), (200, Some("read")), "{defaulted}");

    let sessions = state(&http, &backend).await["storage_sessions"].clone();
    let purposes: Vec<&str> = sessions.as_array().unwrap().iter().map(|s| s["purpose"].as_str().unwrap()).collect();
    assert_eq!(purposes, ["read", "write", "read"], "{sessions}");
    let first = &sessions[0];
    assert_eq!(first["expires_at"], session["expires_at"], "{sessions}");
    // Both in the form `2026-02-17T10:04:05.123456Z`, so their text orders them.
    let (issued, expires) = (first["issued"].as_str().unwrap(), first["expires_at"].as_str().unwrap());
    assert!(expires > issued && expires.ends_with('Z'), "{first}");
    assert_eq!(state(&http, &backend).await["requests"]["POST /storages/{id}/session/"], 3);
}

#[tokio::test]
async fn an_s3_session_carries_its_credentials() {
    let bucket = S3Storage {
        bucket_name: "synapse-test".into(),
        access_key: "AKIA".into(),
        secret_key: "s3cr3t".into(),
        region_name: "us-east-1".into(),
        endpoint_url: "http://127.0.0.1:9".into(),
    };
    let backend = DevBackend::builder().token(common::TOKEN).in_memory().s3_storage(bucket).start().await.unwrap();
    let (status, session) = open(&client(), &backend, "2", json!({"purpose": "write"})).await;
    assert_eq!(status, 200, "{session}");
    assert_eq!(
        (session["provider"].as_str(), session["configuration"]["secret_key"].as_str()),
        (Some("amazon_s3"), Some("s3cr3t")),
        "{session}"
    );
}

#[tokio::test]
async fn sessions_are_refused_for_unknown_storages_bad_purposes_and_no_token() {
    let backend = start().await;
    let http = client();
    let (status, body) = open(&http, &backend, "2", json!({"purpose": "read"})).await;
    assert_eq!((status, body), (404, json!({"detail": "Not found."})));
    let (status, body) = open(&http, &backend, "x", json!({})).await;
    assert_eq!(status, 404, "{body}");

    let (status, body) = open(&http, &backend, "1", json!({"purpose": "admin"})).await;
    assert_eq!((status, body), (400, json!({"purpose": ["\"admin\" is not a valid choice."]})));
    let (status, body) = open(&http, &backend, "1", json!({"purpose": null})).await;
    assert_eq!((status, body), (400, json!({"purpose": ["\"None\" is not a valid choice."]})));
    let (status, body) = open(&http, &backend, "1", json!(["read"])).await;
    assert_eq!(
        (status, body),
        (400, json!({"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}))
    );

    let response = http.post(url(&backend, "storages/1/session/")).json(&json!({})).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let sessions = &state(&http, &backend).await["storage_sessions"];
    assert_eq!(sessions, &json!([]), "refused requests issue nothing");
}
