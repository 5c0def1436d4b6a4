//! Files that go with a log event: `data:<mime>;base64,<content>` URIs, as the Python SDK's
//! `convert_file_to_base64` (`synapse_sdk/utils/file/io.py`) makes them for `POST logs/`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::path::{Path, PathBuf};

/// Why a file could not go with a log event.
#[derive(Debug, thiserror::Error)]
pub enum AttachmentError {
    /// The file could not be read (missing, a directory, no permission).
    #[error("cannot read the file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// A visualization that is no PNG, JPEG, GIF or WebP image, by its content or its extension.
    #[error("{} is not a PNG, JPEG, GIF or WebP image (by its content or its extension)", path.display())]
    NotAnImage {
        /// The file.
        path: PathBuf,
    },
}

/// A file read for a log event: its media type and its content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    /// Its media type (`image/png`).
    pub mime: &'static str,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

impl Attachment {
    /// Reads `path`; its media type is the one its content says (the signatures of PNG, JPEG,
    /// GIF and WebP), else the one its extension says (those, `json`, `txt`, `csv`, `pdf`,
    /// `svg`), else `application/octet-stream`.
    ///
    /// # Errors
    /// [`AttachmentError::Read`] naming the file.
    pub fn read(path: impl AsRef<Path>) -> Result<Self, AttachmentError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| AttachmentError::Read { path: path.to_path_buf(), source })?;
        let mime = image_signature(&bytes).or_else(|| by_extension(path)).unwrap_or("application/octet-stream");
        Ok(Attachment { mime, bytes })
    }

    /// Reads the image `path` (PNG, JPEG, GIF or WebP, by its content or else its extension).
    ///
    /// # Errors
    /// [`AttachmentError::Read`], or [`AttachmentError::NotAnImage`], naming the file.
    pub fn read_image(path: impl AsRef<Path>) -> Result<Self, AttachmentError> {
        let path = path.as_ref();
        let read = Attachment::read(path)?;
        let image = image_signature(&read.bytes).or_else(|| by_extension(path).filter(|mime| is_image(mime)));
        match image {
            Some(mime) => Ok(Attachment { mime, ..read }),
            None => Err(AttachmentError::NotAnImage { path: path.to_path_buf() }),
        }
    }

    /// The `data:` URI: `data:<mime>;base64,<content>` (standard alphabet, padded).
    ///
    /// ```
    /// use synapse::events::Attachment;
    /// let file = Attachment { mime: "text/plain", bytes: b"hi".to_vec() };
    /// assert_eq!(file.data_uri(), "data:text/plain;base64,aGk=");
    /// ```
    pub fn data_uri(&self) -> String {
        format!("data:{};base64,{}", self.mime, STANDARD.encode(&self.bytes))
    }
}

/// The media type and the decoded size in bytes of the `data:` URI `uri`, without decoding
/// it (for a short description); `None` when it is no base64 `data:` URI.
///
/// ```
/// assert_eq!(synapse::events::data_uri_summary("data:image/png;base64,aGk="), Some(("image/png", 2)));
/// assert_eq!(synapse::events::data_uri_summary("/tmp/a.png"), None);
/// ```
pub fn data_uri_summary(uri: &str) -> Option<(&str, usize)> {
    let (mime, content) = uri.strip_prefix("data:")?.split_once(";base64,")?;
    let padding = content.bytes().rev().take_while(|&b| b == b'=').count();
    Some((mime, (content.len() / 4 * 3).saturating_sub(padding)))
}

fn is_image(mime: &str) -> bool {
    matches!(mime, "image/png" | "image/jpeg" | "image/gif" | "image/webp")
}

