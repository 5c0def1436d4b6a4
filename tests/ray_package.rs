//! Plugin packages on a real head: uploaded once, unpacked as the job's working directory with
//! the binary's executable bit intact, and run with `exec ./bin/<name>`.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use synapse::executor::ray::{JobStatus, PluginPackage, RayJobsClient, submission_id};
use synapse_tests::require_ray;

const WAIT: Duration = Duration::from_secs(120);

fn stamp() -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    format!("{}-{nanos}", std::process::id())
}

fn write(path: &Path, contents: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, contents).unwrap();
}

/// A stand-in plugin binary: a script that reports its arguments, its own mode and what the
/// working directory holds.
const PLUGIN: &str = r#"#!/bin/sh
for a in "$@"; do echo "arg=[$a]"; done
echo "mode=$(stat -c %a ./bin/hello-plugin)"
echo "params=$(cat params.json)"
echo "config=$(head -n 1 config.yaml)"
echo "data=$(cat data/labels.csv | tr '\n' ' ')"
for f in target secret.txt .synapseignore; do test -e "$f" && echo "unexpected=$f"; done
echo "env=$PLUGIN_ENV"
"#;

#[tokio::test]
async fn ray_package_runs_the_binary_with_its_files() {
    let address = require_ray!();
    let client = RayJobsClient::new(&address).unwrap();
    let root = tempfile::tempdir().unwrap();
    let binary = root.path().join("hello-plugin");
    write(&binary, PLUGIN);
    std::fs::set_permissions(&binary, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let dir = root.path().join("plugin");
    write(&dir.join("config.yaml"), "name: Hello\ncode: hello\n");
    write(&dir.join("data/labels.csv"), "a,b\n1,2\n");
    write(&dir.join("target/debug/hello-plugin"), "build output");
    write(&dir.join("secret.txt"), "local only");
    write(&dir.join(".synapseignore"), "secret.txt\n");

    // Params unique to this run: a package no earlier run uploaded.
    let run = stamp();
    let params = format!(r#"{{"run": "{run}"}}"#);
    let building = Instant::now();
    let package =
        PluginPackage::builder().binary(&binary).plugin_dir(&dir).file("params.json", params.clone()).build().unwrap();
    let built = building.elapsed();
    let uploading = Instant::now();
    let uploaded = package.ensure_uploaded(&client).await.unwrap();
    let upload_time = uploading.elapsed();
    assert_eq!(uploaded, package.len(), "a new package is uploaded whole");
    let checking = Instant::now();
    assert_eq!(package.ensure_uploaded(&client).await.unwrap(), 0, "the same content is not uploaded again");
    eprintln!(
        "package {} ({} bytes): built in {built:?}, uploaded in {upload_time:?}, second ensure_uploaded {:?}",
        package.name(),
        package.len(),
        checking.elapsed()
    );
    let same = PluginPackage::builder().binary(&binary).plugin_dir(&dir).file("params.json", params).build().unwrap();
    assert_eq!(same.name(), package.name());
    assert_eq!(same.ensure_uploaded(&client).await.unwrap(), 0);

    let id = submission_id("hello", "run", &run);
    let job = package.job(&["run", "greet", "two words"]).with_submission_id(&id).with_env("PLUGIN_ENV", "from-env");
    assert_eq!(job.entrypoint, "exec ./bin/hello-plugin run greet 'two words'");
    let submitted = Instant::now();
    client.submit(&job).await.unwrap();
    let details = client.wait(&id, WAIT).await.unwrap();
    let logs = client.logs(&id).await.unwrap();
    eprintln!("submit -> {} with a package: {:?}", details.status, submitted.elapsed());
    assert_eq!(details.status, JobStatus::Succeeded, "{details:?}\n{logs}");
    for line in [
        "arg=[run]\n",
        "arg=[greet]\n",
        "arg=[two words]\n",
        "mode=755\n",
        &format!("params={{\"run\": \"{run}\"}}\n"),
        "config=name: Hello\n",
        "data=a,b 1,2 \n",
        "env=from-env\n",
    ] {
        assert!(logs.contains(line), "{line:?} missing from the job's log:\n{logs}");
    }
    assert!(!logs.contains("unexpected="), "ignored files were shipped:\n{logs}");
}

#[tokio::test]
async fn ray_package_store_answers_for_unknown_packages() {
    let address = require_ray!();
    let client = RayJobsClient::new(&address).unwrap();
    let name = format!("_ray_pkg_{}.zip", stamp().replace('-', ""));
    assert!(!client.package_exists(&name).await.unwrap());
    let error = client.package_exists("../x.zip").await.unwrap_err();
    assert!(error.to_string().starts_with("invalid Ray package name `../x.zip`"), "{error}");
}

#[tokio::test]
async fn ray_job_with_a_missing_package_fails_at_setup() {
    let address = require_ray!();
    let client = RayJobsClient::new(&address).unwrap();
    let run = stamp();
    let id = submission_id("hello", "missing-package", &run);
    let job = synapse::executor::ray::JobSubmission::new("exec ./bin/x")
        .with_submission_id(&id)
        .with_working_dir(format!("gcs://_ray_pkg_{}.zip", run.replace('-', "")));
    client.submit(&job).await.unwrap();
    let details = client.wait(&id, WAIT).await.unwrap();
    assert_eq!(details.status, JobStatus::Failed, "{details:?}");
    assert_eq!(details.error_type.as_deref(), Some("RUNTIME_ENV_SETUP_FAILURE"), "{details:?}");
}
