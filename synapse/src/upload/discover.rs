//! Finding the files under a folder ([`discover_files`]): recursive or flat, NAS and system
//! folders skipped ([`EXCLUDED_DIRS`], [`EXCLUDED_FILES`]), symbolic links followed but never
//! around a loop.

use super::{FailedFile, UploadError};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Folders never searched: NAS metadata, recycle bins and caches (the SDK's
/// `strategies/file_discovery.py` `EXCLUDED_DIRS`).
pub const EXCLUDED_DIRS: [&str; 9] =
    ["@eaDir", ".@__thumb", "@Recycle", "#recycle", ".DS_Store", "Thumbs.db", ".synology", "__pycache__", ".git"];

/// Files never uploaded (the SDK's `EXCLUDED_FILES`).
pub const EXCLUDED_FILES: [&str; 4] = [".DS_Store", "Thumbs.db", "desktop.ini", ".gitkeep"];

/// What [`discover_files`] found.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Discovered {
    /// The files, sorted by path.
    pub files: Vec<PathBuf>,
    /// What was not followed and why: a link back to a folder being searched (a loop), a folder
    /// reached twice, an entry that could not be read.
    pub skipped: Vec<FailedFile>,
}

/// The files under `root` (its subfolders too when `recursive`), skipping [`EXCLUDED_DIRS`]
/// and [`EXCLUDED_FILES`]. Symbolic links are followed; one that leads back to a folder on
/// the way to it (a loop), or to a folder already searched, is not followed again and is
/// reported in [`Discovered::skipped`].
///
/// ```
/// let dir = tempfile::tempdir()?;
/// std::fs::create_dir_all(dir.path().join("a/@eaDir"))?;
/// std::fs::write(dir.path().join("a/cat.png"), b"png")?;
/// std::fs::write(dir.path().join("a/@eaDir/cat.png"), b"thumbnail")?;
/// # #[cfg(unix)]
/// std::os::unix::fs::symlink(dir.path(), dir.path().join("a/back"))?;
/// let found = synapse::upload::discover_files(dir.path(), true)?;
/// assert_eq!(found.files, [dir.path().join("a/cat.png")]);
/// # #[cfg(unix)]
/// assert!(found.skipped[0].reason.contains("loop"), "{:?}", found.skipped);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`UploadError::Folder`] when `root` is not a readable folder.
pub fn discover_files(root: &Path, recursive: bool) -> Result<Discovered, UploadError> {
    let folder = |reason: String| UploadError::Folder { path: root.to_owned(), reason };
    let canonical = root.canonicalize().map_err(|error| folder(error.to_string()))?;
    if !canonical.is_dir() {
        return Err(folder("is not a folder".to_owned()));
    }
    let mut found = Discovered::default();
    let mut visited = HashSet::from([canonical.clone()]);
    let mut ancestors = vec![canonical];
    walk(root, recursive, &mut ancestors, &mut visited, &mut found).map_err(|error| folder(error.to_string()))?;
    found.files.sort();
    Ok(found)
}

fn walk(
    dir: &Path,
    recursive: bool,
    ancestors: &mut Vec<PathBuf>,
    visited: &mut HashSet<PathBuf>,
    found: &mut Discovered,
) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        // `metadata` follows links: what the entry leads to.
        let metadata = match std::fs::metadata(&path) {
            Ok(metadata) => metadata,
            Err(error) => {
                found.skipped.push(FailedFile::new(&path, format!("cannot be read: {error}")));
                continue;
            }
        };
        if metadata.is_dir() {
            if !recursive || EXCLUDED_DIRS.contains(&name.as_str()) {
                continue;
            }
            let canonical = match path.canonicalize() {
                Ok(canonical) => canonical,
                Err(error) => {
                    found.skipped.push(FailedFile::new(&path, format!("cannot be resolved: {error}")));
                    continue;
                }
            };
            if ancestors.contains(&canonical) {
                let reason = format!(
                    "symbolic link loop: leads back to {}, a folder it is inside; not followed",
                    canonical.display()
                );
                found.skipped.push(FailedFile::new(&path, reason));
                continue;
            }
            if !visited.insert(canonical.clone()) {
                let reason = format!("leads to {}, already searched; not searched again", canonical.display());
                found.skipped.push(FailedFile::new(&path, reason));
                continue;
            }
            ancestors.push(canonical);
            let walked = walk(&path, recursive, ancestors, visited, found);
            ancestors.pop();
            if let Err(error) = walked {
                found.skipped.push(FailedFile::new(&path, format!("cannot be read: {error}")));
            }
        } else if metadata.is_file() && !EXCLUDED_FILES.contains(&name.as_str()) {
            found.files.push(path);
        }
    }
    Ok(())
}
