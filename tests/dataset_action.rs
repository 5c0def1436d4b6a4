//! A dataset action's run (`synapse::dataset::run_dataset`): download then convert, the
//! conversion cached beside its source (found again without a request), an explicit output
//! directory, the `convert` operation on a dataset with boxes outside their image (clipped and
//! dropped, counted and reported), and the params each operation needs.

use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use synapse::dataset::{DatasetOperation, DatasetParams, run_dataset};
use synapse::events::sink::MemorySink;
use synapse::formats::{BoxAnnotation, Dataset, ImageEntry, Split};
use synapse::prelude::*;
use synapse::{EventKind, PluginEnvironment};
use synapse_dev_backend::RunningDevBackend;
use synapse_tests::dev_backend::{self, dev, quick, start as backend};

const MEDIA: &str = "GET /media/{*key}";

async fn seed(backend: &RunningDevBackend) -> u64 {
    let body = json!({"seed": 9, "classes": ["car", "person"], "splits": {"train": 5, "validation": 2}, "width": 24, "height": 16});
    let seeded = dev(backend, reqwest::Method::POST, "_dev/seed/gt_dataset", Some(body)).await;
    seeded["ground_truth_dataset_version"].as_u64().expect("a version")
}

fn context(backend: Option<&RunningDevBackend>) -> (Context, Arc<MemorySink>) {
    let memory = Arc::new(MemorySink::new());
    let ctx = Context::builder("dataset")
        .backend(backend.map(|backend| dev_backend::client_of(backend.url(), quick(3, 5, 20))))
        .env(PluginEnvironment::from_vars([("UNUSED", "")], ""))
        .sink(memory.clone())
        .build();
    (ctx, memory)
}

fn params(value: Value) -> DatasetParams {
    DatasetParams::parse(value).expect("params")
}

#[tokio::test]
async fn a_download_converts_to_yolo_once_and_finds_it_again() {
    let backend = backend().await;
    let version = seed(&backend).await;
    let dir = tempfile::tempdir().expect("a directory");
    let (ctx, _) = context(Some(&backend));
    // The download goes to an explicit directory (no cache); the conversion beside it.
    let asked = json!({"dataset": version, "splits": ["train", "valid"], "target_format": "yolo", "output_dir": dir.path().join("yolo")});
    let first = params(json!({"dataset": version, "splits": ["train", "valid"], "output_dir": dir.path().join("dm")}));
    let downloaded = run_dataset(&ctx, &first).await.expect("downloaded");
    assert_eq!((downloaded.format.as_str(), downloaded.images), ("dm_v2", 7));
    assert_eq!(downloaded.images_by_split, [("train".to_owned(), 5), ("valid".to_owned(), 2)].into_iter().collect());

    let convert = params(json!({"operation": "convert", "path": downloaded.path, "target_format": "yolo"}));
    let converted = run_dataset(&ctx, &convert).await.expect("converted");
    let yolo_dir = dir.path().join("dm/converted/yolo");
    assert_eq!(Path::new(&converted.path), yolo_dir);
    assert_eq!(converted.source_path.as_deref(), Some(downloaded.path.as_str()));
    assert_eq!((converted.format.as_str(), converted.images, converted.from_cache), ("yolo", 7, false));
    let yaml = std::fs::read_to_string(yolo_dir.join("dataset.yaml")).expect("dataset.yaml");
    assert!(
        yaml.starts_with(&format!("path: {}\n", yolo_dir.display())),
        "the final directory, not the temporary one: {yaml}"
    );
    assert_eq!(converted.data_path, yolo_dir.join("dataset.yaml").to_string_lossy());
    let yolo = synapse::formats::yolo::read_dir(&yolo_dir.join("dataset.yaml")).expect("Ultralytics layout");
    assert_eq!(yolo.images.len(), 7);

    let again = run_dataset(&ctx, &convert).await.expect("found");
    assert!(again.from_cache);
    assert_eq!((again.images, again.config_path), (7, converted.config_path));

    // Download and convert in one run, into an explicit directory: the download is cached.
    let cache = tempfile::tempdir().expect("a directory");
    let env =
        PluginEnvironment::from_vars([("SYNAPSE_DATASET_CACHE", cache.path().to_string_lossy().into_owned())], "");
    let both = params(asked);
    let ctx = Context::builder("dataset")
        .backend(Some(dev_backend::client_of(backend.url(), quick(3, 5, 20))))
        .env(env)
        .build();
    let result = run_dataset(&ctx, &both).await.expect("downloaded and converted");
    assert_eq!((Path::new(&result.path), result.format.as_str()), (dir.path().join("yolo").as_path(), "yolo"));
    assert!(dir.path().join("yolo/.complete").is_file());
    let cached = Path::new(result.source_path.as_deref().expect("the download"));
    assert!(cached.starts_with(cache.path()) && cached.join(".complete").is_file(), "{cached:?}");

    // Run again: the download is found in the cache, nothing is fetched.
    let before = dev_backend::requests(&backend, MEDIA).await;
    let again = run_dataset(&ctx, &both).await.expect("again");
    assert_eq!((again.images, dev_backend::requests(&backend, MEDIA).await), (7, before));
}

