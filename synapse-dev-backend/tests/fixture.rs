//! Fixture files: a backend started with one serves what it declares; a fixture with a field
//! that does not fit stops the start with the file, the JSON path of the field and why.

mod common;

use common::{TOKEN, authed, client, state, status_and_json};
use serde_json::json;
use synapse_dev_backend::{DevBackend, Error};

fn write(dir: &tempfile::TempDir, name: &str, content: &str) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    path
}

#[tokio::test]
async fn a_fixture_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = json!({
        "plugin_releases": [{"code": "detector", "version": "0.1.0"}],
        "gt_datasets": [{"seed": 1, "classes": ["car", "person"], "splits": {"train": 4, "validation": 2}}],
        "projects": [{"seed": 2, "classes": ["car"], "tasks": 2, "with_labels": true}],
        "data_collections": [{"name": "images", "file_specifications": [
            {"name": "image_1", "file_type": "image", "is_required": true, "is_primary": true},
            {"name": "data_meta_1", "file_type": "data"},
        ]}],
    });
    let file = write(&dir, "fixture.json", &fixture.to_string());
    let backend = DevBackend::builder().token(TOKEN).fixture(&file).start().await.expect("starts with the fixture");
    let http = client();
    let events = format!("{}sdk/ground_truth_events/?ground_truth_dataset_versions=1&category=train", backend.url());
    let (status, page) = status_and_json(authed(http.get(events)).send().await.unwrap()).await;
    assert_eq!((status, &page["count"]), (200, &json!(4)), "{page}");
    let image = page["results"][0]["files"]["image_1"]["url"].as_str().unwrap();
    assert!(image.starts_with(backend.url()), "{image}");
    assert_eq!(http.get(image).send().await.unwrap().status(), 200);
    let state = state(&http, &backend).await;
    assert_eq!(state["tasks"].as_array().unwrap().len(), 2);
    assert_eq!(state["plugin_releases"][0]["plugin"]["code"], "detector");
    let collection = format!("{}data_collections/1/?expand=file_specifications", backend.url());
    let (status, collection) = status_and_json(authed(http.get(collection)).send().await.unwrap()).await;
    assert_eq!((status, &collection["name"]), (200, &json!("images")), "{collection}");
    assert_eq!(collection["file_specifications"][0]["name"], "image_1", "{collection}");
    assert_eq!(collection["file_specifications"][0]["is_primary"], true, "{collection}");
}

#[tokio::test]
async fn a_fixture_that_does_not_fit_names_the_file_and_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            r#"{"gt_datasets": [{"classes": ["a"], "splits": {"train": 2}}, {"classes": ["a"], "splits": {"valid": 1}}]}"#,
            "gt_datasets[1].splits.valid",
            "is not a split",
        ),
        (r#"{"projects": [{"classes": ["a"], "tasks": "many"}]}"#, "projects[0].tasks", "invalid type"),
        (r#"{"collections": []}"#, "collections", "unknown field"),
        (
            r#"{"data_collections": [{"name": "a"}, {"name": "b", "file_specifications": [{"name": "x", "file_type": "hologram"}]}]}"#,
            "data_collections[1]",
            "hologram",
        ),
        (
            r#"{"projects": [{"classes": ["a"], "tasks": 1, "with_labels": true,}]}"#,
            "projects[0].?",
            "trailing comma at line 1",
        ),
    ];
    for (index, (content, path, why)) in cases.into_iter().enumerate() {
        let file = write(&dir, &format!("bad-{index}.json"), content);
        let error = DevBackend::builder().token(TOKEN).fixture(&file).start().await.expect_err("refused");
        let Error::Fixture { file: named, path: at, reason } = &error else { panic!("{error}") };
        assert_eq!((named, at.as_str()), (&file, path), "{error}");
        assert!(reason.contains(why), "{error}");
        assert!(error.to_string().contains(&format!("bad-{index}.json")), "{error}");
    }
    let missing = dir.path().join("missing.json");
    let error = DevBackend::builder().token(TOKEN).fixture(&missing).start().await.expect_err("refused");
    assert!(matches!(&error, Error::Fixture { path, .. } if path == "."), "{error}");
}

#[test]
fn the_binary_refuses_a_fixture_that_does_not_fit() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "seed.json", r#"{"projects": [{"classes": ["a"], "tasks": 0}]}"#);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_synapse-dev-backend"))
        .args(["--bind", "127.0.0.1:0", "--token", TOKEN, "--fixture"])
        .arg(&file)
        .output()
        .expect("the binary runs");
    assert!(!output.status.success());
    assert!(output.stdout.is_empty(), "it never says it listens");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("fixture {}: at `projects[0].tasks`: 0 tasks: from 1 to 10000", file.display())),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_kept_state_is_not_loaded_twice() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = json!({
        "plugin_releases": [{"code": "detector", "version": "0.1.0"}],
        "gt_datasets": [{"seed": 1, "classes": ["car"], "splits": {"train": 2}}],
    });
    let file = write(&dir, "fixture.json", &fixture.to_string());
    let data = dir.path().join("state");
    for start in 1..=2 {
        let backend = DevBackend::builder()
            .token(TOKEN)
            .data_dir(&data)
            .fixture(&file)
            .start()
            .await
            .unwrap_or_else(|error| panic!("start {start}: {error}"));
        let state = state(&client(), &backend).await;
        assert_eq!(state["plugin_releases"].as_array().map(Vec::len), Some(1), "start {start}");
        assert_eq!(state["ground_truth"]["versions"].as_array().map(Vec::len), Some(1), "start {start}");
        backend.shutdown().await.unwrap();
    }
}
