//! What the command's tests share: `synapse` run as a user runs it, and the target directory the
//! plugins they create build into.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// `synapse` with `args`, in `dir`, standard input closed (not a terminal: nothing is asked),
/// with no backend configured unless `env` sets one.
pub fn synapse_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_synapse"));
    command.args(args).current_dir(dir).env("SYNAPSE_TARGET_DIR", target_dir()).stdin(Stdio::null());
    for variable in ["SYNAPSE_HOST", "SYNAPSE_ACCESS_TOKEN", "SYNAPSE_USER_TOKEN"] {
        command.env_remove(variable);
    }
    command.envs(env.iter().copied());
    command.output().expect("synapse runs")
}

/// `synapse` with `args`, in `dir`, as [`synapse_with`] without a backend.
pub fn synapse(dir: &Path, args: &[&str]) -> Output {
    synapse_with(dir, args, &[])
}

/// The target directory the generated crates share, kept between runs of these tests.
pub fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("synapse-new-target")
}

/// What `output` printed on stderr.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// What `output` printed on stdout.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}
