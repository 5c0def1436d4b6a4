//! Each example's committed `config.yaml` and `schemas/` are what its plugin binary generates
//! (`config --check`): an action, param or doc comment changed without regenerating them fails
//! here, with the command that regenerates them.

use std::path::Path;
use std::process::Command;

/// Each example's directory and the test package's binary of its plugin (the same crate,
/// linked by `synapse::main!`).
const EXAMPLES: [(&str, &str); 5] = [
    ("quickstart", env!("CARGO_BIN_EXE_quickstart-plugin")),
    ("image_pipeline", env!("CARGO_BIN_EXE_image-pipeline-plugin")),
    ("dataset_pipeline", env!("CARGO_BIN_EXE_dataset-pipeline-plugin")),
    ("detector", env!("CARGO_BIN_EXE_detector-plugin")),
    ("data_ops", env!("CARGO_BIN_EXE_data-ops-plugin")),
];

#[test]
fn every_examples_config_is_up_to_date() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let listed: Vec<String> = std::fs::read_dir(&examples)
        .expect("examples/ is listed")
        .map(|entry| entry.expect("an entry").file_name().to_string_lossy().into_owned())
        .collect();
    for name in &listed {
        assert!(EXAMPLES.iter().any(|(example, _)| example == name), "examples/{name} is not checked here");
    }
    for (name, binary) in EXAMPLES {
        let dir = examples.join(name);
        let checked = Command::new(binary).args(["config", "--check", "--dir"]).arg(&dir).output().expect("runs");
        assert!(
            checked.status.success(),
            "examples/{name}: config.yaml or schemas/ are stale ({}):\n{}{}\nregenerate them with: \
             cargo run -p {name} --features synapse/ray,synapse/store -- config --write --dir examples/{name}",
            checked.status,
            String::from_utf8_lossy(&checked.stdout),
            String::from_utf8_lossy(&checked.stderr)
        );
    }
}
