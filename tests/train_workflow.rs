//! The train base (`synapse::train`) against the dev backend: a train action downloads a seeded
//! ground-truth dataset, converts it to YOLO, trains, and registers its model with the
//! hyperparameters; a checkpoint is downloaded once and named as the parent; the author's steps
//! join the workflow; and each bad input: no data, a checkpoint that is not a zip, a target format
//! nobody registered, a wrong hyperparameter in the platform's list.

use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use synapse::EventKind;
use synapse::backend::{BackendClient, ChunkedUploadOptions, ModelCreate};
use synapse::events::sink::MemorySink;
use synapse::prelude::*;
use synapse::steps::{StepCx, StepRegistry};
use synapse::train::{TrainAction, TrainParams, TrainResult, TrainRun, TrainState, TrainedModel};
use synapse::types::{ModelWeights, YoloDataset};
use synapse::{Action, PluginEnvironment};
use synapse_dev_backend::RunningDevBackend;
use synapse_tests::dev_backend::{self, dev, quick, start as backend};

const MEDIA: &str = "GET /media/{*key}";

/// How the counting model trains.
#[params]
#[derive(Debug, Clone)]
pub struct Hyper {
    /// Passes over the data.
    #[param(default = 2, range(min = 1, max = 50))]
    pub epochs: u32,
}

/// "Trains" a model that counts the boxes of each class in a YOLO dataset: real files in, a real
/// model directory out.
#[action(name = "count_boxes", category = NeuralNet, input_type = YoloDataset, output_type = ModelWeights)]
pub struct CountBoxes;

impl TrainAction for CountBoxes {
    type Params = Hyper;
    const TARGET_FORMAT: Option<&'static str> = Some("yolo");

    async fn train(&self, run: TrainRun<'_, Hyper>, ctx: &Context) -> Result<TrainedModel> {
        count(run, ctx)
    }
}

fn count(run: TrainRun<'_, Hyper>, ctx: &Context) -> Result<TrainedModel> {
    let yolo = synapse::formats::yolo::read_dir(run.data_path)?;
    let boxes: usize = yolo.images.iter().map(|image| image.labels.len()).sum();
    for epoch in 1..=run.params.epochs {
        ctx.set_metrics(synapse::metrics! { epoch: epoch, boxes: boxes }, "train");
        ctx.set_progress(epoch.into(), run.params.epochs.into());
    }
    std::fs::write(run.model_dir.join("counts.json"), json!({ "boxes": boxes, "names": yolo.names }).to_string())?;
    if let Some(checkpoint) = run.checkpoint {
        let parent = std::fs::read_to_string(checkpoint.path.join("counts.json"))?;
        std::fs::write(run.model_dir.join("parent.json"), parent)?;
    }
    Ok(TrainedModel::new().metric("boxes", boxes))
}

/// A target format no converter is registered for.
#[action(name = "count_tfrecords", category = NeuralNet)]
pub struct CountTfRecords;

impl TrainAction for CountTfRecords {
    type Params = Hyper;
    const TARGET_FORMAT: Option<&'static str> = Some("tfrecord");

    async fn train(&self, _: TrainRun<'_, Hyper>, _: &Context) -> Result<TrainedModel> {
        bail!("never reached")
    }
}

/// An evaluation step the author inserts after `train`.
#[step(weight = 0.1)]
pub struct Evaluate;

impl synapse::steps::Step<TrainState<Hyper>> for Evaluate {
    type Undo = ();
    async fn execute(&self, cx: &mut StepCx<'_, TrainState<Hyper>>, _: &mut ()) -> Result<()> {
        let boxes = cx.trained.as_ref().and_then(|trained| trained.metrics.get("boxes").cloned());
        cx.set_metrics(synapse::metrics! { boxes: boxes }, "test");
        Ok(())
    }
}

/// Counts, then evaluates, and keeps its model on the machine.
#[action(name = "count_and_evaluate", category = NeuralNet)]
pub struct CountAndEvaluate;

impl TrainAction for CountAndEvaluate {
    type Params = Hyper;
    const TARGET_FORMAT: Option<&'static str> = Some("yolo");

    async fn train(&self, run: TrainRun<'_, Hyper>, ctx: &Context) -> Result<TrainedModel> {
        count(run, ctx)
    }

    fn steps(&self, steps: &mut StepRegistry<TrainState<Hyper>>) -> Result<()> {
        steps.insert_after("train", Evaluate)?;
        steps.remove("model_upload")?;
        Ok(())
    }
}

