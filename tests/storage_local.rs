//! The `file_system` provider of `synapse::storage`, opened from a backend record: every
//! operation, bad keys, missing objects and files, and what its errors name.

use serde_json::json;
use std::path::Path;
use std::time::Duration;
use synapse::storage::{self, ObjectInfo, Provider, Storage, StorageError, StorageRecord};

fn open(root: &Path) -> Box<dyn Storage> {
    let record: StorageRecord = serde_json::from_value(json!({
        "id": 1, "name": "media", "category": "internal", "is_default": true,
        "provider": "file_system", "configuration": {"location": root},
    }))
    .unwrap();
    storage::open(&record).unwrap()
}

#[tokio::test]
async fn bytes_and_files_go_in_and_come_out() {
    let root = tempfile::tempdir().unwrap();
    let storage = open(root.path());
    assert_eq!(storage.provider(), Provider::FileSystem);
    assert_eq!(storage.describe(), format!("file_system at {}", root.path().display()));

    storage.put_bytes("a/b/c.txt", b"first".to_vec()).await.unwrap();
    storage.put_bytes("a/b/c.txt", b"second".to_vec()).await.unwrap();
    assert_eq!(std::fs::read(root.path().join("a/b/c.txt")).unwrap(), b"second");
    assert_eq!(storage.get_bytes("a/b/c.txt").await.unwrap(), b"second");

    let scratch = tempfile::tempdir().unwrap();
    let source = scratch.path().join("big.bin");
    let content: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&source, &content).unwrap();
    assert_eq!(storage.put_file("models/big.bin", &source).await.unwrap(), content.len() as u64);
    let copy = scratch.path().join("deep/down/copy.bin");
    assert_eq!(storage.get_to_file("models/big.bin", &copy).await.unwrap(), content.len() as u64);
    assert_eq!(std::fs::read(&copy).unwrap(), content);

    assert!(storage.exists("a/b/c.txt").await.unwrap());
    assert!(!storage.exists("a/b").await.unwrap(), "a directory is not an object");
    assert!(!storage.exists("a/b/missing.txt").await.unwrap());
    assert!(!storage.exists("a/b/c.txt/under-a-file").await.unwrap());

    let url = storage.url("a/b/c.txt").unwrap();
    assert_eq!(url.scheme(), "file");
    assert_eq!(url.to_file_path().unwrap(), root.path().join("a/b/c.txt"));
}

#[tokio::test]
async fn listings_take_prefixes_as_directories() {
    let root = tempfile::tempdir().unwrap();
    let storage = open(root.path());
    assert_eq!(storage.list("").await.unwrap(), [], "an empty (even missing) root lists nothing");
    for (key, size) in [("a/x.txt", 1), ("a/b/y.txt", 2), ("a/b/z/w.txt", 3), ("ab/no.txt", 4), ("top.txt", 5)] {
        storage.put_bytes(key, vec![0; size]).await.unwrap();
    }
    let info = |key: &str, size: u64| ObjectInfo { key: key.to_owned(), size };
    assert_eq!(storage.list("a").await.unwrap(), [info("a/b/y.txt", 2), info("a/b/z/w.txt", 3), info("a/x.txt", 1)]);
    assert_eq!(storage.list("a/b/").await.unwrap(), [info("a/b/y.txt", 2), info("a/b/z/w.txt", 3)]);
    assert_eq!(storage.list("").await.unwrap().len(), 5);
    assert_eq!(storage.list("nothing/here").await.unwrap(), []);
    // A write in progress (its temporary file) is not an object.
    std::fs::write(root.path().join("a/.synapse-x.txt.0123.part"), b"half").unwrap();
    assert_eq!(storage.list("a").await.unwrap().len(), 3);
}

#[tokio::test]
async fn delete_removes_and_is_idempotent() {
    let root = tempfile::tempdir().unwrap();
    let storage = open(root.path());
    storage.put_bytes("d/e.txt", b"x".to_vec()).await.unwrap();
    storage.delete("d/e.txt").await.unwrap();
    assert!(!storage.exists("d/e.txt").await.unwrap());
    assert!(!root.path().join("d/e.txt").exists());
    storage.delete("d/e.txt").await.unwrap();
    storage.delete("never/was.txt").await.unwrap();
}

