//! The upload's failure codes, one per cause (`synapse::upload::FailureCode`), in the result's
//! `failed_files` and the `import_result` entries' `failure_reason_code`; and the
//! `upload_data_unit` event of each data unit made.

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;
use synapse::backend::{BackendClient, DataCollection};
use synapse::upload::{
    DefaultUploader, FailedFile, FailureCode, FileGroup, LocalFile, TransferOptions, TransferReport, UploadError,
    UploadParams, UploadResult, Uploader, checksums, run_upload, upload_files,
};
use synapse_tests::dev_backend::start;
use synapse_tests::upload::{Source, collection, context, image_bytes, logs, source, write_pairs};

fn params(dir: &Source, collection: u64) -> UploadParams {
    UploadParams {
        creating_data_unit_batch_size: 2,
        upload_max_workers: 1,
        ..UploadParams::new("pets", dir.param(), 1, collection)
    }
}

/// Each failed file's code, by file name.
fn codes(result: &UploadResult) -> BTreeMap<String, FailureCode> {
    result
        .failed_files
        .iter()
        .map(|failed| {
            let name = PathBuf::from(&failed.path).file_name().map(|n| n.to_string_lossy().into_owned());
            (name.unwrap_or_default(), failed.code)
        })
        .collect()
}

/// The `import_result` entries' codes, by file name (`null` for a success).
fn entry_codes(events: &[synapse::events::Event]) -> BTreeMap<String, Value> {
    let summary = logs(events, "import_result").pop().expect("an import_result event");
    summary["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|entry| {
            (entry["original_file_name"].as_str().unwrap_or_default().to_owned(), entry["failure_reason_code"].clone())
        })
        .collect()
}

#[tokio::test]
async fn validation_refusals_carry_unsupported_extension_and_missing_required_data() {
    let backend = start().await;
    let id = collection(&backend, Some(&[".png"])).await;
    let dir = source(&backend).await;
    write_pairs(dir.path(), 2);
    std::fs::write(dir.path().join("data_meta_1/orphan.json"), b"{}").expect("a lone JSON file");
    std::fs::write(dir.path().join("image_1/evil.exe"), b"MZ").expect("an executable");
    let (ctx, memory) = context(&backend);
    let result = run_upload(&ctx, params(&dir, id), &DefaultUploader).await.expect("the upload");
    let codes = codes(&result);
    assert_eq!(codes["orphan.json"], FailureCode::MissingRequiredData, "{result:#?}");
    assert_eq!(codes["evil.exe"], FailureCode::UnsupportedExtension, "{result:#?}");
    let entries = entry_codes(&memory.events());
    assert_eq!(entries["orphan.json"], json!("MISSING_REQUIRED_DATA"));
    assert_eq!(entries["evil.exe"], json!("UNSUPPORTED_EXTENSION"));
    assert_eq!(entries["img_0000.png"], Value::Null, "a success has no code");
}

#[tokio::test]
async fn duplicates_carry_duplicate_file_for_repeated_content_and_repeated_stems() {
    let backend = start().await;
    let id = collection(&backend, None).await;
    let dir = source(&backend).await;
    write_pairs(dir.path(), 2);
    std::fs::write(dir.path().join("image_1/copy.png"), image_bytes(0)).expect("a copy");
    std::fs::create_dir_all(dir.path().join("image_1/more")).expect("a subfolder");
    std::fs::write(dir.path().join("image_1/more/img_0001.png"), b"another img_0001").expect("a second stem");
    let (ctx, memory) = context(&backend);
    let result = run_upload(&ctx, params(&dir, id), &DefaultUploader).await.expect("the upload");
    let failed: BTreeMap<String, FailedFile> =
        result.failed_files.iter().map(|f| (f.path.clone(), f.clone())).collect();
    let code_of = |end: &str| failed.iter().find(|(path, _)| path.ends_with(end)).map(|(_, f)| f.code);
    // `copy` sorts first: `img_0000` repeats its image; its JSON file carries the same code.
    assert_eq!(code_of("image_1/img_0000.png"), Some(FailureCode::DuplicateFile), "{result:#?}");
    assert_eq!(code_of("data_meta_1/img_0000.json"), Some(FailureCode::DuplicateFile), "{result:#?}");
    // A second `img_0001` in `image_1`: one of the two is left out when grouping.
    let stems =
        failed.iter().filter(|(path, f)| path.ends_with("img_0001.png") && f.code == FailureCode::DuplicateFile);
    assert_eq!(stems.count(), 1, "{result:#?}");
    let summary = logs(&memory.events(), "import_result").pop().expect("a summary");
    let duplicate = summary["entries"].as_array().and_then(|entries| {
        entries
            .iter()
            .find(|entry| entry["file_path"].as_str().is_some_and(|path| path.ends_with("image_1/img_0000.png")))
    });
    assert_eq!(duplicate.map(|entry| entry["failure_reason_code"].clone()), Some(json!("DUPLICATE_FILE")));
}

