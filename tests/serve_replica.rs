//! A replica of a serve deployment (`plugin serve`, the models test plugin) over real HTTP, its
//! models from a directory: plain ids and signed tokens, bad input and faults, the LRU bound and
//! single flight seen from outside, batching, replicas killed or saturated, and `plugin infer`.
//! (`serve_backend.rs`: models from the dev backend.)

use serde_json::{Value, json};
use synapse::serve::{InferError, ServeClient, replica_order};
use synapse_tests::serve::{Replica, numbers, post, sdk_token, write_model};

const MODELS: &str = env!("CARGO_BIN_EXE_models-plugin");

#[tokio::test]
async fn a_replica_taking_only_signed_tokens_refuses_plain_ids() {
    let models = tempfile::tempdir().unwrap();
    write_model(models.path(), 4, &json!({ "scale": 1.0 }));
    let replica = Replica::start(
        MODELS,
        &["--models-dir", models.path().to_str().unwrap(), "--signed-only"],
        &[("SYNAPSE_PLUGIN_RUN_HOST", "http://platform.example")],
    );
    let (status, answer) = replica.infer("4", &numbers(&[1.0])).await;
    assert_eq!(status, 401, "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("only signed model tokens"), "{answer}");
    let (status, answer) = replica.infer(&sdk_token("http://platform.example", 4, "t"), &numbers(&[5.0])).await;
    assert_eq!((status, &answer["sum"]), (200, &json!(5.0)), "{answer}");
}

#[tokio::test]
async fn a_model_that_does_not_load_fails_with_its_error_once_not_per_request() {
    let models = tempfile::tempdir().unwrap();
    write_model(models.path(), 2, &json!({ "broken": "bad magic number" }));
    let replica = Replica::of_dir(MODELS, models.path(), &[]);
    for _ in 0..5 {
        let (status, answer) = replica.infer("2", &numbers(&[1.0])).await;
        assert_eq!(status, 500, "{answer}");
        assert_eq!(answer["error"]["kind"], "load_failed");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("model 2 does not load") && message.contains("the weights are corrupt: bad magic number")
        );
    }
    let status = replica.models().await;
    assert_eq!(status["stats"]["loads"], 1, "{status}");
    assert_eq!(status["failed"][0]["model"], 2, "{status}");
    // Another model still serves.
    write_model(models.path(), 5, &json!({ "scale": 2.0 }));
    let (code, answer) = replica.infer("5", &numbers(&[2.0])).await;
    assert_eq!((code, &answer["sum"]), (200, &json!(4.0)));
    let stderr = replica.stop();
    assert_eq!(stderr.matches("the weights are corrupt").count(), 1, "said once: {stderr}");
}

#[tokio::test]
async fn an_edited_model_directory_is_loaded_afresh_and_a_fixed_model_loads() {
    let models = tempfile::tempdir().unwrap();
    write_model(models.path(), 1, &json!({ "scale": 1.0 }));
    write_model(models.path(), 2, &json!({ "broken": "half written" }));
    let replica = Replica::of_dir(MODELS, models.path(), &["--access-ttl", "0s"]);
    assert_eq!(replica.infer("1", &numbers(&[2.0])).await.1["sum"], 2.0);
    assert_eq!(replica.infer("2", &numbers(&[2.0])).await.0, 500);
    // File times have a coarse grain on some file systems: the edits come later than it.
    std::thread::sleep(std::time::Duration::from_millis(20));
    write_model(models.path(), 1, &json!({ "scale": 10.0 }));
    write_model(models.path(), 2, &json!({ "scale": 3.0 }));
    let (status, answer) = replica.infer("1", &numbers(&[2.0])).await;
    assert_eq!((status, &answer["sum"]), (200, &json!(20.0)), "the edited model: {answer}");
    let (status, answer) = replica.infer("2", &numbers(&[2.0])).await;
    assert_eq!((status, &answer["sum"]), (200, &json!(6.0)), "the fixed model loads: {answer}");
    assert_eq!(replica.models().await["stats"]["reloads"], 1);
}

