//! File I/O shared by the format adapters: image sizes from headers, reading and writing files,
//! the images of a directory by stem, numbers written as JSON integers when whole.

use super::FormatError;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The extensions an image file may have, lowercase (the formats `image` reads here: PNG, JPEG).
pub(crate) const IMAGE_EXTENSIONS: [&str; 3] = ["png", "jpg", "jpeg"];

/// An image's `(width, height)` in pixels, read from its header (the image is not decoded).
///
/// # Errors
/// [`FormatError::Image`] naming the file when it cannot be opened or its header is not PNG or
/// JPEG.
pub fn image_size(path: &Path) -> Result<(u32, u32), FormatError> {
    image::image_dimensions(path)
        .map_err(|error| FormatError::Image { path: path.to_owned(), message: error.to_string() })
}

/// The `(width, height)` in pixels of the image whose bytes are `bytes` (a download held in
/// memory), read from its header; `path` names it in errors. The format is guessed from the
/// bytes, as [`image_size`] guesses it from the file's.
///
/// ```
/// let mut png = std::io::Cursor::new(Vec::new());
/// image::RgbImage::new(64, 48).write_to(&mut png, image::ImageFormat::Png).unwrap();
/// let size = synapse::formats::image_size_from_bytes(png.get_ref(), "car_0001.png".as_ref()).unwrap();
/// assert_eq!(size, (64, 48));
/// assert!(synapse::formats::image_size_from_bytes(b"not an image", "x.png".as_ref()).is_err());
/// ```
///
/// # Errors
/// [`FormatError::Image`] naming `path` when the header is not PNG or JPEG.
pub fn image_size_from_bytes(bytes: &[u8], path: &Path) -> Result<(u32, u32), FormatError> {
    let failed =
        |error: &dyn std::fmt::Display| FormatError::Image { path: path.to_owned(), message: error.to_string() };
    image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|error| failed(&error))?
        .into_dimensions()
        .map_err(|error| failed(&error))
}

pub(crate) fn read_to_string(path: &Path) -> Result<String, FormatError> {
    std::fs::read_to_string(path).map_err(FormatError::io("reading", path))
}

pub(crate) fn write(path: &Path, contents: impl AsRef<[u8]>) -> Result<(), FormatError> {
    std::fs::write(path, contents).map_err(FormatError::io("writing", path))
}

pub(crate) fn create_dir(path: &Path) -> Result<(), FormatError> {
    std::fs::create_dir_all(path).map_err(FormatError::io("creating directory", path))
}

pub(crate) fn copy(from: &Path, to: &Path) -> Result<(), FormatError> {
    std::fs::copy(from, to).map(drop).map_err(FormatError::io("copying to", to))
}

/// The files of `dir` with one of `extensions` (lowercase), by stem: `{"car_0001": car_0001.png}`.
/// A missing directory has none.
pub(crate) fn files_by_stem(dir: &Path, extensions: &[&str]) -> Result<HashMap<String, PathBuf>, FormatError> {
    let mut files = HashMap::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(files),
        Err(error) => return Err(FormatError::io("reading", dir)(error)),
    };
    for entry in entries {
        let path = entry.map_err(FormatError::io("reading", dir))?.path();
        let (Some(stem), Some(extension)) = (path.file_stem(), path.extension()) else { continue };
        if extensions.contains(&extension.to_string_lossy().to_ascii_lowercase().as_str()) {
            files.entry(stem.to_string_lossy().into_owned()).or_insert(path);
        }
    }
    Ok(files)
}

/// The file name of `path` as text.
pub(crate) fn file_name(path: &Path) -> String {
    path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default()
}

/// `stem` of a file name (`car_0001.png` → `car_0001`).
pub(crate) fn stem(file_name: &str) -> &str {
    Path::new(file_name).file_stem().and_then(|stem| stem.to_str()).unwrap_or(file_name)
}

/// Numbers in JSON as the formats' examples write them: whole numbers without a fraction
/// (`100`, not `100.0`).
pub(crate) mod number {
    use serde::Serializer;
    use serde::ser::SerializeSeq;

    fn whole(value: f64) -> Option<i64> {
        (value.fract() == 0.0 && value.abs() < 9.0e15).then_some(value as i64)
    }

    pub(crate) fn one<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
        match whole(*value) {
            Some(integer) => serializer.serialize_i64(integer),
            None => serializer.serialize_f64(*value),
        }
    }

    pub(crate) fn four<S: Serializer>(values: &[f64; 4], serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(4))?;
        for value in values {
            match whole(*value) {
                Some(integer) => seq.serialize_element(&integer)?,
                None => seq.serialize_element(value)?,
            }
        }
        seq.end()
    }
}
