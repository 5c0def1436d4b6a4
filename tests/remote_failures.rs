//! Every failure of a remote run speaks, in every mode: each run ends with exactly one `error`
//! event (so `--json` shows it) and a console line naming what failed and where, with the exit
//! code of the README's table. The table of modes × failures that need no cluster; the ones
//! that need a real head (a worker that dies, a job stopped from outside) are in
//! `tests/ray_failures.rs`.

use std::path::Path;
use std::process::{Command, Stdio};
use synapse::EventKind;
use synapse::executor::ray::UNREACHABLE_HINT;
use synapse::executor::{ErrorKind, ErrorReport};
use synapse_tests::fake_ray::{Failure, FakeDashboard};
use synapse_tests::{Ran, events, finish, signal, start_waiting};

const QUICKSTART: &str = env!("CARGO_BIN_EXE_quickstart-plugin");
const DATASET: &str = env!("CARGO_BIN_EXE_dataset-pipeline-plugin");
const FAULTY: &str = env!("CARGO_BIN_EXE_faulty-plugin");
const PARAMS: &str = r#"{"input_path": "a", "output_path": "b"}"#;

/// A mode a remote run can take from the command line.
#[derive(Clone, Copy, Debug)]
enum Mode {
    /// `run process --mode task`.
    Task,
    /// `run process --mode job`.
    Job,
    /// `pipeline run dataset --mode job`.
    PipelineJob,
}

const MODES: [Mode; 3] = [Mode::Task, Mode::Job, Mode::PipelineJob];

fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join(name).to_string_lossy().into_owned()
}

/// Runs `mode` against `address` (none: no address at all), with `--json` or for a person,
/// shipping the example's own directory.
fn run(mode: Mode, address: Option<&str>, json: bool) -> Ran {
    run_shipping(mode, address, json, None)
}