#[test]
fn a_batch_size_of_zero_is_refused() {
    let ran = synapse_tests::run(MODELS, &["serve", "--models-dir", ".", "--batch-size", "0"]);
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("--batch-size"), "{}", ran.stderr);
}

#[tokio::test]
async fn a_body_of_another_shape_is_422_with_every_field_path() {
    let models = tempfile::tempdir().unwrap();
    write_model(models.path(), 1, &json!({ "scale": 1.0 }));
    let replica = Replica::of_dir(MODELS, models.path(), &[]);
    let (status, answer) = replica.infer("1", &json!({ "values": [1, "two"], "sleep_ms": -1, "extra": true })).await;
    assert_eq!(status, 422, "{answer}");
    let paths: Vec<&str> =
        answer["error"]["violations"].as_array().unwrap().iter().map(|v| v["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["$.extra", "$.sleep_ms", "$.values[1]"], "{answer}");
    // Not JSON at all.
    let response = reqwest::Client::new()
        .post(replica.url("/"))
        .header("serve_multiplexed_model_id", "1")
        .body("values=1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["error"]["violations"][0]["path"], "$");
    // A bad body loads no model.
    assert_eq!(replica.models().await["stats"]["loads"], 0);
}

#[tokio::test]
async fn holds_at_most_max_models_and_drops_the_least_recently_used() {
    let models = tempfile::tempdir().unwrap();
    for id in 1..=3 {
        write_model(models.path(), id, &json!({ "scale": id as f64 }));
    }
    let replica = Replica::of_dir(MODELS, models.path(), &["--max-models", "2"]);
    for id in ["1", "2", "1", "3"] {
        let (status, answer) = replica.infer(id, &numbers(&[1.0])).await;
        assert_eq!(status, 200, "{answer}");
    }
    // 3 evicted 2 (1 was used more recently), and the evicted model was dropped.
    let status = replica.models().await;
    assert_eq!(status["models"], json!([3, 1]), "{status}");
    assert_eq!(status["stats"]["evictions"], 1);
    let (_, answer) = replica.infer("1", &numbers(&[1.0])).await;
    assert_eq!((answer["loads"].as_u64(), answer["drops"].as_u64()), (Some(3), Some(1)), "{answer}");
    // 2 again: loaded anew, evicting 3.
    let (_, answer) = replica.infer("2", &numbers(&[1.0])).await;
    assert_eq!((answer["loads"].as_u64(), answer["drops"].as_u64()), (Some(4), Some(2)), "{answer}");
}

#[tokio::test]
async fn a_thousand_concurrent_requests_for_a_cold_model_load_it_once() {
    let models = tempfile::tempdir().unwrap();
    write_model(models.path(), 8, &json!({ "scale": 1.0, "load_ms": 300 }));
    let replica = Replica::of_dir(MODELS, models.path(), &[]);
    let client = reqwest::Client::builder().pool_max_idle_per_host(1000).build().unwrap();
    let url = replica.url("/");
    let requests = (0..1000).map(|i| {
        let (client, url) = (client.clone(), url.clone());
        tokio::spawn(async move { post(&client, &url, "8", &numbers(&[i as f64])).await })
    });
    let answers = futures_util::future::join_all(requests).await;
    for (i, answer) in answers.into_iter().enumerate() {
        let (status, answer) = answer.unwrap();
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["sum"], i as f64);
        assert_eq!(answer["loads"], 1, "{answer}");
    }
    let stats = &replica.models().await["stats"];
    assert_eq!((stats["loads"].as_u64(), stats["hits"].as_u64()), (Some(1), Some(999)), "{stats}");
}

#[tokio::test]
async fn batches_concurrent_requests_for_one_model_into_one_inference() {
    let models = tempfile::tempdir().unwrap();
    write_model(models.path(), 1, &json!({ "scale": 2.0 }));
    let replica = Replica::of_dir(MODELS, models.path(), &["--batch-size", "8", "--batch-wait", "500ms"]);
    // Loaded first, so the batch gathers requests, not a load.
    assert_eq!(replica.infer("1", &numbers(&[0.0])).await.0, 200);
    let client = reqwest::Client::new();
    let url = replica.url("/");
    let requests = (0..8).map(|i| {
        let (client, url) = (client.clone(), url.clone());
        tokio::spawn(async move { post(&client, &url, "1", &numbers(&[i as f64])).await })
    });
    for (i, answer) in futures_util::future::join_all(requests).await.into_iter().enumerate() {
        let (status, answer) = answer.unwrap();
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["sum"], 2.0 * i as f64, "each answer is its own input's");
        assert_eq!(answer["batch"], 8, "{answer}");
    }
}

#[tokio::test]
async fn an_input_infer_refuses_is_a_422_and_in_a_batch_fails_only_its_own_request() {
    let models = tempfile::tempdir().unwrap();
    write_model(models.path(), 1, &json!({ "scale": 1.0 }));
    let alone = Replica::of_dir(MODELS, models.path(), &[]);
    let (status, answer) = alone.infer("1", &numbers(&[1.0, -2.0])).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["violations"][0]["path"], "$.values[1]", "{answer}");
    assert_eq!(answer["error"]["violations"][0]["message"], "negative values are refused");

    let batched = Replica::of_dir(MODELS, models.path(), &["--batch-size", "4", "--batch-wait", "500ms"]);
    assert_eq!(batched.infer("1", &numbers(&[0.0])).await.0, 200);
    let client = reqwest::Client::new();
    let url = batched.url("/");
    let requests = [1.0, -1.0, 3.0, 4.0].map(|value| {
        let (client, url) = (client.clone(), url.clone());
        tokio::spawn(async move { post(&client, &url, "1", &numbers(&[value])).await })
    });
    let answers: Vec<(u16, Value)> =
        futures_util::future::join_all(requests).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(answers.iter().map(|(status, _)| *status).collect::<Vec<_>>(), [200, 422, 200, 200], "{answers:?}");
    assert_eq!(answers[1].1["error"]["violations"][0]["path"], "$.values[0]");
    for (value, (_, answer)) in [1.0, 3.0, 4.0].iter().zip([&answers[0], &answers[2], &answers[3]]) {
        assert_eq!(answer["sum"], *value, "each good request gets its own answer: {answer}");
    }
}

