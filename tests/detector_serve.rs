//! The detector example's model server against the dev backend: a model trained on a seeded
//! dataset, served by `detector serve` (one replica, the model from the backend per request by
//! the SDK's signed token) and asked over HTTP to classify the valid split's boxes, each image
//! sent as base64 with its true boxes; the same images through the `inference` action and
//! `detector infer --url`; and each bad request: a body that is not an image, a box outside the
//! image (each named), no boxes (422 with the field's path).

use base64::Engine as _;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use synapse::serve::{ModelClaims, TokenPolicy};
use synapse_dev_backend::RunningDevBackend;
use synapse_tests::dev_backend::{TOKEN, dev, run_plugin, start};
use synapse_tests::serve::Replica;

const DETECTOR: &str = env!("CARGO_BIN_EXE_detector-plugin");

/// The valid split's images of a seeded dataset: per image, the request (the PNG as base64 and
/// its true boxes) and the true class of each box.
struct Valid {
    requests: Vec<Value>,
    truth: Vec<Vec<String>>,
}

/// Seeds 3 classes, 60 train and 20 validation 64×64 images; the version and its valid images.
async fn seed(backend: &RunningDevBackend) -> (u64, Valid) {
    let body = json!({"seed": 11, "classes": ["car", "person", "tree"], "splits": {"train": 60, "validation": 20}, "width": 64, "height": 64});
    let seeded = dev(backend, reqwest::Method::POST, "_dev/seed/gt_dataset", Some(body)).await;
    let version = seeded["ground_truth_dataset_version"].as_u64().expect("a version");
    let mut boxes: BTreeMap<u64, Vec<&Value>> = BTreeMap::new();
    for seeded_box in seeded["boxes"].as_array().expect("boxes") {
        boxes.entry(seeded_box["event"].as_u64().expect("its event")).or_default().push(seeded_box);
    }
    let (mut requests, mut truth) = (Vec::new(), Vec::new());
    for image in seeded["images"].as_array().expect("images").iter().filter(|i| i["category"] == "validation") {
        let url = image["url"].as_str().expect("its URL");
        let png = reqwest::get(url).await.expect("served").bytes().await.expect("its bytes");
        let event = image["event"].as_u64().expect("its event");
        let Some(these) = boxes.get(&event) else { continue };
        let pixel_boxes: Vec<Value> = these
            .iter()
            .map(|b| json!({"x": b["x"], "y": b["y"], "width": b["width"], "height": b["height"]}))
            .collect();
        requests.push(json!({
            "image": base64::engine::general_purpose::STANDARD.encode(&png),
            "boxes": pixel_boxes,
        }));
        truth.push(these.iter().map(|b| b["class"].as_str().expect("a class").to_owned()).collect());
    }
    (version, Valid { requests, truth })
}

/// Trains the detector on `version` (no folds, 20 trees); the registered model's id.
async fn train(backend: &RunningDevBackend, caches: &Path, version: u64) -> u64 {
    let params = json!({"dataset": version, "splits": ["train", "valid"], "folds": 0, "trees": 20}).to_string();
    let envs = [("SYNAPSE_DATASET_CACHE", caches.join("datasets")), ("SYNAPSE_MODEL_CACHE", caches.join("models"))];
    let (result, _) = run_plugin(DETECTOR, backend, &["run", "train", "--params", &params], &envs).await;
    result["model_id"].as_u64().expect("a model")
}

