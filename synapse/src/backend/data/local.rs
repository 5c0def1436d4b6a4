//! A local file read for an upload in one blocking call ([`read_local`]): its data-file
//! checksum, its size and, when it is small, its bytes ([`LocalContent`]), so that the upload
//! does not read it again.

use super::DataError;
use bytes::Bytes;
use sha1::{Digest, Sha1};
use std::io::Read;
use std::path::Path;

/// The size of the pieces a file above the kept size is hashed in: 64 KiB.
const PIECE: usize = 64 * 1024;

/// What [`read_local`] learned of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalContent {
    /// Its data-file checksum ([`super::checksum_of`]): SHA-1, lowercase hex.
    pub checksum: String,
    /// Its size in bytes: what was read.
    pub size: u64,
    /// Its bytes, when it is smaller than the `keep_below` asked for.
    pub bytes: Option<Bytes>,
}

/// Reads the file at `path` once, on one blocking thread (`std::fs`): its checksum and size,
/// and its bytes when it is smaller than `keep_below` bytes (`0` keeps none). A larger file is
/// hashed in 64 KiB pieces and not kept.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("a.txt");
/// std::fs::write(&path, b"abc").unwrap();
/// let read = synapse::backend::read_local(&path, 1024).await.unwrap();
/// assert_eq!(read.checksum, "a9993e364706816aba3e25717850c26c9cd0d89d");
/// assert_eq!((read.size, read.bytes.as_deref()), (3, Some(&b"abc"[..])));
/// assert_eq!(synapse::backend::read_local(&path, 3).await.unwrap().bytes, None);
/// # }
/// ```
///
/// # Errors
/// [`DataError::Read`] naming the file.
pub async fn read_local(path: &Path, keep_below: u64) -> Result<LocalContent, DataError> {
    let owned = path.to_owned();
    match tokio::task::spawn_blocking(move || read_blocking(&owned, keep_below)).await {
        Ok(result) => result,
        Err(error) => Err(DataError::Read { path: path.to_owned(), source: std::io::Error::other(error.to_string()) }),
    }
}

/// [`read_local`] on the calling thread.
fn read_blocking(path: &Path, keep_below: u64) -> Result<LocalContent, DataError> {
    let read = |source| DataError::Read { path: path.to_owned(), source };
    let mut file = std::fs::File::open(path).map_err(read)?;
    let size = file.metadata().map_err(read)?.len();
    let mut hasher = Sha1::new();
    if size < keep_below {
        let mut bytes = Vec::with_capacity(size as usize);
        file.read_to_end(&mut bytes).map_err(read)?;
        hasher.update(&bytes);
        let size = bytes.len() as u64;
        return Ok(LocalContent { checksum: hex::encode(hasher.finalize()), size, bytes: Some(Bytes::from(bytes)) });
    }
    let mut piece = vec![0; PIECE.min(size.max(1) as usize)];
    let mut total = 0;
    loop {
        let n = match file.read(&mut piece) {
            Ok(n) => n,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(read(error)),
        };
        if n == 0 {
            return Ok(LocalContent { checksum: hex::encode(hasher.finalize()), size: total, bytes: None });
        }
        total += n as u64;
        hasher.update(&piece[..n]);
    }
}

/// Reads the whole file at `path` on one blocking thread when it is at most `limit` bytes:
/// `Ok(Err(size))` when it is larger (nothing read).
pub(super) async fn read_within(path: &Path, limit: u64) -> Result<Result<Bytes, u64>, DataError> {
    let owned = path.to_owned();
    let task = tokio::task::spawn_blocking(move || {
        let read = |source| DataError::Read { path: owned.clone(), source };
        let mut file = std::fs::File::open(&owned).map_err(read)?;
        let size = file.metadata().map_err(read)?.len();
        if size > limit {
            return Ok(Err(size));
        }
        let mut bytes = Vec::with_capacity(size as usize);
        file.read_to_end(&mut bytes).map_err(read)?;
        Ok(Ok(Bytes::from(bytes)))
    });
    match task.await {
        Ok(result) => result,
        Err(error) => Err(DataError::Read { path: path.to_owned(), source: std::io::Error::other(error.to_string()) }),
    }
}