#[tokio::test]
async fn a_missing_object_names_the_key_and_the_root() {
    let root = tempfile::tempdir().unwrap();
    let storage = open(root.path());
    storage.put_bytes("dir/file.txt", b"x".to_vec()).await.unwrap();
    let scratch = tempfile::tempdir().unwrap();
    for key in ["nope.txt", "dir", "dir/file.txt/below"] {
        let error = storage.get_bytes(key).await.unwrap_err();
        assert!(matches!(&error, StorageError::NotFound { key: k, .. } if k == key), "{key}: {error:?}");
        let text = error.to_string();
        assert!(text.contains(key) && text.contains(&root.path().display().to_string()), "{text}");
        let target = scratch.path().join("out.bin");
        let error = storage.get_to_file(key, &target).await.unwrap_err();
        assert!(error.is_not_found(), "{error}");
        assert!(!target.exists());
    }
}

#[tokio::test]
async fn bad_keys_are_refused_before_the_file_system_is_touched() {
    let outer = tempfile::tempdir().unwrap();
    let root = outer.path().join("root");
    let storage = open(&root);
    let source = outer.path().join("source.txt");
    std::fs::write(&source, b"s").unwrap();
    for key in ["", "/etc/passwd", "../escape.txt", "a/../../escape.txt", "a//b", "a/./b", "trailing/"] {
        let invalid = |error: StorageError| {
            assert!(matches!(&error, StorageError::InvalidKey { key: k, .. } if k == key), "{key:?}: {error:?}");
        };
        invalid(storage.put_bytes(key, b"x".to_vec()).await.unwrap_err());
        invalid(storage.put_file(key, &source).await.unwrap_err());
        invalid(storage.get_bytes(key).await.unwrap_err());
        invalid(storage.get_to_file(key, &outer.path().join("o")).await.unwrap_err());
        invalid(storage.exists(key).await.unwrap_err());
        invalid(storage.delete(key).await.unwrap_err());
        invalid(storage.url(key).unwrap_err());
    }
    let error = storage.list("../up").await.unwrap_err();
    assert!(matches!(&error, StorageError::InvalidKey { key, .. } if key == "../up"), "{error}");
    assert!(!outer.path().join("escape.txt").exists());
    assert!(!root.exists(), "nothing was written");
}

#[tokio::test]
async fn local_file_errors_name_the_file() {
    let root = tempfile::tempdir().unwrap();
    let storage = open(root.path());
    let missing = root.path().join("no/such/source.bin");
    let error = storage.put_file("k.bin", &missing).await.unwrap_err();
    assert!(matches!(&error, StorageError::LocalFile { path, .. } if path == &missing), "{error:?}");
    assert!(error.to_string().contains("no/such/source.bin"), "{error}");
    let error = storage.put_file("k.bin", root.path()).await.unwrap_err();
    assert!(matches!(error, StorageError::LocalFile { .. }), "a directory is no source: {error}");

    storage.put_bytes("k.bin", b"k".to_vec()).await.unwrap();
    let blocker = root.path().join("blocker");
    std::fs::write(&blocker, b"a file where a directory should be").unwrap();
    let target = blocker.join("out.bin");
    let error = storage.get_to_file("k.bin", &target).await.unwrap_err();
    assert!(matches!(&error, StorageError::LocalFile { path, .. } if path == &target), "{error:?}");
}

#[tokio::test]
async fn no_presigned_urls_here() {
    let root = tempfile::tempdir().unwrap();
    let storage = open(root.path());
    assert!(!storage.supports_presign());
    for error in [
        storage.presign_put("a.txt", Duration::from_secs(60)).await.unwrap_err(),
        storage.presign_get("a.txt", Duration::from_secs(60)).await.unwrap_err(),
    ] {
        assert!(matches!(error, StorageError::PresignUnsupported { provider: "file_system", .. }), "{error}");
    }
}

#[test]
fn records_of_other_providers() {
    let open_record = |value| storage::open(&serde_json::from_value::<StorageRecord>(value).unwrap());
    let error = open_record(json!({"provider": "sftp", "configuration": {"host": "h"}})).unwrap_err();
    assert!(matches!(&error, StorageError::UnsupportedProvider { provider } if provider == "sftp"), "{error}");
    let error = open_record(json!({"provider": "dropbox", "configuration": {}})).unwrap_err();
    assert!(matches!(&error, StorageError::UnknownProvider { provider, .. } if provider == "dropbox"), "{error}");
    let error = open_record(json!({"provider": "local", "configuration": {}})).unwrap_err();
    assert!(matches!(&error, StorageError::Config { field, .. } if field == "location"), "{error}");
}
