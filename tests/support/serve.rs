//! Replicas of a plugin's serve deployment (`plugin serve`) as child processes: started, their
//! announced address read, asked over HTTP, killed with the test.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use synapse::serve::{MODEL_HEADER, SERVE_LINE_MARKER, ServeAnnouncement};

/// A running replica; killed when dropped.
pub struct Replica {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its process id.
    pub pid: u32,
}

impl Replica {
    /// Starts `<bin> serve` with `args` and the variables `envs` (none inherited of the
    /// backend's), and waits for its announcement.
    pub fn start(bin: &str, args: &[&str], envs: &[(&str, &str)]) -> Replica {
        let mut command = Command::new(bin);
        command
            .arg("serve")
            .args(args)
            .env_remove("SYNAPSE_HOST")
            .env_remove("SYNAPSE_ACCESS_TOKEN")
            .env_remove("SYNAPSE_PLUGIN_RUN_HOST")
            .envs(envs.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("start models-plugin serve");
        let stdout = child.stdout.take().expect("its stdout");
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let read = reader.read_line(&mut line).unwrap_or(0);
        let announced = line
            .strip_prefix(SERVE_LINE_MARKER)
            .and_then(|json| serde_json::from_str::<ServeAnnouncement>(json.trim()).ok());
        let Some(announcement) = announced.filter(|_| read > 0) else {
            let _ = child.kill();
            let mut stderr = String::new();
            if let Some(mut err) = child.stderr.take() {
                let _ = err.read_to_string(&mut stderr);
            }
            let _ = child.wait();
            panic!("the replica did not announce itself; stdout: {line:?}; stderr: {stderr}");
        };
        // Keep reading stdout so the replica never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        Replica { child, addr: announcement.addr, pid: announcement.pid }
    }

    /// Starts a replica serving the models under `dir` (model N in `dir/N/`), taking plain ids.
    pub fn of_dir(bin: &str, dir: &Path, args: &[&str]) -> Replica {
        let dir = dir.to_str().expect("a UTF-8 path");
        let mut all = vec!["--models-dir", dir];
        all.extend_from_slice(args);
        Replica::start(bin, &all, &[])
    }

    /// `http://<addr><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Posts `body` for the model `header` names; the status and the JSON answer.
    pub async fn infer(&self, header: &str, body: &Value) -> (u16, Value) {
        post(&reqwest::Client::new(), &self.url("/"), header, body).await
    }

    /// `GET /-/models`.
    pub async fn models(&self) -> Value {
        reqwest::get(self.url("/-/models")).await.expect("GET /-/models").json().await.expect("JSON")
    }

    /// Kills it and returns what it wrote on stderr.
    pub fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut stderr = String::new();
        if let Some(mut err) = self.child.stderr.take() {
            let _ = err.read_to_string(&mut stderr);
        }
        stderr
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Posts `body` to `url` with the model header `header`; the status and the JSON answer.
pub async fn post(client: &reqwest::Client, url: &str, header: &str, body: &Value) -> (u16, Value) {
    let response = client.post(url).header(MODEL_HEADER, header).json(body).send().await.expect("POST");
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON answer"))
}

/// Writes model `id` into `dir` (`dir/<id>/model.json` holding `model`).
pub fn write_model(dir: &Path, id: u64, model: &Value) {
    let path = dir.join(id.to_string());
    std::fs::create_dir_all(&path).expect("model directory");
    std::fs::write(path.join("model.json"), model.to_string()).expect("model.json");
}

/// Registers on `backend` a model of the models test plugin with scale `scale`, as a train action
/// registers one (a zip of its directory); its id.
pub async fn model_on_backend(backend: &synapse_dev_backend::RunningDevBackend, scale: f64) -> u64 {
    let work = tempfile::tempdir().expect("a scratch directory");
    write_model(work.path(), 1, &serde_json::json!({ "scale": scale }));
    let archive = work.path().join("model.zip");
    synapse::train::zip_dir(&work.path().join("1"), &archive).expect("the model's zip");
    let client = crate::dev_backend::client_of(backend.url(), crate::dev_backend::quick(2, 10, 50));
    let model = synapse::backend::ModelCreate::new(format!("scale {scale}"));
    client.create_model_from_file(&archive, model, &Default::default()).await.expect("the model registered").id
}

/// A body of the models test plugin: `{"values": values}`.
pub fn numbers(values: &[f64]) -> Value {
    serde_json::json!({ "values": values })
}

/// The SDK's model token for `model` and caller token `caller`, signed for the backend at
/// `backend` (what `create_serve_multiplexed_model_id` makes).
pub fn sdk_token(backend: &str, model: u64, caller: &str) -> String {
    synapse::serve::TokenPolicy::sdk(backend).sign(&synapse::serve::ModelClaims {
        model: model.to_string(),
        token: caller.into(),
        tenant: None,
        exp: None,
    })
}
