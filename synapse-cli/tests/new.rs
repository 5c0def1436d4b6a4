//! `synapse new`: a crate of every category that builds and passes its own tests at once, and
//! the bad input it refuses, each refusal naming what is wrong.

mod common;

use common::{stderr, synapse};
use std::process::Command;

#[test]
fn every_category_builds_and_passes_its_own_tests() {
    let root = tempfile::tempdir().expect("a temporary directory");
    let categories = [
        ("custom", &["main"][..]),
        ("smart_tool", &["auto_label"]),
        ("post_annotation", &["post_annotate"]),
        ("data_validation", &["validate"]),
        ("pre_annotation", &["pre_annotate", "to_task"]),
        ("export", &["export"]),
        ("upload", &["upload"]),
        ("neural_net", &["download", "convert", "train", "test", "deployment"]),
    ];
    for (category, actions) in categories {
        let name = format!("my-{}", category.replace('_', "-"));
        let created = synapse(root.path(), &["new", &name, "--category", category]);
        assert!(created.status.success(), "synapse new --category {category}:\n{}", stderr(&created));
        let dir = root.path().join(&name);
        let config = std::fs::read_to_string(dir.join("config.yaml")).expect("config.yaml written");
        assert!(
            config.contains(&format!("code: {name}")) && config.contains(&format!("category: {category}")),
            "{config}"
        );
        for action in actions {
            assert!(config.contains(&format!("\n  {action}:\n")), "{category}: `{action}` in config.yaml:\n{config}");
            assert!(dir.join(format!("schemas/{action}.params.json")).is_file(), "{category}: {action}'s schema");
        }
        for path in text_files(&dir) {
            let text = std::fs::read_to_string(&path).expect("a text file");
            assert!(!text.contains("{{"), "{category}: a placeholder left in {}", path.display());
        }
        for file in
            ["README.md", ".synapseignore", ".gitignore", "Cargo.lock", "rust-toolchain.toml", ".cargo/config.toml"]
        {
            assert!(dir.join(file).is_file(), "{category}: {file}");
        }
        let tested = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["test", "--quiet"])
            .current_dir(&dir)
            .output()
            .expect("cargo test runs");
        assert!(
            tested.status.success(),
            "{category}: cargo test:\n{}{}",
            String::from_utf8_lossy(&tested.stdout),
            stderr(&tested)
        );
    }
}

/// The text files of the crate at `dir` (not its build's, nor its images).
fn text_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("listed").map(|entry| entry.expect("an entry").path()) {
        let name = entry.file_name().and_then(|name| name.to_str()).unwrap_or_default();
        if entry.is_dir() && name != "target" {
            files.extend(text_files(&entry));
        } else if entry.is_file() && !name.ends_with(".png") {
            files.push(entry);
        }
    }
    files
}

#[test]
fn bad_names_and_categories_are_refused_with_what_is_valid() {
    let root = tempfile::tempdir().expect("a temporary directory");
    let refused = |args: &[&str]| {
        let output = synapse(root.path(), args);
        assert!(!output.status.success(), "synapse {args:?} succeeded");
        stderr(&output)
    };
    let error = refused(&["new", "My Plugin", "--category", "custom"]);
    assert!(error.contains("`My Plugin` cannot name a plugin: it starts with `M`"), "{error}");
    let error = refused(&["new", "fn", "--category", "custom"]);
    assert!(error.contains("reserved"), "{error}");
    let error = refused(&["new", "good-name", "--category", "training"]);
    assert!(
        error.contains("`training` is not a plugin category; the categories are: neural_net, export, upload, smart_tool, pre_annotation, post_annotation, data_validation, custom"),
        "{error}"
    );
    // Not a terminal: what is missing is said, not asked.
    let error = refused(&["new", "--category", "custom"]);
    assert!(error.contains("the plugin's name is missing"), "{error}");
    let error = refused(&["new", "good-name"]);
    assert!(error.contains("the plugin's category is missing") && error.contains("neural_net"), "{error}");
    // Nothing was written by any of them.
    assert_eq!(std::fs::read_dir(root.path()).expect("listed").count(), 0);
}

#[test]
fn a_directory_with_files_is_not_written_into() {
    let root = tempfile::tempdir().expect("a temporary directory");
    std::fs::create_dir(root.path().join("taken")).expect("a directory");
    std::fs::write(root.path().join("taken/notes.txt"), "mine").expect("a file");
    let output = synapse(root.path(), &["new", "taken", "--category", "custom", "--no-build"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("taken exists and is not empty"), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(root.path().join("taken/notes.txt")).expect("kept"), "mine");
    assert_eq!(std::fs::read_dir(root.path().join("taken")).expect("listed").count(), 1);
    // A file of that name, even an empty one, is said to be a file.
    std::fs::write(root.path().join("plain"), "").expect("a file");
    let output = synapse(root.path(), &["new", "plain", "--category", "custom", "--no-build"]);
    assert!(stderr(&output).contains("plain is a file, not a directory"), "{}", stderr(&output));
    // An empty directory is fine.
    std::fs::create_dir(root.path().join("empty")).expect("a directory");
    let output = synapse(root.path(), &["new", "empty", "--category", "custom", "--no-build"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(root.path().join("empty/src/lib.rs").is_file());
}
