//! What Rust code logs with `tracing` or `log` reaches the run: as `log_line` events with
//! their level, target and step, on the console, in `--json`, from a child process, with the
//! level given by `--log-level` or `RUST_LOG`; and in a host application's own subscriber,
//! which keeps seeing everything.

use serde_json::json;
use std::sync::{Arc, Mutex};
use synapse::EventKind;
use synapse::LocalExecutor;
use synapse::events::sink::MemorySink;
use synapse::events::{Event, LogCapture, LogLevel};
use synapse::executor::RunOptions;
use synapse::prelude::*;
use synapse_tests::{assert_well_formed, events, run};
use tracing_subscriber::layer::SubscriberExt;

const FAULTY: &str = env!("CARGO_BIN_EXE_faulty-plugin");

/// The captured records of a run: (level, target, step, message and ` field=value` pairs).
fn captured(events: &[Event]) -> Vec<(LogLevel, String, Option<String>, String)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::LogLine { level, message, target: Some(target), fields } => {
                let fields: String = fields.iter().map(|(key, value)| format!(" {key}={value}")).collect();
                Some((*level, target.clone(), e.step.clone(), format!("{message}{fields}")))
            }
            _ => None,
        })
        .collect()
}

fn line(
    level: LogLevel,
    target: &str,
    step: Option<&str>,
    message: &str,
) -> (LogLevel, String, Option<String>, String) {
    (level, target.to_owned(), step.map(str::to_owned), message.to_owned())
}

#[test]
fn what_the_action_logs_becomes_events_of_its_run_in_every_process() {
    let expected = vec![
        line(LogLevel::Info, "faulty_plugin", None, "training epoch=1 loss=0.25"),
        line(LogLevel::Warning, "faulty::legacy", None, "from the log crate"),
        line(LogLevel::Info, "faulty_plugin", None, "from a thread of its own"),
        line(LogLevel::Info, "faulty_plugin", None, "from blocking work"),
        line(LogLevel::Warning, "faulty_plugin", Some("log_in"), "inside a step shards=3"),
    ];
    for mode in ["local", "process"] {
        let ran = run(FAULTY, &["run", "logs", "--json", "--mode", mode]);
        assert_eq!(ran.code, Some(0), "{mode}: {}", ran.stderr);
        let events = events(&ran.stdout);
        assert_well_formed(&events);
        assert_eq!(captured(&events), expected, "{mode}");
        // The fields of a record stay fields, with their JSON types.
        let training = events.iter().find_map(|e| match &e.kind {
            EventKind::LogLine { message, fields, .. } if message == "training" => Some(fields.clone()),
            _ => None,
        });
        assert_eq!(training.map(serde_json::Value::Object), Some(json!({"epoch": 1, "loss": 0.25})), "{mode}");
        // The level: --log-level (forwarded to the child), else RUST_LOG.
        let ran = run(FAULTY, &["run", "logs", "--json", "--mode", mode, "--log-level", "debug"]);
        let debug = captured(&events_of(&ran.stdout));
        assert_eq!(debug.first(), Some(&line(LogLevel::Debug, "faulty_plugin", None, "a debug record")), "{mode}");
        let mut command = std::process::Command::new(FAULTY);
        command.args(["run", "logs", "--json", "--mode", mode]).env("RUST_LOG", "warn");
        let ran: synapse_tests::Ran = command.output().expect("run").into();
        let warnings: Vec<LogLevel> = captured(&events_of(&ran.stdout)).into_iter().map(|l| l.0).collect();
        assert_eq!(warnings, [LogLevel::Warning, LogLevel::Warning], "{mode}");
    }
    let ran = run(FAULTY, &["run", "logs"]);
    assert!(ran.stderr.contains("info [faulty_plugin] training epoch=1 loss=0.25"), "{}", ran.stderr);
    assert!(ran.stderr.contains("[log_in] warning [faulty_plugin] inside a step shards=3"), "{}", ran.stderr);
    let bad = run(FAULTY, &["run", "logs", "--log-level", "x=loud"]);
    assert_eq!(bad.code, Some(2));
    assert!(bad.stderr.contains("invalid log filter `x=loud` (from --log-level)"), "{}", bad.stderr);
}

fn events_of(stdout: &str) -> Vec<Event> {
    events(stdout)
}

/// Logs one line, with a field.
#[action]
async fn says_hello(ctx: &Context) -> Result<Value> {
    tracing::info!(who = "host", "hello");
    ctx.set_progress(1, 1);
    Ok(json!({}))
}

/// A host application's own layer: what it sees.
struct Seen(Arc<Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Seen {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        self.0.lock().expect("lock").push(event.metadata().target().to_owned());
    }
}

#[test]
fn a_host_keeps_its_subscriber_and_adds_the_capture_as_a_layer() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let subscriber = tracing_subscriber::registry().with(Seen(seen.clone())).with(LogCapture::new());
    let memory = Arc::new(MemorySink::new());
    let executor = LocalExecutor::from_options(RunOptions::default().sink(memory.clone()));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    tracing::subscriber::with_default(subscriber, || {
        rt.block_on(executor.execute("says_hello", json!({}))).expect("runs");
    });
    assert!(seen.lock().expect("lock").iter().any(|target| target == "log_capture"), "the host's layer saw it");
    let lines = captured(&memory.events());
    assert_eq!(lines, [line(LogLevel::Info, "log_capture", None, "hello who=\"host\"")]);
}
