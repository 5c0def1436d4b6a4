//! Helpers shared by the integration tests: running plugin binaries and reading their
//! JSON-lines event streams.

pub mod dev_backend;
pub mod discovery;
pub mod env_file;
pub mod fake_ray;
pub mod ray;
pub mod ray_nodes;
pub mod s3;
pub mod serve;
pub mod to_task;
pub mod upload;

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use synapse::events::Event;

/// What a plugin process did.
#[derive(Debug)]
pub struct Ran {
    /// Its exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl From<Output> for Ran {
    fn from(output: Output) -> Self {
        Ran {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// Runs the plugin binary at `bin` with `args` and waits for it.
pub fn run(bin: &str, args: &[&str]) -> Ran {
    run_in(bin, args, None)
}

/// Like [`run`], in the working directory `dir`.
pub fn run_in(bin: &str, args: &[&str], dir: Option<&Path>) -> Ran {
    let mut command = Command::new(bin);
    command.args(args).stdin(Stdio::null()).env_remove("SYNAPSE_JOB_ID");
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    match command.output() {
        Ok(output) => output.into(),
        Err(error) => panic!("cannot start {bin}: {error}"),
    }
}

/// Like [`run`], with `input` on standard input.
pub fn run_with_stdin(bin: &str, args: &[&str], input: &str) -> Ran {
    use std::io::Write;
    let mut child = Command::new(bin)
        .args(args)
        .env_remove("SYNAPSE_JOB_ID")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot start {bin}: {error}"));
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(input.as_bytes()).expect("write standard input");
    }
    child.wait_with_output().expect("wait for the plugin").into()
}

/// Parses every line of a `--json` run's stdout as an event.
pub fn events(stdout: &str) -> Vec<Event> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("not an event line ({error}): {line}")))
        .collect()
}

/// The raw JSON of every stdout line.
pub fn lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("not JSON ({error}): {line}")))
        .collect()
}

/// The `type` tags of `events`.
pub fn tags(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(|e| e.kind.tag()).collect()
}

/// Asserts the invariants of one run's stream: one run id, sequence numbers 0..n without gaps,
/// `started` first, one terminal event last.
pub fn assert_well_formed(events: &[Event]) {
    assert!(!events.is_empty(), "no events");
    let run = &events[0].run;
    for (i, event) in events.iter().enumerate() {
        assert_eq!(&event.run, run, "event {i} belongs to another run");
        assert_eq!(event.seq, i as u64, "sequence numbers must be 0..n without gaps");
        assert_eq!(event.version, synapse::events::EVENT_SCHEMA_VERSION);
    }
    assert_eq!(events[0].kind.tag(), "started");
    let terminal: Vec<usize> =
        events.iter().enumerate().filter(|(_, e)| e.kind.is_terminal()).map(|(i, _)| i).collect();
    assert_eq!(terminal, [events.len() - 1], "exactly one terminal event, last");
}

/// Copies a directory tree (for editing a plugin's committed files in a test).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("mkdir {}: {e}", to.display()));
    let entries = std::fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display()));
    for entry in entries.flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap_or_else(|e| panic!("copy {}: {e}", entry.path().display()));
        }
    }
}

/// Events as JSON with what legitimately differs between two runs of the same action removed
/// (run and job ids, timestamps, durations), for comparing event sequences across executors.
pub fn normalized(events: &[Event]) -> Vec<Value> {
    fn scrub(value: &mut Value) {
        match value {
            Value::Object(map) => {
                for key in ["run", "job_id", "ts", "elapsed_ms"] {
                    map.remove(key);
                }
                map.values_mut().for_each(scrub);
            }
            Value::Array(items) => items.iter_mut().for_each(scrub),
            _ => {}
        }
    }
    events
        .iter()
        .map(|event| {
            let mut value = serde_json::to_value(event).unwrap_or_else(|e| panic!("event to JSON: {e}"));
            scrub(&mut value);
            value
        })
        .collect()
}

/// Asserts that two runs produced the same event sequence (see [`normalized`]), naming the
/// first difference instead of printing both sequences whole.
pub fn assert_same_events(expected: &[Event], actual: &[Event]) {
    let (expected, actual) = (normalized(expected), normalized(actual));
    if let Some(i) = expected.iter().zip(&actual).position(|(a, b)| a != b) {
        panic!("event {i} differs:\n  expected {}\n  actual   {}", expected[i], actual[i]);
    }
    assert_eq!(expected.len(), actual.len(), "the sequences differ in length (their common part is equal)");
}

/// Starts `<faulty> run wait --json` (the faulty plugin's binary) with `args`, reads its events
/// until the action says it waits, and returns the child, its reader, what it printed so far,
/// and the pid of the process running the action.
pub fn start_waiting(
    faulty: &str,
    args: &[&str],
) -> (std::process::Child, std::io::BufReader<std::process::ChildStdout>, String, u64) {
    use std::io::BufRead;
    let mut child = Command::new(faulty)
        .args(["run", "wait", "--json"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the plugin");
    let Some(stdout) = child.stdout.take() else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the plugin has no stdout");
    };
    let mut reader = std::io::BufReader::new(stdout);
    let mut seen = String::new();
    let pid = loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break None;
        }
        seen.push_str(&line);
        let waiting = serde_json::from_str::<synapse::Event>(&line).ok().and_then(|event| match event.kind {
            synapse::EventKind::Log { event, data, .. } if event == "waiting" => data["pid"].as_u64(),
            _ => None,
        });
        if waiting.is_some() {
            break waiting;
        }
    };
    match pid {
        Some(pid) => (child, reader, seen, pid),
        None => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the plugin ended before its action waited: {seen}");
        }
    }
}

/// Reads the rest of a run started with [`start_waiting`]: its exit code and its error, after
/// checking that its events are well formed.
pub fn finish(
    mut child: std::process::Child,
    mut reader: std::io::BufReader<std::process::ChildStdout>,
    mut seen: String,
) -> (Option<i32>, synapse::executor::ErrorReport) {
    std::io::Read::read_to_string(&mut reader, &mut seen).expect("read the rest");
    let code = child.wait().expect("wait").code();
    let events = events(&seen);
    assert_well_formed(&events);
    let Some(synapse::EventKind::Error { error }) = events.last().map(|e| &e.kind) else {
        panic!("no error event: {seen}")
    };
    (code, error.clone())
}

/// Sends `signal` (`-KILL`, `-TERM`, …) to process `pid`.
pub fn signal(pid: u64, signal: &str) {
    let sent = Command::new("kill").args([signal, &pid.to_string()]).status().expect("run kill");
    assert!(sent.success(), "kill {signal} {pid}");
}
