//! What goes into a package: the plugin directory minus what is ignored, with its modes, extra
//! files, the binary alone; the paths refused; and the command a job runs it with.

use super::super::plugin_package::shell_quote;
use super::*;

#[test]
fn ignore_rules_and_modes_are_applied() {
    let (_root, binary, dir) = fixture();
    let package = build(&binary, &dir);
    let files = unzip(&zip_of(&package));
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "bin/myplugin",
            "config.yaml",
            "data/labels.csv",
            "notes/keep.txt",
            "schemas/process.params.json",
            "scripts/prepare.sh"
        ]
    );
    assert_eq!(files["bin/myplugin"], (0o100755, "#!/bin/sh\necho hello\n".to_owned()));
    assert_eq!(files["config.yaml"].0, 0o100644);
    #[cfg(unix)]
    assert_eq!(files["scripts/prepare.sh"].0, 0o100755);
    let entries: Vec<(&str, bool)> = package.entries().iter().map(|e| (e.path.as_str(), e.executable)).collect();
    assert_eq!(entries[0], ("bin/myplugin", true));
    assert_eq!(package.entries()[1].size, 31);
}

#[test]
fn default_ignores_can_be_switched_off_and_rules_added() {
    let (_root, binary, dir) = fixture();
    let package =
        builder(&binary).plugin_dir(&dir).default_ignores(false).ignore(".git/").ignore("data/").build().unwrap();
    let files = unzip(&zip_of(&package));
    assert!(files.contains_key("target/debug/myplugin"));
    assert!(files.contains_key("tool.pyc"));
    assert!(!files.contains_key(".git/HEAD"));
    assert!(!files.keys().any(|name| name.starts_with("data/")));
    // The user's rules still apply.
    assert!(!files.contains_key("secret.txt"));
}

#[test]
fn extra_files_are_added_and_change_the_name() {
    let (_root, binary, dir) = fixture();
    let plain = build(&binary, &dir);
    let with_params = builder(&binary)
        .plugin_dir(&dir)
        .file("params.json", r#"{"epochs": 3}"#)
        .executable_file("bin/prepare", "#!/bin/sh\n")
        .build()
        .unwrap();
    assert_ne!(with_params.hash(), plain.hash());
    let files = unzip(&zip_of(&with_params));
    assert_eq!(files["params.json"], (0o100644, r#"{"epochs": 3}"#.to_owned()));
    assert_eq!(files["bin/prepare"].0, 0o100755);
}

#[test]
fn a_file_added_to_a_built_package_is_the_same_as_built_with_it() {
    let (_root, binary, dir) = fixture();
    let plain = build(&binary, &dir);
    for path in ["params/run-1.json", "a.json", "zz.json"] {
        let added = plain.with_file(path, r#"{"epochs": 3}"#).unwrap();
        let built = builder(&binary).plugin_dir(&dir).file(path, r#"{"epochs": 3}"#).build().unwrap();
        assert_eq!(zip_of(&added), zip_of(&built), "{path}");
        assert_eq!(added.name(), built.name());
        assert_eq!(added.entries(), built.entries());
        assert_eq!(added.binary_path(), "bin/myplugin");
    }
    let error = plain.with_file("config.yaml", "x").unwrap_err();
    assert!(matches!(error, PackageError::Duplicate { .. }), "{error:?}");
    let error = plain.with_file("../x", "x").unwrap_err();
    assert!(matches!(error, PackageError::InvalidPath { .. }), "{error:?}");
}

#[test]
fn the_binary_alone_makes_a_package() {
    let (_root, binary, _dir) = fixture();
    let package = builder(&binary).binary_name("renamed").build().unwrap();
    assert_eq!(unzip(&zip_of(&package)).keys().collect::<Vec<_>>(), ["bin/renamed"]);
    assert_eq!(package.command(&[]), "exec ./bin/renamed");
    let job = package.job(&["run", "x"]);
    assert_eq!(job.entrypoint, "exec ./bin/renamed run x");
    assert_eq!(job.runtime_env.working_dir, Some(package.uri()));
}

#[test]
fn conflicting_and_bad_paths_are_refused() {
    let (_root, binary, dir) = fixture();
    let with_dir = || builder(&binary).plugin_dir(&dir);
    let error = with_dir().file("config.yaml", "x").build().unwrap_err();
    assert_eq!(error.to_string(), "two files would be stored as `config.yaml` in the package");
    let error = with_dir().file("bin/myplugin", "x").build().unwrap_err();
    assert!(matches!(error, PackageError::Duplicate { .. }), "{error:?}");
    for bad in ["", "/etc/passwd", "../x", "a/./b", "dir/", "a\\b"] {
        let error = with_dir().file(bad, "x").build().unwrap_err();
        assert!(matches!(error, PackageError::InvalidPath { .. }), "{bad}: {error:?}");
    }
    let error = builder(&dir).build().unwrap_err();
    assert!(matches!(error, PackageError::NotAFile { .. }), "{error:?}");
    let error = builder(&dir.join("missing")).build().unwrap_err();
    assert!(error.to_string().starts_with("cannot read `"), "{error}");
    let error = builder(&binary).plugin_dir(dir.join("missing")).build().unwrap_err();
    assert!(error.to_string().starts_with("cannot walk the plugin directory `"), "{error}");
}

#[test]
fn arguments_are_quoted_for_the_shell() {
    assert_eq!(shell_quote("run"), "run");
    assert_eq!(shell_quote("@params.json"), "@params.json");
    assert_eq!(shell_quote(""), "''");
    assert_eq!(shell_quote("a b"), "'a b'");
    assert_eq!(shell_quote("$HOME"), "'$HOME'");
    assert_eq!(shell_quote("it's"), r"'it'\''s'");
}