fn client_of(backend: &RunningDevBackend) -> BackendClient {
    dev_backend::client_of(backend.url(), quick(3, 5, 20))
}

/// Seeds 8 train and 4 validation images of 3 classes; the seed's answer.
async fn seed(backend: &RunningDevBackend) -> Value {
    let splits = json!({"train": 8, "validation": 4});
    let body = json!({"seed": 5, "classes": ["car", "person", "tree"], "splits": splits, "width": 32, "height": 24});
    dev(backend, reqwest::Method::POST, "_dev/seed/gt_dataset", Some(body)).await
}

/// A run's context: the backend (when given), every event kept, the caches in `caches`.
fn context(backend: Option<&RunningDevBackend>, caches: &Path) -> (Context, Arc<MemorySink>) {
    let memory = Arc::new(MemorySink::new());
    let env = PluginEnvironment::from_vars(
        [
            ("SYNAPSE_DATASET_CACHE", caches.join("datasets").to_string_lossy().into_owned()),
            ("SYNAPSE_MODEL_CACHE", caches.join("models").to_string_lossy().into_owned()),
        ],
        "",
    );
    let ctx = Context::builder("count_boxes").backend(backend.map(client_of)).env(env).sink(memory.clone()).build();
    (ctx, memory)
}

async fn train<A: Action<Params = TrainParams<Hyper>, Output = TrainResult>>(
    action: A,
    ctx: &Context,
    params: Value,
) -> Result<TrainResult> {
    let params =
        TrainParams::<Hyper>::parse(params).map_err(|violations| synapse::Error::msg(violations.to_string()))?;
    action.execute(params, ctx).await
}

fn planned(memory: &MemorySink) -> Vec<(String, f64)> {
    memory
        .events()
        .iter()
        .find_map(|event| match &event.kind {
            EventKind::WorkflowStarted { steps, .. } => {
                Some(steps.iter().map(|step| (step.name.clone(), (step.weight * 100.0).round() / 100.0)).collect())
            }
            _ => None,
        })
        .unwrap_or_default()
}

async fn model_of(backend: &RunningDevBackend, id: u64) -> Value {
    let state = dev_backend::state(backend).await;
    state["models"].as_array().into_iter().flatten().find(|model| model["id"] == id).cloned().unwrap_or(Value::Null)
}

#[tokio::test]
async fn a_train_action_downloads_converts_trains_and_registers_its_model() {
    let backend = backend().await;
    let seeded = seed(&backend).await;
    let boxes = seeded["boxes"].as_array().expect("boxes").len();
    let caches = tempfile::tempdir().expect("a directory");
    let (ctx, memory) = context(Some(&backend), caches.path());
    let params = json!({
        "dataset": seeded["ground_truth_dataset_version"], "splits": ["train", "valid"], "name": "counter",
        "description": "counts boxes", "hyperparameters": [{"epochs": 4}],
    });
    let result = train(CountBoxes, &ctx, params).await.expect("trained");

    assert_eq!(
        planned(&memory),
        [
            ("dataset".to_owned(), 0.15),
            ("convert".to_owned(), 0.05),
            ("train".to_owned(), 0.75),
            ("model_upload".to_owned(), 0.05)
        ]
    );
    assert!(
        result.data_path.as_deref().is_some_and(|path| path.ends_with("converted/yolo/dataset.yaml")),
        "{result:?}"
    );
    assert_eq!(result.metrics["boxes"], boxes);
    let id = result.model_id.expect("a model registered");
    let model = model_of(&backend, id).await;
    assert!(
        model["name"].as_str().is_some_and(|name| name.starts_with("counter_") && name.len() == "counter_".len() + 8)
    );
    assert_eq!(model["configuration"], json!({"hyperparameter": {"epochs": 4}}));
    assert_eq!(model["description"], "counts boxes");
    assert!(model["plugin"].is_string() && model["version"].is_string(), "{model}");
    assert_eq!(model["checkpoint"], Value::Null);

    // The registered file is the model directory, zipped.
    let client = client_of(&backend);
    let registered = client.get_model(id).await.expect("the model");
    let out = tempfile::tempdir().expect("a directory");
    client.download_model_file(&registered, out.path().join("model.zip")).await.expect("its file");
    synapse::train::extract_zip(&out.path().join("model.zip"), &out.path().join("model")).expect("a zip");
    let counts: Value =
        serde_json::from_slice(&std::fs::read(out.path().join("model/counts.json")).expect("counts")).expect("JSON");
    assert_eq!(counts, json!({"boxes": boxes, "names": ["car", "person", "tree"]}));
}

