//! The trivial model behind Ray Serve: `bench/serve/ray_serve_app.py` deployed on a running Ray
//! head through Serve's REST API (`PUT /api/serve/applications/`, ray.md §7), and shut down
//! (`DELETE`).
//!
//! Serve's replicas bind their gRPC server on `[::]` whatever the config says, so this runs only
//! inside the network namespace `scripts/ray.sh run` makes.

use super::ServeError;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The application's name in Serve's config.
pub const APP_NAME: &str = "synapse_bench";
/// How long a deployment may take to become `RUNNING` (a cold head imports Ray Serve, FastAPI…).
const DEPLOY_TIMEOUT: Duration = Duration::from_secs(180);
/// How long Serve may take to shut down.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(60);

/// One Serve application of the trivial model, one replica, on the head at `dashboard`.
#[derive(Debug, Clone)]
pub struct RayServeApp {
    /// The head's dashboard, e.g. `http://127.0.0.1:8265` (`SYNAPSE_RAY_ADDRESS`).
    pub dashboard: String,
    /// The port of Serve's HTTP proxy on 127.0.0.1.
    pub port: u16,
    /// The secret of the model tokens (the SDK's backend URL).
    pub backend_url: String,
    /// The replica's `max_ongoing_requests` (Serve's default is 5).
    pub max_ongoing_requests: u32,
    /// The replica's `num_cpus`.
    pub num_cpus: f64,
}

