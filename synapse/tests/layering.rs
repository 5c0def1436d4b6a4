//! The crate's modules import downward only: a module may use the modules of its own layer or
//! of a lower one, never a higher one (see the crate's "Layout" documentation in `lib.rs`).
//!
//! The check reads the code lines of every file under `src/` (comments, doc comments and
//! `#[cfg(test)]` sections left out) and resolves each `crate::…` path — `crate::executor::X`,
//! the names of `use crate::{a, b::c}`, and the crate root's re-exports (`crate::Context` is
//! `context`'s) — to the top-level module it comes from.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The layers, bottom first. Modules of one layer may use each other.
const LAYERS: &[&[&str]] = &[
    &["error", "features", "params", "secret", "cache_dir", "formats"],
    &["events"],
    &["backend", "storage"],
    &["context"],
    &["dataset"],
    &["steps"],
    &["action"],
    &["registry"],
    &["train", "upload", "export"],
    &["executor"],
    &["serve"],
    &["to_task"],
    &["pipeline"],
    &["config"],
    &["discovery"],
    &["cli"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|entry| entry.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The lines of `text` that are code: up to its first `#[cfg(test)]`, without comments.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .take_while(|(_, line)| line.trim() != "#[cfg(test)]")
        .map(|(index, line)| (index + 1, line.split("//").next().unwrap_or("")))
        .filter(|(_, line)| !line.trim().is_empty())
}

/// The first path segment of every `crate::` path on `line`, including each name of a
/// `crate::{…}` group.
fn crate_paths(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        // `$crate::` (in macros) is the same crate; `synapse_crate::` and the like are not.
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => found.push(std::mem::take(&mut item)),
                    _ => item.push(c),
                }
            }
            found.push(item);
        } else {
            found.push(rest.to_owned());
        }
    }
    found
        .into_iter()
        .map(|path| path.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>())
        .filter(|name| !name.is_empty())
        .collect()
}

/// What the crate root re-exports, by name: `pub use context::{Context, …}` makes
/// `crate::Context` a use of `context`.
fn root_reexports() -> BTreeMap<String, String> {
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    let mut names = BTreeMap::new();
    for line in lib.lines() {
        let Some(rest) = line.strip_prefix("pub use ") else { continue };
        let Some((module, items)) = rest.split_once("::") else { continue };
        if layer_of(module).is_none() {
            continue;
        }
        let items = items.trim_end_matches(';').trim_start_matches('{').trim_end_matches('}');
        for item in items.split(',') {
            let name = item.rsplit("::").next().unwrap_or("").split(" as ").last().unwrap_or("").trim();
            if !name.is_empty() {
                names.insert(name.to_owned(), module.to_owned());
            }
        }
    }
    names
}

/// Every use of a higher module by a lower one: `file:line: low uses high (`line`)`.
fn upward_imports() -> Vec<String> {
    let root = src();
    let reexports = root_reexports();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut upward = Vec::new();
    for file in files {
        let relative = file.strip_prefix(&root).unwrap();
        let top = relative.components().next().unwrap().as_os_str().to_string_lossy();
        let module = top.trim_end_matches(".rs");
        if module == "lib" {
            continue;
        }
        let own = layer_of(module)
            .unwrap_or_else(|| panic!("`{module}` (src/{}) is in no layer of LAYERS", relative.display()));
        let text = std::fs::read_to_string(&file).unwrap();
        for (number, line) in code_lines(&text) {
            for name in crate_paths(line) {
                let used =
                    if layer_of(&name).is_some() { name } else { reexports.get(&name).cloned().unwrap_or_default() };
                if let Some(theirs) = layer_of(&used)
                    && theirs > own
                {
                    upward.push(format!(
                        "src/{}:{number}: `{module}` uses `{used}`: {}",
                        relative.display(),
                        line.trim()
                    ));
                }
            }
        }
    }
    upward
}

#[test]
fn no_module_imports_a_higher_one() {
    let upward = upward_imports();
    assert!(
        upward.is_empty(),
        "lower modules import higher ones (layers, bottom first: {LAYERS:?}):\n{}",
        upward.join("\n")
    );
}

#[test]
fn every_top_level_module_has_a_layer() {
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    let declared: Vec<&str> = lib
        .lines()
        .filter_map(|line| line.strip_prefix("pub mod ").or_else(|| line.strip_prefix("mod ")))
        // Modules in files of their own (the inline `prelude` and `__private` only re-export).
        .filter_map(|rest| rest.strip_suffix(';'))
        .collect();
    assert!(declared.contains(&"executor"), "{declared:?}");
    let missing: Vec<_> = declared.iter().filter(|module| layer_of(module).is_none()).collect();
    assert!(missing.is_empty(), "modules in no layer: {missing:?}");
}

#[test]
fn the_check_sees_every_form_of_import() {
    assert_eq!(crate_paths("use crate::executor::RunError;"), ["executor"]);
    assert_eq!(crate_paths("use crate::{context::Context, events::{Emitter, RunId}};"), ["context", "events"]);
    assert_eq!(crate_paths("let x = crate::registry::registry()?;"), ["registry"]);
    assert_eq!(crate_paths("ctx: &'a crate::Context,"), ["Context"]);
    assert!(crate_paths("let mut metrics = $crate::Metrics::new();") == ["Metrics"]);
    assert!(crate_paths("use synapse_crate::x;").is_empty());
    let lines: Vec<_> = code_lines("use a;\n/// crate::cli\n// crate::cli\n#[cfg(test)]\nuse crate::cli;").collect();
    assert_eq!(lines, [(1, "use a;")]);
    assert_eq!(root_reexports().get("Context").map(String::as_str), Some("context"));
}
