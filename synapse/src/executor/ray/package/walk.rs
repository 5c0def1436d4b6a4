//! What goes into a package: the plugin directory's files, found without opening any of them,
//! each with the identity the package cache compares ([`Stamp`]).

use super::{DEFAULT_IGNORES, IGNORE_FILE, PackageError};
use crate::executor::ray::jobs_api::BoxError;
use ignore::WalkBuilder;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use serde::{Deserialize, Serialize};
use std::fs::{File, FileType, Metadata};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// One file to package.
pub(super) struct Source {
    /// Its path in the package, `/`-separated.
    pub(super) path: String,
    pub(super) content: Content,
    pub(super) executable: bool,
}

pub(super) enum Content {
    /// A file on disk, as it was when it was found.
    File {
        path: PathBuf,
        stamp: Stamp,
    },
    Bytes(Vec<u8>),
}

impl Source {
    /// Its size before zipping (as found, for a file).
    pub(super) fn size(&self) -> u64 {
        match &self.content {
            Content::File { stamp, .. } => stamp.size,
            Content::Bytes(bytes) => bytes.len() as u64,
        }
    }
}

/// What `stat` says about a file, enough to tell that it changed without reading it: a file
/// rewritten in place changes its ctime (which no user can set), a file replaced changes its
/// inode. Times are seconds and nanoseconds since the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Stamp {
    pub(super) dev: u64,
    pub(super) ino: u64,
    pub(super) size: u64,
    pub(super) mode: u32,
    pub(super) mtime: (i64, i64),
    pub(super) ctime: (i64, i64),
}

impl Stamp {
    #[cfg(unix)]
    pub(super) fn of(metadata: &Metadata) -> Stamp {
        use std::os::unix::fs::MetadataExt;
        Stamp {
            dev: metadata.dev(),
            ino: metadata.ino(),
            size: metadata.size(),
            mode: metadata.mode(),
            mtime: (metadata.mtime(), metadata.mtime_nsec()),
            ctime: (metadata.ctime(), metadata.ctime_nsec()),
        }
    }

    #[cfg(not(unix))]
    pub(super) fn of(metadata: &Metadata) -> Stamp {
        let nanos = |time: std::io::Result<SystemTime>| {
            let since = time.ok().and_then(|time| time.duration_since(SystemTime::UNIX_EPOCH).ok()).unwrap_or_default();
            (since.as_secs() as i64, i64::from(since.subsec_nanos()))
        };
        Stamp {
            dev: 0,
            ino: 0,
            size: metadata.len(),
            mode: u32::from(metadata.permissions().readonly()),
            mtime: nanos(metadata.modified()),
            ctime: nanos(metadata.created()),
        }
    }

    /// Whether the file changed so shortly before `taken_at` (a time read before it was
    /// stat'ed) that another change, right after, could leave the same stamp: file times come
    /// from a clock that ticks every few milliseconds, so two writes within one tick get the
    /// same time. Such a file is packaged but its package is not cached.
    pub(super) fn is_racy(&self, taken_at: SystemTime, window: Duration) -> bool {
        let changed = SystemTime::UNIX_EPOCH
            + Duration::new(self.ctime.0.max(0) as u64, self.ctime.1.clamp(0, 999_999_999) as u32);
        changed + window > taken_at
    }
}

/// The plugin directory's files, with their package paths, leaving out `exclude` (a directory
/// within it). Only directories and ignore files are opened; what an ignore rule leaves out is
/// never opened.
pub(super) fn walk(
    dir: &Path,
    default_ignores: bool,
    extra: &[String],
    exclude: Option<&Path>,
) -> Result<Vec<Source>, PackageError> {
    let walk_error = |source: BoxError| PackageError::Walk { dir: dir.to_owned(), source };
    let metadata = std::fs::metadata(dir).map_err(|source| walk_error(Box::new(source)))?;
    if !metadata.is_dir() {
        return Err(walk_error("it is not a directory".into()));
    }
    let mut rules = GitignoreBuilder::new(dir);
    let lines = if default_ignores { DEFAULT_IGNORES } else { &[] };
    for line in lines.iter().copied().chain(extra.iter().map(String::as_str)) {
        rules.add_line(None, line).map_err(|error| walk_error(Box::new(error)))?;
    }
    let rules: Arc<Gitignore> = Arc::new(rules.build().map_err(|error| walk_error(Box::new(error)))?);

    let mut walker = WalkBuilder::new(dir);
    let filter_rules = rules.clone();
    let exclude = exclude.map(Path::to_owned);
    walker
        .standard_filters(false)
        .hidden(false)
        .parents(false)
        .ignore(false)
        .git_ignore(false)
        .git_global(false)
        .git_exclude(false)
        .require_git(false)
        .follow_links(true)
        .add_custom_ignore_filename(IGNORE_FILE)
        .filter_entry(move |entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            entry.depth() == 0
                || (entry.file_name() != IGNORE_FILE
                    && exclude.as_deref() != Some(entry.path())
                    && !filter_rules.matched(entry.path(), is_dir).is_ignore())
        });
    let mut sources = Vec::new();
    for entry in walker.build() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => match failed_entry(dir, &rules, error) {
                Some(error) => return Err(error),
                None => continue,
            },
        };
        let Some(file_type) = entry.file_type() else { continue };
        if file_type.is_dir() {
            continue;
        }
        if !file_type.is_file() {
            return Err(PackageError::SpecialFile { path: entry.into_path(), kind: kind_of(file_type) });
        }
        let relative = entry.path().strip_prefix(dir).map_err(|error| walk_error(Box::new(error)))?;
        let path = package_path(relative)?;
        // The target's, for a symbolic link (the walk follows them).
        let metadata = entry
            .metadata()
            .map_err(|error| PackageError::Read { path: entry.path().to_owned(), source: into_io(error) })?;
        let stamp = Stamp::of(&metadata);
        sources.push(Source {
            path,
            content: Content::File { path: entry.into_path(), stamp },
            executable: is_executable(&metadata),
        });
    }
    Ok(sources)
}

