//! `config.yaml` and `schemas/` match the code: the platform reads them, so a param changed in
//! the code must be written there too (`cargo run -- config --write`).

use std::process::Command;

#[test]
fn config_yaml_is_up_to_date() {
    let output = Command::new(env!("CARGO_BIN_EXE_{{crate}}"))
        .args(["config", "--check", "--dir", env!("CARGO_MANIFEST_DIR")])
        .output()
        .expect("the plugin binary runs");
    assert!(
        output.status.success(),
        "config.yaml is stale; write it anew with `cargo run -- config --write`:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
