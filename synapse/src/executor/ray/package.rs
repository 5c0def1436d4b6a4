//! Plugin packages for Ray: the plugin binary and its files, zipped deterministically.
//!
//! A package holds the plugin binary at `bin/<name>` (mode 0755) and the plugin directory's
//! files (`config.yaml`, `schemas/`, data files), minus what `.synapseignore` and the default
//! rules leave out. The zip is byte-for-byte reproducible: entries sorted by path, every
//! timestamp 1980-01-01 00:00, Unix modes 0755 (the binary and executable files) or 0644. So
//! its name, `_ray_pkg_<sha256 prefix>.zip`, changes exactly when its content does, and a
//! package is uploaded to a cluster once ([`PluginPackage::ensure_uploaded`]).
//!
//! Ray unpacks it as the job's working directory, keeping the modes, so the entrypoint is
//! `exec ./bin/<name> …` ([`PluginPackage::command`]).
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

use super::jobs_api::{BoxError, JobSubmission, MAX_UPLOAD_BYTES, RayError, RayJobsClient};
use ignore::WalkBuilder;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use sha2::{Digest, Sha256};
use std::fmt;
use std::fs::File;
use std::io::{self, Cursor, Read, Seek, SeekFrom, Write};
use std::path::{Component, Path, PathBuf};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipWriter};

/// The ignore file read in the plugin directory (and its subdirectories), in gitignore syntax.
pub const IGNORE_FILE: &str = ".synapseignore";

/// What is never packaged unless [`PackageBuilder::default_ignores`] is switched off: build
/// output, version control, Python environments and caches, and synapse's own state.
pub const DEFAULT_IGNORES: &[&str] = &["target/", ".git/", ".venv/", "__pycache__/", "*.pyc", ".synapse/"];

/// Above this size a package is built with a warning: packages live in the cluster's memory.
pub const WARN_BYTES: u64 = 50 * 1024 * 1024;

/// How many hex digits of the sha256 name a package (128 bits).
const NAME_HASH_LEN: usize = 32;

/// Why a package could not be built.
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
        /// The largest files (up to three), before compression.
        largest: Vec<PackageEntry>,
    },
    /// The zip could not be written.
    #[error("cannot write the package archive: {source}")]
    Archive {
        /// Why.
        #[source]
        source: BoxError,
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackageEntry {
    /// Its path in the package, `/`-separated.
    pub path: String,
    /// Its size before compression.
    pub size: u64,
    /// Whether it is stored with mode 0755 (else 0644).
    pub executable: bool,
}

/// A built plugin package: a deterministic zip and its content-derived name.
#[derive(Clone)]
pub struct PluginPackage {
    bytes: Vec<u8>,
    hash: String,
    name: String,
    binary: String,
    entries: Vec<PackageEntry>,
}

impl fmt::Debug for PluginPackage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PluginPackage")
            .field("name", &self.name)
            .field("size", &self.bytes.len())
            .field("binary", &self.binary)
            .field("entries", &self.entries.len())
            .finish()
    }
}

impl PluginPackage {
    /// A builder: the running binary by default, no plugin directory, no extra files.
    pub fn builder() -> PackageBuilder {
        PackageBuilder::default()
    }

    /// The package's name in Ray's package store: `_ray_pkg_<32 hex digits of sha256>.zip`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The working-directory URI for jobs: `gcs://<name>`.
    pub fn uri(&self) -> String {
        format!("gcs://{}", self.name)
    }

    /// The sha256 of the zip, in hex (64 digits).
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// The zip.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The zip's size in bytes.
    pub fn len(&self) -> u64 {
        self.bytes.len() as u64
    }

