//! Model archives: a model directory zipped deterministically (the same files give the same
//! bytes), and a model's zip extracted.

use super::TrainError;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

/// Zips the directory `dir` into `archive`, deterministically: entries sorted by their path
/// (`/`-separated, relative to `dir`), every timestamp 1980-01-01 00:00, every file mode 0644,
/// deflated; directories are implied by their files (an empty directory is left out). Symbolic
/// links are followed. Returns the number of files.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::create_dir(dir.path().join("weights")).unwrap();
/// std::fs::write(dir.path().join("weights/best.json"), b"{}").unwrap();
/// std::fs::write(dir.path().join("classes.txt"), b"car\n").unwrap();
/// let out = tempfile::tempdir().unwrap();
/// let (a, b) = (out.path().join("a.zip"), out.path().join("b.zip"));
/// assert_eq!(synapse::train::zip_dir(dir.path(), &a).unwrap(), 2);
/// synapse::train::zip_dir(dir.path(), &b).unwrap();
/// assert_eq!(std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
/// ```
///
/// # Errors
/// [`TrainError::Archive`] naming the file that cannot be read or written.
pub fn zip_dir(dir: &Path, archive: &Path) -> Result<usize, TrainError> {
    let failed = |path: &Path, error: &dyn std::fmt::Display| TrainError::Archive {
        path: path.to_owned(),
        reason: error.to_string(),
    };
    let mut files = Vec::new();
    collect(dir, dir, &mut files)?;
    files.sort();
    let out = File::create(archive).map_err(|error| failed(archive, &error))?;
    let mut zip = ZipWriter::new(BufWriter::new(out));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644);
    let mut buffer = Vec::new();
    for (name, path) in &files {
        zip.start_file(name.as_str(), options).map_err(|error| failed(archive, &error))?;
        buffer.clear();
        File::open(path).and_then(|mut file| file.read_to_end(&mut buffer)).map_err(|error| failed(path, &error))?;
        zip.write_all(&buffer).map_err(|error| failed(archive, &error))?;
    }
    let mut out = zip.finish().map_err(|error| failed(archive, &error))?;
    out.flush().map_err(|error| failed(archive, &error))?;
    Ok(files.len())
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) -> Result<(), TrainError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|error| TrainError::Archive { path: dir.to_owned(), reason: format!("cannot be listed: {error}") })?;
    for entry in entries {
        let path =
            entry.map_err(|error| TrainError::Archive { path: dir.to_owned(), reason: error.to_string() })?.path();
        if path.is_dir() {
            collect(root, &path, files)?;
        } else {
            let relative = path.strip_prefix(root).unwrap_or(&path);
            let name = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            files.push((name, path));
        }
    }
    Ok(())
}

/// Whether the file at `path` starts with a zip signature (`PK\x03\x04`, or `PK\x05\x06` for an
/// empty archive).
pub fn is_zip(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    File::open(path).and_then(|mut file| file.read_exact(&mut magic)).is_ok()
        && (magic == *b"PK\x03\x04" || magic == *b"PK\x05\x06")
}

/// Extracts the zip `archive` into the directory `into` (created). Entries whose path would
/// leave `into` (`../`, absolute) are refused, as the zip crate's `enclosed_name` rule says.
///
/// # Errors
/// [`TrainError::Archive`] naming the archive: not a zip, an entry that cannot be read, a path
/// that leaves the directory, a file that cannot be written.
pub fn extract_zip(archive: &Path, into: &Path) -> Result<usize, TrainError> {
    let failed =
        |error: &dyn std::fmt::Display| TrainError::Archive { path: archive.to_owned(), reason: error.to_string() };
    let file = File::open(archive).map_err(|error| failed(&error))?;
    let mut zip =
        ZipArchive::new(BufReader::new(file)).map_err(|error| failed(&format!("not a zip archive: {error}")))?;
    std::fs::create_dir_all(into).map_err(|error| failed(&error))?;
    zip.extract(into).map_err(|error| failed(&error))?;
    Ok(zip.len())
}
