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

mod archive;
mod cache;
mod strip;
mod walk;

pub use cache::{CACHE_ENV, MAX_CACHE_BYTES, MAX_CACHE_ENTRIES, RACY_WINDOW, default_cache_dir};

use super::jobs_api::{BoxError, JobSubmission, MAX_UPLOAD_BYTES, RayError, RayJobsClient};
use cache::{Cache, Key, Settings};
use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;
use tempfile::TempPath;
use walk::{Content, Source, Stamp};
use zip::CompressionMethod;

/// The ignore file read in the plugin directory (and its subdirectories), in gitignore syntax.
pub const IGNORE_FILE: &str = ".synapseignore";

/// What is never packaged unless [`PackageBuilder::default_ignores`] is switched off: build
/// output, version control, Python environments and caches, and synapse's own state.
pub const DEFAULT_IGNORES: &[&str] = &["target/", ".git/", ".venv/", "__pycache__/", "*.pyc", ".synapse/"];

/// Above this size a package is built with a warning: packages live in the cluster's memory.
pub const WARN_BYTES: u64 = 50 * 1024 * 1024;

/// How many hex digits of the BLAKE3 name a package (128 bits).
const NAME_HASH_LEN: usize = 32;

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
        super::jobs_api::error_bytes(*limit), super::jobs_api::error_bytes(MAX_UPLOAD_BYTES), largest_list(largest)
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
        .map(|entry| format!("{} ({})", entry.path, super::jobs_api::error_bytes(entry.size)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One file in a package.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PackageEntry {
    /// Its path in the package, `/`-separated.
    pub path: String,
    /// Its size in the package before compression (for the binary: without its debug info,
    /// when that was stripped).
    pub size: u64,
    /// Whether it is stored with mode 0755 (else 0644).
    pub executable: bool,
}

/// A built plugin package: a deterministic zip in a file (the package cache's, or a temporary
/// one), and its content-derived name.
#[derive(Clone)]
pub struct PluginPackage {
    zip: Arc<ZipHandle>,
    len: u64,
    hash: String,
    name: String,
    binary: String,
    entries: Vec<PackageEntry>,
    from_cache: bool,
}

/// A package's zip: its file, kept open (so it stays readable if the cache drops it), and its
/// path when it is in the package cache.
struct ZipHandle {
    file: Mutex<File>,
    path: Option<PathBuf>,
}

impl fmt::Debug for PluginPackage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PluginPackage")
            .field("name", &self.name)
            .field("size", &self.len)
            .field("binary", &self.binary)
            .field("entries", &self.entries.len())
            .field("from_cache", &self.from_cache)
            .finish()
    }
}

impl PluginPackage {
    /// A builder: the running binary by default, no plugin directory, no extra files.
    pub fn builder() -> PackageBuilder {
        PackageBuilder::default()
    }

    fn from_parts(
        file: File,
        path: Option<PathBuf>,
        len: u64,
        hash: String,
        binary: String,
        entries: Vec<PackageEntry>,
        from_cache: bool,
    ) -> PluginPackage {
        let name = format!("_ray_pkg_{}.zip", &hash[..NAME_HASH_LEN.min(hash.len())]);
        PluginPackage {
            zip: Arc::new(ZipHandle { file: Mutex::new(file), path }),
            len,
            hash,
            name,
            binary,
            entries,
            from_cache,
        }
    }

    /// The package's name in Ray's package store: `_ray_pkg_<32 hex digits of BLAKE3>.zip`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The working-directory URI for jobs: `gcs://<name>`.
    pub fn uri(&self) -> String {
        format!("gcs://{}", self.name)
    }

    /// The BLAKE3 of the zip, in hex (64 digits).
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// The zip's size in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the zip is empty (never: a package holds at least the binary).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the build found this package in the package cache (it read no file to make it).
    pub fn from_cache(&self) -> bool {
        self.from_cache
    }

    /// Where the zip is in the package cache; `None` for a package that is not cached (it lives
    /// in a temporary file that goes with the last clone of it).
    pub fn cache_path(&self) -> Option<&Path> {
        self.zip.path.as_deref()
    }

