//! Process isolation: the plugin binary as a child process, speaking JSON lines.

use super::remote::{RemoteStream, Stopping};
use super::{ExecutionMode, Executor, RunError, RunOptions, RunRequest};
use crate::events::{EventSink, RunId};
use futures_util::future::BoxFuture;
use serde_json::Value;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio_util::sync::CancellationToken;

/// Runs each action in a fresh child process of the plugin binary (`<binary> run <action>
/// --json`): a crash, a leak or a stray global in the action cannot touch the caller. Events
/// come back over the child's stdout and reach this executor's sinks as if the run were local.
///
/// Cancelling sends the child SIGTERM (the plugin cancels the run's token: the action sees it
/// and workflows roll back), then SIGKILL after the grace period.
///
/// ```no_run
/// # async fn demo() -> Result<(), synapse::RunError> {
/// use synapse::executor::ProcessExecutor;
/// let result = ProcessExecutor::new("target/release/quickstart")
///     .execute("process", serde_json::json!({"input_path": "a", "output_path": "b"}))
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ProcessExecutor {
    binary: PathBuf,
    options: RunOptions,
}

/// Lines of the child's stderr kept for the error of a run that died without an outcome.
const STDERR_TAIL: usize = 20;

impl ProcessExecutor {
    /// An executor running `binary` (a plugin binary built with `synapse::main!`), with the
    /// default settings.
    pub fn new(binary: impl Into<PathBuf>) -> Self {
        ProcessExecutor { binary: binary.into(), options: RunOptions::default() }
    }

    /// The executor `options` describe: their plugin binary, environment variables, job id,
    /// sinks, cancellation and grace (a child gets the grace, and a little more to report and
    /// exit, before it is killed; while its workflow rolls back it is not killed).
    ///
    /// # Errors
    /// [`RunError::Usage`] when no plugin binary is given and this program is not one.
    pub fn from_options(options: RunOptions) -> Result<Self, RunError> {
        Ok(ProcessExecutor { binary: options.plugin_binary()?, options })
    }

    /// An executor running this very binary (when it is a plugin binary).
    pub fn current() -> Result<Self, RunError> {
        std::env::current_exe()
            .map(ProcessExecutor::new)
            .map_err(|error| RunError::Infrastructure(format!("cannot locate the running plugin binary: {error}")))
    }

    /// The binary it runs.
    pub fn binary(&self) -> &Path {
        &self.binary
    }

    /// Its settings.
    pub fn options(&self) -> &RunOptions {
        &self.options
    }

    /// Runs `action` with `params` in a child process and returns its result.
    pub async fn execute(&self, action: &str, params: Value) -> Result<Value, RunError> {
        self.execute_as(action, params, RunId::random()).await
    }

    /// [`execute`](Self::execute) under the given run id (the child's events carry it).
    pub async fn execute_as(&self, action: &str, params: Value, run_id: RunId) -> Result<Value, RunError> {
        let cancel = self.options.cancel.clone().unwrap_or_default();
        self.run_in_child(action, params, run_id, &[], cancel).await
    }

