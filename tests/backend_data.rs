//! The backend client's data calls (`synapse::backend`: collections, data files, checksums,
//! presigned uploads, units, deletion, storages) against the dev backend in this process: the
//! upload path end to end, per-file failures of a presigned upload, checksum batches, the
//! rollback's deletions (and the orphan a backend without file deletion leaves), the server's
//! messages in errors, and storage secrets kept out of `Debug`.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;
use synapse::backend::{
    BackendClient, BackendError, DataError, DataUnitCreate, FileDeletion, FileRef, FileType, PresignedFailure,
    PresignedFile, checksum_of, file_checksum,
};
use synapse_dev_backend::{DevBackend, RunningDevBackend, S3Storage};
use synapse_tests::dev_backend::{TOKEN, client_of, dev, fault, quick, start, state};

fn client(backend: &RunningDevBackend) -> BackendClient {
    client_of(backend.url(), quick(2, 10, 20))
}

/// A collection with `image_1` (primary, required) and `data_meta_1`.
async fn collection(backend: &RunningDevBackend) -> u64 {
    let body = json!({"name": "pets", "file_specifications": [
        {"name": "image_1", "file_type": "image", "is_required": true, "is_primary": true},
        {"name": "data_meta_1", "file_type": "data", "function_type": "meta"},
    ]});
    dev(backend, reqwest::Method::POST, "_dev/data_collections", Some(body)).await["id"].as_u64().expect("an id")
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("a file");
    path
}

