//! Plugin packages for Ray: the plugin binary and its files, zipped deterministically.
//!
//! A package holds the plugin binary at `bin/<name>` (mode 0755) and the plugin directory's
//! files (`config.yaml`, `schemas/`, data files), minus what `.synapseignore` and the default
//! rules leave out. Ray unpacks it as the job's working directory, keeping the modes, so the
//! entrypoint is `exec ./bin/<name> …` ([`PluginPackage::command`]).
//!
//! # Format
//!
//! The zip is byte-for-byte reproducible: entries sorted by path, every timestamp 1980-01-01
//! 00:00, Unix modes 0755 (the binary and executable files) or 0644, and every entry stored as
//! it is, without compression (unless the package would pass its size limit that way: then
//! every entry is deflated). Its name, `_ray_pkg_<32 hex digits of its BLAKE3>.zip`, changes
//! exactly when its content does, and a package is uploaded to a cluster once
//! ([`PluginPackage::ensure_uploaded`]).
//!
//! Stored, because deflating costs more than it saves on a loopback or LAN upload: where
//! synapse is built without optimizations (a plugin crate's default dev profile), deflate
//! takes about 7 s for the 45 MB a new plugin's debug binary ships, to save 32 MB, which a Ray
//! dashboard takes in about 1 s on loopback. BLAKE3, because its SIMD kernels are assembly, as
//! fast unoptimized as optimized (about 4 GB/s here, where unoptimized SHA-256 does 50 MB/s).
//! CRC-32, which zip readers require, costs 0.05 s for those 45 MB. See `bench/RESULTS.md`.
//!
//! # The binary
//!
//! An ELF binary is shipped without its DWARF debug info, its unloaded `.debug_*` sections: a
//! job does not read them, and they are most of a debug build (168 of that plugin's 216 MB).
//! What runs is unchanged, byte for byte, and the symbol table stays, so panics and backtraces
//! still name functions (without file and line). Only the kept bytes are read: the sections
//! are cut out of the file, their headers left empty. [`PackageBuilder::strip_debug`] keeps
//! them.
//!
//! # The cache
//!
//! Built packages are cached on disk ([`default_cache_dir`]) by the identity of what they are
//! made of: the device, inode, size, mode, mtime and ctime of the binary and of every packaged
//! file, the contents of extra files, the builder's settings and the synapse version. An
//! unchanged plugin is found again with `stat` alone, without reading, stripping, zipping or
//! hashing anything; a binary rebuilt in place, even to the same size, has a new ctime (and
//! usually a new inode) and is packaged again. The cache keeps one package per binary path,
//! plugin directory and settings, and at most [`MAX_CACHE_ENTRIES`] of them and
//! [`MAX_CACHE_BYTES`]; concurrent builds are safe (each file is renamed into place once
//! complete), and a missing or damaged entry is built again. [`PackageBuilder::cache_dir`] and
//! [`PackageBuilder::no_cache`] choose otherwise.
//!
//! ```no_run
//! use synapse::executor::ray::{PluginPackage, RayJobsClient};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let package = PluginPackage::builder()
//!     .plugin_dir("examples/quickstart")
//!     .file("params.json", r#"{"input_path": "data/in.csv", "output_path": "out.csv"}"#)
//!     .build()?;
//! let client = RayJobsClient::new("http://127.0.0.1:8265")?;
//! let uploaded = package.ensure_uploaded(&client).await?; // 0 when the cluster has it already
//! let id = client.submit(&package.job(&["run", "process", "--params", "@params.json"])).await?;
//! # Ok(())
//! # }
//! ```
//!
//! Files: `builder.rs` ([`PackageBuilder`]: what goes in, the cache, the zip), `plugin_package.rs`
//! ([`PluginPackage`]: a built package, its upload and its job), `error.rs`, `walk.rs` (the
//! plugin directory minus what is ignored), `strip.rs` (the binary without its debug info),
//! `archive.rs` (deterministic zip entries), `cache/` (packages found again by `stat`; where the
//! cache is, its bounds); the tests are in `tests/`, a file per concern.

mod archive;
mod builder;
mod cache;
mod error;
mod plugin_package;
mod strip;
mod walk;

pub use builder::PackageBuilder;
pub use error::PackageError;
pub use plugin_package::{PackageEntry, PluginPackage};

pub use cache::{CACHE_ENV, MAX_CACHE_BYTES, MAX_CACHE_ENTRIES, RACY_WINDOW, default_cache_dir};

/// The ignore file read in the plugin directory (and its subdirectories), in gitignore syntax.
pub const IGNORE_FILE: &str = ".synapseignore";

/// What is never packaged unless [`PackageBuilder::default_ignores`] is switched off: build
/// output, version control, Python environments and caches, and synapse's own state.
pub const DEFAULT_IGNORES: &[&str] = &["target/", ".git/", ".venv/", "__pycache__/", "*.pyc", ".synapse/"];

/// Above this size a package is built with a warning: packages live in the cluster's memory.
pub const WARN_BYTES: u64 = 50 * 1024 * 1024;

/// How many hex digits of the BLAKE3 name a package (128 bits).
const NAME_HASH_LEN: usize = 32;

/// A user-given package path, checked: relative, `/`-separated, without `.` or `..` steps.
fn clean_path(path: &str) -> Result<String, PackageError> {
    let invalid = |reason: &str| PackageError::InvalidPath { path: path.to_owned(), reason: reason.to_owned() };
    if path.is_empty() {
        return Err(invalid("it is empty"));
    }
    if path.starts_with('/') || path.contains('\\') {
        return Err(invalid("use a relative path with `/` separators"));
    }
    let parts: Vec<&str> = path.split('/').filter(|part| !part.is_empty()).collect();
    if parts.is_empty() {
        return Err(invalid("it names no file"));
    }
    if parts.iter().any(|part| *part == "." || *part == "..") {
        return Err(invalid("`.` and `..` are not allowed"));
    }
    if path.ends_with('/') {
        return Err(invalid("it names a directory, not a file"));
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests;
