//! A TOML `--env-file` reads the same in every mode: the same value, or the same error, from
//! every typed getter, whether the action runs here or in a child process (task and job mode:
//! `tests/ray_env_file.rs`).

use serde_json::Value;
use synapse_tests::env_file::{assert_same_answers, env_keys_params, write_env_file};
use synapse_tests::run;

const FAULTY: &str = env!("CARGO_BIN_EXE_faulty-plugin");

fn read_in(mode: &str, env_file: &str) -> Value {
    let params = env_keys_params();
    let ran = run(FAULTY, &["run", "read_env_typed", "--params", &params, "--env-file", env_file, "--mode", mode]);
    assert_eq!(ran.code, Some(0), "{mode}: {}", ran.stderr);
    serde_json::from_str(&ran.stdout).unwrap_or_else(|e| panic!("{mode}: not JSON ({e}): {}", ran.stdout))
}

#[test]
fn every_getter_answers_the_same_locally_and_in_a_child_process() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_env_file(dir.path());
    let path = path.to_string_lossy();
    let local = read_in("local", &path);
    // What the rule says (see PluginEnvironment's docs), locally.
    assert_eq!(local["rate"]["str"], "Ok(\"3.0\")");
    assert_eq!(local["rate"]["float"], "Ok(3.0)");
    assert!(local["rate"]["int"].as_str().is_some_and(|e| e.starts_with("Err")), "{}", local["rate"]);
    assert_eq!(local["when"]["str"], "Ok(\"1979-05-27T07:32:00Z\")");
    assert_eq!(local["table"]["str"], "Ok(\"{ a = 1, b = \\\"x\\\" }\")");
    assert!(local["table"]["list"].as_str().is_some_and(|e| e.contains("got a table")), "{}", local["table"]);
    assert_eq!(local["tags"]["list"], "Ok([\"x, y\", \"2\", \"2.5\", \"true\"])");
    assert_eq!(local["not_a_number"]["float"], "Ok(NaN)");
    assert_eq!(local["debug"]["bool"], "Ok(true)");
    assert_eq!(local["rate"]["origin"], format!("file `{path}`"));

    let process = read_in("process", &path);
    assert_same_answers(&local, &process, "process");
}
