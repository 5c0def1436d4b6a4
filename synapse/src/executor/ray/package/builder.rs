//! Building a package: what goes in (the binary, without its debug info; the plugin directory,
//! minus what is ignored; extra files), the package cache, and the zip.

use super::archive;
use super::cache::{Cache, Key, RACY_WINDOW, Settings, default_cache_dir};
use super::strip;
use super::walk::{self, Content, Source, Stamp};
use super::{PackageError, PluginPackage, WARN_BYTES, clean_path};
use crate::executor::ray::jobs_api::MAX_UPLOAD_BYTES;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::SystemTime;
use tempfile::TempPath;
use zip::CompressionMethod;

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
    /// ignored by `.synapseignore` files and [`DEFAULT_IGNORES`](super::DEFAULT_IGNORES)). Symbolic links are followed.
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

    /// Whether [`DEFAULT_IGNORES`](super::DEFAULT_IGNORES) apply (default: yes).
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
    /// documentation](super#the-cache)).
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
                crate::executor::ray::jobs_api::error_bytes(written.0.len)
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
