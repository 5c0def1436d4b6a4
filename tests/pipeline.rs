//! Pipelines: results merged into the next action's params, initial params checked before
//! anything runs, a checkpoint per action in the run store, and resume — after a failure, and
//! after the process was killed with SIGKILL mid-action — without running a completed action
//! twice; a pipeline that changed since the run started is refused, naming what changed.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use synapse::events::EventKind;
use synapse::events::sink::MemorySink;
use synapse::executor::RunOptions;
use synapse::pipeline::store::{ActionStatus, NewRun, RunStatus, RunStore};
use synapse::pipeline::{Fingerprint, Pipeline, PipelineError, PipelineRunner};
use synapse_tests::run;

use stages_plugin::{MismatchPipeline, StagesPipeline};

const STAGES: &str = env!("CARGO_BIN_EXE_stages-plugin");

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

/// How often each action started and ended, from the journal the stages write.
fn journal(path: &Path) -> (Vec<u32>, Vec<u32>) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut starts = vec![0; 10];
    let mut ends = vec![0; 10];
    for line in text.lines() {
        let (what, number) = line.split_once(' ').expect("`start N` or `end N`");
        let index = number.parse::<usize>().expect("a number") - 1;
        match what {
            "start" => starts[index] += 1,
            _ => ends[index] += 1,
        }
    }
    (starts, ends)
}

struct Fixture {
    _dir: tempfile::TempDir,
    journal: PathBuf,
    store_path: PathBuf,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let journal = dir.path().join("journal");
        let store_path = dir.path().join("runs.db");
        Fixture { _dir: dir, journal, store_path }
    }

    fn params(&self, delay_ms: u64) -> Value {
        json!({"journal": self.journal.to_string_lossy(), "delay_ms": delay_ms})
    }

    /// Makes action `number` fail (`"fail"`) or hang (`"hang"`) until `clear`.
    fn fault(&self, kind: &str, number: u32) -> PathBuf {
        let path = PathBuf::from(format!("{}.{kind}-{number}", self.journal.to_string_lossy()));
        std::fs::write(&path, "").expect("fault file");
        path
    }

    fn store(&self) -> Arc<RunStore> {
        Arc::new(RunStore::open(&self.store_path).expect("store"))
    }
}

#[test]
fn results_merge_into_the_next_params_and_every_action_is_checkpointed() {
    let fixture = Fixture::new();
    let events = Arc::new(MemorySink::new());
    let store = fixture.store();
    let runner = PipelineRunner::from_options(store.clone(), RunOptions::default().sink(events.clone()));
    let outcome = runtime().block_on(runner.run(StagesPipeline::descriptor(), fixture.params(0))).expect("runs");
    assert_eq!(outcome.result, json!({"total": 55, "last": 10}), "each action added its number to the merged total");
    assert_eq!(outcome.results.len(), 10);
    assert_eq!(outcome.results[2], json!({"total": 6, "last": 3}));

    let record = store.run(outcome.run_id.as_str()).expect("read").expect("recorded");
    assert_eq!(record.status, RunStatus::Completed);
    assert!(record.actions.iter().all(|a| a.status == ActionStatus::Completed && a.attempts == 1), "{record:?}");
    let checkpoint = store.latest_checkpoint(outcome.run_id.as_str()).expect("read").expect("a checkpoint");
    assert_eq!(checkpoint.action_index, 9);
    assert_eq!(checkpoint.params_snapshot["total"], 55);
    assert_eq!(checkpoint.params_snapshot["journal"], fixture.params(0)["journal"]);

    let pipeline_events: Vec<EventKind> =
        events.events().into_iter().filter(|e| e.run == outcome.run_id).map(|e| e.kind).collect();
    assert!(
        matches!(&pipeline_events[0], EventKind::PipelineStarted { resumed: false, actions, .. } if actions.len() == 10)
    );
    let completed = pipeline_events.iter().filter(|k| matches!(k, EventKind::PipelineActionCompleted { .. })).count();
    assert_eq!(completed, 10);
    let overall: Vec<u64> = pipeline_events
        .iter()
        .filter_map(|k| match k {
            EventKind::Progress { category: None, current, .. } => Some(*current),
            _ => None,
        })
        .collect();
    assert!(overall.windows(2).all(|w| w[0] < w[1]), "overall progress only moves forward: {overall:?}");
    assert_eq!(overall.last(), Some(&10_000));
    assert!(matches!(pipeline_events.last(), Some(EventKind::Result { .. })));
    assert!(!store.events(outcome.run_id.as_str()).expect("events").is_empty(), "the event log is stored");
}

