//! Tests of plugin packages, a file per concern: `format.rs` (the same files give the same
//! bytes and name; compression and the size limit), `contents.rs` (what goes in: ignore rules,
//! modes, extra files, paths; the command a job runs), `strip.rs` (the binary without its debug
//! info), `special_files.rs` (FIFOs, sockets, links and unreadable files in the plugin
//! directory) and `cache.rs` (packages found again by `stat`). This one holds what they share:
//! a plugin to package, builders without a cache, and reading a zip back.

mod cache;
mod contents;
mod format;
mod special_files;
mod strip;

use super::*;
use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use zip::DateTime;

fn write(path: &Path, contents: &[u8]) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, contents).unwrap();
}

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A binary and a plugin directory with files to ship and files to leave out.
fn fixture() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let binary = root.path().join("build/myplugin");
    write(&binary, b"#!/bin/sh\necho hello\n");
    let dir = root.path().join("plugin");
    write(&dir.join("config.yaml"), b"name: My Plugin\ncode: myplugin\n");
    write(&dir.join("schemas/process.params.json"), b"{}\n");
    write(&dir.join("data/labels.csv"), b"a,b\n1,2\n");
    write(&dir.join("data/cache.tmp"), b"scratch");
    write(&dir.join("scripts/prepare.sh"), b"#!/bin/sh\ntrue\n");
    write(&dir.join("secret.txt"), b"do not ship");
    write(&dir.join(".synapseignore"), b"# local files\nsecret.txt\ndata/*.tmp\n");
    write(&dir.join("notes/.synapseignore"), b"*.md\n");
    write(&dir.join("notes/todo.md"), b"- ship");
    write(&dir.join("notes/keep.txt"), b"kept");
    for ignored in [
        "target/debug/myplugin",
        ".git/HEAD",
        ".venv/bin/python",
        "__pycache__/m.cpython-311.pyc",
        "tool.pyc",
        ".synapse/runs.json",
    ] {
        write(&dir.join(ignored), b"ignored");
    }
    #[cfg(unix)]
    {
        chmod(&binary, 0o755);
        chmod(&dir.join("scripts/prepare.sh"), 0o750);
    }
    (root, binary, dir)
}

/// A builder for `binary` that uses no cache.
fn builder(binary: &Path) -> PackageBuilder {
    PluginPackage::builder().binary(binary).no_cache()
}

fn build(binary: &Path, dir: &Path) -> PluginPackage {
    builder(binary).plugin_dir(dir).build().unwrap()
}

/// Each entry of a zip: its unix mode and contents.
fn unzip(bytes: &[u8]) -> BTreeMap<String, (u32, String)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut files = BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let name = file.name().unwrap().into_owned();
        assert_eq!(file.last_modified(), Some(DateTime::DEFAULT), "{name}");
        let mut contents = String::new();
        file.read_to_string(&mut contents).unwrap();
        files.insert(name, (file.unix_mode().unwrap(), contents));
    }
    files
}

fn zip_of(package: &PluginPackage) -> Vec<u8> {
    package.read_zip().unwrap()
}