    /// The zip's bytes, read from its file and checked against the package's name.
    ///
    /// # Errors
    ///
    /// [`PackageError::Read`] when the file cannot be read; [`PackageError::Corrupt`] when what
    /// it holds no longer hashes to the package's name (it was changed on disk after the
    /// build): a cached zip is then deleted, so that the next build makes it again.
    pub fn read_zip(&self) -> Result<Vec<u8>, PackageError> {
        let mut file = self.zip.file.lock().unwrap_or_else(PoisonError::into_inner);
        let read_error = |source| PackageError::Read {
            path: self.zip.path.clone().unwrap_or_else(|| PathBuf::from(format!("<temporary file of {}>", self.name))),
            source,
        };
        file.seek(SeekFrom::Start(0)).map_err(read_error)?;
        let mut bytes = Vec::with_capacity(usize::try_from(self.len).unwrap_or(0));
        (&mut *file).take(self.len.saturating_add(1)).read_to_end(&mut bytes).map_err(read_error)?;
        let found = blake3::hash(&bytes).to_hex().to_string();
        if found != self.hash || bytes.len() as u64 != self.len {
            if let Some(path) = &self.zip.path {
                let _ = std::fs::remove_file(path);
            }
            return Err(PackageError::Corrupt { name: self.name.clone(), path: self.zip.path.clone(), found });
        }
        Ok(bytes)
    }

    /// This package with one more file, `path` (relative, `/`-separated) holding `contents`
    /// (mode 0644), e.g. the params of one run. Nothing is read from disk but this package's
    /// zip, and its entries are copied as they are (not compressed again), so this is quick
    /// for a large binary; the result is not cached.
    ///
    /// ```
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let bin = dir.path().join("quickstart");
    /// # std::fs::write(&bin, "#!/bin/sh\n").unwrap();
    /// use synapse::executor::ray::PluginPackage;
    ///
    /// let package = PluginPackage::builder().binary(&bin).no_cache().build().unwrap();
    /// let with_params = package.with_file("params.json", r#"{"epochs": 3}"#).unwrap();
    /// assert_ne!(with_params.name(), package.name());
    /// let paths: Vec<&str> = with_params.entries().iter().map(|entry| entry.path.as_str()).collect();
    /// assert_eq!(paths, ["bin/quickstart", "params.json"]);
    /// ```
    ///
    /// # Errors
    ///
    /// [`PackageError::InvalidPath`] or [`PackageError::Duplicate`] for a path that cannot be
    /// added; the errors of [`read_zip`](Self::read_zip) when this package's zip changed.
    pub fn with_file(&self, path: &str, contents: impl Into<Vec<u8>>) -> Result<PluginPackage, PackageError> {
        let path = clean_path(path)?;
        if self.entries.iter().any(|entry| entry.path == path) {
            return Err(PackageError::Duplicate { path });
        }
        // Checks the base (its content must still be what its name says).
        let base = self.read_zip()?;
        let file = tempfile::tempfile().map_err(|error| PackageError::Archive { source: Box::new(error) })?;
        let written = archive::add_file(&base, &path, &contents.into(), file, MAX_UPLOAD_BYTES)?;
        Ok(PluginPackage::from_parts(
            written.file,
            None,
            written.len,
            written.hash,
            self.binary.clone(),
            written.entries,
            false,
        ))
    }

    /// The binary's path in the package (and, once unpacked, relative to the job's working
    /// directory): `bin/<name>`.
    pub fn binary_path(&self) -> &str {
        &self.binary
    }

    /// The files in the package, sorted by path.
    pub fn entries(&self) -> &[PackageEntry] {
        &self.entries
    }

    /// The entrypoint that runs the binary with `args`: `exec ./bin/<name> <args>`, each
    /// argument quoted for `/bin/sh` where needed. `exec` makes the binary the job's process,
    /// so stopping the job signals it directly.
    ///
    /// ```
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let bin = dir.path().join("quickstart");
    /// # std::fs::write(&bin, "#!/bin/sh\n").unwrap();
    /// use synapse::executor::ray::PluginPackage;
    ///
    /// let package = PluginPackage::builder().binary(&bin).no_cache().build().unwrap();
    /// assert_eq!(
    ///     package.command(&["run", "process", "--params", r#"{"path": "it's.csv"}"#]),
    ///     r#"exec ./bin/quickstart run process --params '{"path": "it'\''s.csv"}'"#
    /// );
    /// ```
    pub fn command(&self, args: &[&str]) -> String {
        let mut command = format!("exec ./{}", shell_quote(&self.binary));
        for arg in args {
            command.push(' ');
            command.push_str(&shell_quote(arg));
        }
        command
    }

