//! The `upload_files` step over more than one batch of 1,000 contents: each batch is verified
//! and sent while the next is read, and the outcome is that of one pass (duplicates across
//! batches, a refused file in a later batch, every unit made and told).

use serde_json::json;
use synapse::upload::{DefaultUploader, FailureCode, UploadParams, run_upload};
use synapse_tests::dev_backend::{fault, start, state};
use synapse_tests::upload::{collection, context, image_bytes, logs, source, write_pairs};

#[tokio::test]
async fn two_batches_are_verified_and_sent_as_one_upload() {
    let backend = start().await;
    let id = collection(&backend, None).await;
    let dir = source(&backend).await;
    write_pairs(dir.path(), 600);
    // Sorts last: its group is read in the second batch and repeats a content of the first.
    std::fs::write(dir.path().join("image_1/zz_copy.png"), image_bytes(0)).expect("a copy");
    // A file of the second batch is refused.
    fault(&backend, json!({"method": "POST", "path_glob": "/data_files/", "nth": 1100, "status": 400})).await;
    let (ctx, memory) = context(&backend);
    let params = UploadParams::new("pets", dir.param(), 1, id);
    let result = run_upload(&ctx, params, &DefaultUploader).await.expect("the upload");

    assert_eq!((result.data_units, result.duplicates), (599, 1), "{:#?}", result.failed_files);
    let duplicate: Vec<_> = result.failed_files.iter().filter(|f| f.code == FailureCode::DuplicateFile).collect();
    assert!(duplicate.len() == 1 && duplicate[0].path.ends_with("zz_copy.png"), "{duplicate:?}");
    let refused: Vec<_> = result.failed_files.iter().filter(|f| f.code == FailureCode::UploadFailed).collect();
    assert_eq!(refused.len(), 2, "the refused file and its group's other file: {refused:?}");
    assert_eq!(result.failed_files.len(), 3, "{:#?}", result.failed_files);
    // The refused file's partner was uploaded, then deleted as unused.
    assert_eq!(result.uploaded_files, 1198);
    let state = state(&backend).await;
    assert_eq!(state["requests"]["POST /data_files/verify_checksums/"], 2, "{}", state["requests"]);
    assert_eq!(state["data_files"].as_array().map(Vec::len), Some(1198));
    assert_eq!(state["data_units"].as_array().map(Vec::len), Some(599));
    let events = memory.events();
    assert_eq!(logs(&events, "upload_data_unit").len(), 599);
    let checksums = events.iter().rev().find_map(|event| match &event.kind {
        synapse::events::EventKind::Progress { category: Some(name), current, total } if name == "checksums" => {
            Some((*current, *total))
        }
        _ => None,
    });
    assert_eq!(checksums, Some((1201, 1201)), "every file read once");
}