#[test]
fn initial_params_are_checked_before_anything_runs() {
    let fixture = Fixture::new();
    let store = fixture.store();
    let runner = PipelineRunner::new(store.clone());
    let params = json!({"delay_ms": -1, "jurnal": "x"});
    let error = runtime().block_on(runner.run(StagesPipeline::descriptor(), params)).expect_err("invalid");
    assert_eq!(error.exit_code(), 2);
    let text = error.to_string();
    assert!(text.starts_with("invalid params for pipeline `stages`: 3 problems"), "{text}");
    assert!(text.contains("$.journal: is required but missing"), "{text}");
    assert!(text.contains("$.jurnal: is not a known field; did you mean `journal`?"), "{text}");
    assert!(text.contains("$.delay_ms: must be at least 0"), "{text}");
    assert!(store.runs(None, 10).expect("runs").is_empty(), "no run was recorded");

    let error = runtime().block_on(runner.run(MismatchPipeline::descriptor(), fixture.params(0))).expect_err("chain");
    assert_eq!(
        error.to_string(),
        "pipeline `mismatch` does not chain: `stage1` takes `total` as integer, but `stringify` before it returns `total` as string"
    );
}

#[test]
fn a_failed_run_resumes_from_its_last_checkpoint() {
    let fixture = Fixture::new();
    let store = fixture.store();
    let fault = fixture.fault("fail", 4);
    let runner = PipelineRunner::new(store.clone());
    let rt = runtime();
    let error = rt.block_on(runner.run(StagesPipeline::descriptor(), fixture.params(0))).expect_err("stage 4 fails");
    let PipelineError::ActionFailed { index, ref action, ref run_id, .. } = error else { panic!("{error}") };
    assert_eq!((index, action.as_str()), (3, "stage4"));
    assert!(error.to_string().contains(&format!("resume it with `pipeline resume {run_id}`")), "{error}");
    let record = store.run(run_id).expect("read").expect("recorded");
    assert_eq!(record.status, RunStatus::Failed);
    assert_eq!(record.actions[3].status, ActionStatus::Failed);
    assert_eq!(record.next_action(), Some(3));

    std::fs::remove_file(fault).expect("clear the fault");
    let events = Arc::new(MemorySink::new());
    let resumed = PipelineRunner::from_options(store.clone(), RunOptions::default().sink(events.clone()));
    let outcome = rt.block_on(resumed.resume(run_id)).expect("resumes");
    assert_eq!(outcome.result, json!({"total": 55, "last": 10}), "the restored params carried the total on");
    assert_eq!(outcome.skipped, [0, 1, 2]);
    let (starts, ends) = journal(&fixture.journal);
    assert_eq!(starts, [1, 1, 1, 2, 1, 1, 1, 1, 1, 1], "only the failed action ran again");
    assert_eq!(ends, [1; 10]);
    let skipped = events.events().iter().filter(|e| matches!(e.kind, EventKind::PipelineActionSkipped { .. })).count();
    assert_eq!(skipped, 3);

    let again = rt.block_on(resumed.resume(run_id)).expect_err("already completed");
    assert!(matches!(again, PipelineError::AlreadyCompleted { .. }), "{again}");
    let unknown = rt.block_on(resumed.resume("no-such-run")).expect_err("unknown");
    assert!(unknown.to_string().contains("no run `no-such-run`"), "{unknown}");
}

#[test]
fn resume_refuses_a_pipeline_that_changed_and_names_the_change() {
    let fixture = Fixture::new();
    let store = fixture.store();
    let mut changed = StagesPipeline::descriptor().fingerprint();
    changed.actions[2].params = "0000000000000000".into();
    changed.actions[6].version = "0.0.9".into();
    store
        .create_run(&NewRun {
            run_id: "old".into(),
            pipeline: "stages".into(),
            fingerprint: changed.to_text(),
            actions: StagesPipeline::descriptor().action_names().into_iter().map(str::to_owned).collect(),
            params: fixture.params(0),
        })
        .expect("create");
    let error = runtime().block_on(PipelineRunner::new(store).resume("old")).expect_err("changed");
    assert_eq!(
        error.to_string(),
        "run `old` cannot resume: pipeline `stages` changed since it started: action 3 `stage3`: its params schema changed; action 7 `stage7`: its crate version changed from 0.0.9 to 0.1.0"
    );
    assert!(Fingerprint::from_text(&changed.to_text()).is_some());
}

