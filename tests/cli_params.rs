//! The plugin binary's params, given as a user gives them (on the command line, from a file,
//! standard input or an environment variable): what is accepted, and what is refused with exit
//! code 2 and every violation named by its path. The rest of the command line is tested in
//! `cli.rs`.

use std::process::{Command, Stdio};
use synapse::EventKind;
use synapse_tests::{Ran, assert_well_formed, events, run, run_with_stdin};

const QUICKSTART: &str = env!("CARGO_BIN_EXE_quickstart-plugin");
const FAULTY: &str = env!("CARGO_BIN_EXE_faulty-plugin");

const GOOD: &str = r#"{"input_path": "/data/in.csv", "output_path": "/data/out.csv"}"#;

#[test]
fn bad_params_exit_2_naming_every_path() {
    let params = r#"{"batch_size": 0, "output_path": "o", "bogus": true}"#;
    let ran = run(QUICKSTART, &["run", "process", "--params", params]);
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("invalid params for action `process`: 3 problems"), "{}", ran.stderr);
    for expected in [
        "$.batch_size: must be at least 1 (got 0)",
        "$.bogus: is not a known field",
        "$.input_path: is required but missing",
    ] {
        assert!(ran.stderr.contains(expected), "missing {expected:?} in:\n{}", ran.stderr);
    }
    for internal in ["u32", "ProcessParams", "serde", "invalid type"] {
        assert!(!ran.stderr.contains(internal), "{internal:?} leaks into:\n{}", ran.stderr);
    }

    let ran = run(QUICKSTART, &["run", "process", "--json", "--params", params]);
    assert_eq!(ran.code, Some(2));
    let events = events(&ran.stdout);
    assert_well_formed(&events);
    let Some(EventKind::Error { error }) = events.last().map(|e| &e.kind) else { panic!("no error event") };
    let paths: Vec<&str> = error.violations.iter().map(|v| v.path.as_str()).collect();
    assert_eq!(paths, ["$.batch_size", "$.bogus", "$.input_path"]);
    let constraints: Vec<&str> = error.violations.iter().map(|v| v.constraint.as_str()).collect();
    assert_eq!(constraints, ["minimum", "additionalProperties", "required"]);
}

#[test]
fn malformed_params_exit_2() {
    let ran = run(QUICKSTART, &["run", "process", "--params", r#"{"input_path": "#]);
    assert_eq!(ran.code, Some(2));
    assert!(ran.stderr.contains("$: is not valid JSON"), "{}", ran.stderr);
}

#[test]
fn params_come_from_a_file_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("params.json");
    std::fs::write(&file, GOOD).expect("write params");
    let arg = format!("@{}", file.display());
    let ran = run(QUICKSTART, &["run", "process", "--params", &arg]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);

    let ran = run(QUICKSTART, &["run", "process", "--params", "@/nonexistent/params.json"]);
    assert_eq!(ran.code, Some(2));
    assert!(ran.stderr.contains("cannot read params file `/nonexistent/params.json`"), "{}", ran.stderr);
}

#[test]
fn params_text_with_a_byte_order_mark_or_whole_floats_is_read_from_every_source() {
    let params = "\u{feff}{\"input_path\": \"/data/in.csv\", \"output_path\": \"/data/out.csv\", \"batch_size\": 32.0}";
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("params.json");
    std::fs::write(&file, params).expect("write params");
    let arg = format!("@{}", file.display());
    let ran = run(QUICKSTART, &["run", "process", "--params", &arg]);
    assert_eq!(ran.code, Some(0), "from a file: {}", ran.stderr);

    let ran = run_with_stdin(QUICKSTART, &["run", "process", "--params", "-"], params);
    assert_eq!(ran.code, Some(0), "from standard input: {}", ran.stderr);

    let ran: Ran = Command::new(QUICKSTART)
        .args(["run", "process", "--params-env", "PROCESS_PARAMS"])
        .env("PROCESS_PARAMS", params)
        .stdin(Stdio::null())
        .output()
        .expect("runs")
        .into();
    assert_eq!(ran.code, Some(0), "from an environment variable: {}", ran.stderr);
}

#[test]
fn params_that_give_a_key_twice_or_a_fraction_for_an_integer_are_refused_by_path() {
    let twice = r#"{"input_path": "a", "output_path": "b", "batch_size": 0, "batch_size": 32}"#;
    let ran = run(QUICKSTART, &["run", "process", "--params", twice]);
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("$.batch_size: is given twice"), "{}", ran.stderr);

    let ran = run(QUICKSTART, &["run", "process", "--json", "--params", twice]);
    let events = events(&ran.stdout);
    let Some(EventKind::Error { error }) = events.last().map(|e| &e.kind) else { panic!("no error event") };
    assert_eq!(error.violations.iter().next().map(|v| v.constraint.as_str()), Some("duplicate"));

    let fraction = r#"{"input_path": "a", "output_path": "b", "batch_size": 32.5}"#;
    let ran = run(QUICKSTART, &["run", "process", "--params", fraction]);
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("$.batch_size: must be an integer (got number 32.5)"), "{}", ran.stderr);
    for internal in ["u32", "floating point", "invalid type"] {
        assert!(!ran.stderr.contains(internal), "{internal:?} leaks into:\n{}", ran.stderr);
    }
}

#[test]
fn a_default_that_breaks_its_own_schema_is_refused_naming_the_field() {
    let ran = run(FAULTY, &["run", "bad_default"]);
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    assert!(ran.stderr.contains("the params of action `bad_default` (`BadDefaultParams`, "), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("$.epochs: its default 500 breaks its own schema: it must be at most 100 (got 500)"),
        "{}",
        ran.stderr
    );
    let config = run(FAULTY, &["config"]);
    assert_eq!(config.code, Some(1), "config refuses to publish it: {}", config.stderr);
}
