//! A plugin built as a new user's is: with synapse's default features, without `ray` and
//! `store` (trybuild builds this case as a project of its own, so no other crate of the
//! workspace turns them on). Run without arguments, it runs its own CLI for each command that
//! needs a missing feature and checks that the command says which, how to add it, exits with 2,
//! and with `--json` ends its stream with the `error` event; and that what needs no feature
//! still works.
use std::process::{Command, ExitCode};
use synapse::prelude::*;

/// Does nothing.
#[action]
pub struct Noop;

impl Action for Noop {
    type Params = NoParams;
    type Output = Value;

    async fn execute(&self, _params: NoParams, _ctx: &Context) -> Result<Value> {
        Ok(json!({ "ok": true }))
    }
}

/// One action: declaring and listing pipelines needs no feature.
#[pipeline(name = "one")]
pub struct One(Noop);

const RAY: &str = "this plugin was built without the `ray` feature of synapse; add it (`synapse = { …, features = \
                   [\"ray\"] }` in its Cargo.toml)";
const STORE: &str = "this plugin was built without the `store` feature of synapse; add it (`synapse = { …, \
                     features = [\"store\"] }` in its Cargo.toml) to run pipelines and read their recorded runs \
                     (`pipeline run|resume|status|runs`)";
const STORE_RAY: &str = "this plugin was built without the `store` and `ray` features of synapse; add them \
                         (`synapse = { …, features = [\"store\", \"ray\"] }` in its Cargo.toml) to use `pipeline \
                         run|resume --mode job`";

struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn plugin(args: &[&str]) -> Outcome {
    let exe = std::env::current_exe().unwrap();
    let output = Command::new(exe).args(args).env_remove("SYNAPSE_RAY_ADDRESS").output().unwrap();
    Outcome {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {:?}\n{}{}", self.code, self.stdout, self.stderr)
    }
}

/// `args` fails as a usage error saying `message`.
fn refused(args: &[&str], message: &str) {
    let outcome = plugin(args);
    assert_eq!(outcome.code, Some(2), "{args:?}: {outcome}");
    assert!(outcome.stderr.contains(message), "{args:?}: {outcome}");
}

/// `args` (with `--json`) ends its stream with an `error` event of `kind` saying `message`.
fn refused_as_event(args: &[&str], kind: &str, message: &str) {
    let outcome = plugin(args);
    assert_eq!(outcome.code, Some(2), "{args:?}: {outcome}");
    let last = outcome.stdout.lines().last().unwrap_or_default();
    let event: Value = synapse::serde_json::from_str(last).unwrap();
    assert_eq!(event["type"], "error", "{last}");
    assert_eq!(event["error"]["kind"], kind, "{last}");
    assert!(event["error"]["message"].as_str().unwrap().contains(message), "{last}");
}

fn main() -> ExitCode {
    if std::env::args_os().len() > 1 {
        return synapse::cli::main(synapse::registry::BinaryInfo {
            package: env!("CARGO_PKG_NAME"),
            bin: env!("CARGO_BIN_NAME"),
            version: env!("CARGO_PKG_VERSION"),
            description: "",
            manifest_dir: env!("CARGO_MANIFEST_DIR"),
        });
    }

    // What needs no feature works.
    for args in [&["run", "noop"][..], &["run", "noop", "--mode", "process"]] {
        let outcome = plugin(args);
        assert_eq!(outcome.code, Some(0), "{args:?}: {outcome}");
    }
    let listed = plugin(&["pipeline", "list"]);
    assert!(listed.code == Some(0) && listed.stdout.contains("one"), "{listed}");

    // Ray.
    refused(&["run", "noop", "--mode", "job"], &format!("job mode cannot run: {RAY} to use `--mode job`"));
    refused(&["run", "noop", "--mode", "job", "--detach"], &format!("{RAY} to use `--mode job`"));
    refused(
        &["run", "noop", "--detach"],
        &format!(
            "--detach is for `--mode job` (a run in `local` mode ends with this command); {RAY} to use `--mode job`"
        ),
    );
    refused_as_event(
        &["run", "noop", "--mode", "task", "--json"],
        "mode_unavailable",
        &format!("{RAY} to use `--mode task`"),
    );
    refused(&["jobs", "list"], &format!("error: {RAY} to use `jobs`"));
    refused_as_event(&["jobs", "wait", "raysubmit_1", "--json"], "usage", &format!("{RAY} to use `jobs`"));
    refused(&["worker"], &format!("error: {RAY} to use `worker`"));

    // The run store.
    refused_as_event(&["pipeline", "run", "one", "--json"], "usage", STORE);
    refused(&["pipeline", "resume", "run-1"], STORE);
    refused(&["pipeline", "status", "run-1"], STORE);
    refused(&["pipeline", "runs"], STORE);
    refused(&["pipeline", "run", "one", "--mode", "job"], STORE_RAY);

    // Resources are for Ray, which this build cannot reach.
    refused(
        &["run", "noop", "--gpus", "1"],
        &format!("resources are for `--mode task` and `--mode job` ({RAY} to run on Ray)"),
    );

    // `--help` says what needs a feature (its lines wrapped: compared word by word).
    let words = |outcome: Outcome| outcome.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    let help = words(plugin(&["--help"]));
    assert!(help.contains("what task mode starts on Ray) [needs the `ray` feature]"), "{help}");
    assert!(help.contains("list, status, logs, wait, stop [needs the `ray` feature]"), "{help}");
    assert!(help.contains("their recorded runs [all but `list` need the `store` feature]"), "{help}");
    let run_help = words(plugin(&["run", "--help"]));
    assert!(run_help.contains("over the Ray Jobs REST API [needs the `ray` feature]"), "{run_help}");
    ExitCode::SUCCESS
}