    /// A job running the binary with `args` in this package: [`command`](Self::command) as
    /// the entrypoint, [`uri`](Self::uri) as the working directory.
    pub fn job(&self, args: &[&str]) -> JobSubmission {
        JobSubmission::new(self.command(args)).with_working_dir(self.uri())
    }

    /// Makes sure the cluster has this package, and returns how many bytes were uploaded: 0
    /// when it had it already.
    ///
    /// It asks first (`GET`, which also pins the package in the cluster for 10 minutes, so
    /// submit the job within that time) and uploads (`PUT`) only when the cluster does not
    /// have it; only then is the zip read ([`read_zip`](Self::read_zip), whose errors come as
    /// [`RayError::Package`]).
    pub async fn ensure_uploaded(&self, client: &RayJobsClient) -> Result<u64, RayError> {
        if client.package_exists(&self.name).await? {
            return Ok(0);
        }
        let bytes = self.read_zip().map_err(|error| RayError::Package(Box::new(error)))?;
        client.upload_package_bytes(&self.name, bytes).await?;
        Ok(self.len)
    }
}

/// Where a build looks for and stores its package.
#[derive(Clone, Debug)]
enum CacheChoice {
    Default,
    Dir(PathBuf),
    Off,
}

/// Builds a [`PluginPackage`]; from [`PluginPackage::builder`].
#[derive(Clone, Debug)]
pub struct PackageBuilder {
    binary: Option<PathBuf>,
    binary_name: Option<String>,
    plugin_dir: Option<PathBuf>,
    files: Vec<(String, Vec<u8>, bool)>,
    ignores: Vec<String>,
    default_ignores: bool,
    size_limit: u64,
    strip_debug: bool,
    cache: CacheChoice,
}

impl Default for PackageBuilder {
    fn default() -> Self {
        PackageBuilder {
            binary: None,
            binary_name: None,
            plugin_dir: None,
            files: Vec::new(),
            ignores: Vec::new(),
            default_ignores: true,
            size_limit: MAX_UPLOAD_BYTES,
            strip_debug: true,
            cache: CacheChoice::Default,
        }
    }
}

impl PackageBuilder {
    /// The plugin binary to ship; default: the running executable
    /// ([`std::env::current_exe`]).
    pub fn binary(mut self, path: impl Into<PathBuf>) -> Self {
        self.binary = Some(path.into());
        self
    }

    /// The binary's name under `bin/`; default: its file name.
    pub fn binary_name(mut self, name: impl Into<String>) -> Self {
        self.binary_name = Some(name.into());
        self
    }