#[tokio::test]
async fn a_checkpoint_is_downloaded_once_and_named_as_the_parent() {
    let backend = backend().await;
    let seeded = seed(&backend).await;
    let caches = tempfile::tempdir().expect("a directory");
    let version = seeded["ground_truth_dataset_version"].clone();
    let (ctx, _) = context(Some(&backend), caches.path());
    let first = train(CountBoxes, &ctx, json!({"dataset": version})).await.expect("trained");
    let parent = first.model_id.expect("a model");

    let (ctx, _) = context(Some(&backend), caches.path());
    let second = train(CountBoxes, &ctx, json!({"dataset": version, "checkpoint": parent})).await.expect("fine-tuned");
    assert_eq!(second.checkpoint, Some(parent));
    let child = model_of(&backend, second.model_id.expect("a model")).await;
    assert_eq!(child["checkpoint"], parent);
    let copied =
        std::fs::read_to_string(Path::new(&second.model_path).join("parent.json")).expect("the parent's counts");
    assert!(copied.contains("\"boxes\""), "{copied}");

    // A third run finds the dataset and the checkpoint in their caches: no file is fetched.
    let before = dev_backend::requests(&backend, MEDIA).await;
    let (ctx, _) = context(Some(&backend), caches.path());
    train(CountBoxes, &ctx, json!({"dataset": version, "checkpoint": parent})).await.expect("fine-tuned again");
    assert_eq!(dev_backend::requests(&backend, MEDIA).await, before);
    let models: Vec<_> = std::fs::read_dir(caches.path().join("models")).expect("the model cache").flatten().collect();
    assert_eq!(models.len(), 1, "one extracted checkpoint");
}

#[tokio::test]
async fn a_checkpoint_whose_file_is_not_a_zip_is_refused_before_training() {
    let backend = backend().await;
    let seeded = seed(&backend).await;
    let client = client_of(&backend);
    let dir = tempfile::tempdir().expect("a directory");
    let weights = dir.path().join("weights.json");
    std::fs::write(&weights, b"{\"weights\": [1, 2, 3]}").expect("written");
    let model = client
        .create_model_from_file(&weights, ModelCreate::new("not-a-zip"), &ChunkedUploadOptions::default())
        .await
        .expect("a model");
    let (ctx, _) = context(Some(&backend), dir.path());
    let error =
        train(CountBoxes, &ctx, json!({"dataset": seeded["ground_truth_dataset_version"], "checkpoint": model.id}))
            .await
            .expect_err("not a zip");
    let text = format!("{error:#}");
    assert!(text.contains("step `train` failed"), "{text}");
    assert!(
        text.contains(&format!(
            "checkpoint model {}: its file is not a zip archive (starts with `{{\"weights\": `)",
            model.id
        )),
        "{text}"
    );
}

#[tokio::test]
async fn a_target_format_nobody_registered_fails_before_the_download_naming_the_registered_ones() {
    let backend = backend().await;
    let seeded = seed(&backend).await;
    let caches = tempfile::tempdir().expect("a directory");
    let (ctx, _) = context(Some(&backend), caches.path());
    let error = train(CountTfRecords, &ctx, json!({"dataset": seeded["ground_truth_dataset_version"]}))
        .await
        .expect_err("no converter");
    let text = format!("{error:#}");
    assert!(
        text.starts_with(
            "this train action's TARGET_FORMAT is `tfrecord`: no converter from dm_v2 to tfrecord; registered: "
        ),
        "{text}"
    );
    assert!(text.contains("dm_v2 → yolo"), "{text}");
    assert_eq!(dev_backend::requests(&backend, MEDIA).await, 0, "known before anything is downloaded");
}

#[tokio::test]
async fn without_a_dataset_or_a_data_path_nothing_runs() {
    let caches = tempfile::tempdir().expect("a directory");
    let (ctx, _) = context(None, caches.path());
    let error = train(CountBoxes, &ctx, json!({"epochs": 1})).await.expect_err("no data");
    let text = format!("{error:#}");
    assert_eq!(
        text,
        "  - $.dataset: is required unless `data_path` is given: the ground-truth dataset version to train on"
    );
    // Params built in code skip that check: the `dataset` step says it.
    let params =
        TrainParams { base: synapse::train::TrainBase::parse(json!({})).expect("base"), params: Hyper { epochs: 1 } };
    let error = CountBoxes.execute(params, &ctx).await.expect_err("no data");
    let text = format!("{error:#}");
    assert!(text.contains("step `dataset` failed: no data to train on: give `dataset`"), "{text}");
}

