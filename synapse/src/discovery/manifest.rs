//! Reading a package's `Cargo.toml`: its identity (what `CARGO_PKG_*` would say) and its crate
//! targets (where `module_path!()` starts).

use super::DiscoveryError;
use std::path::{Path, PathBuf};
use toml::{Table, Value};

/// A package, as cargo would describe it to its crates.
#[derive(Debug)]
pub(super) struct Package {
    /// `CARGO_PKG_NAME`.
    pub(super) name: String,
    /// `CARGO_PKG_VERSION` (`0.0.0` when omitted).
    pub(super) version: String,
    /// `CARGO_PKG_DESCRIPTION` (empty when omitted).
    pub(super) description: String,
    /// The library first (if any), then the binaries.
    pub(super) targets: Vec<Target>,
}

/// One crate of the package.
#[derive(Debug)]
pub(super) struct Target {
    /// The crate name, the first segment of `module_path!()`.
    pub(super) crate_name: String,
    /// The crate root file.
    pub(super) root: PathBuf,
}

/// Reads `dir/Cargo.toml`, resolving `*.workspace = true` from the workspace root above it.
pub(super) fn read(dir: &Path) -> Result<Package, DiscoveryError> {
    let path = dir.join("Cargo.toml");
    let manifest = load(&path)?;
    let Some(package) = manifest.get("package").and_then(Value::as_table) else {
        return Err(problem(&path, "no [package] table; point discovery at a package directory, not a workspace root"));
    };
    let name = match package.get("name") {
        Some(Value::String(name)) if !name.trim().is_empty() => name.clone(),
        _ => return Err(problem(&path, "`package.name` is missing or not a string")),
    };
    let mut workspace = WorkspaceLookup { dir, root: None };
    let version = inherited(&path, package, "version", &mut workspace)?.unwrap_or_else(|| "0.0.0".to_owned());
    let description = inherited(&path, package, "description", &mut workspace)?.unwrap_or_default();
    let targets = targets(dir, &path, &manifest, package, &name)?;
    if targets.is_empty() {
        return Err(DiscoveryError::NoTargets { dir: dir.to_owned() });
    }
    Ok(Package { name, version, description, targets })
}

fn load(path: &Path) -> Result<Table, DiscoveryError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| DiscoveryError::Read { path: path.to_owned(), source })?;
    toml::from_str::<Table>(&text).map_err(|error| {
        let (line, column) = match error.span() {
            Some(span) => {
                let (line, column) = line_column(&text, span.start);
                (Some(line), Some(column))
            }
            None => (None, None),
        };
        DiscoveryError::Manifest { path: path.to_owned(), line, column, message: error.message().trim().to_owned() }
    })
}

/// The 1-based line and column (in characters) of byte `offset` of `text`.
pub(super) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

fn problem(path: &Path, message: impl Into<String>) -> DiscoveryError {
    DiscoveryError::Manifest { path: path.to_owned(), line: None, column: None, message: message.into() }
}

/// The workspace root's `[workspace.package]`, found on first use.
struct WorkspaceLookup<'a> {
    dir: &'a Path,
    root: Option<(PathBuf, Table)>,
}

impl WorkspaceLookup<'_> {
    fn value(&mut self, key: &str, manifest: &Path) -> Result<String, DiscoveryError> {
        if self.root.is_none() {
            self.root = Some(self.find(manifest)?);
        }
        let Some((root, table)) = &self.root else {
            return Err(problem(manifest, "no workspace root"));
        };
        table
            .get("workspace")
            .and_then(Value::as_table)
            .and_then(|workspace| workspace.get("package"))
            .and_then(Value::as_table)
            .and_then(|package| package.get(key))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| {
                problem(
                    manifest,
                    format!(
                        "`{key}.workspace = true`, but `{}` has no `{key}` string in [workspace.package]",
                        root.display()
                    ),
                )
            })
    }

    fn find(&self, manifest: &Path) -> Result<(PathBuf, Table), DiscoveryError> {
        let dir =
            self.dir.canonicalize().map_err(|source| DiscoveryError::Read { path: self.dir.to_owned(), source })?;
        for ancestor in dir.ancestors().skip(1) {
            let candidate = ancestor.join("Cargo.toml");
            if !candidate.is_file() {
                continue;
            }
            let table = load(&candidate)?;
            if table.contains_key("workspace") {
                return Ok((candidate, table));
            }
        }
        Err(problem(
            manifest,
            "a field says `workspace = true`, but no workspace root (a Cargo.toml with [workspace]) is above it",
        ))
    }
}

