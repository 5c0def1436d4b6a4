//! Writing a package's zip to a file: deterministic, size-limited, streamed (a file's content
//! never has to fit in memory), then hashed.

use super::walk::{Content, Source, open_regular};
use super::{PackageEntry, PackageError};
use std::fmt;
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipWriter};

/// A finished zip: its file (positioned anywhere), size, BLAKE3 and entries.
pub(super) struct Written {
    pub(super) file: File,
    pub(super) len: u64,
    pub(super) hash: String,
    pub(super) entries: Vec<PackageEntry>,
}

/// The options every entry is written with: fixed time, Unix modes, no zip64 extra field.
pub(super) fn entry_options(method: CompressionMethod, executable: bool) -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(method)
        .last_modified_time(DateTime::DEFAULT)
        .system(System::Unix)
        .large_file(false)
        .unix_permissions(if executable { 0o755 } else { 0o644 })
}

/// Zips `sources` (sorted, unique paths) into `file`, every entry with `method`, failing with
/// [`PackageError::TooLarge`] as soon as the zip would pass `limit` bytes.
pub(super) fn write_zip(
    sources: &[Source],
    file: File,
    limit: u64,
    method: CompressionMethod,
) -> Result<Written, PackageError> {
    let too_large = || too_large(sources, limit);
    let mut zip = ZipWriter::new(Limited::new(file, limit));
    let mut entries = Vec::with_capacity(sources.len());
    for source in sources {
        zip.start_file(source.path.as_str(), entry_options(method, source.executable))
            .map_err(|error| zip_error(error, &too_large))?;
        let size = match &source.content {
            Content::Bytes(bytes) => {
                zip.write_all(bytes).map_err(|error| write_error(error, &too_large))?;
                bytes.len() as u64
            }
            Content::File { path, .. } => copy_file(path, &mut zip, &too_large)?,
        };
        entries.push(PackageEntry { path: source.path.clone(), size, executable: source.executable });
    }
    finish(zip, entries, &too_large)
}

/// `base` (a package's zip) with one more file, `path` (mode 0644) holding `contents`, in path
/// order; the base's entries are copied as they are, and the new one is written like them.
pub(super) fn add_file(
    base: &[u8],
    path: &str,
    contents: &[u8],
    file: File,
    limit: u64,
) -> Result<Written, PackageError> {
    let invalid = |error: zip::result::ZipError| PackageError::Archive { source: Box::new(error) };
    let mut archive = zip::ZipArchive::new(io::Cursor::new(base)).map_err(invalid)?;
    let mut listed = Vec::with_capacity(archive.len() + 1);
    for index in 0..archive.len() {
        let entry = archive.by_index_raw(index).map_err(invalid)?;
        let name = entry.name().map_err(invalid)?.into_owned();
        let executable = entry.unix_mode().is_some_and(|mode| mode & 0o111 != 0);
        listed.push((PackageEntry { path: name, size: entry.size(), executable }, entry.compression()));
    }
    let method = listed.first().map_or(CompressionMethod::Stored, |(_, method)| *method);
    let too_large = || {
        let mut largest: Vec<PackageEntry> = listed.iter().map(|(entry, _)| entry.clone()).collect();
        largest.push(PackageEntry { path: path.to_owned(), size: contents.len() as u64, executable: false });
        largest.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.path.cmp(&b.path)));
        largest.truncate(3);
        PackageError::TooLarge { limit, largest }
    };
    let mut zip = ZipWriter::new(Limited::new(file, limit));
    let mut entries = Vec::with_capacity(listed.len() + 1);
    let mut pending = Some(contents);
    for (index, (entry, _)) in listed.iter().enumerate() {
        if entry.path.as_str() > path
            && let Some(contents) = pending.take()
        {
            add_one(&mut zip, path, contents, method, &too_large)?;
            entries.push(PackageEntry { path: path.to_owned(), size: contents.len() as u64, executable: false });
        }
        let raw = archive.by_index_raw(index).map_err(invalid)?;
        zip.raw_copy_file(raw).map_err(|error| zip_error(error, &too_large))?;
        entries.push(entry.clone());
    }
    if let Some(contents) = pending {
        add_one(&mut zip, path, contents, method, &too_large)?;
        entries.push(PackageEntry { path: path.to_owned(), size: contents.len() as u64, executable: false });
    }
    finish(zip, entries, &too_large)
}

