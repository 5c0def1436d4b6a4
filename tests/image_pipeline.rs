//! The image pipeline example on real files: success, a failure injected in every step (the
//! output folder is left exactly as it was found), and cancellation mid-run.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use synapse::LocalExecutor;
use synapse::events::sink::MemorySink;
use synapse::executor::RunOptions;
use synapse::{CancellationToken, EventKind, RunError};
use synapse_tests::{assert_well_formed, events, run};

use image_pipeline as _;

const PLUGIN: &str = env!("CARGO_BIN_EXE_image-pipeline-plugin");
const STEPS: [&str; 3] = ["discover_images", "resize_images", "generate_report"];

fn samples() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/image_pipeline/samples").to_string_lossy().into_owned()
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect(),
        Err(_) => return vec!["<missing>".into()],
    };
    names.sort();
    names
}

fn params(output: &Path, fail_at: Option<&str>) -> String {
    json!({"input_dir": samples(), "output_dir": output, "resize_width": 64, "fail_at": fail_at}).to_string()
}

#[test]
fn resizes_every_sample_and_writes_a_report() {
    let temp = tempfile::tempdir().expect("temp dir");
    let output = temp.path().join("out");
    let ran = run(PLUGIN, &["run", "process_images", "--params", &params(&output, None)]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let result: Value = serde_json::from_str(&ran.stdout).expect("JSON result");
    assert_eq!(result["images"], 3);
    assert_eq!(listing(&output), ["forest.png", "harbor.jpg", "report.json", "sunrise.png"]);
    let widths: Vec<u64> =
        result["resized"].as_array().into_iter().flatten().filter_map(|r| r["width"].as_u64()).collect();
    assert_eq!(widths, [64, 64, 64]);
    // harbor.jpg is 400×260: the height keeps the aspect ratio.
    assert_eq!(result["resized"][1]["height"], 41);
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(output.join("report.json")).expect("report")).expect("JSON");
    assert_eq!(report["images"].as_array().map(Vec::len), Some(3));
}

#[test]
fn a_failure_in_any_step_leaves_the_output_folder_as_it_was() {
    for (k, step) in STEPS.iter().enumerate() {
        for preexisting in [false, true] {
            let temp = tempfile::tempdir().expect("temp dir");
            let output = temp.path().join("nested/out");
            if preexisting {
                std::fs::create_dir_all(&output).expect("create");
                std::fs::write(output.join("keep.txt"), "mine").expect("write");
            }
            let before = listing(temp.path());
            let ran = run(PLUGIN, &["run", "process_images", "--json", "--params", &params(&output, Some(step))]);
            let what = format!("fail_at = {step}, output folder existed: {preexisting}");
            assert_eq!(ran.code, Some(1), "{what}: {}", ran.stdout);
            assert_eq!(listing(temp.path()), before, "{what}");
            if preexisting {
                assert_eq!(listing(&output), ["keep.txt"], "{what}");
            }
            let events = events(&ran.stdout);
            assert_well_formed(&events);
            let Some(EventKind::Error { error }) = events.last().map(|e| &e.kind) else { panic!("{what}: no error") };
            assert_eq!(error.step.as_deref(), Some(*step), "{what}");
            let rolled_back: Vec<&str> = error.rollbacks.iter().map(|r| r.step.as_str()).collect();
            let expected: Vec<&str> = STEPS[..=k].iter().rev().copied().collect();
            assert_eq!(rolled_back, expected, "{what}");
            assert!(error.rollbacks.iter().all(|r| r.error.is_none()), "{what}");
            assert!(
                error.message.contains(&format!("step `{step}` failed: failing on purpose")),
                "{what}: {}",
                error.message
            );
        }
    }
}

#[test]
fn the_failure_message_names_the_step_and_each_rollback() {
    let temp = tempfile::tempdir().expect("temp dir");
    let ran =
        run(PLUGIN, &["run", "process_images", "--params", &params(&temp.path().join("o"), Some("resize_images"))]);
    assert_eq!(ran.code, Some(1));
    assert!(
        ran.stderr.contains(
            "✖ action `process_images` failed: step `resize_images` failed: failing on purpose (fail_at = resize_images); \
             resize_images rolled back, discover_images rolled back"
        ),
        "{}",
        ran.stderr
    );
}

/// Writes `count` test images of `size`×`size` pixels.
fn many_images(dir: &Path, count: usize, size: u32) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).expect("create");
    (0..count)
        .map(|i| {
            let path = dir.join(format!("img{i:03}.png"));
            let pixels: Vec<u8> = (0..size * size * 3).map(|p| (p as usize * (i + 7) % 251) as u8).collect();
            let mut bytes = Vec::new();
            write_png(&mut bytes, size, &pixels);
            std::fs::write(&path, bytes).expect("write image");
            path
        })
        .collect()
}