/// Starts `stages` in a real plugin process and kills it with SIGKILL while action `at` hangs;
/// then resumes it in another process.
fn kill_and_resume(at: u32) {
    let fixture = Fixture::new();
    let hang = fixture.fault("hang", at);
    let store = fixture.store_path.to_string_lossy().into_owned();
    let params = fixture.params(0).to_string();
    let run_id = format!("killed-at-{at}");
    let mut child = Command::new(STAGES)
        .args(["pipeline", "run", "stages", "--params", &params, "--run-id", &run_id, "--store", &store])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(30);
    while journal(&fixture.journal).0[at as usize - 1] == 0 {
        assert!(Instant::now() < deadline, "action {at} never started");
        assert!(child.try_wait().expect("poll").is_none(), "the plugin ended before action {at}");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");

    let record = RunStore::open(&fixture.store_path).expect("store").run(&run_id).expect("read").expect("recorded");
    assert_eq!(record.status, RunStatus::Running, "a killed run is left running");
    let claim = record.claim.as_ref().expect("the dead process's claim is left behind");
    assert!(claim.owner.ends_with(&format!(":{}", child.id())), "{claim:?}");
    assert_eq!(record.next_action(), Some(at as usize - 1), "every action before {at} is checkpointed");

    std::fs::remove_file(hang).expect("clear the fault");
    let resumed = run(STAGES, &["pipeline", "resume", &run_id, "--store", &store]);
    assert_eq!(resumed.code, Some(0), "{}", resumed.stderr);
    let result: Value = serde_json::from_str(&resumed.stdout).expect("JSON result");
    assert_eq!(result, json!({"total": 55, "last": 10}));
    let (starts, ends) = journal(&fixture.journal);
    for number in 1..=10usize {
        let expected = if number == at as usize { 2 } else { 1 };
        assert_eq!(starts[number - 1], expected, "action {number} (killed at {at}): {starts:?}");
        assert_eq!(ends[number - 1], 1, "action {number} completed once (killed at {at}): {ends:?}");
    }
    assert!(resumed.stderr.contains(&format!("[{at}] stage{at} completed")), "{}", resumed.stderr);
    let record = RunStore::open(&fixture.store_path).expect("store").run(&run_id).expect("read").expect("recorded");
    assert_eq!(record.claim, None, "the resumed run released its claim when it ended");
}

/// Two processes never drive one run: a resume while the run's process lives is refused,
/// naming that process, and runs nothing; the run finishes in its own process.
#[test]
fn a_run_driven_by_a_live_process_cannot_be_resumed_elsewhere() {
    let fixture = Fixture::new();
    let hang = fixture.fault("hang", 5);
    let store = fixture.store_path.to_string_lossy().into_owned();
    let params = fixture.params(0).to_string();
    let child = Command::new(STAGES)
        .args(["pipeline", "run", "stages", "--params", &params, "--run-id", "busy", "--store", &store])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(30);
    while journal(&fixture.journal).0[4] == 0 {
        assert!(Instant::now() < deadline, "action 5 never started");
        std::thread::sleep(Duration::from_millis(5));
    }

    let refused = run(STAGES, &["pipeline", "resume", "busy", "--store", &store]);
    assert_eq!(refused.code, Some(1), "{}", refused.stderr);
    let holder = format!(":{}`", child.id());
    assert!(refused.stderr.contains("run `busy` is being run by `"), "{}", refused.stderr);
    assert!(refused.stderr.contains(&holder), "names the process {holder}: {}", refused.stderr);
    assert_eq!(journal(&fixture.journal).0, [1, 1, 1, 1, 1, 0, 0, 0, 0, 0], "the refused resume ran nothing");

    std::fs::remove_file(hang).expect("let action 5 finish");
    let output = child.wait_with_output().expect("the run ends");
    assert!(output.status.success(), "the run finishes in its own process");
    let result: Value = serde_json::from_slice(&output.stdout).expect("JSON result");
    assert_eq!(result, json!({"total": 55, "last": 10}));
    assert_eq!(journal(&fixture.journal), (vec![1; 10], vec![1; 10]), "every action ran once");
    let record = RunStore::open(&fixture.store_path).expect("store").run("busy").expect("read").expect("recorded");
    assert_eq!((record.status, record.claim), (RunStatus::Completed, None));
}

#[test]
fn a_run_killed_in_its_first_action_resumes() {
    kill_and_resume(1);
}

#[test]
fn a_run_killed_mid_pipeline_resumes_without_repeating_completed_actions() {
    kill_and_resume(7);
}

#[test]
fn a_run_killed_in_its_last_action_resumes() {
    kill_and_resume(10);
}

#[test]
fn the_cli_reads_pipeline_params_with_a_byte_order_mark_and_refuses_a_key_given_twice() {
    let fixture = Fixture::new();
    let store = fixture.store_path.to_string_lossy().into_owned();
    let file = fixture.journal.with_extension("params.json");
    let params = json!({"journal": fixture.journal.to_string_lossy(), "delay_ms": 0.0});
    std::fs::write(&file, format!("\u{feff}{params}")).expect("write params");
    let arg = format!("@{}", file.display());
    let ran = run(STAGES, &["pipeline", "run", "stages", "--params", &arg, "--store", &store]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);

    let twice = format!(r#"{{"journal": {}, "delay_ms": 0, "delay_ms": 1}}"#, json!(fixture.journal.to_string_lossy()));
    let ran = run(STAGES, &["pipeline", "run", "stages", "--params", &twice, "--store", &store]);
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("$.delay_ms: is given twice"), "{}", ran.stderr);
}

#[test]
fn the_cli_lists_runs_and_shows_a_run() {
    let fixture = Fixture::new();
    let store = fixture.store_path.to_string_lossy().into_owned();
    let params = fixture.params(0).to_string();
    let ran = run(STAGES, &["pipeline", "run", "stages", "--params", &params, "--run-id", "r-1", "--store", &store]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let listed = run(STAGES, &["pipeline", "runs", "--store", &store]);
    assert!(listed.stdout.starts_with("completed  stages"), "{}", listed.stdout);
    assert!(listed.stdout.contains("10/10 actions") && listed.stdout.contains("r-1"), "{}", listed.stdout);
    let status = run(STAGES, &["pipeline", "status", "r-1", "--store", &store]);
    let record: Value = serde_json::from_str(&status.stdout).expect("JSON");
    assert_eq!(record["status"], "completed");
    assert_eq!(record["actions"][9]["result"], json!({"total": 55, "last": 10}));
    let missing = run(STAGES, &["pipeline", "status", "nope", "--store", &store]);
    assert_eq!(missing.code, Some(1));
    assert!(missing.stderr.contains("no run `nope`"), "{}", missing.stderr);
    let list = run(STAGES, &["pipeline", "list"]);
    assert!(list.stdout.contains("stages  stage1 → stage2"), "{}", list.stdout);
    let bad = run(STAGES, &["pipeline", "run", "stage", "--store", &store]);
    assert_eq!(bad.code, Some(2));
    assert!(bad.stderr.contains("no pipeline `stage`"), "{}", bad.stderr);
}

#[test]
fn reading_runs_never_creates_a_run_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("nowhere.db");
    let store = path.to_string_lossy().into_owned();
    let listed = run(STAGES, &["pipeline", "runs", "--store", &store]);
    assert_eq!(listed.code, Some(0), "{}", listed.stderr);
    assert!(listed.stderr.contains("no runs recorded: there is no run store at"), "{}", listed.stderr);
    let json = run(STAGES, &["pipeline", "runs", "--json", "--store", &store]);
    assert_eq!(serde_json::from_str::<Value>(&json.stdout).expect("JSON"), json!([]));
    let status = run(STAGES, &["pipeline", "status", "r-1", "--store", &store]);
    assert_eq!(status.code, Some(1));
    assert!(status.stderr.contains("no run `r-1` in the run store"), "{}", status.stderr);
    assert!(status.stderr.contains("nowhere.db"), "{}", status.stderr);
    assert!(!path.exists(), "reading created the store");
}