#[tokio::test]
async fn a_replica_killed_mid_request_fails_that_request_and_the_next_is_served_elsewhere() {
    let models = tempfile::tempdir().unwrap();
    write_model(models.path(), 6, &json!({ "scale": 1.0 }));
    let replicas = [Replica::of_dir(MODELS, models.path(), &[]), Replica::of_dir(MODELS, models.path(), &[])];
    let client = ServeClient::new(replicas.iter().map(|replica| replica.addr).collect());
    let names: Vec<String> = replicas.iter().map(|replica| replica.addr.to_string()).collect();
    let order = replica_order(6, &names.iter().map(String::as_str).collect::<Vec<_>>())
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    assert_eq!(client.replica_for(6).unwrap().to_string(), order[0], "model 6 goes to its first replica");
    let first = replicas.iter().position(|replica| replica.addr.to_string() == order[0]).unwrap();

    let slow = json!({ "values": [1.0], "sleep_ms": 5000 });
    let request = client.infer("6", 6, &slow);
    let kill = async {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        synapse_tests::signal(u64::from(replicas[first].pid), "-KILL");
    };
    let (answer, ()) = tokio::join!(request, kill);
    match answer {
        Err(InferError::Unreachable { addr, .. }) => assert_eq!(addr, replicas[first].addr),
        other => panic!("a typed error naming the killed replica, not {other:?}"),
    }
    // The next request for the model goes to the other replica.
    let answer = client.infer("6", 6, &numbers(&[4.0])).await.unwrap();
    assert_eq!(answer["sum"], 4.0);
    assert_eq!(client.replica_for(6).unwrap().to_string(), order[1]);
}