/// A package field that may be inherited from the workspace: `version = "1.0.0"` or
/// `version.workspace = true`.
fn inherited(
    path: &Path,
    package: &Table,
    key: &str,
    workspace: &mut WorkspaceLookup,
) -> Result<Option<String>, DiscoveryError> {
    match package.get(key) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(Value::Table(table)) if table.get("workspace").and_then(Value::as_bool) == Some(true) => {
            workspace.value(key, path).map(Some)
        }
        Some(_) => Err(problem(path, format!("`package.{key}` must be a string or `{{ workspace = true }}`"))),
    }
}

fn crate_name(target: &str) -> String {
    target.replace('-', "_")
}

fn targets(
    dir: &Path,
    path: &Path,
    manifest: &Table,
    package: &Table,
    package_name: &str,
) -> Result<Vec<Target>, DiscoveryError> {
    let mut targets = Vec::new();
    let lib = manifest.get("lib").and_then(Value::as_table);
    let lib_root = match lib.and_then(|lib| lib.get("path")).and_then(Value::as_str) {
        Some(root) => Some(dir.join(root)),
        None => Some(dir.join("src/lib.rs")).filter(|root| root.is_file()),
    };
    if let Some(root) = lib_root {
        let name = lib.and_then(|lib| lib.get("name")).and_then(Value::as_str).unwrap_or(package_name);
        targets.push(Target { crate_name: crate_name(name), root });
    }
    let main = dir.join("src/main.rs");
    let mut bins: Vec<(String, PathBuf)> = Vec::new();
    for bin in manifest.get("bin").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
        let Some(name) = bin.get("name").and_then(Value::as_str) else {
            return Err(problem(path, "a [[bin]] target has no `name`"));
        };
        let root = match bin.get("path").and_then(Value::as_str) {
            Some(root) => dir.join(root),
            None if name == package_name && main.is_file() => main.clone(),
            None => {
                let file = dir.join("src/bin").join(format!("{name}.rs"));
                let nested = dir.join("src/bin").join(name).join("main.rs");
                if !file.is_file() && nested.is_file() { nested } else { file }
            }
        };
        bins.push((name.to_owned(), root));
    }
    if package.get("autobins").and_then(Value::as_bool).unwrap_or(true) {
        let mut automatic = Vec::new();
        if main.is_file() {
            automatic.push((package_name.to_owned(), main.clone()));
        }
        automatic.extend(bin_dir_targets(&dir.join("src/bin"))?);
        for (name, root) in automatic {
            if !bins.iter().any(|(n, r)| *n == name || *r == root) {
                bins.push((name, root));
            }
        }
    }
    targets.extend(bins.into_iter().map(|(name, root)| Target { crate_name: crate_name(&name), root }));
    Ok(targets)
}

/// `src/bin/*.rs` and `src/bin/*/main.rs`, sorted.
fn bin_dir_targets(bin_dir: &Path) -> Result<Vec<(String, PathBuf)>, DiscoveryError> {
    let entries = match std::fs::read_dir(bin_dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(DiscoveryError::Read { path: bin_dir.to_owned(), source }),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| DiscoveryError::Read { path: bin_dir.to_owned(), source })?;
        let path = entry.path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()).map(str::to_owned) else {
            continue;
        };
        if path.is_dir() {
            let main = path.join("main.rs");
            if main.is_file() {
                found.push((stem, main));
            }
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push((stem, path));
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_characters() {
        let text = "a = 1\nbé = \n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        assert_eq!(line_column(text, 9), (2, 3));
        assert_eq!(line_column(text, 100), (3, 1));
    }

    #[test]
    fn reads_targets_and_inherited_fields() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(
            root.path().join("Cargo.toml"),
            "[workspace]\nmembers = [\"p\"]\n[workspace.package]\nversion = \"2.3.4\"\n",
        )
        .unwrap();
        let dir = root.path().join("p");
        std::fs::create_dir_all(dir.join("src/bin/tool")).unwrap();
        std::fs::write(
            dir.join("Cargo.toml"),
            "[package]\nname = \"my-plugin\"\nversion.workspace = true\n[lib]\nname = \"core_lib\"\n",
        )
        .unwrap();
        for file in ["src/lib.rs", "src/main.rs", "src/bin/extra.rs", "src/bin/tool/main.rs"] {
            std::fs::write(dir.join(file), "").unwrap();
        }
        let package = read(&dir).unwrap();
        assert_eq!(package.version, "2.3.4");
        assert_eq!(package.description, "");
        let names: Vec<&str> = package.targets.iter().map(|t| t.crate_name.as_str()).collect();
        assert_eq!(names, ["core_lib", "my_plugin", "extra", "tool"]);
    }

    #[test]
    fn reports_toml_errors_with_their_position() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"x\"\nversion = \n").unwrap();
        let error = read(dir.path()).unwrap_err();
        assert!(matches!(error, DiscoveryError::Manifest { line: Some(3), .. }), "{error}");
    }
}
