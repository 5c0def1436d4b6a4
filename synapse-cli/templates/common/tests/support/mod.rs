//! Running the plugin's actions as the platform does: the binary, `run <action> --params`.
#![allow(dead_code)] // each test file uses some of these

use std::process::Command;
use synapse::serde_json::{self, Value};

/// The result of `action` run here with `params`: the JSON the binary prints on stdout.
///
/// # Panics
/// When the run fails, with what it printed on stderr.
pub fn run(action: &str, params: Value) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_{{crate}}"))
        .args(["run", action, "--params", &params.to_string()])
        .output()
        .expect("the plugin binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "`{action}` failed:\n{stderr}");
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("`{action}` printed no JSON result: {error}"))
}

/// What the binary says on stderr when `action` refuses `params` (it must).
///
/// # Panics
/// When the run succeeds.
pub fn refused(action: &str, params: Value) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_{{crate}}"))
        .args(["run", action, "--params", &params.to_string()])
        .output()
        .expect("the plugin binary runs");
    assert!(!output.status.success(), "`{action}` accepted {params}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}
