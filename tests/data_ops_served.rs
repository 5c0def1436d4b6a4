//! Pre-annotation through a serve application (`pre_processor` a plugin release, as the SDK's
//! is): the data_ops example's box finder served by a replica (`data_ops serve`, models from the
//! dev backend), its serve application registered for the release's plugin, and `pre_annotate`
//! asking it for each task with the SDK's signed model token: the boxes found equal the seeded
//! ones, the model loaded once. And each way it is refused: no `model`; another plugin's
//! release with no application running (listing what was seen), or one whose replicas do not
//! answer; this plugin's, whose replica is gone and which cannot be deployed again here (both
//! named); a deployment whose input is not what pre-annotation sends (a 422, the run stopped at
//! the first task).

use serde_json::{Value, json};
use synapse::backend::{JobId, NewServeApplication, PluginRun};
use synapse::to_task::{DefaultAnnotator, PreProcessor, ToTaskError, ToTaskParams, run_to_task};
use synapse_dev_backend::RunningDevBackend;
use synapse_tests::dev_backend::{TOKEN, client_of, dev, quick, run_plugin, start};
use synapse_tests::serve::{Replica, write_model};
use synapse_tests::to_task::{box_pairs, context, expected, seed_project, stored, task_ids, without_ids};

const DATA_OPS: &str = env!("CARGO_BIN_EXE_data-ops-plugin");
const MODELS: &str = env!("CARGO_BIN_EXE_models-plugin");
const NO_ENV: &[(&str, &str)] = &[];

/// Registers on `backend` a box finder model with the seeded classes' colours; its id.
async fn box_model(backend: &RunningDevBackend) -> u64 {
    let work = tempfile::tempdir().expect("a scratch directory");
    let classes = json!({"class_names": ["car", "person"], "colors": [[230, 25, 75], [60, 180, 75]]});
    write_model(work.path(), 1, &classes);
    let archive = work.path().join("model.zip");
    synapse::train::zip_dir(&work.path().join("1"), &archive).expect("the model's zip");
    let client = client_of(backend.url(), quick(2, 10, 50));
    let model = synapse::backend::ModelCreate::new("box finder");
    client.create_model_from_file(&archive, model, &Default::default()).await.expect("the model registered").id
}

/// A release of plugin `code`, and a `RUNNING` serve application of it whose replicas are
/// `addrs` (registered for a job of that plugin, as its deployment action would); the release's
/// id.
async fn release_serving(backend: &RunningDevBackend, code: &str, addrs: &[String]) -> u64 {
    let body = json!({"code": code, "version": "0.1.0"});
    let release = dev(backend, reqwest::Method::POST, "_dev/seed/plugin_release", Some(body)).await;
    let client = client_of(backend.url(), quick(2, 10, 50));
    let job = client.run_plugin(code, &PluginRun::new("deployment")).await.expect("a deployment job")["job_id"]
        .as_u64()
        .expect("its id");
    let replicas: Vec<Value> = addrs.iter().map(|addr| json!({"job": "replica", "addr": addr})).collect();
    let data = json!({"name": format!("{code}@0.1.0"), "replicas": replicas});
    let application =
        NewServeApplication { job: JobId::from(job), status: Some("RUNNING".to_owned()), data: Some(data) };
    client.create_serve_application(&application).await.expect("registered");
    release["id"].as_u64().expect("the release's id")
}