#[tokio::test]
async fn the_authors_steps_join_and_data_on_disk_skips_the_download() {
    let backend = backend().await;
    let seeded = seed(&backend).await;
    let caches = tempfile::tempdir().expect("a directory");
    let (ctx, _) = context(Some(&backend), caches.path());
    let first =
        train(CountBoxes, &ctx, json!({"dataset": seeded["ground_truth_dataset_version"]})).await.expect("trained");
    let data_path = first.data_path.expect("a data path");

    // No backend at all: the data is on disk and the model stays on the machine.
    let (ctx, memory) = context(None, caches.path());
    let result = train(CountAndEvaluate, &ctx, json!({"data_path": data_path})).await.expect("trained");
    let names: Vec<String> = planned(&memory).into_iter().map(|(name, _)| name).collect();
    assert_eq!(names, ["dataset", "convert", "train", "evaluate"]);
    assert_eq!(result.model_id, None);
    assert!(Path::new(&result.model_path).join("counts.json").is_file());
    let skipped: Vec<_> = memory
        .events()
        .iter()
        .filter(|event| matches!(event.kind, EventKind::StepSkipped {}))
        .filter_map(|event| event.step.clone())
        .collect();
    assert_eq!(skipped, ["dataset", "convert"]);
    let tested = memory.events().iter().any(|event| {
        matches!(&event.kind, EventKind::Metrics { category, values } if category == "test" && values["boxes"] == first.metrics["boxes"])
    });
    assert!(tested, "the inserted step saw what `train` returned");
}

#[tokio::test]
async fn a_base_checkpoint_from_the_runs_environment_is_handed_to_train() {
    let backend = backend().await;
    let seeded = seed(&backend).await;
    let caches = tempfile::tempdir().expect("a directory");
    let base = caches.path().join("base");
    std::fs::create_dir(&base).expect("a directory");
    std::fs::write(base.join("counts.json"), "{\"boxes\": 1}").expect("written");
    let run = |checkpoint: &Path| {
        let env = PluginEnvironment::from_vars(
            [
                ("SYNAPSE_DATASET_CACHE", caches.path().join("datasets").to_string_lossy().into_owned()),
                ("SYNAPSE_BASE_CHECKPOINT", checkpoint.to_string_lossy().into_owned()),
            ],
            "",
        );
        Context::builder("count_boxes").backend(Some(client_of(&backend))).env(env).build()
    };
    let params = json!({"dataset": seeded["ground_truth_dataset_version"]});
    let result = train(CountBoxes, &run(&base), params.clone()).await.expect("trained");
    let copied = std::fs::read_to_string(Path::new(&result.model_path).join("parent.json")).expect("the base's counts");
    assert_eq!(copied, "{\"boxes\": 1}");
    assert_eq!(result.checkpoint, None, "a base checkpoint is no model of the backend");

    let error = train(CountBoxes, &run(&caches.path().join("gone")), params).await.expect_err("no such base");
    let text = format!("{error:#}");
    assert!(
        text.contains(&format!(
            "base checkpoint {} (SYNAPSE_BASE_CHECKPOINT): does not exist",
            caches.path().join("gone").display()
        )),
        "{text}"
    );
}

#[test]
fn a_wrong_hyperparameter_in_the_platforms_list_is_refused_at_its_place() {
    let descriptor = synapse::registry::registry().expect("a registry").action("count_boxes").expect("the action");
    let error =
        descriptor.validate_params(&json!({"dataset": 1, "hyperparameters": [{"epochs": "many"}]})).unwrap_err();
    let paths: Vec<&str> = error.violations.iter().map(|violation| violation.path.as_str()).collect();
    assert_eq!(paths, ["$.hyperparameters[0].epochs"]);
    assert!(descriptor.validate_params(&json!({"dataset": 1, "hyperparameters": [{"epochs": 3}]})).is_ok());
    let schema = descriptor.params_schema();
    for field in ["dataset", "splits", "checkpoint", "hyperparameters", "epochs", "data_path"] {
        assert!(schema["properties"][field].is_object(), "{field} is published");
    }
}
