//! A built plugin package: the zip, its content-derived name, its entries, uploading it and
//! the job that runs it.

use super::archive;
use super::{NAME_HASH_LEN, PackageBuilder, PackageError, clean_path};
use crate::executor::ray::jobs_api::{JobSubmission, MAX_UPLOAD_BYTES, RayError, RayJobsClient};
use std::fmt;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

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

    pub(super) fn from_parts(
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

/// Quotes an argument for `/bin/sh` when it has characters the shell would interpret.
pub(super) fn shell_quote(arg: &str) -> String {
    let safe = !arg.is_empty()
        && arg.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ':' | '=' | '@' | '%' | '+' | ',')
        });
    if safe { arg.to_owned() } else { format!("'{}'", arg.replace('\'', r"'\''")) }
}