#[tokio::test]
async fn a_models_requests_go_to_the_next_replica_while_its_own_is_saturated() {
    let models = tempfile::tempdir().unwrap();
    write_model(models.path(), 3, &json!({ "scale": 1.0 }));
    let replicas = [Replica::of_dir(MODELS, models.path(), &[]), Replica::of_dir(MODELS, models.path(), &[])];
    let client = ServeClient::new(replicas.iter().map(|replica| replica.addr).collect()).with_saturation(1);
    let home = client.replica_for(3).unwrap();
    let other = replicas.iter().map(|replica| replica.addr).find(|addr| *addr != home).unwrap();
    // One slow request occupies model 3's replica: the next one goes to the other.
    let slow_input = json!({ "values": [1.0], "sleep_ms": 1500 });
    let slow = client.infer("3", 3, &slow_input);
    let next = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let chosen = client.replica_for(3).unwrap();
        let answer = client.infer("3", 3, &numbers(&[2.0])).await.unwrap();
        (chosen, answer)
    };
    let (slow, (chosen, answer)) = tokio::join!(slow, next);
    slow.unwrap();
    assert_eq!(chosen, other, "the saturated replica is passed over");
    assert_eq!(answer["sum"], 2.0);
    // Once it is free again, model 3's requests go home.
    assert_eq!(client.replica_for(3).unwrap(), home);
}

#[test]
fn infer_runs_one_input_here_or_against_a_replica() {
    let models = tempfile::tempdir().unwrap();
    write_model(models.path(), 1, &json!({ "scale": 10.0 }));
    let dir = models.path().to_str().unwrap();
    let ran =
        synapse_tests::run(MODELS, &["infer", "--model", "1", "--input", r#"{"values": [1, 2]}"#, "--models-dir", dir]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let answer: Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(answer["sum"], 30.0);

    let ran =
        synapse_tests::run(MODELS, &["infer", "--model", "1", "--input", r#"{"values": "x"}"#, "--models-dir", dir]);
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("$.values: must be an array"), "{}", ran.stderr);

    let replica = Replica::of_dir(MODELS, models.path(), &[]);
    let url = replica.addr.to_string();
    let ran = synapse_tests::run(MODELS, &["infer", "--model", "1", "--input", r#"{"values": [5]}"#, "--url", &url]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(serde_json::from_str::<Value>(&ran.stdout).unwrap()["sum"], 50.0);
    // With a backend configured, `--url` signs the SDK's token, which a --models-dir replica
    // cannot check: said, with the way out; `--plain-id` sends the id.
    let signed = std::process::Command::new(MODELS)
        .args(["infer", "--model", "1", "--input", r#"{"values": [5]}"#, "--url", &url])
        .env("SYNAPSE_HOST", "http://127.0.0.1:9/")
        .env("SYNAPSE_ACCESS_TOKEN", "t")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&signed.stderr);
    assert_eq!(signed.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("takes --plain-id"), "{stderr}");
    let plain = std::process::Command::new(MODELS)
        .args(["infer", "--model", "1", "--input", r#"{"values": [5]}"#, "--url", &url, "--plain-id"])
        .env("SYNAPSE_HOST", "http://127.0.0.1:9/")
        .env("SYNAPSE_ACCESS_TOKEN", "t")
        .output()
        .unwrap();
    assert!(plain.status.success(), "{}", String::from_utf8_lossy(&plain.stderr));
    let ran = synapse_tests::run(MODELS, &["infer", "--model", "7", "--input", r#"{"values": [5]}"#, "--url", &url]);
    assert_eq!(ran.code, Some(1));
    assert!(ran.stderr.contains("answered 404 (unknown_model): model 7 was not found in"), "{}", ran.stderr);

    // Without a model source: said, with both ways to give one.
    let ran = synapse_tests::run(MODELS, &["infer", "--model", "1", "--input", "{}"]);
    assert_eq!(ran.code, Some(2));
    assert!(ran.stderr.contains("no model source: set SYNAPSE_HOST"), "{}", ran.stderr);
}