fn add_one(
    zip: &mut ZipWriter<Limited>,
    path: &str,
    contents: &[u8],
    method: CompressionMethod,
    too_large: &dyn Fn() -> PackageError,
) -> Result<(), PackageError> {
    zip.start_file(path, entry_options(method, false)).map_err(|error| zip_error(error, too_large))?;
    zip.write_all(contents).map_err(|error| write_error(error, too_large))
}

/// Ends the zip, and hashes it.
fn finish(
    zip: ZipWriter<Limited>,
    entries: Vec<PackageEntry>,
    too_large: &dyn Fn() -> PackageError,
) -> Result<Written, PackageError> {
    let out = zip.finish().map_err(|error| zip_error(error, too_large))?;
    let mut file = out.inner.into_inner().map_err(|error| archive_error(error.into_error()))?;
    let (len, hash) = hash_file(&mut file).map_err(archive_error)?;
    Ok(Written { file, len, hash, entries })
}

/// The size and BLAKE3 (hex) of a whole file.
pub(super) fn hash_file(file: &mut File) -> io::Result<(u64, String)> {
    file.seek(SeekFrom::Start(0))?;
    let mut hasher = blake3::Hasher::new();
    let mut buffer = vec![0; 1024 * 1024];
    let mut len = 0;
    loop {
        match file.read(&mut buffer) {
            Ok(0) => return Ok((len, hasher.finalize().to_hex().to_string())),
            Ok(n) => {
                hasher.update(&buffer[..n]);
                len += n as u64;
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
}

fn archive_error(error: io::Error) -> PackageError {
    PackageError::Archive { source: Box::new(error) }
}

/// Streams a file into the zip.
fn copy_file(
    path: &std::path::Path,
    zip: &mut impl Write,
    too_large: &dyn Fn() -> PackageError,
) -> Result<u64, PackageError> {
    let read_error = |source: io::Error| PackageError::Read { path: path.to_owned(), source };
    let mut file = open_regular(path)?;
    let mut buffer = vec![0; 256 * 1024];
    let mut total = 0;
    loop {
        let n = match file.read(&mut buffer) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(read_error(error)),
        };
        zip.write_all(&buffer[..n]).map_err(|error| write_error(error, too_large))?;
        total += n as u64;
    }
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

/// A file that refuses to grow past a limit (so a huge file stops the build early). Once it
/// refused, it swallows what the abandoned zip writer still writes as it is dropped.
struct Limited {
    inner: BufWriter<File>,
    /// Where the next write goes (kept here: asking a buffered file flushes it).
    position: u64,
    limit: u64,
    tripped: bool,
}

impl Limited {
    fn new(file: File, limit: u64) -> Limited {
        Limited { inner: BufWriter::with_capacity(256 * 1024, file), position: 0, limit, tripped: false }
    }
}

impl Write for Limited {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.tripped {
            return Ok(buf.len());
        }
        if self.position + buf.len() as u64 > self.limit {
            self.tripped = true;
            return Err(io::Error::other(LimitReached));
        }
        let n = self.inner.write(buf)?;
        self.position += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl Seek for Limited {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.position = self.inner.seek(pos)?;
        Ok(self.position)
    }
}

fn write_error(error: io::Error, too_large: &dyn Fn() -> PackageError) -> PackageError {
    if error.get_ref().is_some_and(|inner| inner.is::<LimitReached>()) { too_large() } else { archive_error(error) }
}

fn zip_error(error: zip::result::ZipError, too_large: &dyn Fn() -> PackageError) -> PackageError {
    match error {
        zip::result::ZipError::Io(error) => write_error(error, too_large),
        other => PackageError::Archive { source: Box::new(other) },
    }
}

/// The size error, naming the largest files (of all, not only those zipped before the limit).
fn too_large(sources: &[Source], limit: u64) -> PackageError {
    let mut largest: Vec<PackageEntry> = sources
        .iter()
        .map(|source| PackageEntry { path: source.path.clone(), size: source.size(), executable: source.executable })
        .collect();
    largest.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.path.cmp(&b.path)));
    largest.truncate(3);
    PackageError::TooLarge { limit, largest }
}
