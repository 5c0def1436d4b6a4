//! A TOML `--env-file` reads the same on Ray as locally: every typed getter gives the same
//! value, or the same error, in task and job mode (local and process mode: `tests/env_file.rs`).

use serde_json::Value;
use std::path::Path;
use synapse_tests::env_file::{assert_same_answers, env_keys_params, write_env_file};
use synapse_tests::{require_ray, run};

const FAULTY: &str = env!("CARGO_BIN_EXE_faulty-plugin");

#[test]
fn ray_every_getter_answers_the_same_in_task_and_job_mode_as_locally() {
    let address = require_ray!();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_env_file(dir.path());
    let path = path.to_string_lossy();
    let plugin_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/faulty");
    let plugin_dir = plugin_dir.to_string_lossy();
    let params = env_keys_params();
    let read_in = |mode: &str| -> Value {
        let args = [
            "run",
            "read_env_typed",
            "--params",
            &params,
            "--env-file",
            &path,
            "--mode",
            mode,
            "--ray-address",
            &address,
            "--plugin-dir",
            &plugin_dir,
        ];
        let ran = run(FAULTY, &args);
        assert_eq!(ran.code, Some(0), "{mode}: {}", ran.stderr);
        serde_json::from_str(&ran.stdout).unwrap_or_else(|e| panic!("{mode}: not JSON ({e}): {}", ran.stdout))
    };
    let local = read_in("local");
    for mode in ["task", "job"] {
        assert_same_answers(&local, &read_in(mode), mode);
    }
}
