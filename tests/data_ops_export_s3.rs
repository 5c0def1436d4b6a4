//! The data_ops plugin's `export_coco` into an S3 bucket (moto_server, `scripts/moto.sh run`,
//! the S3 phase of scripts/test.sh): the dev backend lists the bucket as storage 2 (`amazon_s3`),
//! the export writes its labels, images and `annotations.json` there, and a failed save leaves
//! nothing in the bucket.

use data_ops::export::{COCO_FILE, CocoExporter};
use serde_json::{Value, json};
use std::sync::Arc;
use synapse::export::{ExportDir, ExportError, ExportItem, ExportParams, Exporter, run_export};
use synapse::formats::coco::CocoInstances;
use synapse::prelude::*;
use synapse_dev_backend::RunningDevBackend;
use synapse_tests::dev_backend::{self, dev, quick};
use synapse_tests::require_s3;
use synapse_tests::s3::backend_with_bucket;

async fn seed(backend: &RunningDevBackend) -> Value {
    let body = json!({"seed": 11, "classes": ["person", "car"], "splits": {"train": 4, "validation": 2}, "width": 40, "height": 30});
    dev(backend, reqwest::Method::POST, "_dev/seed/gt_dataset", Some(body)).await
}

fn context(backend: &RunningDevBackend) -> Context {
    Context::builder("export_coco").backend(Some(dev_backend::client_of(backend.url(), quick(2, 5, 20)))).build()
}

fn params(version: u64, name: &str) -> ExportParams {
    ExportParams::ground_truth(name, 2, "exports", version)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ground_truth_exports_to_coco_in_a_bucket() {
    let server = require_s3!();
    let (backend, bucket) = backend_with_bucket(&server, "export").await;
    let seeded = seed(&backend).await;
    let version = seeded["ground_truth_dataset_version"].as_u64().unwrap();
    let result =
        run_export(&context(&backend), params(version, "s3"), &CocoExporter::default()).await.expect("exported");
    assert_eq!((result.exported_count, result.failed_count, result.original_files.success), (6, 0, 6));
    assert!(result.output_path.starts_with("s3://export-"), "{}", result.output_path);
    assert!(result.output_path.ends_with(&result.storage_key), "{}", result.output_path);

    let keys: Vec<String> = bucket.list(&result.storage_key).await.unwrap().into_iter().map(|o| o.key).collect();
    let under = |dir: &str| keys.iter().filter(|k| k.starts_with(&format!("{}/{dir}/", result.storage_key))).count();
    assert_eq!((under("labels"), under("origin_files")), (6, 6), "{keys:?}");
    let coco: CocoInstances =
        serde_json::from_slice(&bucket.get_bytes(&format!("{}/{COCO_FILE}", result.storage_key)).await.unwrap())
            .expect("COCO");
    let names: Vec<String> = seeded["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned())
        .collect();
    assert_eq!(coco.images.iter().map(|i| i.file_name.clone()).collect::<Vec<_>>(), names);
    assert!(coco.images.iter().all(|i| (i.width, i.height) == (40, 30)));
    assert_eq!(coco.categories.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["car", "person"]);
    let boxes = seeded["boxes"].as_array().unwrap();
    assert_eq!(coco.annotations.len(), boxes.len());
    for (annotation, truth) in coco.annotations.iter().zip(boxes) {
        let bbox = ["x", "y", "width", "height"].map(|k| truth[k].as_f64().unwrap());
        assert_eq!((annotation.bbox, annotation.area), (bbox, bbox[2] * bbox[3]));
    }
}

/// The COCO exporter, whose aggregate file cannot be written.
#[derive(Clone)]
struct BrokenAggregate(CocoExporter);

impl Exporter for BrokenAggregate {
    fn convert_data(&self, item: ExportItem) -> Result<ExportItem> {
        self.0.convert_data(item)
    }

    async fn additional_files(&self, _: &ExportDir) -> Result<()> {
        bail!("the COCO file cannot be written")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_save_leaves_nothing_in_the_bucket() {
    let server = require_s3!();
    let (backend, bucket) = backend_with_bucket(&server, "export").await;
    let seeded = seed(&backend).await;
    let version = seeded["ground_truth_dataset_version"].as_u64().unwrap();
    let exporter = Arc::new(BrokenAggregate(CocoExporter::default()));
    let error = run_export(&context(&backend), params(version, "broken"), exporter.as_ref()).await.unwrap_err();
    assert!(matches!(error.step_cause(), Some(ExportError::AdditionalFiles { .. })), "{error}");
    let ExportError::Workflow(workflow) = &error else { panic!("{error}") };
    assert!(workflow.fully_rolled_back(), "{error}");
    assert_eq!(bucket.list("exports").await.unwrap(), Vec::new(), "the export's objects are removed");
}