impl RayServeApp {
    /// The directory holding `ray_serve_app.py`, the application's `working_dir`.
    pub fn working_dir() -> &'static str {
        concat!(env!("CARGO_MANIFEST_DIR"), "/serve")
    }

    /// The URL requests go to: the application's route `/` on Serve's proxy.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    fn applications(&self) -> String {
        format!("{}/api/serve/applications/", self.dashboard.trim_end_matches('/'))
    }

    /// Serve's declarative config: the proxy on the head only, on 127.0.0.1; the application from
    /// `working_dir` in place (`local://`, no upload).
    pub fn config(&self) -> Value {
        json!({
            "proxy_location": "HeadOnly",
            "http_options": {"host": "127.0.0.1", "port": self.port},
            "applications": [{
                "name": APP_NAME,
                "route_prefix": "/",
                "import_path": "ray_serve_app:build",
                "args": {
                    "backend_url": self.backend_url,
                    "max_ongoing_requests": self.max_ongoing_requests,
                    "num_cpus": self.num_cpus,
                },
                "runtime_env": {"working_dir": format!("local://{}", Self::working_dir())},
            }],
        })
    }

    /// Deploys the application and waits until Serve reports it `RUNNING`; returns how long that
    /// took from the `PUT`.
    ///
    /// Errors: [`ServeError::NoServe`] when the head has no `ray[serve]`, [`ServeError::Status`]
    /// when the `PUT` is refused, [`ServeError::DeployFailed`] with Serve's message,
    /// [`ServeError::Timeout`] after 180 s.
    pub async fn deploy(&self, client: &reqwest::Client) -> Result<Duration, ServeError> {
        let url = self.applications();
        self.status(client).await?;
        let start = Instant::now();
        let response = client
            .put(&url)
            .timeout(DEPLOY_TIMEOUT)
            .json(&self.config())
            .send()
            .await
            .map_err(|error| ServeError::Http { method: "PUT", url: url.clone(), error })?;
        let status = response.status().as_u16();
        if status != 200 {
            let body = response.text().await.unwrap_or_default();
            return Err(ServeError::Status { method: "PUT", url, status, body });
        }
        loop {
            let applications = self.status(client).await?;
            let app = &applications["applications"][APP_NAME];
            match app["status"].as_str().unwrap_or_default() {
                "RUNNING" => return Ok(start.elapsed()),
                failed @ ("DEPLOY_FAILED" | "UNHEALTHY") => {
                    return Err(ServeError::DeployFailed {
                        status: failed.into(),
                        message: app["message"].as_str().unwrap_or_default().into(),
                    });
                }
                _ if start.elapsed() > DEPLOY_TIMEOUT => {
                    return Err(ServeError::Timeout {
                        what: format!("Serve application {APP_NAME} RUNNING (last seen: {app})"),
                        after: DEPLOY_TIMEOUT,
                    });
                }
                _ => tokio::time::sleep(Duration::from_millis(250)).await,
            }
        }
    }

    /// Shuts Serve down (`DELETE`) and waits until it lists no application and no controller,
    /// so that no replica is left listening when the namespace's loopback check runs.
    pub async fn shutdown(&self, client: &reqwest::Client) -> Result<(), ServeError> {
        let url = self.applications();
        // Serve answers once its controller has shut the replicas down, gracefully (30 s in the
        // throughput-optimized mode).
        let response = client
            .delete(&url)
            .timeout(SHUTDOWN_TIMEOUT)
            .send()
            .await
            .map_err(|error| ServeError::Http { method: "DELETE", url: url.clone(), error })?;
        let status = response.status().as_u16();
        if status != 200 {
            let body = response.text().await.unwrap_or_default();
            return Err(ServeError::Status { method: "DELETE", url, status, body });
        }
        let start = Instant::now();
        loop {
            let applications = self.status(client).await?;
            // The controller is gone (`controller_info: {}`) only after its replicas are.
            let empty = |key: &str| applications[key].as_object().is_none_or(|map| map.is_empty());
            if empty("applications") && empty("controller_info") {
                return Ok(());
            }
            if start.elapsed() > SHUTDOWN_TIMEOUT {
                return Err(ServeError::Timeout {
                    what: format!("Serve shut down (still listed: {})", applications["applications"]),
                    after: SHUTDOWN_TIMEOUT,
                });
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// `GET /api/serve/applications/`: Serve's view of its applications.
    async fn status(&self, client: &reqwest::Client) -> Result<Value, ServeError> {
        let url = self.applications();
        let response = client.get(&url).send().await.map_err(|error| ServeError::Http {
            method: "GET",
            url: url.clone(),
            error,
        })?;
        let status = response.status().as_u16();
        let body =
            response.text().await.map_err(|error| ServeError::Http { method: "GET", url: url.clone(), error })?;
        match status {
            200 => serde_json::from_str(&body).map_err(|_| ServeError::Status { method: "GET", url, status, body }),
            501 => Err(ServeError::NoServe { dashboard: self.dashboard.clone() }),
            _ => Err(ServeError::Status { method: "GET", url, status, body }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_keeps_serve_on_loopback_and_runs_the_app_in_place() {
        let app = RayServeApp {
            dashboard: "http://127.0.0.1:8265/".into(),
            port: 8123,
            backend_url: "http://127.0.0.1:8080".into(),
            max_ongoing_requests: 32,
            num_cpus: 1.0,
        };
        let config = app.config();
        assert_eq!(config["proxy_location"], "HeadOnly");
        assert_eq!(config["http_options"], json!({"host": "127.0.0.1", "port": 8123}));
        let application = &config["applications"][0];
        assert_eq!(application["import_path"], "ray_serve_app:build");
        assert_eq!(application["args"]["max_ongoing_requests"], 32);
        let working_dir = application["runtime_env"]["working_dir"].as_str().expect("a working_dir");
        let dir = working_dir.strip_prefix("local://").expect("a local:// working_dir");
        assert!(std::path::Path::new(dir).join("ray_serve_app.py").is_file(), "{dir} has no ray_serve_app.py");
        assert_eq!(app.applications(), "http://127.0.0.1:8265/api/serve/applications/");
        assert_eq!(app.url(), "http://127.0.0.1:8123/");
    }

    /// A dashboard that answers every request with `status` and `body`, one connection each.
    async fn dashboard(status: &'static str, body: &'static str) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let addr = listener.local_addr().expect("its address");
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut request = vec![0; 65536];
                let _ = socket.read(&mut request).await;
                let answer = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            }
        });
        format!("http://{addr}")
    }

    fn app(dashboard: String) -> RayServeApp {
        RayServeApp { dashboard, port: 8000, backend_url: "u".into(), max_ongoing_requests: 1, num_cpus: 1.0 }
    }

    #[tokio::test]
    async fn a_head_without_serve_is_named_with_the_way_to_install_it() {
        let url = dashboard("501 Not Implemented", "Serve dependencies are not installed").await;
        let error = app(url.clone()).deploy(&reqwest::Client::new()).await.expect_err("no Serve");
        assert!(matches!(&error, ServeError::NoServe { dashboard } if *dashboard == url), "{error:?}");
        assert!(error.to_string().contains("SYNAPSE_RAY_SERVE=1"), "{error}");
    }

    #[tokio::test]
    async fn a_failed_deployment_gives_serves_message() {
        let body =
            r#"{"applications": {"synapse_bench": {"status": "DEPLOY_FAILED", "message": "ImportError: no jwt"}}}"#;
        let error = app(dashboard("200 OK", body).await).deploy(&reqwest::Client::new()).await.expect_err("failed");
        assert!(
            matches!(&error, ServeError::DeployFailed { status, message } if status == "DEPLOY_FAILED" && message == "ImportError: no jwt"),
            "{error:?}"
        );
    }

    #[tokio::test]
    async fn a_refused_config_gives_the_status_and_body() {
        let error = app(dashboard("400 Bad Request", "bad config").await)
            .shutdown(&reqwest::Client::new())
            .await
            .expect_err("refused");
        assert!(
            matches!(&error, ServeError::Status { method: "DELETE", status: 400, body, .. } if body == "bad config"),
            "{error:?}"
        );
    }
}