fn inference_params(project: &Value, release: u64, model: Option<u64>) -> ToTaskParams {
    let mut params = synapse::params::Params::parse(json!({
        "name": "served boxes", "project": project, "method": "inference", "pre_processor": release,
    }))
    .expect("params");
    let ToTaskParams { model: ref mut chosen, .. } = params;
    *chosen = model;
    params
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pre_annotate_asks_the_releases_serve_application_for_each_task() {
    let backend = start().await;
    let seeded = seed_project(&backend, 4, false, &[]).await;
    let model = box_model(&backend).await;
    let cache = tempfile::tempdir().expect("a model cache");
    let replica = Replica::start(
        DATA_OPS,
        &["--signed-only"],
        &[
            ("SYNAPSE_HOST", backend.url()),
            ("SYNAPSE_ACCESS_TOKEN", TOKEN),
            ("SYNAPSE_MODEL_CACHE", &cache.path().to_string_lossy()),
        ],
    );
    let release = release_serving(&backend, "data_ops", &[replica.addr.to_string()]).await;
    let params = json!({
        "name": "served boxes", "project": seeded["project"], "method": "inference", "pre_processor": release,
        "model": model,
    })
    .to_string();
    let (result, stderr) = run_plugin(DATA_OPS, &backend, &["run", "pre_annotate", "--params", &params], NO_ENV).await;
    assert_eq!((result["success_count"].clone(), result["failed_count"].clone()), (json!(4), json!(0)), "{stderr}");
    for task in task_ids(&seeded) {
        let found = without_ids(stored(&backend, task).await);
        assert_eq!(box_pairs(&found), box_pairs(&expected(&seeded, task)), "task {task}");
    }
    // The replica holds the model, loaded once for the four tasks (each asked with a signed token:
    // the replica takes no plain id).
    let held = replica.models().await;
    assert_eq!(held["models"], json!([model]), "{held}");
    assert_eq!(held["stats"]["loads"], 1, "{held}");
    assert!(stderr.contains("data_ops@0.1.0"), "the application is named: {stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_release_without_a_serve_application_it_can_reach_is_refused_naming_what_was_seen() {
    let backend = start().await;
    let seeded = seed_project(&backend, 2, false, &[]).await;
    let (ctx, _) = context(&backend, "pre_annotate");

    // Another plugin's release, nothing running: this run cannot deploy it.
    let body = json!({"code": "detector", "version": "1.0.0"});
    let other = dev(&backend, reqwest::Method::POST, "_dev/seed/plugin_release", Some(body)).await["id"]
        .as_u64()
        .expect("the release");
    let error =
        run_to_task(&ctx, inference_params(&seeded["project"], other, Some(1)), &DefaultAnnotator).await.unwrap_err();
    let ToTaskError::NoServeApplication { release, plugin, seen, .. } = &error else { panic!("{error}") };
    assert_eq!((*release, plugin.as_str(), seen.len()), (other, "detector", 0), "{error}");
    assert!(error.to_string().contains("run its `deployment` action"), "{error}");

    // A RUNNING application whose replica is gone.
    let gone = release_serving(&backend, "stale", &["127.0.0.1:9".to_owned()]).await;
    let error =
        run_to_task(&ctx, inference_params(&seeded["project"], gone, Some(1)), &DefaultAnnotator).await.unwrap_err();
    let ToTaskError::NoServeApplication { seen, .. } = &error else { panic!("{error}") };
    assert!(seen[0].ends_with("(stale@0.1.0): no replica answers (127.0.0.1:9)"), "{error}");

    // No model: refused before the release is read.
    let error =
        run_to_task(&ctx, inference_params(&seeded["project"], gone, None), &DefaultAnnotator).await.unwrap_err();
    assert!(error.to_string().starts_with("`model` is required with plugin release"), "{error}");
    let state = synapse_tests::dev_backend::state(&backend).await;
    assert_eq!(state["requests"].get("GET /sdk/tasks/"), None, "no task was listed: {}", state["requests"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn this_plugins_application_whose_replica_is_gone_is_deployed_again_and_the_failure_names_both() {
    let backend = start().await;
    let seeded = seed_project(&backend, 1, false, &[]).await;
    let release = release_serving(&backend, "data_ops", &["127.0.0.1:9".to_owned()]).await;
    let params = json!({
        "name": "served", "project": seeded["project"], "method": "inference", "pre_processor": release, "model": 1,
    })
    .to_string();
    // Without a Ray address the deployment cannot start replicas.
    let ran = tokio::process::Command::new(DATA_OPS)
        .args(["run", "pre_annotate", "--params", &params])
        .env("SYNAPSE_HOST", backend.url())
        .env("SYNAPSE_ACCESS_TOKEN", TOKEN)
        .env_remove("SYNAPSE_RAY_ADDRESS")
        .env_remove("SYNAPSE_JOB_ID")
        .output()
        .await
        .expect("the plugin ran");
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert!(!ran.status.success(), "{stderr}");
    assert!(
        stderr.contains("(data_ops@0.1.0): no replica answers (127.0.0.1:9)"),
        "the dead replica is named: {stderr}"
    );
    assert!(stderr.contains("could not be deployed") && stderr.contains("SYNAPSE_RAY_ADDRESS"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_taking_another_input_stops_the_run_at_its_first_refusal() {
    let backend = start().await;
    let seeded = seed_project(&backend, 6, false, &[]).await;
    let models = tempfile::tempdir().expect("models");
    write_model(models.path(), 1, &json!({"scale": 1.0}));
    let replica = Replica::of_dir(MODELS, models.path(), &[]);
    let release = release_serving(&backend, "sums", &[replica.addr.to_string()]).await;
    let (ctx, _) = context(&backend, "pre_annotate");
    let mut params = inference_params(&seeded["project"], release, Some(1));
    params.concurrency = Some(4);
    assert_eq!(params.pre_processor, Some(PreProcessor::Release(release)));
    let error = run_to_task(&ctx, params, &DefaultAnnotator).await.unwrap_err();
    let ToTaskError::ServedParams { application, violations, .. } = &error else { panic!("{error}") };
    assert_eq!(application, "sums@0.1.0");
    assert!(violations.iter().any(|violation| violation.path == "$.values"), "{error}");
    let state = synapse_tests::dev_backend::state(&backend).await;
    assert_eq!(state["requests"]["GET /tasks/{id}/"], 1, "one task was read: {}", state["requests"]);
}
