//! A serve deployment on a real Ray head: replicas as resident Ray jobs reading models from the
//! dev backend, requests routed by model, a killed replica a typed error and then replaced, the
//! serve application registered, `deploy` (and its update) and `undeploy` from the plugin's
//! command line.

use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};
use synapse::executor::RunOptions;
use synapse::executor::ray::{JobStatus, RayJobsClient};
use synapse::serve::{InferError, RayDeployment, ReplicaSettings};
use synapse_tests::dev_backend::{self, TOKEN};
use synapse_tests::require_ray;
use synapse_tests::serve::{model_on_backend, sdk_token};

const MODELS: &str = env!("CARGO_BIN_EXE_models-plugin");

async fn models_of(addr: std::net::SocketAddr) -> Value {
    reqwest::get(format!("http://{addr}/-/models")).await.unwrap().json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ray_replicas_serve_by_model_and_a_killed_replica_is_replaced() {
    let address = require_ray!();
    let backend = dev_backend::start().await;
    let url = backend.url().to_string();
    let (a, b) = (model_on_backend(&backend, 2.0).await, model_on_backend(&backend, 3.0).await);
    let cache = tempfile::tempdir().unwrap();
    let options = RunOptions::default()
        .ray_address(&address)
        .binary(MODELS)
        .plugin_code("models-plugin")
        .env_var("SYNAPSE_HOST", &url)
        .env_var("SYNAPSE_ACCESS_TOKEN", TOKEN)
        .env_var("SYNAPSE_MODEL_CACHE", cache.path().to_string_lossy());
    let deployment =
        RayDeployment::new(options, ReplicaSettings { max_models: Some(2), ..Default::default() }).unwrap();
    let replicas = deployment.scale_to(2).await.expect("two replicas");
    assert_eq!(replicas.len(), 2);
    assert_ne!(replicas[0].job, replicas[1].job);
    let ray = RayJobsClient::new(&address).unwrap();
    for replica in &replicas {
        let details = ray.status(&replica.job).await.unwrap();
        assert_eq!(details.status, JobStatus::Running);
        assert_eq!(details.metadata.get("synapse.role").map(String::as_str), Some("serve"));
    }

    // Each model's requests meet the replica that holds it; the SDK's token works as well.
    let token = |model: u64| sdk_token(&url, model, TOKEN);
    for _ in 0..5 {
        for model in [a, b] {
            let answer = deployment.infer(&token(model), model, &json!({ "values": [1.0, 1.0] })).await.unwrap();
            assert_eq!(answer["model"], model);
        }
    }
    let home_of_a = deployment.router().replica_for(a).unwrap();
    let mut holders = 0;
    for replica in &replicas {
        let held = models_of(replica.addr).await;
        if held["models"].as_array().unwrap().contains(&json!(a)) {
            holders += 1;
            assert_eq!(replica.addr, home_of_a, "model {a} is held where its requests go");
        }
    }
    assert_eq!(holders, 1, "model {a} is loaded on one replica only");

    // The serve application, registered for a backend job.
    let job = dev_backend::new_job(&backend).await;
    let client = dev_backend::client_of(&url, dev_backend::quick(2, 10, 50));
    let application = deployment.register(&client, job.into()).await.unwrap();
    assert_eq!(application.status.as_deref(), Some("RUNNING"));
    assert_eq!(application.data["replicas"].as_array().unwrap().len(), 2);

    // The replica of model a killed mid-request: that request fails naming it, the next is
    // served, and a new replica takes its place.
    let victim = replicas.iter().find(|replica| replica.addr == home_of_a).unwrap().clone();
    let slow_input = json!({ "values": [1.0], "sleep_ms": 5000 });
    let slow_token = token(a);
    let slow = deployment.infer(&slow_token, a, &slow_input);
    let kill = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        synapse_tests::signal(u64::from(victim.pid), "-KILL");
    };
    let (answer, ()) = tokio::join!(slow, kill);
    match answer {
        Err(InferError::Unreachable { addr, .. }) => assert_eq!(addr, victim.addr),
        other => panic!("a typed error naming the killed replica, not {other:?}"),
    }
    let answer = deployment.infer(&token(a), a, &json!({ "values": [2.0] })).await.expect("served by another replica");
    assert_eq!(answer["sum"], 4.0);
    let deadline = Instant::now() + Duration::from_secs(60);
    let replaced = loop {
        let now = deployment.replicas().await;
        if now.len() == 2 && !now.iter().any(|replica| replica.job == victim.job) {
            break now;
        }
        assert!(Instant::now() < deadline, "the killed replica was not replaced: {now:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let victim_status = ray.status(&victim.job).await.unwrap().status;
    assert!(victim_status.is_terminal(), "the killed replica's job ended: {victim_status:?}");
    for model in [a, b] {
        deployment.infer(&token(model), model, &json!({ "values": [1.0] })).await.expect("served after replacement");
    }

    deployment.stop().await.unwrap();
    for replica in replaced {
        let details = ray.wait(&replica.job, Duration::from_secs(60)).await.unwrap();
        assert_eq!(details.status, JobStatus::Stopped);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ray_deploy_and_undeploy_from_the_command_line() {
    let address = require_ray!();
    let backend = dev_backend::start().await;
    let url = backend.url().to_string();
    let model = model_on_backend(&backend, 5.0).await;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models");
    let dir = dir.to_str().unwrap().to_owned();
    let cli = |args: Vec<String>, with_backend: bool| {
        let mut command = tokio::process::Command::new(MODELS);
        command.args(&args).env_remove("SYNAPSE_HOST").env_remove("SYNAPSE_ACCESS_TOKEN").env_remove("SYNAPSE_JOB_ID");
        if with_backend {
            command.env("SYNAPSE_HOST", &url).env("SYNAPSE_ACCESS_TOKEN", TOKEN);
        }
        async move {
            let output = command.output().await.unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
            (output.status.code(), String::from_utf8_lossy(&output.stdout).into_owned(), stderr)
        }
    };
    let deploy = |job: Option<u64>| {
        let mut args: Vec<String> =
            ["deploy", "--replicas", "1", "--ray-address", &address, "--plugin-dir", &dir, "--cpus", "0.5"]
                .map(str::to_owned)
                .to_vec();
        if let Some(job) = job {
            args.extend(["--job-id".to_owned(), job.to_string()]);
        }
        cli(args, true)
    };

    // Without a backend the replicas would have no models: refused before anything starts.
    let (code, _, stderr) = cli(["deploy", "--ray-address", &address].map(str::to_owned).to_vec(), false).await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("the replicas read models from the backend: set SYNAPSE_HOST"), "{stderr}");

    let job = dev_backend::new_job(&backend).await;
    let (code, stdout, stderr) = deploy(Some(job)).await;
    assert_eq!(code, Some(0), "{stderr}");
    let first: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(first["application"], "models-plugin@0.1.0");
    assert_eq!(first["replicas"].as_array().unwrap().len(), 1);
    assert!(first["serve_application"].as_u64().is_some(), "{first}");
    let addr = first["replicas"][0]["addr"].as_str().unwrap().to_owned();
    let input = r#"{"values": [1, 2]}"#.to_owned();
    let infer = ["infer", "--model", &model.to_string(), "--input", &input, "--url", &addr].map(str::to_owned).to_vec();
    let (code, stdout, stderr) = cli(infer.clone(), true).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(serde_json::from_str::<Value>(&stdout).unwrap()["sum"], 15.0);

    // An update: a new replica, the old one stopped.
    let (code, stdout, stderr) = deploy(None).await;
    assert_eq!(code, Some(0), "{stderr}");
    let second: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(second["stopped"], json!([first["replicas"][0]["job"]]));

    let (code, stdout, stderr) = cli(["undeploy", "--ray-address", &address].map(str::to_owned).to_vec(), false).await;
    assert_eq!(code, Some(0), "{stderr}");
    let stopped: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(stopped["stopped"], json!([second["replicas"][0]["job"]]));
    let (_, _, stderr) = cli(["undeploy", "--ray-address", &address].map(str::to_owned).to_vec(), false).await;
    assert!(stderr.contains("no replica of `models-plugin` was running"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ray_a_deployment_action_starts_the_replicas_and_registers_the_serve_application() {
    let address = require_ray!();
    let backend = dev_backend::start().await;
    let url = backend.url().to_string();
    let model = model_on_backend(&backend, 7.0).await;
    let job = dev_backend::new_job(&backend).await;
    let params = json!({ "replicas": 1, "num_cpus": 0.5 }).to_string();
    let (result, _) = dev_backend::run_plugin(
        MODELS,
        &backend,
        &["run", "deployment", "--job-id", &job.to_string(), "--params", &params],
        &[("SYNAPSE_RAY_ADDRESS", address.as_str())],
    )
    .await;
    assert_eq!(result["deployed"], true, "{result}");
    assert_eq!(result["application"], "models-plugin@0.1.0");
    let application = result["serve_application"].as_u64().expect("registered");
    let client = dev_backend::client_of(&url, dev_backend::quick(2, 10, 50));
    let listed: Value = client.get("serve_applications/", &[]).await.unwrap();
    let registered = listed["results"].as_array().unwrap().iter().find(|a| a["id"] == application).cloned();
    let registered = registered.unwrap_or_else(|| panic!("serve application {application} is listed: {listed}"));
    assert_eq!((registered["job"].as_u64(), &registered["status"]), (Some(job), &json!("RUNNING")), "{registered}");
    assert_eq!(registered["data"]["replicas"][0]["job"], result["replicas"][0]["job"]);
    let addr: std::net::SocketAddr = result["replicas"][0]["addr"].as_str().unwrap().parse().unwrap();
    let answer = synapse::serve::ServeClient::new(vec![addr])
        .infer(&model.to_string(), model, &json!({ "values": [1.0] }))
        .await
        .expect("the deployed replica serves the backend's model");
    assert_eq!(answer["sum"], 7.0);

    // The ray job of the replica is stopped by undeploy.
    let ray = RayJobsClient::new(&address).unwrap();
    let replica_job = result["replicas"][0]["job"].as_str().unwrap().to_owned();
    let undeploy =
        tokio::process::Command::new(MODELS).args(["undeploy", "--ray-address", &address]).output().await.unwrap();
    assert!(undeploy.status.success(), "{}", String::from_utf8_lossy(&undeploy.stderr));
    assert!(ray.status(&replica_job).await.unwrap().status.is_terminal());
}