    /// Runs in a child process: its events go to this executor's sinks and to `sinks`;
    /// `cancel` stops it.
    async fn run_in_child(
        &self,
        action: &str,
        params: Value,
        run_id: RunId,
        sinks: &[Arc<dyn EventSink>],
        cancel: CancellationToken,
    ) -> Result<Value, RunError> {
        let mut command = tokio::process::Command::new(&self.binary);
        command.args(["run", action, "--marked", "--params", "-", "--run-id", run_id.as_str()]);
        if let Some(job_id) = &self.options.job_id {
            command.args(["--job-id", job_id]);
        }
        let grace = self.options.grace_or_default();
        if grace != super::CANCEL_GRACE {
            command.arg("--cancel-grace").arg(humantime::format_duration(grace).to_string());
        }
        command.envs(self.options.env_vars.iter().map(|(k, v)| (k, v)));
        command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
        let mut child = command.spawn().map_err(|error| {
            RunError::Infrastructure(format!("cannot start the plugin binary {}: {error}", self.binary.display()))
        })?;
        let (Some(mut stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(RunError::Infrastructure("the plugin process has no standard streams".into()));
        };
        let body = serde_json::to_vec(&params).unwrap_or_default();
        // A child that exits before reading its params (a usage error) closes the pipe: its
        // own report says why, so a write error here is not the story.
        let _ = stdin.write_all(&body).await;
        drop(stdin);
        // Both pipes are read to their end whatever they carry (a child that prints binary
        // data must not stall on a full pipe nobody reads).
        let stderr_tail = tokio::spawn(async move {
            let mut reader = BufReader::new(stderr);
            let mut tail = VecDeque::with_capacity(STDERR_TAIL);
            let mut line = Vec::new();
            // A line is cut at 4 KiB (its rest reads as the next line): a tail, bounded.
            while matches!((&mut reader).take(4096).read_until(b'\n', &mut line).await, Ok(n) if n > 0) {
                if tail.len() == STDERR_TAIL {
                    tail.pop_front();
                }
                let text = String::from_utf8_lossy(&line);
                tail.push_back(text.trim_end_matches(['\n', '\r']).to_owned());
                line.clear();
            }
            tail
        });
        let mut stream =
            RemoteStream::new(action, Some(run_id), self.options.sinks.iter().chain(sinks).cloned().collect());
        let mut stdout = stdout;
        let mut chunk = vec![0u8; 64 * 1024];
        let mut signalled = false;
        // Once signalled: how long the child may take to stop, and when it last said anything.
        let mut stopping: Option<Stopping> = None;
        let mut last_heard = tokio::time::Instant::now();
        loop {
            tokio::select! {
                read = stdout.read(&mut chunk) => match read {
                    Ok(n) if n > 0 => {
                        stream.push_bytes(&chunk[..n]);
                        last_heard = tokio::time::Instant::now();
                    }
                    _ => break,
                },
                () = cancel.cancelled(), if !signalled => {
                    signalled = true;
                    terminate(&child);
                    stopping = Some(Stopping::now(grace));
                }
                () = sleep_until_some(stopping.as_ref().map(|s| s.give_up_at(&stream, last_heard))) => {
                    // The child did not stop by itself (see `Stopping` for how long it may take).
                    stopping = None;
                    if let Some(pid) = child.id() {
                        kill(pid);
                    }
                }
            }
        }
        let status = child.wait().await;
        let tail = stderr_tail.await.unwrap_or_default();
        match stream.into_result() {
            Some(outcome) => outcome,
            None => Err(RunError::Lost {
                action: action.to_owned(),
                place: format!("plugin process {}", self.binary.display()),
                reason: describe_exit(status.ok(), &tail),
            }),
        }
    }
}

/// Sleeps until `at`, or forever when there is no `at`.
async fn sleep_until_some(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Asks the child to stop: SIGTERM, which the plugin CLI turns into cancelling the run.
fn terminate(child: &tokio::process::Child) {
    if let Some(pid) = child.id().and_then(|id| rustix::process::Pid::from_raw(id as i32)) {
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
    }
}

fn kill(pid: u32) {
    if let Some(pid) = rustix::process::Pid::from_raw(pid as i32) {
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
    }
}

fn describe_exit(status: Option<ExitStatus>, stderr: &VecDeque<String>) -> String {
    use std::os::unix::process::ExitStatusExt;
    let how = match status {
        Some(status) => match (status.code(), status.signal()) {
            (Some(code), _) => format!("it exited with status {code}"),
            (None, Some(9)) => "it was killed (SIGKILL)".to_owned(),
            (None, Some(signal)) => format!("it was killed by signal {signal}"),
            (None, None) => "it ended".to_owned(),
        },
        None => "its exit status is unknown".to_owned(),
    };
    if stderr.is_empty() {
        how
    } else {
        let lines: Vec<&str> = stderr.iter().map(String::as_str).collect();
        format!("{how}; its last output:\n{}", lines.join("\n"))
    }
}

impl Executor for ProcessExecutor {
    fn mode(&self) -> ExecutionMode {
        ExecutionMode::Process
    }

    fn run(&self, request: RunRequest) -> BoxFuture<'_, Result<Value, RunError>> {
        Box::pin(async move {
            let (cancel, _watch) = super::contract::linked(self.options.cancel.as_ref(), request.cancel);
            self.run_in_child(&request.action, request.params, request.run_id, &request.sinks, cancel).await
        })
    }
}
