//! The upload workflow (`synapse::upload::run_upload`) against the dev backend in this process:
//! a folder of image and JSON pairs uploaded into a data collection (units, files, their
//! SHA-1s, metrics, the `import_result` summary), groups left out with their reasons (a missing
//! primary file, an extension not allowed), local duplicates and content the backend already
//! has, a storage that does not exist, the presigned and chunked paths, and a file the backend
//! refuses. How the folder itself is read is `upload_folders.rs`.

use serde_json::json;
use std::collections::BTreeMap;
use synapse::backend::checksum_of;
use synapse::events::EventKind;
use synapse::upload::{DefaultUploader, UploadError, UploadParams, run_upload};
use synapse_tests::dev_backend::{start, state};
use synapse_tests::upload::{Source, collection, context, image_bytes, last_metrics, logs, source, write_pairs};

fn params(dir: &Source, collection: u64) -> UploadParams {
    UploadParams { creating_data_unit_batch_size: 2, ..UploadParams::new("pets", dir.param(), 1, collection) }
}

#[tokio::test]
async fn a_folder_becomes_data_units_with_its_files_checksums_and_summary() {
    let backend = start().await;
    let id = collection(&backend, Some(&[".png"])).await;
    let dir = source(&backend).await;
    write_pairs(dir.path(), 5);
    std::fs::create_dir_all(dir.path().join("image_1/@eaDir")).expect("a NAS folder");
    std::fs::write(dir.path().join("image_1/@eaDir/img_0000.png"), b"thumbnail").expect("a thumbnail");
    let (ctx, memory) = context(&backend);

    let result = run_upload(&ctx, params(&dir, id), &DefaultUploader).await.expect("the upload");
    assert_eq!((result.uploaded_files, result.data_units, result.steps_total), (10, 5, 8), "{result:#?}");
    assert_eq!(result.steps_executed, 7, "process_metadata is skipped without a metadata file");
    assert!(result.failed_files.is_empty() && !result.partial_failure, "{result:#?}");

    let state = state(&backend).await;
    let units = state["data_units"].as_array().expect("units");
    assert_eq!(units.len(), 5);
    assert_eq!(
        units.iter().map(|unit| unit["id"].clone()).collect::<Vec<_>>(),
        result.data_unit_ids.iter().map(|id| json!(id)).collect::<Vec<_>>()
    );
    // Every file's SHA-1 on the backend is that of the local file.
    let files: BTreeMap<String, String> = state["data_files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|file| {
            (
                file["filename"].as_str().unwrap_or_default().to_owned(),
                file["checksum"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(files.len(), 10, "{files:?}");
    for index in 0..5 {
        assert_eq!(files[&format!("img_{index:04}.png")], checksum_of(&image_bytes(index)));
        let json = format!("{{\"index\": {index}}}");
        assert_eq!(files[&format!("img_{index:04}.json")], checksum_of(json.as_bytes()));
    }
    assert_eq!(state["requests"]["POST /data_units/"], 3, "batches of 2: {}", state["requests"]);

    let events = memory.events();
    let summary = logs(&events, "import_result");
    assert_eq!(summary.len(), 1);
    assert_eq!((summary[0]["success_count"].clone(), summary[0]["failed_count"].clone()), (json!(10), json!(0)));
    assert_eq!(summary[0]["entries"].as_array().map(Vec::len), Some(10));
    assert_eq!(last_metrics(&events, "data_files"), Some(json!({"stand_by": 0, "success": 10, "failed": 0})));
    assert_eq!(last_metrics(&events, "data_units"), Some(json!({"stand_by": 0, "success": 5, "failed": 0})));
    // Each step that ran completed its own progress, and the skipped one said so.
    for step in [
        "initialize",
        "analyze_collection",
        "organize_files",
        "validate_files",
        "upload_files",
        "generate_data_units",
        "cleanup",
    ] {
        let last = events.iter().rev().find_map(|e| match &e.kind {
            EventKind::Progress { category: Some(category), current, total } if category == step => {
                Some((*current, *total))
            }
            _ => None,
        });
        assert!(last.is_some_and(|(current, total)| current == total && total > 0), "{step}: {last:?}");
        assert!(
            events.iter().any(|e| e.step.as_deref() == Some(step) && matches!(e.kind, EventKind::StepCompleted { .. })),
            "{step}"
        );
    }
    assert!(
        events
            .iter()
            .any(|e| e.step.as_deref() == Some("process_metadata") && matches!(e.kind, EventKind::StepSkipped {}))
    );
    let overall = events.iter().rev().find_map(|e| match &e.kind {
        EventKind::Progress { category: None, current, total } => Some((*current, *total)),
        _ => None,
    });
    assert!(overall.is_some_and(|(current, total)| current == total), "{overall:?}");
}

#[tokio::test]
async fn groups_without_their_primary_file_or_with_a_forbidden_extension_are_left_out_with_reasons() {
    let backend = start().await;
    let id = collection(&backend, Some(&[".png"])).await;
    let dir = source(&backend).await;
    write_pairs(dir.path(), 3);
    std::fs::write(dir.path().join("data_meta_1/orphan.json"), b"{}").expect("a lone JSON file");
    std::fs::write(dir.path().join("image_1/evil.exe"), b"MZ").expect("an executable");
    let (ctx, _) = context(&backend);

    let result = run_upload(&ctx, params(&dir, id), &DefaultUploader).await.expect("the upload");
    assert_eq!((result.data_units, result.uploaded_files), (3, 6));
    assert!(result.partial_failure);
    assert_eq!(result.lost_files_count, 2);
    let reasons: BTreeMap<String, String> = result
        .failed_files
        .iter()
        .map(|failed| {
            (
                std::path::Path::new(&failed.path).file_name().unwrap().to_string_lossy().into_owned(),
                failed.reason.clone(),
            )
        })
        .collect();
    assert_eq!(reasons["orphan.json"], "group `orphan` has no file for the primary specification `image_1`");
    assert_eq!(
        reasons["evil.exe"],
        "extension `.exe` is not allowed for `image_1` (image): its specification takes .png"
    );
    assert_eq!(state(&backend).await["data_units"].as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn nothing_valid_fails_the_run_naming_every_file() {
    let backend = start().await;
    let id = collection(&backend, None).await;
    let dir = source(&backend).await;
    std::fs::create_dir_all(dir.path().join("data_meta_1")).expect("a folder");
    std::fs::write(dir.path().join("data_meta_1/a.json"), b"{}").expect("a file");
    let (ctx, _) = context(&backend);
    let error = run_upload(&ctx, params(&dir, id), &DefaultUploader).await.expect_err("nothing to upload");
    let UploadError::Workflow { source, .. } = &error else { panic!("{error:?}") };
    assert_eq!(source.step, "validate_files");
    assert!(
        matches!(error.step_error(), Some(UploadError::NothingUploaded { total: 1, failed }) if failed[0].path.ends_with("a.json")),
        "{error}"
    );
    assert!(state(&backend).await["data_files"].as_array().is_none_or(Vec::is_empty));
}

#[tokio::test]
async fn duplicates_are_dropped_and_content_on_the_backend_is_not_sent_again() {
    let backend = start().await;
    let id = collection(&backend, None).await;
    let dir = source(&backend).await;
    write_pairs(dir.path(), 2);
    let (ctx, _) = context(&backend);
    let first = run_upload(&ctx, params(&dir, id), &DefaultUploader).await.expect("the first upload");
    assert_eq!(first.uploaded_files, 4);

    // The same content again, plus a copy of an image under another stem.
    std::fs::write(dir.path().join("image_1/copy.png"), image_bytes(0)).expect("a copy");
    let (ctx, _) = context(&backend);
    let second = run_upload(&ctx, params(&dir, id), &DefaultUploader).await.expect("the second upload");
    // `copy` sorts first: `img_0000` repeats its image and is dropped with its JSON file.
    assert_eq!((second.uploaded_files, second.already_on_backend, second.duplicates), (0, 3, 1), "{second:#?}");
    assert_eq!(second.data_units, 2);
    let image = second.failed_files.iter().find(|f| f.path.ends_with("img_0000.png")).expect("the duplicate");
    assert!(image.reason.starts_with("duplicate of") && image.reason.contains("copy.png"), "{image}");
    let json = second.failed_files.iter().find(|f| f.path.ends_with("img_0000.json")).expect("its JSON file");
    assert!(json.reason.starts_with("its group `img_0000` lost"), "{json}");
    let state = state(&backend).await;
    assert_eq!(state["data_files"].as_array().map(Vec::len), Some(4), "no file uploaded twice");
    assert_eq!(state["data_units"].as_array().map(Vec::len), Some(4));
}

#[tokio::test]
async fn a_storage_the_backend_does_not_have_is_refused_at_initialize() {
    let backend = start().await;
    let id = collection(&backend, None).await;
    let dir = source(&backend).await;
    write_pairs(dir.path(), 1);
    let (ctx, _) = context(&backend);
    let params = UploadParams { storage: 99, ..params(&dir, id) };
    let error = run_upload(&ctx, params, &DefaultUploader).await.expect_err("no such storage");
    let UploadError::Workflow { source, orphaned_data_files } = &error else { panic!("{error:?}") };
    assert_eq!(source.step, "initialize");
    assert!(orphaned_data_files.is_empty());
    match error.step_error() {
        Some(UploadError::Storage { id: 99, source }) => assert_eq!(source.status(), Some(404)),
        other => panic!("{other:?}"),
    }
    assert!(error.to_string().contains("storage 99"), "{error}");
    let state = state(&backend).await;
    assert!(state["requests"].get("POST /data_files/").is_none(), "{}", state["requests"]);

    let (ctx, _) = context(&backend);
    let error = run_upload(
        &ctx,
        UploadParams { data_collection: 77, ..UploadParams::new("x", dir.param(), 1, 77) },
        &DefaultUploader,
    )
    .await
    .expect_err("no such collection");
    assert!(matches!(error.step_error(), Some(UploadError::Collection { id: 77, .. })), "{error}");
    let missing = UploadParams::new("x", dir.key(&dir.path().join("absent")), 1, id);
    let (ctx, _) = context(&backend);
    let error = run_upload(&ctx, missing, &DefaultUploader).await.expect_err("no such folder");
    assert!(
        matches!(error.step_error(), Some(UploadError::Folder { reason, .. }) if reason == "does not exist"),
        "{error}"
    );
}

#[tokio::test]
async fn an_object_store_takes_presigned_uploads_and_large_files_go_in_chunks() {
    use synapse_dev_backend::{DevBackend, S3Storage};
    // Storage 2 is an `amazon_s3` record: files go through presigned URLs (which the dev
    // backend serves itself).
    let bucket = S3Storage {
        bucket_name: "pets".into(),
        access_key: "key".into(),
        secret_key: "secret".into(),
        region_name: "us-east-1".into(),
        endpoint_url: "http://127.0.0.1:9".into(),
    };
    let backend = DevBackend::builder()
        .token(synapse_tests::dev_backend::TOKEN)
        .in_memory()
        .s3_storage(bucket)
        .bind("127.0.0.1:0")
        .start()
        .await
        .expect("a dev backend");
    let id = collection(&backend, None).await;
    let dir = source(&backend).await;
    write_pairs(dir.path(), 3);
    let (ctx, _) = context(&backend);
    // With an object store, `path` is a folder on this machine.
    let local = Some(dir.path().display().to_string());
    let result = run_upload(&ctx, UploadParams { storage: 2, path: local, ..params(&dir, id) }, &DefaultUploader)
        .await
        .expect("the presigned upload");
    assert_eq!((result.uploaded_files, result.data_units), (6, 3));
    let requests = state(&backend).await["requests"].clone();
    assert_eq!(requests["PUT /_presigned/{*key}"], 6, "{requests}");
    assert!(requests.get("POST /data_files/").is_none(), "{requests}");

    // Through the API: a file above `max_file_size_mb` goes in chunks.
    let backend = start().await;
    let id = collection(&backend, None).await;
    let dir = source(&backend).await;
    write_pairs(dir.path(), 1);
    let large: Vec<u8> = (0..(1024 * 1024 + 4096)).map(|i| (i % 251) as u8).collect();
    std::fs::write(dir.path().join("image_1/large.png"), &large).expect("a large image");
    let (ctx, _) = context(&backend);
    let params = UploadParams { max_file_size_mb: 1, upload_max_workers: 1, ..params(&dir, id) };
    let result = run_upload(&ctx, params, &DefaultUploader).await.expect("the upload");
    assert_eq!((result.uploaded_files, result.data_units), (3, 2));
    let state = state(&backend).await;
    assert_eq!(state["requests"]["PUT /chunked_upload/"], 1, "{}", state["requests"]);
    let stored = state["data_files"].as_array().expect("files").iter().find(|file| file["size"] == json!(large.len()));
    assert_eq!(stored.map(|file| file["checksum"].clone()), Some(json!(checksum_of(&large))));
}

#[tokio::test]
async fn a_file_the_backend_refuses_is_left_out_with_its_group_and_the_reason() {
    let backend = start().await;
    let id = collection(&backend, None).await;
    let dir = source(&backend).await;
    write_pairs(dir.path(), 3);
    synapse_tests::dev_backend::fault(
        &backend,
        json!({"method": "POST", "path_glob": "/data_files/", "nth": 1, "status": 400}),
    )
    .await;
    let (ctx, _) = context(&backend);
    let params = UploadParams { upload_max_workers: 1, ..params(&dir, id) };
    let result = run_upload(&ctx, params, &DefaultUploader).await.expect("the upload");
    assert_eq!(result.data_units, 2, "{result:#?}");
    assert_eq!(result.failed_files.len(), 2, "the refused file and its group's other file: {result:#?}");
    let refused = result.failed_files.iter().find(|f| f.reason.contains("400")).expect("the refused file");
    let other = result.failed_files.iter().find(|f| f.reason.starts_with("its group")).expect("its partner");
    assert_ne!(refused.path, other.path);
    // The partner was uploaded before its group was left out: its data file is deleted, unused.
    let state = state(&backend).await;
    assert_eq!(state["data_units"].as_array().map(Vec::len), Some(2));
    assert_eq!(state["data_files"].as_array().map(Vec::len), Some(4), "{}", state["data_files"]);
    assert_eq!(result.uploaded_files, 4);
}