    /// Whether the zip is empty (never: a package holds at least the binary).
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
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
    /// let package = PluginPackage::builder().binary(&bin).build().unwrap();
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
    /// have it.
    pub async fn ensure_uploaded(&self, client: &RayJobsClient) -> Result<u64, RayError> {
        if client.package_exists(&self.name).await? {
            return Ok(0);
        }
        client.upload_package(&self.name, &self.bytes).await?;
        Ok(self.len())
    }
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
    pub fn plugin_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.plugin_dir = Some(dir.into());
        self
    }

    /// Adds a file with the given contents (mode 0644), e.g. a params file; `path` is
    /// relative and `/`-separated.
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

    /// Collects the files and zips them. Reads and compresses every file, so in async code run
    /// it with `tokio::task::spawn_blocking` when the binary is large.
    pub fn build(self) -> Result<PluginPackage, PackageError> {
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

        let mut sources =
            vec![Source { path: format!("bin/{binary_name}"), content: Content::File(binary), executable: true }];
        if let Some(dir) = &self.plugin_dir {
            sources.extend(walk(dir, self.default_ignores, &self.ignores)?);
        }
        for (path, contents, executable) in self.files {
            let path = clean_path(&path)?;
            sources.push(Source { path, content: Content::Bytes(contents), executable });
        }
        sources.sort_by(|a, b| a.path.cmp(&b.path));
        if let Some(pair) = sources.windows(2).find(|pair| pair[0].path == pair[1].path) {
            return Err(PackageError::Duplicate { path: pair[0].path.clone() });
        }

        let (bytes, entries) = zip_sources(&sources, self.size_limit)?;
        let hash = hex::encode(Sha256::digest(&bytes));
        let name = format!("_ray_pkg_{}.zip", &hash[..NAME_HASH_LEN]);
        if bytes.len() as u64 > WARN_BYTES {
            tracing::warn!(
                "plugin package {name} is {}; packages are kept in the Ray cluster's memory",
                super::jobs_api::error_bytes(bytes.len() as u64)
            );
        }
        Ok(PluginPackage { bytes, hash, name, binary: format!("bin/{binary_name}"), entries })
    }
}

/// One file to package.
struct Source {
    path: String,
    content: Content,
    executable: bool,
}

enum Content {
    File(PathBuf),
    Bytes(Vec<u8>),
}

/// The plugin directory's files, with their package paths.
fn walk(dir: &Path, default_ignores: bool, extra: &[String]) -> Result<Vec<Source>, PackageError> {
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
    let rules: Gitignore = rules.build().map_err(|error| walk_error(Box::new(error)))?;

    let mut walker = WalkBuilder::new(dir);
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
            entry.depth() == 0 || (entry.file_name() != IGNORE_FILE && !rules.matched(entry.path(), is_dir).is_ignore())
        });
    let mut sources = Vec::new();
    for entry in walker.build() {
        let entry = entry.map_err(|error| walk_error(Box::new(error)))?;
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let relative = entry.path().strip_prefix(dir).map_err(|error| walk_error(Box::new(error)))?;
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
        let metadata = entry.metadata().map_err(|error| walk_error(Box::new(error)))?;
        sources.push(Source {
            path: parts.join("/"),
            content: Content::File(entry.into_path()),
            executable: is_executable(&metadata),
        });
    }
    Ok(sources)
}

#[cfg(unix)]
fn is_executable(metadata: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_: &std::fs::Metadata) -> bool {
    false
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

/// Marks the write that would have crossed the size limit.
#[derive(Debug)]
struct LimitReached;

impl fmt::Display for LimitReached {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the package size limit was reached")
    }
}

impl std::error::Error for LimitReached {}

/// An in-memory zip that refuses to grow past a limit (so a huge file stops the build early).
/// Once it refused, it swallows what the abandoned zip writer still writes as it is dropped.
struct Limited {
    inner: Cursor<Vec<u8>>,
    limit: u64,
    tripped: bool,
}

