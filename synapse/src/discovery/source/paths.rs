//! The files of a package: every `.rs` file under `src/` (to tell which ones no `mod` reaches),
//! and paths relative to the package directory, as the discovery lists them.

use crate::discovery::DiscoveryError;
use std::path::{Component, Path, PathBuf};

/// Every `.rs` file below `dir` (nothing when it does not exist).
pub(super) fn collect_rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), DiscoveryError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(DiscoveryError::Read { path: dir.to_owned(), source }),
    };
    for entry in entries {
        let entry = entry.map_err(|source| DiscoveryError::Read { path: dir.to_owned(), source })?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|source| DiscoveryError::Read { path: path.clone(), source })?;
        if kind.is_dir() {
            collect_rust_files(&path, out)?;
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// `path` relative to `dir`, with `.` and `..` resolved lexically.
pub(super) fn relative(dir: &Path, path: &Path) -> PathBuf {
    let (dir, path) = (normalize(dir), normalize(path));
    path.strip_prefix(&dir).map(Path::to_owned).unwrap_or(path)
}

fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.components().next_back(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_lexically() {
        assert_eq!(normalize(Path::new("a/./b/../c.rs")), Path::new("a/c.rs"));
        assert_eq!(relative(Path::new("./p"), Path::new("p/src/x/../y.rs")), Path::new("src/y.rs"));
    }
}