/// The image type the first bytes say.
fn image_signature(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

fn by_extension(path: &Path) -> Option<&'static str> {
    let extension = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match extension.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "json" => "application/json",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "pdf" => "application/pdf",
        "svg" => "image/svg+xml",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_content_says_the_type_before_the_extension() {
        let dir = tempfile::tempdir().expect("dir");
        let png = dir.path().join("really_a_png.jpg");
        std::fs::write(&png, b"\x89PNG\r\n\x1a\n....").expect("write");
        assert_eq!(Attachment::read_image(&png).expect("png").mime, "image/png");
        let webp = dir.path().join("a.bin");
        std::fs::write(&webp, b"RIFF\0\0\0\0WEBPVP8 ").expect("write");
        assert_eq!(Attachment::read_image(&webp).expect("webp").mime, "image/webp");
        let gif = dir.path().join("g.GIF");
        std::fs::write(&gif, b"not yet written").expect("write");
        assert_eq!(Attachment::read_image(&gif).expect("by extension").mime, "image/gif");
        let text = dir.path().join("notes.txt");
        std::fs::write(&text, b"hello").expect("write");
        assert_eq!(Attachment::read(&text).expect("text").mime, "text/plain");
        let error = Attachment::read_image(&text).expect_err("no image").to_string();
        assert_eq!(
            error,
            format!("{} is not a PNG, JPEG, GIF or WebP image (by its content or its extension)", text.display())
        );
        let unknown = dir.path().join("blob");
        std::fs::write(&unknown, b"\x00\x01").expect("write");
        assert_eq!(Attachment::read(&unknown).expect("blob").mime, "application/octet-stream");
    }

    #[test]
    fn a_log_event_carries_its_file_across_the_json_lines_boundary() {
        use crate::events::{EVENT_SCHEMA_VERSION, Event, EventKind, LogLevel, RunId};
        let file = Attachment { mime: "image/png", bytes: b"\x89PNG\r\n\x1a\n".to_vec() }.data_uri();
        let kind = EventKind::Log {
            level: LogLevel::Info,
            event: "visualization".into(),
            data: serde_json::json!({}),
            file: Some(file.clone()),
        };
        let event = Event {
            version: EVENT_SCHEMA_VERSION,
            run: RunId::from("r"),
            seq: 4,
            ts: std::time::SystemTime::UNIX_EPOCH,
            step: None,
            kind,
        };
        let line = serde_json::to_string(&event).expect("json");
        assert!(
            line.ends_with(&format!(
                r#""type":"log","level":"info","event":"visualization","data":{{}},"file":"{file}"}}"#
            )),
            "{line}"
        );
        assert_eq!(serde_json::from_str::<Event>(&line).expect("read back"), event);
        let schema = crate::events::event_schema();
        let validator = jsonschema::validator_for(&schema).expect("the event schema compiles");
        let value: serde_json::Value = serde_json::from_str(&line).expect("json");
        assert!(validator.is_valid(&value), "the published schema takes a log event with a file");
        let mut wrong = value.clone();
        wrong["file"] = serde_json::json!(12);
        assert!(!validator.is_valid(&wrong), "the schema says what a file is");
        // Without a file there is no `file` key, and a line without one reads as none.
        let plain = line.replace(&format!(r#","file":"{file}""#), "");
        let read: Event = serde_json::from_str(&plain).expect("read back");
        assert!(matches!(read.kind, EventKind::Log { file: None, .. }));
        assert_eq!(serde_json::to_string(&read).expect("json"), plain);
    }

    #[test]
    fn a_missing_file_is_named() {
        let error = Attachment::read("/no/such/plot.png").expect_err("missing");
        assert!(matches!(&error, AttachmentError::Read { path, .. } if path == Path::new("/no/such/plot.png")));
        assert!(error.to_string().starts_with("cannot read the file /no/such/plot.png: "), "{error}");
    }

    #[test]
    fn the_summary_gives_the_decoded_size() {
        for bytes in [&b""[..], b"a", b"ab", b"abc", b"abcd", &[0u8; 1000]] {
            let uri = Attachment { mime: "application/octet-stream", bytes: bytes.to_vec() }.data_uri();
            assert_eq!(data_uri_summary(&uri), Some(("application/octet-stream", bytes.len())), "{uri}");
        }
    }
}
