//! How the upload workflow (`synapse::upload::run_upload`) reads its folder, against the dev
//! backend in this process: files outside the specifications' folders and a folder named after no
//! specification (each named, with the nearest name), allowed extensions keyed by no file type,
//! a symbolic link loop reported and not followed, and multi-path mode (a folder per
//! specification).

use std::collections::BTreeMap;
use synapse::events::EventKind;
use synapse::upload::{DefaultUploader, UploadError, UploadParams, run_upload};
use synapse_tests::dev_backend::{start, state};
use synapse_tests::upload::{collection, context, image_bytes, logs, write_pairs};

fn params(dir: &std::path::Path, collection: u64) -> UploadParams {
    UploadParams {
        creating_data_unit_batch_size: 2,
        ..UploadParams::new("pets", dir.display().to_string(), 1, collection)
    }
}

#[tokio::test]
async fn files_outside_the_specification_folders_are_named_in_the_error() {
    let backend = start().await;
    let id = collection(&backend, None).await;
    let dir = tempfile::tempdir().expect("a folder");
    for name in ["bird_1.png", "bird_2.png"] {
        std::fs::write(dir.path().join(name), image_bytes(1)).expect("an image");
    }
    let (ctx, _) = context(&backend);
    let error = run_upload(&ctx, params(dir.path(), id), &DefaultUploader).await.expect_err("no spec folders");
    let Some(UploadError::NoFiles { missing, loose, .. }) = error.step_error() else { panic!("{error:?}") };
    assert_eq!((missing.len(), *loose), (2, 2), "{error}");
    let message = error.to_string();
    assert!(message.contains("image_1/, no ") && message.contains("data_meta_1/"), "{message}");
    assert!(message.contains("2 files lie directly in the folder"), "{message}");
}

#[tokio::test]
async fn a_folder_named_after_no_specification_is_warned_of_with_the_nearest_name() {
    let backend = start().await;
    let id = collection(&backend, None).await;
    let dir = tempfile::tempdir().expect("a folder");
    write_pairs(dir.path(), 2);
    std::fs::rename(dir.path().join("data_meta_1"), dir.path().join("data_meta")).expect("a misnamed folder");
    let (ctx, memory) = context(&backend);
    let result = run_upload(&ctx, params(dir.path(), id), &DefaultUploader).await.expect("the images upload");
    assert_eq!(result.uploaded_files, 2);
    let unmatched = logs(&memory.events(), "folder_unmatched");
    assert_eq!(unmatched.len(), 1, "{unmatched:?}");
    assert!(unmatched[0]["folder"].as_str().is_some_and(|f| f.ends_with("data_meta")), "{unmatched:?}");
    assert_eq!(unmatched[0]["did_you_mean"], "data_meta_1");
}

/// Allowed extensions keyed by a specification's name, not its file type.
#[derive(Clone)]
struct KeyedByName;

impl synapse::upload::Uploader for KeyedByName {
    fn allowed_extensions(&self) -> Option<BTreeMap<String, Vec<String>>> {
        Some(BTreeMap::from([("image_1".to_owned(), vec![".gif".to_owned()])]))
    }
}

#[tokio::test]
async fn allowed_extensions_keyed_by_no_file_type_are_warned_of() {
    let backend = start().await;
    let id = collection(&backend, None).await;
    let dir = tempfile::tempdir().expect("a folder");
    write_pairs(dir.path(), 2);
    let (ctx, memory) = context(&backend);
    let result = run_upload(&ctx, params(dir.path(), id), &KeyedByName).await.expect("the upload");
    assert_eq!(result.data_units, 2, "the entry checks nothing");
    let warned = memory.events().into_iter().any(|event| {
        matches!(&event.kind, EventKind::Message { text, .. } if text.contains("name `image_1`, no file type") && text.contains("(image, data)"))
    });
    assert!(warned, "{:?}", memory.events().iter().map(|e| &e.kind).collect::<Vec<_>>());
}

#[cfg(unix)]
#[tokio::test]
async fn a_symbolic_link_loop_is_reported_and_not_followed() {
    let backend = start().await;
    let id = collection(&backend, None).await;
    let dir = tempfile::tempdir().expect("a folder");
    write_pairs(dir.path(), 2);
    std::fs::create_dir_all(dir.path().join("image_1/nested")).expect("a folder");
    std::os::unix::fs::symlink(dir.path().join("image_1"), dir.path().join("image_1/nested/back")).expect("a loop");
    let (ctx, memory) = context(&backend);

    let result = run_upload(&ctx, params(dir.path(), id), &DefaultUploader).await.expect("the upload");
    assert_eq!(result.data_units, 2);
    assert_eq!(result.skipped_paths.len(), 1, "{:?}", result.skipped_paths);
    assert!(result.skipped_paths[0].path.ends_with("image_1/nested/back"), "{:?}", result.skipped_paths);
    assert!(result.skipped_paths[0].reason.starts_with("symbolic link loop"), "{:?}", result.skipped_paths);
    assert_eq!(logs(&memory.events(), "path_skipped").len(), 1);
}

#[tokio::test]
async fn multi_path_mode_takes_a_folder_per_specification() {
    use synapse::upload::AssetConfig;
    let backend = start().await;
    let id = collection(&backend, None).await;
    let dir = tempfile::tempdir().expect("a folder");
    write_pairs(dir.path(), 2);
    // A nested image that a flat search of `image_1` does not see.
    std::fs::create_dir_all(dir.path().join("image_1/deeper")).expect("a folder");
    std::fs::write(dir.path().join("image_1/deeper/img_0009.png"), b"deep").expect("an image");
    let assets = BTreeMap::from([
        (
            "image_1".to_owned(),
            AssetConfig { path: dir.path().join("image_1").display().to_string(), is_recursive: false },
        ),
        (
            "data_meta_1".to_owned(),
            AssetConfig { path: dir.path().join("data_meta_1").display().to_string(), is_recursive: true },
        ),
    ]);
    let multi =
        UploadParams { use_single_path: false, path: None, assets: Some(assets.clone()), ..params(dir.path(), id) };
    let (ctx, _) = context(&backend);
    let result = run_upload(&ctx, multi.clone(), &DefaultUploader).await.expect("the upload");
    assert_eq!((result.data_units, result.uploaded_files), (2, 4), "{result:#?}");
    let state = state(&backend).await;
    let paths: Vec<&str> = state["data_units"][0]["files"]
        .as_object()
        .map(|files| files.keys().map(String::as_str).collect())
        .unwrap_or_default();
    assert_eq!(paths, ["data_meta_1", "image_1"]);

    let (ctx, _) = context(&backend);
    let mut unknown = assets;
    unknown.insert("lidar_1".to_owned(), AssetConfig { path: "/nowhere".into(), is_recursive: true });
    let error = run_upload(&ctx, UploadParams { assets: Some(unknown), ..multi.clone() }, &DefaultUploader)
        .await
        .expect_err("an unknown specification");
    match error.step_error() {
        Some(UploadError::UnknownAsset { spec, known, .. }) => {
            assert_eq!((spec.as_str(), known.len()), ("lidar_1", 2));
        }
        other => panic!("{other:?}"),
    }
    let (ctx, _) = context(&backend);
    let error =
        run_upload(&ctx, UploadParams { assets: None, ..multi }, &DefaultUploader).await.expect_err("no assets");
    assert!(
        matches!(error.step_error(), Some(UploadError::NoPath { reason }) if reason.contains("`assets`")),
        "{error}"
    );
}