impl Write for Limited {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.tripped {
            return Ok(buf.len());
        }
        if self.inner.position() + buf.len() as u64 > self.limit {
            self.tripped = true;
            return Err(io::Error::other(LimitReached));
        }
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl Seek for Limited {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

fn zip_sources(sources: &[Source], limit: u64) -> Result<(Vec<u8>, Vec<PackageEntry>), PackageError> {
    let mut zip = ZipWriter::new(Limited { inner: Cursor::new(Vec::new()), limit, tripped: false });
    let mut entries = Vec::with_capacity(sources.len());
    for source in sources {
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .last_modified_time(DateTime::DEFAULT)
            .system(System::Unix)
            .large_file(false)
            .unix_permissions(if source.executable { 0o755 } else { 0o644 });
        zip.start_file(source.path.as_str(), options).map_err(|error| zip_error(error, sources, limit))?;
        let size = match &source.content {
            Content::Bytes(bytes) => {
                zip.write_all(bytes).map_err(|error| write_error(error, sources, limit))?;
                bytes.len() as u64
            }
            Content::File(path) => copy_file(path, &mut zip, sources, limit)?,
        };
        entries.push(PackageEntry { path: source.path.clone(), size, executable: source.executable });
    }
    let limited = zip.finish().map_err(|error| zip_error(error, sources, limit))?;
    Ok((limited.inner.into_inner(), entries))
}

/// Streams a file into the zip.
fn copy_file(path: &Path, zip: &mut impl Write, sources: &[Source], limit: u64) -> Result<u64, PackageError> {
    let read_error = |source: io::Error| PackageError::Read { path: path.to_owned(), source };
    let mut file = File::open(path).map_err(read_error)?;
    let mut buffer = vec![0; 64 * 1024];
    let mut total = 0;
    loop {
        let n = match file.read(&mut buffer) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(read_error(error)),
        };
        zip.write_all(&buffer[..n]).map_err(|error| write_error(error, sources, limit))?;
        total += n as u64;
    }
}

fn write_error(error: io::Error, sources: &[Source], limit: u64) -> PackageError {
    if error.get_ref().is_some_and(|inner| inner.is::<LimitReached>()) {
        too_large(sources, limit)
    } else {
        PackageError::Archive { source: Box::new(error) }
    }
}

fn zip_error(error: zip::result::ZipError, sources: &[Source], limit: u64) -> PackageError {
    match error {
        zip::result::ZipError::Io(error) => write_error(error, sources, limit),
        other => PackageError::Archive { source: Box::new(other) },
    }
}

/// The size error, naming the largest files (of all, not only those zipped before the limit).
fn too_large(sources: &[Source], limit: u64) -> PackageError {
    let mut largest: Vec<PackageEntry> = sources
        .iter()
        .map(|source| PackageEntry {
            path: source.path.clone(),
            size: match &source.content {
                Content::File(path) => std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
                Content::Bytes(bytes) => bytes.len() as u64,
            },
            executable: source.executable,
        })
        .collect();
    largest.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.path.cmp(&b.path)));
    largest.truncate(3);
    PackageError::TooLarge { limit, largest }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::io::Read;

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

    fn build(binary: &Path, dir: &Path) -> PluginPackage {
        PluginPackage::builder().binary(binary).plugin_dir(dir).build().unwrap()
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

    #[test]
    fn the_same_files_give_the_same_bytes() {
        let (_root, binary, dir) = fixture();
        let first = build(&binary, &dir);
        let second = build(&binary, &dir);
        assert_eq!(first.bytes(), second.bytes());
        assert_eq!(first.hash(), second.hash());
        assert_eq!(first.hash(), hex::encode(Sha256::digest(first.bytes())));
        assert_eq!(first.name(), format!("_ray_pkg_{}.zip", &first.hash()[..32]));
        assert_eq!(first.uri(), format!("gcs://{}", first.name()));
        assert_eq!(first.binary_path(), "bin/myplugin");
    }

    #[test]
    fn timestamps_do_not_matter() {
        let (_root, binary, dir) = fixture();
        let before = build(&binary, &dir);
        let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
        File::options().write(true).open(dir.join("config.yaml")).unwrap().set_modified(old).unwrap();
        assert_eq!(build(&binary, &dir).hash(), before.hash());
    }

    #[test]
    fn a_changed_file_changes_the_name() {
        let (_root, binary, dir) = fixture();
        let before = build(&binary, &dir);
        write(&dir.join("data/labels.csv"), b"a,b\n1,3\n");
        let after = build(&binary, &dir);
        assert_ne!(after.hash(), before.hash());
        assert_ne!(after.name(), before.name());
        // An ignored file does not count.
        write(&dir.join("secret.txt"), b"changed");
        assert_eq!(build(&binary, &dir).hash(), after.hash());
    }

    #[test]
    fn ignore_rules_and_modes_are_applied() {
        let (_root, binary, dir) = fixture();
        let package = build(&binary, &dir);
        let files = unzip(package.bytes());
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
        let package = PluginPackage::builder()
            .binary(&binary)
            .plugin_dir(&dir)
            .default_ignores(false)
            .ignore(".git/")
            .ignore("data/")
            .build()
            .unwrap();
        let files = unzip(package.bytes());
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
        let with_params = PluginPackage::builder()
            .binary(&binary)
            .plugin_dir(&dir)
            .file("params.json", r#"{"epochs": 3}"#)
            .executable_file("bin/prepare", "#!/bin/sh\n")
            .build()
            .unwrap();
        assert_ne!(with_params.hash(), plain.hash());
        let files = unzip(with_params.bytes());
        assert_eq!(files["params.json"], (0o100644, r#"{"epochs": 3}"#.to_owned()));
        assert_eq!(files["bin/prepare"].0, 0o100755);
    }

    #[test]
    fn the_binary_alone_makes_a_package() {
        let (_root, binary, _dir) = fixture();
        let package = PluginPackage::builder().binary(&binary).binary_name("renamed").build().unwrap();
        assert_eq!(unzip(package.bytes()).keys().collect::<Vec<_>>(), ["bin/renamed"]);
        assert_eq!(package.command(&[]), "exec ./bin/renamed");
        let job = package.job(&["run", "x"]);
        assert_eq!(job.entrypoint, "exec ./bin/renamed run x");
        assert_eq!(job.runtime_env.working_dir, Some(package.uri()));
    }

    #[test]
    fn conflicting_and_bad_paths_are_refused() {
        let (_root, binary, dir) = fixture();
        let builder = || PluginPackage::builder().binary(&binary).plugin_dir(&dir);
        let error = builder().file("config.yaml", "x").build().unwrap_err();
        assert_eq!(error.to_string(), "two files would be stored as `config.yaml` in the package");
        let error = builder().file("bin/myplugin", "x").build().unwrap_err();
        assert!(matches!(error, PackageError::Duplicate { .. }), "{error:?}");
        for bad in ["", "/etc/passwd", "../x", "a/./b", "dir/", "a\\b"] {
            let error = builder().file(bad, "x").build().unwrap_err();
            assert!(matches!(error, PackageError::InvalidPath { .. }), "{bad}: {error:?}");
        }
        let error = PluginPackage::builder().binary(&dir).build().unwrap_err();
        assert!(matches!(error, PackageError::NotAFile { .. }), "{error:?}");
        let error = PluginPackage::builder().binary(dir.join("missing")).build().unwrap_err();
        assert!(error.to_string().starts_with("cannot read `"), "{error}");
        let error = PluginPackage::builder().binary(&binary).plugin_dir(dir.join("missing")).build().unwrap_err();
        assert!(error.to_string().starts_with("cannot walk the plugin directory `"), "{error}");
    }

    #[test]
    fn the_size_limit_is_checked_while_zipping() {
        let (_root, binary, dir) = fixture();
        // Incompressible bytes.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let noise: Vec<u8> = (0..256 * 1024)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        write(&dir.join("data/weights.bin"), &noise);
        let error =
            PluginPackage::builder().binary(&binary).plugin_dir(&dir).size_limit(64 * 1024).build().unwrap_err();
        assert!(
            matches!(&error, PackageError::TooLarge { limit: 65536, largest } if largest[0].path == "data/weights.bin")
        );
        assert!(
            error.to_string().starts_with(
                "the plugin package would be larger than 64 KiB (the most a Ray dashboard accepts in one upload is \
                 100 MiB); its largest files: data/weights.bin (256 KiB), "
            ),
            "{error}"
        );
        assert!(PluginPackage::builder().binary(&binary).plugin_dir(&dir).size_limit(1 << 20).build().is_ok());
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
}