/// [`run`], shipping `plugin_dir` instead of the example's directory.
fn run_shipping(mode: Mode, address: Option<&str>, json: bool, plugin_dir: Option<&Path>) -> Ran {
    let store = tempfile::tempdir().expect("temp dir");
    let store_path = store.path().join("runs.db").to_string_lossy().into_owned();
    let mut command = match mode {
        Mode::Task | Mode::Job => {
            let mut command = Command::new(QUICKSTART);
            let mode = if matches!(mode, Mode::Task) { "task" } else { "job" };
            command.args(["run", "process", "--params", PARAMS, "--mode", mode, "--plugin-dir"]);
            command.arg(plugin_dir.map_or_else(|| example("quickstart"), |dir| dir.to_string_lossy().into_owned()));
            command
        }
        Mode::PipelineJob => {
            let mut command = Command::new(DATASET);
            command.args(["pipeline", "run", "dataset", "--params", r#"{"work_dir": "/tmp/w"}"#, "--mode", "job"]);
            let dir = plugin_dir.map_or_else(|| example("dataset_pipeline"), |dir| dir.to_string_lossy().into_owned());
            command.args(["--store", &store_path, "--plugin-dir", &dir]);
            command
        }
    };
    if let Some(address) = address {
        command.args(["--ray-address", address]);
    }
    if json {
        command.arg("--json");
    }
    command.env_remove("SYNAPSE_RAY_ADDRESS").stdin(Stdio::null());
    command.output().unwrap_or_else(|e| panic!("run {mode:?}: {e}")).into()
}

/// Runs `mode` twice (for a person, then `--json`) and checks both: the exit code, the console
/// line, and exactly one event, the `error`, of `kind`, whose message contains `expected`.
fn assert_fails(mode: Mode, address: Option<&str>, code: i32, kind: ErrorKind, expected: &str) -> ErrorReport {
    let shown = run(mode, address, false);
    assert_eq!(shown.code, Some(code), "{mode:?}: {}", shown.stderr);
    let line = shown.stderr.lines().find(|l| l.starts_with('✖')).unwrap_or_else(|| {
        panic!("{mode:?}: no ✖ line naming the failure:\n{}", shown.stderr);
    });
    assert!(line.contains(expected), "{mode:?}: {line:?} does not say {expected:?}");

    let emitted = run(mode, address, true);
    assert_eq!(emitted.code, Some(code), "{mode:?} --json: {}", emitted.stderr);
    let events = events(&emitted.stdout);
    let terminal: Vec<_> = events.iter().filter(|e| e.kind.is_terminal()).collect();
    assert_eq!(terminal.len(), 1, "{mode:?}: exactly one terminal event: {}", emitted.stdout);
    let last = events.last().expect("an event");
    let EventKind::Error { error } = &last.kind else { panic!("{mode:?}: the last event is not the error") };
    assert_eq!(error.kind, kind, "{mode:?}: {}", error.message);
    assert!(error.message.contains(expected), "{mode:?}: {:?} does not say {expected:?}", error.message);
    error.clone()
}

#[test]
fn no_ray_address_is_a_usage_error_in_every_ray_mode() {
    for mode in MODES {
        let mode_name = if matches!(mode, Mode::Task) { "task" } else { "job" };
        let expected = format!("{mode_name} mode cannot run: no Ray cluster given");
        assert_fails(mode, None, 2, ErrorKind::ModeUnavailable, &expected);
    }
}

#[test]
fn a_dashboard_that_refuses_connections_is_named() {
    for mode in MODES {
        let expected =
            &format!("Ray dashboard unreachable at http://127.0.0.1:9: connection refused ({UNREACHABLE_HINT})");
        assert_fails(mode, Some("http://127.0.0.1:9"), 1, ErrorKind::Infrastructure, expected);
    }
}

#[test]
fn an_html_error_page_is_read_for_its_words_and_names_the_dashboard() {
    let dashboard = FakeDashboard::start(Failure::Html500);
    let expected = format!("the Ray dashboard at {} answered GET /api/version with HTTP 500", dashboard.address);
    for mode in MODES {
        let error = assert_fails(mode, Some(&dashboard.address), 1, ErrorKind::Infrastructure, &expected);
        assert!(
            error.message.ends_with("with HTTP 500: 500 Internal Server Error: The upstream dashboard is restarting."),
            "{mode:?}: {}",
            error.message
        );
        assert!(!error.message.contains('<'), "no markup: {}", error.message);
    }
}

#[test]
fn a_package_that_cannot_be_built_names_the_file() {
    let temp = tempfile::tempdir().expect("temp dir");
    // A named pipe (reading it would wait forever) and a link to nothing, each in a plugin
    // directory of its own.
    let fifo_dir = temp.path().join("with-fifo");
    std::fs::create_dir_all(fifo_dir.join("data")).expect("mkdir");
    let made = Command::new("mkfifo").arg(fifo_dir.join("data/feed")).status().expect("run mkfifo");
    assert!(made.success());
    let link_dir = temp.path().join("with-link");
    std::fs::create_dir_all(&link_dir).expect("mkdir");
    std::os::unix::fs::symlink(temp.path().join("gone.csv"), link_dir.join("samples.csv")).expect("symlink");
    let cases = [
        (fifo_dir.join("data/feed"), "is a FIFO (named pipe), not a file", &fifo_dir),
        (link_dir.join("samples.csv"), "is a symbolic link to", &link_dir),
    ];
    // A dashboard that answers, so that the run gets as far as packaging.
    let dashboard = FakeDashboard::start(Failure::VanishesMidRun { after_status: usize::MAX });
    for (path, says, dir) in cases {
        for mode in MODES {
            for json in [false, true] {
                let ran = run_shipping(mode, Some(&dashboard.address), json, Some(dir));
                assert_eq!(ran.code, Some(1), "{mode:?}: {}", ran.stderr);
                let message = if json {
                    let events = events(&ran.stdout);
                    assert_eq!(events.len(), 1, "{mode:?}: exactly the error event: {}", ran.stdout);
                    let EventKind::Error { error } = &events[0].kind else { panic!("{mode:?}: {}", ran.stdout) };
                    assert_eq!(error.kind, ErrorKind::Infrastructure);
                    error.message.clone()
                } else {
                    let line = ran.stderr.lines().find(|l| l.starts_with('✖')).map(str::to_owned);
                    line.unwrap_or_else(|| panic!("{mode:?}: no ✖ line:\n{}", ran.stderr))
                };
                assert!(message.contains(&format!("`{}`", path.display())), "{mode:?}: {message}");
                assert!(message.contains(says), "{mode:?}: {message}");
            }
        }
    }
}

#[test]
fn a_dashboard_going_away_mid_run_names_the_job_and_its_last_status() {
    for mode in MODES {
        // Each run (shown, then --json) gets a dashboard of its own that goes away after it
        // reported the job RUNNING twice.
        let dashboards = [(); 2].map(|_| FakeDashboard::start(Failure::VanishesMidRun { after_status: 2 }));
        let mut reports = Vec::new();
        for (json, dashboard) in [false, true].into_iter().zip(&dashboards) {
            let ran = run(mode, Some(&dashboard.address), json);
            assert_eq!(ran.code, Some(1), "{mode:?}: {}", ran.stderr);
            let message = if json {
                let events = events(&ran.stdout);
                assert_eq!(events.iter().filter(|e| e.kind.is_terminal()).count(), 1, "{mode:?}: {}", ran.stdout);
                let Some(EventKind::Error { error }) = events.last().map(|e| &e.kind) else { panic!("{mode:?}") };
                error.message.clone()
            } else {
                let line = ran.stderr.lines().find(|l| l.starts_with('✖')).map(str::to_owned);
                line.unwrap_or_else(|| panic!("{mode:?}: no ✖ line:\n{}", ran.stderr))
            };
            assert!(message.contains(&format!("Ray dashboard unreachable at {}", dashboard.address)), "{message}");
            reports.push(message);
        }
        for message in reports {
            match mode {
                Mode::Task => {
                    assert!(message.contains("while the worker job `"), "{message}");
                    assert!(message.contains("was starting"), "{message}");
                }
                Mode::Job | Mode::PipelineJob => {
                    assert!(message.contains("lost contact with Ray job `"), "{message}");
                    assert!(message.contains(", last seen RUNNING"), "{message}");
                    assert!(message.contains("the job may still be running (`jobs status "), "{message}");
                }
            }
        }
    }
}

#[test]
fn a_child_process_that_dies_or_is_stopped_from_outside_is_reported() {
    // The process running the action dies: the run is lost, saying how.
    let (child, reader, seen, pid) = start_waiting(FAULTY, &["--mode", "process"]);
    assert_ne!(pid, u64::from(child.id()), "the action runs in a child of the CLI");
    signal(pid, "-KILL");
    let (code, error) = finish(child, reader, seen);
    assert_eq!(code, Some(1));
    assert_eq!(error.kind, ErrorKind::Lost);
    assert!(error.message.starts_with("the plugin process "), "{}", error.message);
    assert!(error.message.contains("running action `wait` ended without reporting a result: it was killed (SIGKILL)"));

    // Something outside stops it (SIGTERM, as a scheduler does): the run is cancelled.
    let (child, reader, seen, pid) = start_waiting(FAULTY, &["--mode", "process"]);
    signal(pid, "-TERM");
    let (code, error) = finish(child, reader, seen);
    assert_eq!(code, Some(130));
    assert_eq!(error.kind, ErrorKind::Cancelled, "{}", error.message);
}

#[test]
fn a_command_line_that_cannot_be_used_is_a_usage_error_with_its_event() {
    let cases: [(&[&str], &str); 5] = [
        (&["run", "process", "--json", "--bogus"], "unexpected argument '--bogus'"),
        (&["run", "process", "--json", "--log-level", "x=loud"], "invalid log filter `x=loud` (from --log-level)"),
        (
            &["run", "process", "--json", "--params", PARAMS, "--mode", "job", "--ray-address", "not a url"],
            "invalid Ray dashboard address `not a url`",
        ),
        (
            &[
                "run",
                "process",
                "--json",
                "--params",
                PARAMS,
                "--mode",
                "job",
                "--ray-address",
                "http://127.0.0.1:9",
                "--plugin-dir",
                "/nonexistent/dir",
            ],
            "the plugin directory `/nonexistent/dir` given with --plugin-dir is not a directory",
        ),
        (
            &["run", "process", "--json", "--params", PARAMS, "--mode", "job", "--ray-address", ""],
            "job mode cannot run: no Ray cluster given",
        ),
    ];
    for (args, says) in cases {
        let mut command = Command::new(QUICKSTART);
        command.args(args).env_remove("SYNAPSE_RAY_ADDRESS").stdin(Stdio::null());
        let ran: Ran = command.output().expect("run").into();
        assert_eq!(ran.code, Some(2), "{args:?}: {}", ran.stderr);
        let events = events(&ran.stdout);
        assert_eq!(events.len(), 1, "{args:?}: exactly the error event: {}", ran.stdout);
        let EventKind::Error { error } = &events[0].kind else { panic!("{args:?}: {}", ran.stdout) };
        assert!(matches!(error.kind, ErrorKind::Usage | ErrorKind::ModeUnavailable), "{args:?}: {:?}", error.kind);
        assert!(error.message.contains(says), "{args:?}: {:?} does not say {says:?}", error.message);
    }
    // RUST_LOG is often meant for other programs: one that cannot be read only warns.
    let mut command = Command::new(QUICKSTART);
    command.args(["run", "process", "--params", PARAMS]).env("RUST_LOG", "=[").stdin(Stdio::null());
    let ran: Ran = command.output().expect("run").into();
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(ran.stderr.contains("warning: invalid log filter `=[` (from RUST_LOG)"), "{}", ran.stderr);
}
