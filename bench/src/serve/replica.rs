//! A plugin binary's model server as a child process: `<plugin> serve --bind 127.0.0.1:0
//! [args...]`, which prints `@synapse-serve {"addr":"127.0.0.1:PORT","pid":N,"plugin":"..."}` on
//! stdout once it listens.

use super::ServeError;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a replica may take to announce its address.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a replica may take to end after SIGTERM before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// A running replica; dropping it ends it.
pub struct Replica {
    plugin: String,
    child: Child,
    /// The address it announced.
    pub addr: String,
    /// Its stderr, kept in a file so that a failure can show it and the load is not slowed by a
    /// terminal.
    stderr: PathBuf,
}

impl Replica {
    /// Starts `plugin serve --bind 127.0.0.1:0 args...` with `env` added to its environment and
    /// waits for its `@synapse-serve` line.
    ///
    /// Errors: [`ServeError::Replica`] when the binary cannot start, ends first, or prints no
    /// such line within 60 s (with its stderr's tail).
    pub fn start(plugin: &Path, args: &[String], env: &[(&str, &str)], stderr: PathBuf) -> Result<Self, ServeError> {
        let name = plugin.display().to_string();
        let error = |detail: String| ServeError::Replica { plugin: name.clone(), detail };
        let log =
            std::fs::File::create(&stderr).map_err(|e| error(format!("cannot create {}: {e}", stderr.display())))?;
        let mut child = Command::new(plugin)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(|e| error(format!("cannot start it: {e}")))?;
        let Some(stdout) = child.stdout.take() else {
            return Err(error("no stdout to read".into()));
        };
        // Read stdout on a thread of its own, to the end, so the replica never blocks on a full pipe.
        let (lines, announced) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(json) = line.strip_prefix("@synapse-serve ") {
                    let _ = lines.send(json.to_owned());
                }
            }
        });
        let mut replica = Self { plugin: name, child, addr: String::new(), stderr };
        let start = Instant::now();
        let announcement = loop {
            match announced.recv_timeout(Duration::from_millis(100)) {
                Ok(json) => break json,
                Err(mpsc::RecvTimeoutError::Timeout) if start.elapsed() < START_TIMEOUT => {
                    if let Ok(Some(status)) = replica.child.try_wait() {
                        return Err(replica.failure(format!("ended ({status}) before announcing its address")));
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    return Err(replica.failure(format!("no @synapse-serve line within {START_TIMEOUT:?}")));
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = replica.child.wait().map(|s| s.to_string()).unwrap_or_else(|e| e.to_string());
                    return Err(replica.failure(format!("closed its stdout ({status}) without a @synapse-serve line")));
                }
            }
        };
        let addr = serde_json::from_str::<serde_json::Value>(&announcement)
            .ok()
            .and_then(|value| value["addr"].as_str().map(str::to_owned));
        match addr {
            Some(addr) => replica.addr = addr,
            None => return Err(replica.failure(format!("@synapse-serve {announcement}: no \"addr\""))),
        }
        Ok(replica)
    }

    /// The URL requests go to: `POST /` on its address.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The URL of its health route.
    pub fn healthz(&self) -> String {
        format!("http://{}/-/healthz", self.addr)
    }

    /// A [`ServeError::Replica`] with `detail` and the last lines of the replica's stderr.
    pub fn failure(&self, detail: String) -> ServeError {
        let log = std::fs::read_to_string(&self.stderr).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(20).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        let detail = if tail.is_empty() {
            detail
        } else {
            format!("{detail}; its stderr ({}) ends with:\n{}", self.stderr.display(), tail.join("\n"))
        };
        ServeError::Replica { plugin: self.plugin.clone(), detail }
    }

    /// Ends the replica: SIGTERM, then SIGKILL after 5 s.
    pub fn stop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let start = Instant::now();
        while start.elapsed() < STOP_GRACE {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A stand-in plugin binary: a shell script with `body`.
    fn plugin(dir: &Path, body: &str) -> PathBuf {
        let path = dir.join("plugin");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write the script");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path
    }

    #[test]
    fn the_announced_address_is_read_and_the_arguments_passed() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let script = r#"[ "$1 $2 $3 $4" = "serve --bind 127.0.0.1:0 --signed-only" ] || exit 9
echo "starting"
echo "@synapse-serve {\"addr\":\"127.0.0.1:4567\",\"pid\":$$,\"plugin\":\"$SECRET\"}"
exec sleep 30"#;
        let path = plugin(dir.path(), script);
        let mut replica =
            Replica::start(&path, &["--signed-only".into()], &[("SECRET", "s")], dir.path().join("stderr"))
                .expect("started");
        assert_eq!(replica.url(), "http://127.0.0.1:4567/");
        assert_eq!(replica.healthz(), "http://127.0.0.1:4567/-/healthz");
        replica.stop();
        assert!(replica.child.try_wait().expect("its status").is_some(), "still running after stop");
    }

    #[test]
    fn a_replica_that_ends_first_is_named_with_its_stderr() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = plugin(dir.path(), "echo 'no deployment named serve' >&2; exit 3");
        let error = Replica::start(&path, &[], &[], dir.path().join("stderr")).err().expect("an error");
        let text = error.to_string();
        assert!(matches!(error, ServeError::Replica { .. }), "{error:?}");
        assert!(text.contains("exit status: 3") && text.contains("no deployment named serve"), "{text}");
    }

    #[test]
    fn an_announcement_without_an_address_is_refused() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = plugin(dir.path(), r#"echo '@synapse-serve {"pid":1}'; exec sleep 30"#);
        let error = Replica::start(&path, &[], &[], dir.path().join("stderr")).err().expect("an error");
        assert!(error.to_string().contains(r#"no "addr""#), "{error}");
    }
}
