//! Packages written for a test, and what source discovery makes of them
//! (`tests/discovery_source.rs`; `tests/discovery.rs` writes packages holding only a
//! `config.yaml`).

use synapse::discovery::{DiscoveryError, PluginDiscovery};

/// A package in a temporary directory: `Cargo.toml` (unless given) and `files`.
pub fn package(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    if !files.iter().any(|(path, _)| *path == "Cargo.toml") {
        let manifest = "[package]\nname = \"demo-plugin\"\nversion = \"0.4.2\"\ndescription = \"A demo.\"\n";
        std::fs::write(dir.path().join("Cargo.toml"), manifest).unwrap();
    }
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// What source discovery finds in a package of `files` (see [`package`]).
pub fn discover(files: &[(&str, &str)]) -> PluginDiscovery {
    let dir = package(files);
    PluginDiscovery::from_source(dir.path()).unwrap_or_else(|error| panic!("{error}"))
}

/// The error source discovery finds in a package of `files`, with the package (its paths are
/// in the error).
pub fn discover_err(files: &[(&str, &str)]) -> (DiscoveryError, tempfile::TempDir) {
    let dir = package(files);
    match PluginDiscovery::from_source(dir.path()) {
        Ok(discovery) => panic!("expected an error, found {discovery}"),
        Err(error) => (error, dir),
    }
}
