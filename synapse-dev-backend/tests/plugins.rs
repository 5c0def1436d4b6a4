//! Plugins and serve: a seeded release read with `?expand=plugin`, a run (a new job whose meta
//! holds the request), serve applications registered for that job and listed by plugin code and
//! agent, and releases published (`POST plugin_releases/`, multipart) with DRF's refusals.

mod common;

use common::{authed, client, created_dev, post_dev, start, state, status_and_json, url};
use reqwest::multipart::{Form, Part};
use serde_json::json;

#[tokio::test]
async fn a_release_runs_and_its_serve_application_is_listed() {
    let backend = start().await;
    let http = client();
    let release =
        json!({"code": "yolo", "name": "YOLO", "version": "1.0.0", "config": {"code": "yolo", "actions": {}}});
    let seeded = created_dev(&http, &backend, "_dev/seed/plugin_release", &release).await;
    let (status, again) = post_dev(&http, &backend, "_dev/seed/plugin_release", &release).await;
    assert_eq!(status, 400, "{again}");
    let id = &seeded["id"];

    let (_, plain) =
        status_and_json(authed(http.get(url(&backend, &format!("plugin_releases/{id}/")))).send().await.unwrap()).await;
    assert!(plain["plugin"].is_i64(), "{plain}");
    let (_, expanded) = status_and_json(
        authed(http.get(url(&backend, &format!("plugin_releases/{id}/?expand=plugin")))).send().await.unwrap(),
    )
    .await;
    assert_eq!((&expanded["plugin"]["code"], &expanded["version"]), (&json!("yolo"), &json!("1.0.0")));

    let run =
        json!({"agent": 2, "action": "deployment", "params": {"num_cpus": 1}, "version": "1.0.0", "language": "ko"});
    let (status, ran) =
        status_and_json(authed(http.post(url(&backend, "plugins/yolo/run/"))).json(&run).send().await.unwrap()).await;
    assert_eq!(status, 201, "{ran}");
    let job = &ran["job_id"];
    let (_, missing) =
        status_and_json(authed(http.post(url(&backend, "plugins/nope/run/"))).json(&run).send().await.unwrap()).await;
    assert_eq!(missing, json!({"detail": "Not found."}));
    let (status, errors) = status_and_json(
        authed(http.post(url(&backend, "plugins/yolo/run/")))
            .json(&json!({"action": "x", "colour": 1, "version": "9"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, errors), (400, json!({"colour": ["This field is not allowed."]})));

    let app = json!({"job": job, "status": "RUNNING", "data": {"name": "yolo-app"}});
    let (status, created) =
        status_and_json(authed(http.post(url(&backend, "serve_applications/"))).json(&app).send().await.unwrap()).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!((&created["plugin_code"], &created["agent"]), (&json!("yolo"), &json!(2)));
    let (status, errors) = status_and_json(
        authed(http.post(url(&backend, "serve_applications/")))
            .json(&json!({"job": 999, "status": "GREAT"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, errors),
        (
            400,
            json!({"job": ["Invalid pk \"999\" - object does not exist."], "status": ["\"GREAT\" is not a valid choice."]})
        )
    );
    let (_, listed) = status_and_json(
        authed(http.get(url(&backend, "serve_applications/?plugin_code=yolo&job__agent=2"))).send().await.unwrap(),
    )
    .await;
    assert_eq!(listed["count"], 1);
    assert_eq!(listed["results"][0]["status"], "RUNNING");
    let (_, other) =
        status_and_json(authed(http.get(url(&backend, "serve_applications/?job__agent=3"))).send().await.unwrap())
            .await;
    assert_eq!(other["count"], 0);

    let state = state(&http, &backend).await;
    assert_eq!(state["plugin_runs"][0]["body"], run);
    let job_row = state["jobs"].as_array().unwrap().iter().find(|j| &j["id"] == job).unwrap();
    assert_eq!(job_row["meta"]["plugin_run"]["plugin"], "yolo");
    assert_eq!(state["serve_applications"].as_array().unwrap().len(), 1);
}

/// A publish request: the SDK's multipart fields, each given when it is `Some`.
fn release_form(plugin: Option<&str>, version: Option<&str>, config: Option<&str>, file: Option<&[u8]>) -> Form {
    let mut form = Form::new().text("debug", "true");
    for (name, value) in [("plugin", plugin), ("version", version), ("config", config)] {
        if let Some(value) = value {
            form = form.text(name, value.to_owned());
        }
    }
    if let Some(bytes) = file {
        form = form.part("file", Part::bytes(bytes.to_vec()).file_name("my-plugin-0.1.0.zip"));
    }
    form
}

#[tokio::test]
async fn a_published_release_is_kept_with_its_package_and_refused_twice() {
    let backend = start().await;
    let http = client();
    let publish = |form: Form| {
        let request = authed(http.post(url(&backend, "plugin_releases/"))).multipart(form);
        async move { status_and_json(request.send().await.unwrap()).await }
    };
    let config = r#"{"code": "my-plugin", "name": "My plugin", "version": "0.1.0", "actions": {"main": {}}}"#;
    let package = b"PK\x05\x06 a package".as_slice();
    let (status, release) = publish(release_form(Some("my-plugin"), Some("0.1.0"), Some(config), Some(package))).await;
    assert_eq!(status, 201, "{release}");
    assert_eq!((&release["plugin"]["code"], &release["version"]), (&json!("my-plugin"), &json!("0.1.0")));
    assert_eq!(release["config"]["actions"]["main"], json!({}));
    let file = release["file"].as_str().expect("the package's URL");
    assert!(file.ends_with("/plugin_releases/my-plugin/0.1.0/my-plugin-0.1.0.zip"), "{file}");
    let downloaded = http.get(file).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(downloaded.as_ref(), package);
    let (_, read) = status_and_json(
        authed(http.get(url(&backend, &format!("plugin_releases/{}/?expand=plugin", release["id"]))))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((&read["plugin"]["name"], &read["version"]), (&json!("My plugin"), &json!("0.1.0")));

    // The same version again: DRF's unique-together refusal; another version is a new release.
    let (status, again) = publish(release_form(Some("my-plugin"), Some("0.1.0"), Some(config), Some(package))).await;
    assert_eq!(
        (status, again),
        (400, json!({"non_field_errors": ["The fields plugin, version must make a unique set."]}))
    );
    let next = config.replace("0.1.0", "0.2.0");
    let (status, second) = publish(release_form(Some("my-plugin"), Some("0.2.0"), Some(&next), Some(package))).await;
    assert_eq!(status, 201, "{second}");
    assert_eq!(second["plugin"]["id"], release["plugin"]["id"]);

    // What is missing or wrong, field by field.
    let (status, errors) = publish(release_form(None, None, None, None)).await;
    assert_eq!(status, 400);
    assert_eq!(
        errors,
        json!({
            "plugin": ["This field is required."],
            "version": ["This field is required."],
            "file": ["No file was submitted."],
            "config": ["This field is required."],
        })
    );
    let (_, errors) = publish(release_form(Some("my-plugin"), Some("0.3.0"), Some("[1, 2]"), Some(package))).await;
    assert_eq!(errors, json!({"config": ["Value must be valid JSON."]}));
    let (_, errors) = publish(release_form(Some("other"), Some("0.3.0"), Some(config), Some(package))).await;
    assert_eq!(errors, json!({"config": ["`code` in the config is not the plugin's code `other`."]}));
    // Without the token: refused before anything is read.
    let anonymous = http.post(url(&backend, "plugin_releases/")).multipart(release_form(None, None, None, None));
    let (status, _) = status_and_json(anonymous.send().await.unwrap()).await;
    assert_eq!(status, 401);
}