    /// The plugin directory whose files are shipped with the binary (all of them but those
    /// ignored by `.synapseignore` files and [`DEFAULT_IGNORES`]). Symbolic links are followed.
    /// Only directories and ignore files are opened to find the files; a FIFO, socket, device
    /// or dangling link that no rule leaves out is an error.
    pub fn plugin_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.plugin_dir = Some(dir.into());
        self
    }

    /// Adds a file with the given contents (mode 0644), e.g. a params file; `path` is
    /// relative and `/`-separated. (To add a file to a package already built, see
    /// [`PluginPackage::with_file`].)
    pub fn file(mut self, path: impl Into<String>, contents: impl Into<Vec<u8>>) -> Self {
        self.files.push((path.into(), contents.into(), false));
        self
    }

    /// Adds an executable file (mode 0755) with the given contents.
    pub fn executable_file(mut self, path: impl Into<String>, contents: impl Into<Vec<u8>>) -> Self {
        self.files.push((path.into(), contents.into(), true));
        self
    }

    /// Adds an ignore rule in gitignore syntax, relative to the plugin directory, as if it
    /// were a line of its `.synapseignore`.
    pub fn ignore(mut self, rule: impl Into<String>) -> Self {
        self.ignores.push(rule.into());
        self
    }

    /// Whether [`DEFAULT_IGNORES`] apply (default: yes).
    pub fn default_ignores(mut self, enabled: bool) -> Self {
        self.default_ignores = enabled;
        self
    }

    /// The largest zip allowed, in bytes; default and maximum [`MAX_UPLOAD_BYTES`] (what a Ray
    /// dashboard accepts in one upload).
    pub fn size_limit(mut self, bytes: u64) -> Self {
        self.size_limit = bytes.min(MAX_UPLOAD_BYTES);
        self
    }

    /// Whether an ELF binary is shipped without its DWARF debug info (its unloaded `.debug_*`
    /// sections; default: yes). Its code, data and symbol table are shipped either way; keep
    /// the debug info when jobs need file and line numbers in backtraces, or a debugger.
    pub fn strip_debug(mut self, enabled: bool) -> Self {
        self.strip_debug = enabled;
        self
    }

    /// Caches packages in `dir` instead of [`default_cache_dir`] (see [the module
    /// documentation](self#the-cache)).
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache = CacheChoice::Dir(dir.into());
        self
    }

    /// Neither looks for the package in a cache nor stores it: the zip is written to a
    /// temporary file, deleted when the package is dropped.
    pub fn no_cache(mut self) -> Self {
        self.cache = CacheChoice::Off;
        self
    }

    /// Finds the files, and returns the cached package when they are unchanged; otherwise
    /// reads them, strips the binary and zips them (which takes a while for a large binary,
    /// so in async code run it with `tokio::task::spawn_blocking`).
    ///
    /// # Errors
    ///
    /// See [`PackageError`]: a binary or file that cannot be read, a special file or dangling
    /// link in the plugin directory, a bad path, a package over the size limit. The cache
    /// never makes a build fail: when it cannot be used, the package is built without it.
    pub fn build(self) -> Result<PluginPackage, PackageError> {
        // Read before anything is stat'ed (see `Stamp::is_racy`).
        let taken_at = SystemTime::now();
        let binary = match self.binary {
            Some(path) => path,
            None => std::env::current_exe().map_err(|source| PackageError::CurrentExe { source })?,
        };
        let metadata =
            std::fs::metadata(&binary).map_err(|source| PackageError::Read { path: binary.clone(), source })?;
        if !metadata.is_file() {
            return Err(PackageError::NotAFile { path: binary });
        }
        let binary_name = match self.binary_name {
            Some(name) => name,
            None => binary.file_name().and_then(|name| name.to_str()).map(str::to_owned).ok_or_else(|| {
                PackageError::InvalidPath {
                    path: binary.display().to_string(),
                    reason: "the binary's file name is not UTF-8; set one with `binary_name`".to_owned(),
                }
            })?,
        };
        if binary_name.is_empty() || binary_name.contains(['/', '\\']) || binary_name == "." || binary_name == ".." {
            return Err(PackageError::InvalidPath {
                path: binary_name,
                reason: "a binary name is one path component".to_owned(),
            });
        }

        let binary_entry = format!("bin/{binary_name}");
        let mut sources = vec![Source {
            path: binary_entry.clone(),
            content: Content::File { path: binary.clone(), stamp: Stamp::of(&metadata) },
            executable: true,
        }];
        let cache_dir = match self.cache {
            CacheChoice::Default => default_cache_dir(),
            CacheChoice::Dir(dir) => Some(dir),
            CacheChoice::Off => None,
        };
        let cache = cache_dir.as_deref().and_then(Cache::open);
        let canonical = |path: &Path| std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
        let canonical_dir = self.plugin_dir.as_deref().map(canonical);
        if let (Some(dir), Some(canonical_dir)) = (&self.plugin_dir, &canonical_dir) {
            // A cache inside the plugin directory is never packaged (it would grow each build).
            let cache_inside = cache_dir
                .as_deref()
                .map(canonical)
                .and_then(|cache| cache.strip_prefix(canonical_dir).ok().map(|inside| dir.join(inside)));
            sources.extend(walk::walk(dir, self.default_ignores, &self.ignores, cache_inside.as_deref())?);
        }
        for (path, contents, executable) in self.files {
            let path = clean_path(&path)?;
            sources.push(Source { path, content: Content::Bytes(contents), executable });
        }
        sources.sort_by(|a, b| a.path.cmp(&b.path));
        if let Some(pair) = sources.windows(2).find(|pair| pair[0].path == pair[1].path) {
            return Err(PackageError::Duplicate { path: pair[0].path.clone() });
        }

        let key = cache.as_ref().and_then(|_| {
            let binary = canonical(&binary);
            let settings = Settings {
                binary: &binary,
                binary_name: &binary_name,
                plugin_dir: canonical_dir.as_deref(),
                default_ignores: self.default_ignores,
                ignores: &self.ignores,
                size_limit: self.size_limit,
                strip_debug: self.strip_debug,
            };
            Key::new(&settings, &sources)
        });
        if let (Some(cache), Some(key)) = (&cache, &key)
            && let Some(package) = cache.lookup(key)
        {
            return Ok(package);
        }
        // A file changed right before this build could change again unseen: not cached.
        let racy = sources.iter().any(|source| match &source.content {
            Content::File { stamp, .. } => stamp.is_racy(taken_at, RACY_WINDOW),
            Content::Bytes(_) => false,
        });
        let store = match (cache, key) {
            (Some(cache), Some(key)) if !racy => Some((cache, key)),
            _ => None,
        };

        if self.strip_debug
            && let Some(source) = sources.iter_mut().find(|source| source.path == binary_entry)
        {
            source.content = Content::Bytes(shipped_binary(&binary)?);
        }
        let written = zip_sources(&sources, self.size_limit, store.as_ref().map(|(cache, _)| cache))?;
        if written.0.len > WARN_BYTES {
            tracing::warn!(
                "plugin package of `{}` is {}; packages are kept in the Ray cluster's memory",
                binary.display(),
                super::jobs_api::error_bytes(written.0.len)
            );
        }
        Ok(match (store, written) {
            (Some((cache, key)), (written, Some(temp))) => cache.store(&key, written, temp, binary_entry),
            (_, (written, _)) => PluginPackage::from_parts(
                written.file,
                None,
                written.len,
                written.hash,
                binary_entry,
                written.entries,
                false,
            ),
        })
    }
}