/// The error for an entry the walk could not visit, or `None` to skip it: a dangling symbolic
/// link that an ignore rule leaves out anyway.
fn failed_entry(dir: &Path, rules: &Gitignore, error: ignore::Error) -> Option<PackageError> {
    let Some(path) = error_path(&error).map(Path::to_owned) else {
        return Some(PackageError::Walk { dir: dir.to_owned(), source: Box::new(error) });
    };
    let is_link = std::fs::symlink_metadata(&path).is_ok_and(|metadata| metadata.file_type().is_symlink());
    let missing = matches!(std::fs::metadata(&path), Err(e) if e.kind() == std::io::ErrorKind::NotFound);
    if is_link && missing {
        if is_ignored(dir, rules, &path) {
            return None;
        }
        let target = std::fs::read_link(&path).unwrap_or_default();
        return Some(PackageError::DanglingLink { path, target });
    }
    if matches!(error, ignore::Error::Loop { .. }) {
        return Some(PackageError::Walk { dir: dir.to_owned(), source: Box::new(error) });
    }
    Some(PackageError::Read { path, source: into_io(error) })
}

/// The path an error of the walk is about.
fn error_path(error: &ignore::Error) -> Option<&Path> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::Loop { child, .. } => Some(child),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error_path(err),
        _ => None,
    }
}

fn into_io(error: ignore::Error) -> std::io::Error {
    let text = error.to_string();
    error.into_io_error().unwrap_or_else(|| std::io::Error::other(text))
}

/// Whether the ignore rules leave `path` (a file) out, as the walk would have decided had it
/// been able to look at it: the builder's rules, then the `.synapseignore` files from its own
/// directory up to the plugin directory (the nearest one that says something decides).
fn is_ignored(dir: &Path, rules: &Gitignore, path: &Path) -> bool {
    if rules.matched(path, false).is_ignore() {
        return true;
    }
    let mut current = path.parent();
    while let Some(folder) = current {
        let file = folder.join(IGNORE_FILE);
        if std::fs::metadata(&file).is_ok_and(|metadata| metadata.is_file()) {
            let mut builder = GitignoreBuilder::new(folder);
            if builder.add(&file).is_none()
                && let Ok(matcher) = builder.build()
            {
                let matched = matcher.matched(path, false);
                if matched.is_ignore() {
                    return true;
                }
                if matched.is_whitelist() {
                    return false;
                }
            }
        }
        if folder == dir {
            break;
        }
        current = folder.parent();
    }
    false
}

/// A relative path as a package path: `/`-separated, UTF-8, plain components.
fn package_path(relative: &Path) -> Result<String, PackageError> {
    let mut parts = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str().ok_or_else(|| PackageError::InvalidPath {
                path: relative.display().to_string(),
                reason: "the path is not UTF-8".to_owned(),
            })?),
            _ => {
                return Err(PackageError::InvalidPath {
                    path: relative.display().to_string(),
                    reason: "it is not a plain relative path".to_owned(),
                });
            }
        }
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
thread_local! {
    /// How many files this thread opened to read their content (the package cache's tests
    /// count them).
    pub(super) static OPENED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Opens a file to read its content, refusing anything but a regular file. It is opened
/// non-blocking and checked once open, so a path that became a FIFO since it was found fails
/// instead of waiting forever for a writer.
pub(super) fn open_regular(path: &Path) -> Result<File, PackageError> {
    #[cfg(test)]
    OPENED.with(|opened| opened.set(opened.get() + 1));
    let read_error = |source| PackageError::Read { path: path.to_owned(), source };
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    let file = options.open(path).map_err(read_error)?;
    let metadata = file.metadata().map_err(read_error)?;
    if !metadata.is_file() {
        return Err(PackageError::SpecialFile { path: path.to_owned(), kind: kind_of(metadata.file_type()) });
    }
    Ok(file)
}

/// What a file that is neither a regular file nor a directory is, in words.
pub(super) fn kind_of(file_type: FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "FIFO (named pipe)";
        }
        if file_type.is_socket() {
            return "socket";
        }
        if file_type.is_block_device() {
            return "block device";
        }
        if file_type.is_char_device() {
            return "character device";
        }
    }
    if file_type.is_dir() {
        return "directory";
    }
    if file_type.is_symlink() {
        return "symbolic link";
    }
    "special file"
}

#[cfg(unix)]
pub(super) fn is_executable(metadata: &Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
pub(super) fn is_executable(_: &Metadata) -> bool {
    false
}