#[tokio::test]
async fn a_file_the_backend_refuses_carries_upload_failed() {
    let backend = start().await;
    let id = collection(&backend, None).await;
    let dir = source(&backend).await;
    write_pairs(dir.path(), 3);
    let fault = json!({"method": "POST", "path_glob": "/data_files/", "nth": 1, "status": 400});
    synapse_tests::dev_backend::fault(&backend, fault).await;
    let (ctx, memory) = context(&backend);
    let result = run_upload(&ctx, params(&dir, id), &DefaultUploader).await.expect("the upload");
    assert_eq!(result.failed_files.len(), 2, "{result:#?}");
    assert!(result.failed_files.iter().all(|f| f.code == FailureCode::UploadFailed), "{result:#?}");
    let entries = entry_codes(&memory.events());
    assert_eq!(entries.values().filter(|code| **code == json!("UPLOAD_FAILED")).count(), 2, "{entries:?}");
}

#[tokio::test]
async fn an_unreadable_file_carries_file_unreadable() {
    let dir = tempfile::tempdir().expect("a folder");
    let present = dir.path().join("a.png");
    std::fs::write(&present, b"a").expect("a file");
    let paths = vec![present.clone(), dir.path().join("gone.png")];
    let ctx = synapse::Context::builder("upload").build();
    let results = checksums(&ctx, &paths, 2).await;
    let read = results[0].as_ref().expect("the present file");
    assert_eq!((read.size, read.content.as_deref()), (1, Some(&b"a"[..])), "a small file keeps its bytes");
    let failed = results[1].as_ref().expect_err("the missing file");
    assert_eq!(failed.code, FailureCode::FileUnreadable, "{failed}");
    assert!(failed.reason.contains("gone.png"), "{failed}");
}

/// Reports the first file it uploads with a checksum other than its content's.
#[derive(Clone)]
struct Misreported;

impl Uploader for Misreported {
    async fn upload(
        &self,
        ctx: &synapse::Context,
        client: &BackendClient,
        files: &[LocalFile],
        options: &TransferOptions,
        report: &mut TransferReport,
    ) -> Result<(), UploadError> {
        let before = report.uploaded.len();
        upload_files(ctx, client, files, options, report).await?;
        if before == 0
            && let Some(first) = report.uploaded.first_mut()
        {
            first.checksum = "0".repeat(40);
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_checksum_the_backend_reports_otherwise_carries_checksum_mismatch() {
    let backend = start().await;
    let id = collection(&backend, None).await;
    let dir = source(&backend).await;
    write_pairs(dir.path(), 2);
    let (ctx, _) = context(&backend);
    let result = run_upload(&ctx, params(&dir, id), &Misreported).await.expect("the upload");
    assert_eq!(result.data_units, 1, "{result:#?}");
    let mismatched: Vec<&FailedFile> =
        result.failed_files.iter().filter(|f| f.code == FailureCode::ChecksumMismatch).collect();
    assert_eq!(mismatched.len(), 2, "the file and its group's other file: {result:#?}");
    assert!(mismatched.iter().any(|f| f.reason.contains("differs from the file's")), "{mismatched:?}");
}

/// Refuses every group but the first with a reason of its own, without a code.
#[derive(Clone)]
struct Picky;

impl Uploader for Picky {
    fn validate(&self, group: &FileGroup, _: &DataCollection) -> Result<(), FailedFile> {
        match group.stem.as_str() {
            "img_0000" => Ok(()),
            _ => Err(FailedFile::new(group.files.values().next().cloned().unwrap_or_default(), "not wanted")),
        }
    }
}

#[tokio::test]
async fn a_refusal_without_a_code_carries_unknown_error() {
    let backend = start().await;
    let id = collection(&backend, None).await;
    let dir = source(&backend).await;
    write_pairs(dir.path(), 2);
    let (ctx, memory) = context(&backend);
    let result = run_upload(&ctx, params(&dir, id), &Picky).await.expect("the upload");
    assert_eq!(result.failed_files.len(), 2, "{result:#?}");
    assert!(result.failed_files.iter().all(|f| f.code == FailureCode::UnknownError), "{result:#?}");
    let entries = entry_codes(&memory.events());
    assert_eq!(entries["img_0001.png"], json!("UNKNOWN_ERROR"));
}

#[tokio::test]
async fn each_data_unit_made_is_told_in_an_upload_data_unit_event() {
    let backend = start().await;
    let id = collection(&backend, None).await;
    let dir = source(&backend).await;
    write_pairs(dir.path(), 3);
    let (ctx, memory) = context(&backend);
    let result = run_upload(&ctx, params(&dir, id), &DefaultUploader).await.expect("the upload");
    let events = logs(&memory.events(), "upload_data_unit");
    let ids: Vec<Value> = events.iter().map(|event| event["data_unit_id"].clone()).collect();
    assert_eq!(ids, result.data_unit_ids.iter().map(|id| json!(id)).collect::<Vec<_>>());
    let stems: Vec<Value> = events.iter().map(|event| event["data_unit_meta"]["origin_file_stem"].clone()).collect();
    assert_eq!(stems, [json!("img_0000"), json!("img_0001"), json!("img_0002")]);
    assert!(events.iter().all(|event| event["status"] == "success" && event["created"].is_string()), "{events:?}");
}