/// A minimal uncompressed-deflate PNG writer, so the test needs no image crate of its own.
fn write_png(out: &mut Vec<u8>, size: u32, rgb: &[u8]) {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend(kind);
        out.extend(data);
        out.extend(crc32(&out[start..]).to_be_bytes());
    }
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
    let mut raw = Vec::new();
    for row in rgb.chunks(size as usize * 3) {
        raw.push(0);
        raw.extend(row);
    }
    let mut zlib = vec![0x78, 0x01];
    for (i, block) in raw.chunks(65_535).enumerate() {
        let last = (i + 1) * 65_535 >= raw.len();
        zlib.push(u8::from(last));
        zlib.extend((block.len() as u16).to_le_bytes());
        zlib.extend((!(block.len() as u16)).to_le_bytes());
        zlib.extend(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    zlib.extend(((b << 16) | a).to_be_bytes());
    out.extend([0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]);
    let mut header = Vec::new();
    header.extend(size.to_be_bytes());
    header.extend(size.to_be_bytes());
    header.extend([8, 2, 0, 0, 0]);
    chunk(out, b"IHDR", &header);
    chunk(out, b"IDAT", &zlib);
    chunk(out, b"IEND", &[]);
}

#[test]
fn cancelling_mid_resize_rolls_everything_back() {
    let temp = tempfile::tempdir().expect("temp dir");
    let input = temp.path().join("in");
    many_images(&input, 40, 256);
    let output = temp.path().join("out");
    let memory = Arc::new(MemorySink::new());
    let token = CancellationToken::new();
    let executor = LocalExecutor::from_options(RunOptions::default().sink(memory.clone()).cancel(token.clone()));
    let params = json!({"input_dir": input, "output_dir": output, "resize_width": 32});
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let error = rt.block_on(async {
        let run = tokio::spawn(async move { executor.execute("process_images", params).await });
        // Cancel once a few images are resized.
        loop {
            let resized = memory.events().iter().any(|e| {
                matches!(&e.kind, EventKind::Progress { category: Some(c), current, .. } if c == "resize_images" && *current >= 3)
            });
            if resized {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        token.cancel();
        run.await.expect("join").expect_err("cancelled")
    });
    assert_eq!(error.exit_code(), 130, "{error}");
    let RunError::Cancelled { detail: Some(detail), .. } = &error else { panic!("{error}") };
    let workflow = detail.downcast_ref::<synapse::steps::WorkflowError>().expect("the workflow error is kept");
    assert_eq!(workflow.step, "resize_images");
    assert_eq!(workflow.kind, synapse::steps::FailureKind::Cancelled);
    assert!(workflow.fully_rolled_back());
    assert_eq!(listing(&output), ["<missing>"], "the output folder this run created is gone");
    let report = error.report();
    assert_eq!(report.step.as_deref(), Some("resize_images"));
    assert_eq!(report.rollbacks.len(), 2);
}

#[test]
fn ctrl_c_mid_workflow_rolls_back_and_exits_130() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};

    let temp = tempfile::tempdir().expect("temp dir");
    let input = temp.path().join("in");
    many_images(&input, 60, 256);
    let output = temp.path().join("out");
    let params = json!({"input_dir": input, "output_dir": output, "resize_width": 32}).to_string();
    let mut child = Command::new(PLUGIN)
        .args(["run", "process_images", "--json", "--params", &params])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the plugin");
    let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        assert!(reader.read_line(&mut line).expect("read") > 0, "ended before resizing: {seen}");
        let resizing = line.contains(r#""category":"resize_images","current":2"#);
        seen.push_str(&line);
        if resizing {
            break;
        }
    }
    let kill = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill");
    assert!(kill.success());
    reader.read_to_string(&mut seen).expect("read the rest");
    assert_eq!(child.wait().expect("wait").code(), Some(130));
    let events = events(&seen);
    assert_well_formed(&events);
    let Some(EventKind::Error { error }) = events.last().map(|e| &e.kind) else { panic!("no error event") };
    assert_eq!(error.kind, synapse::executor::ErrorKind::Cancelled);
    assert_eq!(error.step.as_deref(), Some("resize_images"));
    let rolled_back: Vec<&str> = error.rollbacks.iter().map(|r| r.step.as_str()).collect();
    assert_eq!(rolled_back, ["resize_images", "discover_images"]);
    assert_eq!(listing(&output), ["<missing>"]);
}
