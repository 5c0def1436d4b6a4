//! A dev backend as a process of its own for the figures that measure a client against it
//! (`upload_figures`, `download_figures`): started from the binary next to the harness (or
//! `--backend PATH`), its URL read from its announcement, ended by [`fail`] and [`stop_backend`].

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

/// The token the backend is started with.
pub const TOKEN: &str = "bench-token";

/// The dev backend process, ended by [`fail`] too.
static BACKEND: Mutex<Option<Child>> = Mutex::new(None);

/// Says what failed, stops the backend, and exits 1.
pub fn fail(what: &str, error: impl std::fmt::Display) -> ! {
    eprintln!("error: {what}: {error}");
    stop_backend();
    std::process::exit(1);
}

/// Ends the backend process, if one runs.
pub fn stop_backend() {
    if let Some(mut child) = BACKEND.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take() {
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// The value after `name` on the command line.
pub fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|arg| arg == name).and_then(|at| args.get(at + 1).cloned())
}

/// The number the flag `--name` gives, else `default` (a flag that is no number stops the bench).
pub fn number(name: &str, default: u64) -> u64 {
    arg(name).map_or(default, |value| value.parse().unwrap_or_else(|e| fail(name, e)))
}

/// A request to the dev backend at `url` (its `/_dev/` routes need no token): the JSON answer; a
/// failed request or a status other than 2xx stops the bench, naming `path`.
pub async fn dev(url: &str, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
    let mut request = reqwest::Client::new().request(method, format!("{url}{path}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap_or_else(|e| fail(path, e));
    let status = response.status();
    let body: Value = response.json().await.unwrap_or_else(|e| fail(path, e));
    if !status.is_success() {
        fail(path, format!("{status} {body}"));
    }
    body
}

/// The dev backend binary (`--backend`, else the one beside this binary), started on a free
/// loopback port; its URL.
/// Starts a backend keeping its state in `data`; its URL.
pub fn start_backend(data: &Path) -> String {
    let exe = std::env::current_exe().unwrap_or_else(|e| fail("this binary's path", e));
    let server = arg("--backend").map_or_else(|| exe.with_file_name("synapse-dev-backend"), PathBuf::from);
    let mut child = Command::new(&server)
        .args(["--bind", "127.0.0.1:0", "--token", TOKEN, "--data"])
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| fail(&format!("starting {}", server.display()), e));
    let stdout = child.stdout.take();
    *BACKEND.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(child);
    let stdout = stdout.unwrap_or_else(|| fail("the backend's stdout", "none"));
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap_or_else(|e| fail("reading the backend's address", e));
    let announced: Value = line
        .strip_prefix("@synapse-dev-backend ")
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_else(|| fail("the backend's first line", &line));
    announced["url"].as_str().unwrap_or_else(|| fail("the backend's URL", &line)).to_owned()
}
