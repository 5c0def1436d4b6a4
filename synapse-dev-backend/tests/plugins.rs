//! Plugins and serve: a seeded release read with `?expand=plugin`, a run (a new job whose meta
//! holds the request), and serve applications registered for that job and listed by plugin
//! code and agent.

mod common;

use common::{authed, client, created_dev, post_dev, start, state, status_and_json, url};
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
