//! Why a package could not be built, or read back.

use super::PackageEntry;
use crate::executor::ray::jobs_api::{BoxError, MAX_UPLOAD_BYTES};
use std::io;
use std::path::PathBuf;

/// Why a package could not be built (or read back).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PackageError {
    /// The path of the running executable is unknown.
    #[error("cannot find the running plugin binary: {source}")]
    CurrentExe {
        /// Why.
        source: io::Error,
    },
    /// A file could not be read.
    #[error("cannot read `{}`: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The plugin binary is not a regular file.
    #[error("the plugin binary `{}` is not a file", path.display())]
    NotAFile {
        /// The path given.
        path: PathBuf,
    },
    /// Something in the plugin directory is neither a file nor a directory (a FIFO, a socket, a
    /// device): it cannot be packaged, and reading a FIFO would wait forever for a writer.
    #[error(
        "`{}` in the plugin directory is a {kind}, not a file: remove it, or leave it out with a .synapseignore rule",
        path.display()
    )]
    SpecialFile {
        /// Its path.
        path: PathBuf,
        /// What it is: "FIFO (named pipe)", "socket", "block device", "character device".
        kind: &'static str,
    },
    /// A symbolic link in the plugin directory points to nothing.
    #[error(
        "`{}` in the plugin directory is a symbolic link to `{}`, which does not exist: remove it, or leave it out \
         with a .synapseignore rule",
        path.display(), target.display()
    )]
    DanglingLink {
        /// The link.
        path: PathBuf,
        /// Where it points.
        target: PathBuf,
    },
    /// The plugin directory could not be walked (unreadable, or a bad `.synapseignore` rule).
    #[error("cannot walk the plugin directory `{}`: {source}", dir.display())]
    Walk {
        /// The plugin directory.
        dir: PathBuf,
        /// Why.
        #[source]
        source: BoxError,
    },
    /// A path that cannot be stored in the package.
    #[error("cannot store `{path}` in the package: {reason}")]
    InvalidPath {
        /// The path.
        path: String,
        /// Why.
        reason: String,
    },
    /// Two files would be stored under the same path.
    #[error("two files would be stored as `{path}` in the package")]
    Duplicate {
        /// The path in the package.
        path: String,
    },
    /// The package would be larger than the limit.
    #[error(
        "the plugin package would be larger than {} (the most a Ray dashboard accepts in one upload is {}); \
         its largest files: {}; leave files out with .synapseignore, or ship large files another way \
         (a `local://` or remote working_dir)",
        crate::executor::ray::jobs_api::error_bytes(*limit), crate::executor::ray::jobs_api::error_bytes(MAX_UPLOAD_BYTES), largest_list(largest)
    )]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
        /// The largest files (up to three), as they are packaged (the binary without its debug
        /// info, when stripped) and before compression.
        largest: Vec<PackageEntry>,
    },
    /// The zip could not be written.
    #[error("cannot write the package archive: {source}")]
    Archive {
        /// Why.
        #[source]
        source: BoxError,
    },
    /// A package's zip no longer hashes to its name: it was changed on disk after it was built.
    #[error(
        "the plugin package {name} changed after it was built (`{}` now hashes to {found}); it was dropped from \
         the package cache, so building it again makes it anew",
        path.as_deref().map_or_else(|| "its temporary file".into(), |path| path.display().to_string())
    )]
    Corrupt {
        /// The package's name.
        name: String,
        /// Its zip, when in the package cache.
        path: Option<PathBuf>,
        /// The BLAKE3 of what the zip holds now.
        found: String,
    },
}

fn largest_list(largest: &[PackageEntry]) -> String {
    largest
        .iter()
        .map(|entry| format!("{} ({})", entry.path, crate::executor::ray::jobs_api::error_bytes(entry.size)))
        .collect::<Vec<_>>()
        .join(", ")
}