/// A 20×10 PNG at `path`.
fn png(path: &Path) {
    image::RgbImage::from_pixel(20, 10, image::Rgb([40, 40, 40])).save(path).expect("a PNG");
}

#[tokio::test]
async fn boxes_outside_their_image_are_clipped_or_dropped_and_reported() {
    let dir = tempfile::tempdir().expect("a directory");
    png(&dir.path().join("a.png"));
    let boxes = vec![
        BoxAnnotation { id: Some("in".into()), class: "car".into(), bbox: [2.0, 2.0, 5.0, 5.0] },
        BoxAnnotation { id: Some("over".into()), class: "car".into(), bbox: [15.0, 5.0, 10.0, 10.0] },
        BoxAnnotation { id: Some("out".into()), class: "person".into(), bbox: [30.0, 30.0, 4.0, 4.0] },
    ];
    let image = ImageEntry {
        file_name: "a.png".into(),
        width: 20,
        height: 10,
        split: Some(Split::Train),
        boxes,
        source: Some(dir.path().join("a.png")),
    };
    let source = dir.path().join("dm");
    synapse::formats::dm::write_dir(&Dataset { images: vec![image] }, &source).expect("a DM dataset");

    let (ctx, memory) = context(None);
    let convert = params(json!({"operation": "convert", "path": source, "target_format": "coco"}));
    let result = run_dataset(&ctx, &convert).await.expect("converted");
    assert_eq!((result.boxes_clipped, result.boxes_dropped, result.images), (1, 1, 1));
    let events = memory.events();
    let converted = events.iter().find_map(|event| match &event.kind {
        EventKind::Log { event: name, data, .. } if name == "dataset_converted" => Some(data.clone()),
        _ => None,
    });
    let converted = converted.expect("a dataset_converted event");
    assert_eq!((converted["boxes_written"].clone(), converted["degenerate_dropped"].clone()), (json!(2), json!(1)));
    let warned = events.iter().any(|event| {
        matches!(&event.kind, EventKind::LogLine { message, .. } if message.contains("box dropped") && message.contains("a.png"))
    });
    assert!(warned, "the dropped box is named");
    let told = events.iter().any(|event| {
        matches!(&event.kind, EventKind::Message { level: LogLevel::Warning, text, .. } if text.starts_with("converted to coco: 1 images, 2 boxes written, 1 clipped, 1 degenerate dropped"))
    });
    assert!(told, "the user is told");
}

#[tokio::test]
async fn each_operation_says_which_param_it_needs() {
    let (ctx, _) = context(None);
    let error = run_dataset(&ctx, &params(json!({"operation": "convert", "target_format": "yolo"}))).await.unwrap_err();
    assert_eq!(error.to_string(), "`path` is required to convert: the dataset's directory");
    let error = run_dataset(&ctx, &params(json!({"operation": "convert", "path": "/nowhere"}))).await.unwrap_err();
    assert_eq!(error.to_string(), "`target_format` is required to convert: yolo, coco, pascal, or a registered format");
    let error = run_dataset(&ctx, &params(json!({}))).await.unwrap_err();
    assert_eq!(error.to_string(), "`dataset` is required to download: the ground-truth dataset version's id");
    let error =
        run_dataset(&ctx, &params(json!({"operation": "convert", "path": "/nowhere", "target_format": "yolo"})))
            .await
            .unwrap_err();
    assert_eq!(error.to_string(), "/nowhere: does not exist");
    assert_eq!(params(json!({})).operation, DatasetOperation::Download);
}
