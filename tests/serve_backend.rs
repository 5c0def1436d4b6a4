//! A replica of a serve deployment (`plugin serve`, the models test plugin) reading its models
//! from the dev backend: the SDK's model tokens, each caller's access asked of the backend and
//! remembered, the model cache, and an inference action over the same deployment.

use serde_json::json;
use synapse_tests::dev_backend::{self, TOKEN};
use synapse_tests::serve::{Replica, model_on_backend, numbers, sdk_token};

const MODELS: &str = env!("CARGO_BIN_EXE_models-plugin");

#[tokio::test]
async fn serves_backend_models_to_sdk_tokens_and_checks_each_callers_access() {
    let backend = dev_backend::start().await;
    let url = backend.url().to_string();
    // A model on the backend: a zip of its directory, as a train action registers it.
    let model = model_on_backend(&backend, 3.0).await;
    let cache = tempfile::tempdir().unwrap();
    let replica = Replica::start(
        MODELS,
        &[],
        &[
            ("SYNAPSE_HOST", &url),
            ("SYNAPSE_ACCESS_TOKEN", TOKEN),
            ("SYNAPSE_MODEL_CACHE", cache.path().to_str().unwrap()),
        ],
    );

    // The SDK's token: signed with the backend's URL, carrying the caller's token.
    let token = sdk_token(&url, model, TOKEN);
    for _ in 0..20 {
        let (status, answer) = replica.infer(&token, &numbers(&[1.0, 2.0])).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["sum"], 9.0);
        assert_eq!(answer["model"], model);
    }
    // Extracted once into the model cache; its record read once (the access check).
    let cached: Vec<_> = std::fs::read_dir(cache.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(cached.len(), 1, "{cached:?}");
    assert!(cached[0].to_string_lossy().starts_with(&format!("model-{}-", model)), "{cached:?}");
    assert_eq!(dev_backend::requests(&backend, "GET /models/{id}/").await, 1);
    let status = replica.models().await;
    assert_eq!(status["models"], json!([model]));
    assert_eq!(status["stats"]["loads"], 1);

    // A caller the backend does not know: 403, and its answer is remembered too.
    let stranger = sdk_token(&url, model, "not-a-token");
    for _ in 0..3 {
        let (status, answer) = replica.infer(&stranger, &numbers(&[1.0])).await;
        assert_eq!(status, 403, "{answer}");
        assert_eq!(answer["error"]["kind"], "forbidden");
    }
    assert_eq!(dev_backend::requests(&backend, "GET /models/{id}/").await, 2);

    // A model the backend does not have: 404 naming it and the backend.
    let (status, answer) = replica.infer(&sdk_token(&url, 999, TOKEN), &numbers(&[1.0])).await;
    assert_eq!(status, 404, "{answer}");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(message.contains("model 999 was not found on the backend at http://127.0.0.1:"), "{message}");

    // Tokens the replica refuses: another backend's, altered, unsigned.
    let elsewhere = sdk_token("http://elsewhere", model, TOKEN);
    let parts: Vec<&str> = token.split('.').collect();
    // The claims of model 2 (`{"model":"2","token":"dev-token"}`) under model 1's signature.
    let altered = format!("{}.eyJtb2RlbCI6IjIiLCJ0b2tlbiI6ImRldi10b2tlbiJ9.{}", parts[0], parts[2]);
    // `{"alg":"none","typ":"JWT"}`, no signature.
    let unsigned = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.", parts[1]);
    for (bad, says) in [
        (elsewhere.as_str(), "signature does not match"),
        (altered.as_str(), "signature does not match"),
        (unsigned.as_str(), "signed with none"),
        ("", "header is empty"),
    ] {
        let (status, answer) = replica.infer(bad, &numbers(&[1.0])).await;
        assert_eq!(status, 401, "{bad}: {answer}");
        assert_eq!(answer["error"]["kind"], "model_token");
        assert!(answer["error"]["message"].as_str().unwrap().contains(says), "{answer}");
        assert!(!answer.to_string().contains(TOKEN), "the caller's token is never echoed: {answer}");
    }
    // No header at all: 400.
    let response = reqwest::Client::new().post(replica.url("/")).json(&numbers(&[1.0])).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 400);
}

#[tokio::test]
async fn an_inference_action_loads_a_backend_model_and_infers_over_a_batch() {
    let backend = dev_backend::start().await;
    let url = backend.url().to_string();
    let model = model_on_backend(&backend, 0.5).await;
    let cache = tempfile::tempdir().unwrap();
    let params = json!({ "model": model, "inputs": [{ "values": [2.0, 4.0] }, { "values": [10.0] }] }).to_string();
    let envs = [("SYNAPSE_MODEL_CACHE", cache.path().to_str().unwrap())];
    let (result, _) =
        dev_backend::run_plugin(MODELS, &backend, &["run", "inference", "--params", &params], &envs).await;
    assert_eq!(result["sums"], json!([3.0, 5.0]), "{result}");
    // A second run reads the model's file from the cache: no second download.
    let downloads = dev_backend::requests(&backend, "GET /media/{*key}").await;
    dev_backend::run_plugin(MODELS, &backend, &["run", "inference", "--params", &params], &envs).await;
    assert_eq!(dev_backend::requests(&backend, "GET /media/{*key}").await, downloads);

    // A model the backend does not have: the run fails naming it.
    let params = json!({ "model": 404, "inputs": [] }).to_string();
    let ran = tokio::process::Command::new(MODELS)
        .args(["run", "inference", "--params", &params])
        .env("SYNAPSE_HOST", &url)
        .env("SYNAPSE_ACCESS_TOKEN", TOKEN)
        .output()
        .await
        .unwrap();
    assert_eq!(ran.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert!(stderr.contains("model 404 was not found on the backend"), "{stderr}");
}