fn big(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

#[tokio::test]
async fn files_then_units_make_the_upload_path() {
    let backend = start().await;
    let client = client(&backend);
    let dir = tempfile::tempdir().expect("a directory");
    let id = collection(&backend).await;
    let collection = client.get_data_collection(id).await.expect("the collection");
    let primary = collection.primary().expect("a primary specification");
    assert_eq!((primary.name.as_str(), &primary.file_type), ("image_1", &FileType::Image));
    assert_eq!(collection.specification("data_meta_1").map(|spec| &spec.file_type), Some(&FileType::Data));

    let image = write(dir.path(), "cat.png", b"not really a png");
    let meta = write(dir.path(), "cat.json", br#"{"label": "cat"}"#);
    let image_file = client.create_data_file(&image).await.expect("the image");
    let meta_file = client.create_data_file(&meta).await.expect("the meta");
    assert_eq!(
        image_file.checksum,
        file_checksum(&image).await.expect("a checksum"),
        "the backend's checksum is SHA-1"
    );
    assert_eq!(image_file.size, Some(16));
    assert_eq!(
        client.verify_checksums(&[checksum_of(b"absent"), meta_file.checksum.clone()]).await.expect("verified"),
        vec![meta_file.checksum.clone()]
    );

    let unit = DataUnitCreate::new(id)
        .file("image_1", FileRef::new(&image_file.checksum, image.display().to_string()))
        .file("data_meta_1", FileRef::new(&meta_file.checksum, meta.display().to_string()));
    let unit = DataUnitCreate { meta: Some(json!({"origin_file_stem": "cat"})), ..unit };
    let created = client.create_data_units(&[unit]).await.expect("the unit");
    let got = client.get_data_unit(created[0].id).await.expect("the unit back");
    let file = &got.files["image_1"];
    assert_eq!(
        (file.id, file.checksum.as_deref(), file.is_primary),
        (Some(image_file.id), Some(image_file.checksum.as_str()), true)
    );
    assert_eq!(file.url, image_file.file);
    assert_eq!(got.meta, json!({"origin_file_stem": "cat"}));
    let state = state(&backend).await;
    assert_eq!(state["data_units"][0]["files"], json!({"data_meta_1": meta_file.id, "image_1": image_file.id}));
}

#[tokio::test]
async fn a_file_above_the_multipart_limit_is_refused_before_sending() {
    let backend = start().await;
    let client = client(&backend);
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join("huge.bin");
    std::fs::File::create(&path).and_then(|file| file.set_len(50 * 1024 * 1024 + 1)).expect("a sparse file");
    let error = client.create_data_file(&path).await.expect_err("too large");
    assert!(matches!(error, DataError::TooLarge { size: 52_428_801, .. }), "{error:?}");
    assert!(error.to_string().contains("create_data_file_from_upload"), "{error}");
    let missing = client.create_data_file(&dir.path().join("absent.png")).await.expect_err("no file");
    assert!(matches!(&missing, DataError::Read { path, .. } if path.ends_with("absent.png")), "{missing:?}");
    assert!(state(&backend).await["requests"].get("POST /data_files/").is_none(), "nothing was sent");

    let error = client.create_data_file_from_upload("7d1e").await.expect_err("no such upload");
    assert_eq!(error.status(), Some(400));
    assert!(error.to_string().contains("Chunked upload \"7d1e\" does not exist."), "{error}");
}

#[tokio::test]
async fn presigned_uploads_go_single_and_multipart_with_sha1() {
    let backend = start().await;
    let client = client(&backend);
    let dir = tempfile::tempdir().expect("a directory");
    let small = write(dir.path(), "a.txt", b"abc");
    let large = write(dir.path(), "big.bin", &big(6 * 1024 * 1024 + 17));
    let report = client.upload_presigned(&[small.clone(), large.clone()]).await.expect("the upload");
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(report.uploaded.len(), 2);
    assert_eq!(report.uploaded[0].checksum, checksum_of(b"abc"));
    assert_eq!(report.uploaded[1].checksum, file_checksum(&large).await.expect("a checksum"));
    let state = state(&backend).await;
    assert_eq!(state["requests"]["PUT /_presigned/{*key}"], 3, "one PUT, then two parts: {}", state["requests"]);
    let sizes: Vec<&Value> = state["data_files"].as_array().expect("files").iter().map(|file| &file["size"]).collect();
    assert_eq!(sizes, [&json!(3), &json!(6 * 1024 * 1024 + 17)]);
    // No backend credentials went to the storage URLs.
    let routes: Vec<&str> =
        state["auth"].as_array().expect("auth").iter().filter_map(|record| record["route"].as_str()).collect();
    assert!(!routes.iter().any(|route| route.contains("_presigned")), "{routes:?}");
}

#[tokio::test]
async fn a_failed_put_and_a_corrupted_upload_fail_alone() {
    let backend = start().await;
    let client = client(&backend);
    let dir = tempfile::tempdir().expect("a directory");
    let paths: Vec<PathBuf> =
        (0..3).map(|n| write(dir.path(), &format!("{n}.txt"), format!("file {n}").as_bytes())).collect();
    fault(&backend, json!({"method": "PUT", "path_glob": "/_presigned/**", "nth": 2, "status": 500})).await;
    let report = client.upload_presigned(&paths).await.expect("the upload");
    assert_eq!(report.uploaded.len(), 2, "{:?}", report.failed);
    // The PUTs run concurrently: whichever arrived second failed, and only it.
    let failed = match report.failed.as_slice() {
        [PresignedFailure::Put { path, status: Some(500), message, url, .. }] => {
            assert_eq!(message, "Injected fault.");
            assert!(!url.contains("signature"), "the signature stays out of errors: {url}");
            path.clone()
        }
        other => panic!("{other:?}"),
    };
    let mut covered: Vec<PathBuf> = report.uploaded.iter().map(|done| done.path.clone()).collect();
    covered.push(failed);
    covered.sort();
    assert_eq!(covered, paths);
    assert_eq!(state(&backend).await["data_files"].as_array().map(Vec::len), Some(2));

    // What is confirmed is not what was put: the backend refuses that file alone.
    let file = PresignedFile { filename: "x.txt".into(), size: 4, content_type: None };
    let upload = client.presigned_upload(&[file.clone(), file], Duration::from_secs(60)).await.expect("URLs");
    let path = write(dir.path(), "x.txt", b"xxxx");
    let good = client.put_presigned(&upload.files[0], &path).await.expect("put");
    let mut corrupted = client.put_presigned(&upload.files[1], &path).await.expect("put");
    corrupted.checksum = checksum_of(b"yyyy");
    let confirmed = client.confirm_upload(&[good, corrupted]).await.expect("confirmed");
    assert_eq!((confirmed.created_count, confirmed.failed_count), (1, 1));
    assert!(!confirmed.results[1].success);
    assert!(confirmed.results[1].error.as_deref().unwrap_or("").contains("Checksum mismatch"), "{confirmed:?}");
}

#[tokio::test]
async fn checksums_are_verified_a_thousand_at_a_time() {
    let backend = start().await;
    let client = client(&backend);
    let dir = tempfile::tempdir().expect("a directory");
    let known = client.create_data_file(&write(dir.path(), "k.txt", b"known")).await.expect("a file").checksum;
    let mut checksums: Vec<String> = (0..1500).map(|n| checksum_of(format!("{n}").as_bytes())).collect();
    checksums.insert(1200, known.clone());
    assert_eq!(client.verify_checksums(&checksums).await.expect("verified"), [known]);
    let state = state(&backend).await;
    assert_eq!(state["requests"]["POST /data_files/verify_checksums/"], 2);
    assert!(client.verify_checksums(&[]).await.expect("none").is_empty());
    let state = self::state(&backend).await;
    assert_eq!(state["requests"]["POST /data_files/verify_checksums/"], 2, "none sent for none");
}

#[tokio::test]
async fn rollback_deletes_units_then_files_or_reports_them_orphaned() {
    let backend = start().await;
    let client = client(&backend);
    let dir = tempfile::tempdir().expect("a directory");
    let id = collection(&backend).await;
    let image = client.create_data_file(&write(dir.path(), "a.png", b"a")).await.expect("a file");
    let other = client.create_data_file(&write(dir.path(), "b.png", b"b")).await.expect("a file");
    let unit = DataUnitCreate::new(id).file("image_1", FileRef::new(&image.checksum, "a.png"));
    let unit = client.create_data_units(&[unit]).await.expect("a unit").remove(0);

    client.delete_data_unit(unit.id).await.expect("deleted");
    let error = client.delete_data_unit(unit.id).await.expect_err("gone");
    assert_eq!(error.status(), Some(404));
    assert!(error.to_string().contains(&format!("v2/data-units/{}/", unit.id)), "{error}");
    assert!(error.to_string().contains(&format!("Data unit {} does not exist.", unit.id)), "{error}");
    assert_eq!(client.delete_data_file(image.id).await.expect("deleted"), FileDeletion::Deleted);

    fault(&backend, json!({"method": "DELETE", "path_glob": "/data_files/*/", "status": 405})).await;
    match client.delete_data_file(other.id).await.expect("an outcome") {
        FileDeletion::Orphaned { id, status: 405, .. } => assert_eq!(id, other.id),
        deletion => panic!("{deletion:?}"),
    }
    let state = state(&backend).await;
    assert!(state["data_units"].as_array().expect("units").is_empty());
    let ids: Vec<u64> =
        state["data_files"].as_array().expect("files").iter().filter_map(|file| file["id"].as_u64()).collect();
    assert_eq!(ids, [other.id], "the orphan stays, the deleted file is gone");
}

#[tokio::test]
async fn errors_carry_the_servers_messages_and_indices() {
    let backend = start().await;
    let client = client(&backend);
    let dir = tempfile::tempdir().expect("a directory");
    let id = collection(&backend).await;
    let image = client.create_data_file(&write(dir.path(), "a.png", b"a")).await.expect("a file");
    let good = DataUnitCreate::new(id).file("image_1", FileRef::new(&image.checksum, "a.png"));
    let bad = DataUnitCreate::new(id).file("data_meta_1", FileRef::new(checksum_of(b"nothing"), "a.json"));
    let error = client.create_data_units(&[good, bad]).await.expect_err("refused");
    let text = error.to_string();
    assert!(matches!(error, BackendError::Status { status: 400, .. }), "{error:?}");
    assert!(text.starts_with("POST data_units/: 400 Bad Request: [1] files: "), "{text}");
    assert!(text.contains("image_1: this file specification is required."), "{text}");
    assert!(
        text.contains(&format!("data_meta_1: no data file has the checksum {}", checksum_of(b"nothing"))),
        "{text}"
    );
    assert!(state(&backend).await["data_units"].as_array().expect("units").is_empty());

    let missing = client.get_data_unit(99).await.expect_err("no unit");
    assert_eq!(missing.to_string(), "GET data_units/99/: 404 Not Found: Not found.");
    let missing = client.get_data_collection(42).await.expect_err("no collection");
    assert!(missing.to_string().starts_with("GET data_collections/42/: 404"), "{missing}");
}

#[tokio::test]
async fn storage_records_keep_their_secrets_out_of_debug() {
    let bucket = S3Storage {
        bucket_name: "synapse-test".into(),
        access_key: "AKIAEXAMPLE".into(),
        secret_key: "wJalrXUtnFEMI".into(),
        region_name: "us-east-1".into(),
        endpoint_url: "http://127.0.0.1:9".into(),
    };
    let backend = DevBackend::builder().token(TOKEN).s3_storage(bucket).start().await.expect("dev backend");
    let client = client(&backend);
    let local = client.get_storage(1).await.expect("storage 1");
    assert_eq!((local.provider.as_str(), local.is_default), ("file_system", true));
    assert!(Path::new(local.configuration["location"].as_str().expect("a location")).is_dir());
    let s3 = client.get_storage(2).await.expect("storage 2");
    let shown = format!("{s3:?}");
    assert!(!shown.contains("wJalrXUtnFEMI") && !shown.contains("AKIAEXAMPLE"), "{shown}");
    assert!(shown.contains("synapse-test") && shown.contains("us-east-1"), "{shown}");
    assert_eq!(s3.configuration["secret_key"], "wJalrXUtnFEMI", "the record keeps them for the storage client");
    assert_eq!(s3.redacted_configuration()["access_key"], "***");
    let error = client.get_storage(3).await.expect_err("no storage 3");
    assert!(error.to_string().starts_with("GET storages/3/: 404"), "{error}");

    // Storage 1 opens as the media directory; storage 2 needs the `s3` feature or a server.
    let media = client.open_storage(1).await.expect("storage 1 opens");
    media.put_bytes("opened/a.txt", b"abc".to_vec()).await.expect("written");
    assert_eq!(
        std::fs::read(Path::new(local.configuration["location"].as_str().expect("location")).join("opened/a.txt"))
            .expect("in the media directory"),
        b"abc"
    );
    let Err(error) = client.open_storage(3).await else { panic!("there is no storage 3") };
    assert!(error.to_string().starts_with("GET storages/3/: 404"), "{error}");
}

#[tokio::test]
async fn a_data_dir_given_relative_is_an_absolute_location_and_a_location_not_here_is_refused() {
    let parent = tempfile::tempdir().expect("a folder");
    // The same folder, relative to the working directory: `../../tmp/…`.
    let here = std::env::current_dir().expect("a working directory");
    let up: PathBuf = here.components().skip(1).map(|_| "..").collect();
    let relative = up.join(parent.path().strip_prefix("/").expect("an absolute path")).join("dev-data");
    let backend = synapse_dev_backend::DevBackend::builder()
        .token(synapse_tests::dev_backend::TOKEN)
        .data_dir(&relative)
        .bind("127.0.0.1:0")
        .start()
        .await
        .expect("a dev backend");
    let client = synapse_tests::dev_backend::client_of(backend.url(), synapse_tests::dev_backend::quick(0, 1, 1));
    let local = client.get_storage(1).await.expect("storage 1");
    let location = PathBuf::from(local.configuration["location"].as_str().expect("a location"));
    assert!(location.is_absolute(), "{}", location.display());
    assert!(location.is_dir() && location.starts_with(here.join(&relative)), "{}", location.display());

    // Its files moved away, storage 1 is no folder here: refused, not made anew.
    std::fs::rename(&location, parent.path().join("moved")).expect("moved away");
    let Err(error) = client.open_storage(1).await else { panic!("storage 1 is not here") };
    assert_eq!(
        error.to_string(),
        format!(
            "storage 1: storage provider `file_system`: configuration `location`: {} is no folder on this machine",
            location.display()
        )
    );
    assert!(!location.exists(), "nothing was made at the location");
}
