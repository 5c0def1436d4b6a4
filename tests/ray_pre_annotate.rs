//! Pre-annotation through the data_ops example's serve application on a real Ray head, as the
//! SDK's `ToTaskAction` does it: with the plugin's own release as `pre_processor` and nothing
//! running, `pre_annotate` runs the plugin's `deployment` action (a replica started on Ray,
//! the serve application registered for the run's job) and asks it for each task; a second run
//! finds the application running and starts nothing. `undeploy` stops the replica.

use serde_json::json;
use synapse::backend::PluginRun;
use synapse::executor::ray::RayJobsClient;
use synapse::serve::running_replica_jobs;
use synapse_tests::dev_backend::{self, client_of, dev, quick};
use synapse_tests::require_ray;
use synapse_tests::serve::write_model;
use synapse_tests::to_task::{box_pairs, expected, seed_project, stored, task_ids, without_ids};

const DATA_OPS: &str = env!("CARGO_BIN_EXE_data-ops-plugin");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ray_pre_annotate_deploys_the_serve_application_it_needs_once() {
    let address = require_ray!();
    let backend = dev_backend::start().await;
    let client = client_of(backend.url(), quick(2, 10, 50));
    let seeded = seed_project(&backend, 3, false, &[]).await;
    let work = tempfile::tempdir().unwrap();
    let classes = json!({"class_names": ["car", "person"], "colors": [[230, 25, 75], [60, 180, 75]]});
    write_model(work.path(), 1, &classes);
    let archive = work.path().join("model.zip");
    synapse::train::zip_dir(&work.path().join("1"), &archive).unwrap();
    let model = client
        .create_model_from_file(&archive, synapse::backend::ModelCreate::new("box finder"), &Default::default())
        .await
        .unwrap()
        .id;
    let body = json!({"code": "data_ops", "version": "0.1.0"});
    let release = dev(&backend, reqwest::Method::POST, "_dev/seed/plugin_release", Some(body)).await["id"].clone();
    let ray = RayJobsClient::new(&address).unwrap();
    assert!(running_replica_jobs(&ray, "data_ops").await.unwrap().is_empty(), "no replica of data_ops runs yet");

    let params = json!({
        "name": "served boxes", "project": seeded["project"], "method": "inference", "pre_processor": release,
        "model": model, "pre_processor_params": {"deployment": {"replicas": 1, "num_cpus": 0.5}},
    })
    .to_string();
    let cache = work.path().join("cache");
    let cache = cache.to_string_lossy();
    let env = [("SYNAPSE_RAY_ADDRESS", address.as_str()), ("SYNAPSE_MODEL_CACHE", &cache)];
    let run = |job: u64| {
        let (params, job) = (params.clone(), job.to_string());
        let backend = &backend;
        async move {
            let args = ["run", "pre_annotate", "--job-id", job.as_str(), "--params", params.as_str()];
            dev_backend::run_plugin(DATA_OPS, backend, &args, &env).await
        }
    };
    // The job of a run of the plugin, as the platform makes it (its serve applications are the
    // plugin's).
    let new_job = || async {
        let answer = client.run_plugin("data_ops", &PluginRun::new("pre_annotate")).await.unwrap();
        answer["job_id"].as_u64().unwrap()
    };

    let first = new_job().await;
    let (result, stderr) = run(first).await;
    assert_eq!((result["success_count"].clone(), result["failed_count"].clone()), (json!(3), json!(0)), "{stderr}");
    assert!(stderr.contains("running its `deployment` action"), "{stderr}");
    for task in task_ids(&seeded) {
        let found = without_ids(stored(&backend, task).await);
        assert_eq!(box_pairs(&found), box_pairs(&expected(&seeded, task)), "task {task}");
    }
    let replicas = running_replica_jobs(&ray, "data_ops").await.unwrap();
    assert_eq!(replicas.len(), 1, "one replica was started");
    let state = dev_backend::state(&backend).await;
    let applications = state["serve_applications"].as_array().unwrap();
    assert_eq!(applications.len(), 1, "{applications:?}");
    assert_eq!((applications[0]["job"].as_u64(), &applications[0]["status"]), (Some(first), &json!("RUNNING")));

    // The second run finds it running: nothing is deployed again.
    let (result, stderr) = run(new_job().await).await;
    assert_eq!(result["success_count"], 3, "{stderr}");
    assert!(!stderr.contains("running its `deployment` action"), "{stderr}");
    assert_eq!(running_replica_jobs(&ray, "data_ops").await.unwrap(), replicas);
    let state = dev_backend::state(&backend).await;
    assert_eq!(state["serve_applications"].as_array().unwrap().len(), 1);

    let undeploy =
        tokio::process::Command::new(DATA_OPS).args(["undeploy", "--ray-address", &address]).output().await.unwrap();
    assert!(undeploy.status.success(), "{}", String::from_utf8_lossy(&undeploy.stderr));
    assert!(ray.status(&replicas[0]).await.unwrap().status.is_terminal());
}