/// The binary as shipped: without its debug info when it is an ELF file that has some.
fn shipped_binary(path: &Path) -> Result<Vec<u8>, PackageError> {
    let mut file = walk::open_regular(path)?;
    let read_error = |source| PackageError::Read { path: path.to_owned(), source };
    let strip = match strip::cut_debug_info(&file) {
        Ok(strip::Cut::Stripped(stripped)) => return Ok(stripped),
        Ok(strip::Cut::Nothing) => false,
        Ok(strip::Cut::Unsupported) => true,
        // Not an ELF file that can be read: the builder will say why.
        Err(error) if error.kind() == io::ErrorKind::InvalidData => true,
        Err(error) => return Err(read_error(error)),
    };
    let size = file.metadata().map(|metadata| metadata.len()).unwrap_or(0);
    let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.seek(SeekFrom::Start(0)).and_then(|_| file.read_to_end(&mut data)).map_err(read_error)?;
    if !strip {
        return Ok(data);
    }
    match strip::strip_debug(&data) {
        Ok(Some(stripped)) => Ok(stripped),
        Ok(None) => Ok(data),
        Err(error) => {
            tracing::warn!(
                "shipping `{}` with its debug info: it cannot be rewritten without it: {error}",
                path.display()
            );
            Ok(data)
        }
    }
}

/// Zips `sources` into a new file (in the cache directory when it will be stored there):
/// stored, or deflated when stored would pass `limit`.
fn zip_sources(
    sources: &[Source],
    limit: u64,
    cache: Option<&Cache>,
) -> Result<(archive::Written, Option<TempPath>), PackageError> {
    let target = || -> Result<(File, Option<TempPath>), PackageError> {
        if let Some(cache) = cache {
            match cache.temp_file() {
                Ok((file, path)) => return Ok((file, Some(path))),
                Err(error) => tracing::warn!("not caching the plugin package: {error}"),
            }
        }
        let file = tempfile::tempfile().map_err(|error| PackageError::Archive { source: Box::new(error) })?;
        Ok((file, None))
    };
    // Local headers, central directory entries and the end record: under 100 bytes a file
    // besides its path, twice.
    let stored: u64 = sources.iter().map(|source| source.size() + 2 * source.path.len() as u64 + 100).sum::<u64>() + 22;
    if stored <= limit {
        let (file, temp) = target()?;
        match archive::write_zip(sources, file, limit, CompressionMethod::Stored) {
            Err(PackageError::TooLarge { .. }) => {}
            written => return Ok((written?, temp)),
        }
    }
    let (file, temp) = target()?;
    Ok((archive::write_zip(sources, file, limit, CompressionMethod::Deflated)?, temp))
}

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

/// Quotes an argument for `/bin/sh` when it has characters the shell would interpret.
fn shell_quote(arg: &str) -> String {
    let safe = !arg.is_empty()
        && arg.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ':' | '=' | '@' | '%' | '+' | ',')
        });
    if safe { arg.to_owned() } else { format!("'{}'", arg.replace('\'', r"'\''")) }
}

#[cfg(test)]
mod tests;