/// The share of boxes whose predicted name is the true class, and how many boxes in all.
fn accuracy(answers: &[Value], truth: &[Vec<String>]) -> (f64, usize) {
    let (mut right, mut all) = (0, 0);
    for (answer, classes) in answers.iter().zip(truth) {
        let predictions = answer["predictions"].as_array().expect("predictions");
        assert_eq!(predictions.len(), classes.len(), "one prediction per box: {answer}");
        for (prediction, class) in predictions.iter().zip(classes) {
            all += 1;
            right += usize::from(prediction["name"] == class.as_str());
        }
    }
    (right as f64 / all.max(1) as f64, all)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trained_model_classifies_the_valid_boxes_over_http_and_in_the_inference_action() {
    let backend = start().await;
    let url = backend.url().to_string();
    let (version, valid) = seed(&backend).await;
    assert_eq!(valid.requests.len(), 20);
    let caches = tempfile::tempdir().expect("a directory");
    let model = train(&backend, caches.path(), version).await;

    let serve_cache = caches.path().join("serve-models");
    let replica = Replica::start(
        DETECTOR,
        &[],
        &[
            ("SYNAPSE_HOST", &url),
            ("SYNAPSE_ACCESS_TOKEN", TOKEN),
            ("SYNAPSE_MODEL_CACHE", serve_cache.to_str().unwrap()),
        ],
    );
    let token = TokenPolicy::sdk(&url).sign(&ModelClaims {
        model: model.to_string(),
        token: TOKEN.into(),
        tenant: None,
        exp: None,
    });
    let mut answers = Vec::new();
    for request in &valid.requests {
        let (status, answer) = replica.infer(&token, request).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!((answer["image_width"].as_u64(), answer["image_height"].as_u64()), (Some(64), Some(64)));
        answers.push(answer);
    }
    let (http_accuracy, boxes) = accuracy(&answers, &valid.truth);
    eprintln!("over HTTP: {boxes} boxes, accuracy {http_accuracy:.3}");
    assert!(http_accuracy >= 0.9, "accuracy {http_accuracy} over {boxes} boxes");
    // The boxes came back as sent (whole pixels inside the image): nothing was clipped.
    let first = &answers[0]["predictions"][0];
    let sent = &valid.requests[0]["boxes"][0];
    assert_eq!(
        [&first["x"], &first["y"], &first["width"], &first["height"]],
        [&sent["x"], &sent["y"], &sent["width"], &sent["height"]]
    );
    // The model was loaded once for all the requests.
    assert_eq!(replica.models().await["stats"]["loads"], 1);

    // A data URL is an image too; a box past the border is clipped to it.
    let image = valid.requests[0]["image"].as_str().unwrap();
    let body = json!({"image": format!("data:image/png;base64,{image}"), "boxes": [{"x": 50, "y": -10, "width": 40, "height": 30}]});
    let (status, answer) = replica.infer(&token, &body).await;
    assert_eq!(status, 200, "{answer}");
    let clipped = &answer["predictions"][0];
    assert_eq!([&clipped["x"], &clipped["y"], &clipped["width"], &clipped["height"]], [50, 0, 14, 20]);

    // The inference action: the same images, the same predictions.
    let params = json!({"model": model, "inputs": valid.requests}).to_string();
    let envs = [("SYNAPSE_MODEL_CACHE", caches.path().join("models"))];
    let (result, _) = run_plugin(DETECTOR, &backend, &["run", "inference", "--params", &params], &envs).await;
    assert_eq!(result["model"], model);
    let results = result["results"].as_array().expect("results");
    assert_eq!(results, &answers, "the action predicts as the server does");
    let (action_accuracy, _) = accuracy(results, &valid.truth);
    assert!(action_accuracy >= 0.9, "accuracy {action_accuracy}");

    // `detector infer --url`: the SDK's token from the backend's variables, one request.
    let input = valid.requests[1].to_string();
    let ran = tokio::process::Command::new(DETECTOR)
        .args(["infer", "--model", &model.to_string(), "--input", &input, "--url", &replica.addr.to_string()])
        .env("SYNAPSE_HOST", &url)
        .env("SYNAPSE_ACCESS_TOKEN", TOKEN)
        .output()
        .await
        .expect("detector infer ran");
    assert!(ran.status.success(), "{}", String::from_utf8_lossy(&ran.stderr));
    let printed: Value = serde_json::from_slice(&ran.stdout).expect("its answer, JSON");
    assert_eq!(printed, answers[1]);
    backend.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_is_not_an_image_or_has_a_box_outside_it_or_no_boxes_is_refused_saying_why() {
    let backend = start().await;
    let url = backend.url().to_string();
    let (version, valid) = seed(&backend).await;
    let caches = tempfile::tempdir().expect("a directory");
    let model = train(&backend, caches.path(), version).await;
    let serve_cache = caches.path().join("serve-models");
    let replica = Replica::start(
        DETECTOR,
        &[],
        &[
            ("SYNAPSE_HOST", &url),
            ("SYNAPSE_ACCESS_TOKEN", TOKEN),
            ("SYNAPSE_MODEL_CACHE", serve_cache.to_str().unwrap()),
        ],
    );
    let header = model.to_string();
    let one_box = json!([{"x": 1, "y": 1, "width": 8, "height": 8}]);

    // Text, not an image: 500 (an inference error) naming the field and why.
    let text = base64::engine::general_purpose::STANDARD.encode("hello, not a picture");
    let (status, answer) = replica.infer(&header, &json!({"image": text, "boxes": one_box})).await;
    assert_eq!(status, 500, "{answer}");
    assert_eq!(answer["error"]["kind"], "inference", "{answer}");
    let message = answer["error"]["message"].as_str().expect("a message");
    assert!(
        message.contains("$.image: 20 bytes that are not a PNG or JPEG (they start 68656c6c6f2c206e)"),
        "{message}"
    );

    // Not base64 at all.
    let (status, answer) = replica.infer(&header, &json!({"image": "%%%", "boxes": one_box})).await;
    assert_eq!(status, 500, "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("$.image: not base64: "), "{answer}");

    // A PNG cut short.
    let image = valid.requests[0]["image"].as_str().unwrap();
    let png = base64::engine::general_purpose::STANDARD.decode(image).unwrap();
    let cut = base64::engine::general_purpose::STANDARD.encode(&png[..png.len() / 2]);
    let (status, answer) = replica.infer(&header, &json!({"image": cut, "boxes": one_box})).await;
    assert_eq!(status, 500, "{answer}");
    assert!(
        answer["error"]["message"].as_str().unwrap().contains("$.image: a Png image that does not decode"),
        "{answer}"
    );

    // A box with no pixel in the 64×64 image: named by its index.
    let boxes = json!([{"x": 1, "y": 1, "width": 8, "height": 8}, {"x": 64, "y": 0, "width": 5, "height": 5}]);
    let (status, answer) = replica.infer(&header, &json!({"image": image, "boxes": boxes})).await;
    assert_eq!(status, 500, "{answer}");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("$.boxes[1]: the box x 64 y 0 width 5 height 5 has no pixel inside the 64×64 image"),
        "{message}"
    );

    // No boxes, a negative width: 422 with each field's path, before any model is asked for.
    let (status, answer) = replica.infer(&header, &json!({"image": image, "boxes": []})).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["violations"][0]["path"], "$.boxes", "{answer}");
    let body = json!({"image": image, "boxes": [{"x": 0, "y": 0, "width": -3, "height": 2}]});
    let (status, answer) = replica.infer(&header, &body).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["violations"][0]["path"], "$.boxes[0].width", "{answer}");

    // The server still serves: a good request after the bad ones.
    let (status, answer) = replica.infer(&header, &valid.requests[0]).await;
    assert_eq!(status, 200, "{answer}");

    // In the inference action, the bad input of a batch is named by its index.
    let params = json!({"model": model, "inputs": [valid.requests[0], {"image": text, "boxes": one_box}]}).to_string();
    let ran = tokio::process::Command::new(DETECTOR)
        .args(["run", "inference", "--params", &params])
        .env("SYNAPSE_HOST", &url)
        .env("SYNAPSE_ACCESS_TOKEN", TOKEN)
        .env("SYNAPSE_MODEL_CACHE", caches.path().join("models"))
        .output()
        .await
        .expect("the plugin ran");
    assert_eq!(ran.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert!(stderr.contains("$[1].image: 20 bytes that are not a PNG or JPEG"), "{stderr}");
    backend.shutdown().await.expect("shutdown");
}
