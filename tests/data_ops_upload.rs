//! The data_ops example's upload actions from the plugin's command line against the dev
//! backend: `upload` run locally and in a child process (`--mode process`), and
//! `upload_strict`, whose own uploader leaves out an extension and a unit without metadata.

use serde_json::json;
use std::path::Path;
use synapse_tests::dev_backend::{run_plugin, start, state};
use synapse_tests::upload::{Source, collection, source, write_pairs};

const DATA_OPS: &str = env!("CARGO_BIN_EXE_data-ops-plugin");
const NO_ENV: &[(&str, &str)] = &[];

fn params(dir: &Source, collection: u64) -> String {
    json!({"name": "pets", "path": dir.param(), "storage": 1, "data_collection": collection, "creating_data_unit_batch_size": 2})
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_runs_locally_and_in_a_child_process() {
    let backend = start().await;
    let id = collection(&backend, None).await;
    for (round, mode) in ["local", "process"].into_iter().enumerate() {
        let dir = source(&backend).await;
        write_pairs(dir.path(), 3);
        std::fs::write(dir.path().join("image_1/img_0000.png"), format!("round {round}")).expect("an image");
        let (result, stderr) =
            run_plugin(DATA_OPS, &backend, &["run", "upload", "--mode", mode, "--params", &params(&dir, id)], NO_ENV)
                .await;
        assert_eq!(result["success"], true, "{mode}: {result} {stderr}");
        // The second round's content is on the backend already but for its first image.
        let (uploaded, present) = [(6, 0), (1, 5)][round];
        assert_eq!(
            (result["uploaded_files"].clone(), result["already_on_backend"].clone(), result["data_units"].clone()),
            (json!(uploaded), json!(present), json!(3)),
            "{mode}: {result}"
        );
        assert_eq!(result["failed_files"], json!([]), "{mode}");
    }
    let state = state(&backend).await;
    assert_eq!(state["data_units"].as_array().map(Vec::len), Some(6));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_strict_leaves_out_what_its_uploader_refuses() {
    let backend = start().await;
    let id = collection(&backend, None).await;
    let dir = source(&backend).await;
    write_pairs(dir.path(), 2);
    std::fs::write(dir.path().join("image_1/scan.bmp"), b"BM").expect("a bitmap");
    std::fs::write(dir.path().join("meta.csv"), "file,label\nimg_0000.png,cat\nscan.bmp,scan\n").expect("metadata");
    let (result, _) =
        run_plugin(DATA_OPS, &backend, &["run", "upload_strict", "--params", &params(&dir, id)], NO_ENV).await;
    assert_eq!(result["data_units"], 1, "{result}");
    let reasons: Vec<(String, String)> = result["failed_files"]
        .as_array()
        .expect("failed files")
        .iter()
        .map(|failed| {
            let name = Path::new(failed["path"].as_str().unwrap_or_default()).file_name().unwrap_or_default();
            (name.to_string_lossy().into_owned(), failed["reason"].as_str().unwrap_or_default().to_owned())
        })
        .collect();
    assert!(
        reasons.contains(&(
            "scan.bmp".to_owned(),
            "extension `.bmp` is not allowed for `image_1` (image): this uploader takes .png, .jpg, .jpeg".to_owned()
        )),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&("img_0001.json".to_owned(), "group `img_0001` has no row in the metadata file".to_owned())),
        "{reasons:?}"
    );
}
