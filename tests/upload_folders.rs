//! How the upload workflow (`synapse::upload::run_upload`) reads its folder, against the dev
//! backend in this process: files outside the specifications' folders and a folder named after no
//! specification (each named, with the nearest name), allowed extensions keyed by no file type,
//! a symbolic link loop reported and not followed, multi-path mode (a folder per
//! specification), and `path` read inside the storage as the SDK reads it.

use std::collections::BTreeMap;
use synapse::events::EventKind;
use synapse::upload::{DefaultUploader, UploadError, UploadParams, run_upload};
use synapse_tests::dev_backend::{start, state};
use synapse_tests::upload::{Source, collection, context, image_bytes, logs, source, write_pairs};

fn params(dir: &Source, collection: u64) -> UploadParams {
    UploadParams { creating_data_unit_batch_size: 2, ..UploadParams::new("pets", dir.param(), 1, collection) }
}

#[tokio::test]
async fn files_outside_the_specification_folders_are_named_in_the_error() {
    let backend = start().await;
    let id = collection(&backend, None).await;
    let dir = source(&backend).await;
    for name in ["bird_1.png", "bird_2.png"] {
        std::fs::write(dir.path().join(name), image_bytes(1)).expect("an image");
    }
    let (ctx, _) = context(&backend);
    let error = run_upload(&ctx, params(&dir, id), &DefaultUploader).await.expect_err("no spec folders");
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
    let dir = source(&backend).await;
    write_pairs(dir.path(), 2);
    std::fs::rename(dir.path().join("data_meta_1"), dir.path().join("data_meta")).expect("a misnamed folder");
    let (ctx, memory) = context(&backend);
    let result = run_upload(&ctx, params(&dir, id), &DefaultUploader).await.expect("the images upload");
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
    let dir = source(&backend).await;
    write_pairs(dir.path(), 2);
    let (ctx, memory) = context(&backend);
    let result = run_upload(&ctx, params(&dir, id), &KeyedByName).await.expect("the upload");
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
    let dir = source(&backend).await;
    write_pairs(dir.path(), 2);
    std::fs::create_dir_all(dir.path().join("image_1/nested")).expect("a folder");
    std::os::unix::fs::symlink(dir.path().join("image_1"), dir.path().join("image_1/nested/back")).expect("a loop");
    let (ctx, memory) = context(&backend);

    let result = run_upload(&ctx, params(&dir, id), &DefaultUploader).await.expect("the upload");
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
    let dir = source(&backend).await;
    write_pairs(dir.path(), 2);
    // A nested image that a flat search of `image_1` does not see.
    std::fs::create_dir_all(dir.path().join("image_1/deeper")).expect("a folder");
    std::fs::write(dir.path().join("image_1/deeper/img_0009.png"), b"deep").expect("an image");
    let assets = BTreeMap::from([
        ("image_1".to_owned(), AssetConfig { path: dir.key(&dir.path().join("image_1")), is_recursive: false }),
        ("data_meta_1".to_owned(), AssetConfig { path: dir.key(&dir.path().join("data_meta_1")), is_recursive: true }),
    ]);
    let multi = UploadParams { use_single_path: false, path: None, assets: Some(assets.clone()), ..params(&dir, id) };
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

#[tokio::test]
async fn path_is_read_inside_the_file_system_storage_as_the_sdk_reads_it() {
    let backend = start().await;
    let id = collection(&backend, None).await;
    let dir = source(&backend).await;
    write_pairs(dir.path(), 2);
    let sheets = source(&backend).await;
    std::fs::write(sheets.path().join("colours.csv"), "file,colour\nimg_0001.png,red\n").expect("a CSV");
    let (ctx, _) = context(&backend);
    // A leading `/` is the storage's root, not this machine's; a metadata file named from the
    // storage's root is found there.
    let rooted = UploadParams {
        path: Some(format!("/{}/", dir.param())),
        excel_metadata_path: Some(format!("{}/colours.csv", sheets.param())),
        ..params(&dir, id)
    };
    let result = run_upload(&ctx, rooted, &DefaultUploader).await.expect("the upload");
    assert_eq!(result.data_units, 2, "{result:#?}");
    let units = state(&backend).await["data_units"].clone();
    assert!(units.as_array().expect("units").iter().any(|unit| unit["meta"]["colour"] == "red"), "{units}");

    for escape in ["../outside", "a/../../b"] {
        let (ctx, _) = context(&backend);
        let outside = UploadParams { path: Some(escape.to_owned()), ..params(&dir, id) };
        let error = run_upload(&ctx, outside, &DefaultUploader).await.expect_err("outside the storage");
        let Some(UploadError::Folder { reason, .. }) = error.step_error() else { panic!("{error:?}") };
        assert!(reason.contains("would leave it: give the folder relative to the storage's root"), "{error}");
    }
    // The machine's own absolute path is not where the storage's `path` points.
    let (ctx, _) = context(&backend);
    let absolute = UploadParams { path: Some(dir.path().display().to_string()), ..params(&dir, id) };
    let error = run_upload(&ctx, absolute, &DefaultUploader).await.expect_err("inside the storage, it does not exist");
    let Some(UploadError::Folder { path, reason }) = error.step_error() else { panic!("{error:?}") };
    assert_eq!(reason, "does not exist");
    assert!(path.ends_with(dir.path().strip_prefix("/").expect("an absolute path")), "{}", path.display());
}
