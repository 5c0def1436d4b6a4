//! DM v2 → YOLO and → COCO over a generated 10,000-image DM v2 dataset on disk: images/s with
//! synapse's converters (`synapse::formats`) and with the Python SDK's
//! (`bench/peer/convert_dataset.py`) on the same files, and their ratio.
//!
//! ```text
//! cargo build --release -p synapse-bench --bin convert_figures
//! target/release/convert_figures [--images 10000] [--rounds 3] [--dir /dev/shm]
//!     [--python /path/to/sdk/venv/bin/python]
//! ```
//!
//! The dataset is laid out as dataset download writes it (`<split>/json/<stem>.json`,
//! `<split>/original_files/<stem>.png`; 80 % train, 10 % valid, 10 % test), every image a real
//! PNG of one of four sizes, 1–6 boxes of 5 classes each, all inside their image (the SDK
//! refuses boxes that are not). It and every output are in `--dir` (default `/dev/shm` when it
//! exists: on a disk, creating each small output file costs more than converting it, on both
//! sides). Two figures per target:
//!
//! - **annotations, sizes known**: the JSON documents read, converted and written (YOLO label
//!   files and `dataset.yaml`; COCO `instances_<split>.json`), the image sizes given
//!   (`sizes.json`), no image opened or copied;
//! - **whole directory**: the converter registry's `dm_v2 → yolo|coco` (sizes from the image
//!   headers, every image copied), against the SDK's `FromDMToYOLOConverter` as it is
//!   (`convert` + `save_to_folder`, per split) and `FromDMToCOCOConverter.convert_item` merged
//!   per split (images opened with PIL and copied).
//!
//! synapse's figure is the median of `--rounds` runs; the Python side runs once. Each run starts
//! after `sync`. YOLO label files of both sides are compared byte for byte.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use synapse::formats::dm::v2::{DmV2Document, DmV2Item};
use synapse::formats::{ConvertOptions, Split, coco, converter_for, dm, yolo};

const CLASSES: [&str; 5] = ["bicycle", "car", "dog", "person", "truck"];
const SIZES: [(u32, u32); 4] = [(640, 480), (800, 600), (1280, 720), (320, 240)];

fn fail(what: &str, error: impl std::fmt::Display) -> ! {
    eprintln!("error: {what}: {error}");
    std::process::exit(1);
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|at| args.get(at + 1).cloned())
}

/// A small deterministic generator (xorshift64).
struct Rng(u64);

impl Rng {
    fn next(&mut self, below: u32) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % u64::from(below)) as u32
    }
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = std::io::Cursor::new(Vec::new());
    image::RgbImage::new(width, height)
        .write_to(&mut bytes, image::ImageFormat::Png)
        .unwrap_or_else(|e| fail("encoding a PNG", e));
    bytes.into_inner()
}

/// Writes `count` DM v2 items under `root` and `root/../sizes.json`; returns the number of boxes
/// and the image sizes by `<split>/<stem>`.
fn generate(root: &Path, count: usize) -> (usize, BTreeMap<String, (u32, u32)>) {
    let mut sizes = BTreeMap::new();
    let templates: Vec<Vec<u8>> = SIZES.iter().map(|&(w, h)| png(w, h)).collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut boxes = 0;
    for split in ["train", "valid", "test"] {
        for sub in ["json", "original_files"] {
            std::fs::create_dir_all(root.join(split).join(sub)).unwrap_or_else(|e| fail("creating the dataset", e));
        }
    }
    for index in 0..count {
        let split = match index % 10 {
            8 => "valid",
            9 => "test",
            _ => "train",
        };
        let (width, height) = SIZES[index % SIZES.len()];
        let stem = format!("img_{index:06}");
        sizes.insert(format!("{split}/{stem}"), (width, height));
        let dir = root.join(split);
        std::fs::write(dir.join("original_files").join(format!("{stem}.png")), &templates[index % SIZES.len()])
            .unwrap_or_else(|e| fail("writing an image", e));
        let n = 1 + rng.next(6) as usize;
        let mut used = std::collections::BTreeSet::new();
        let entries: Vec<serde_json::Value> = (0..n)
            .map(|b| {
                let (w, h) = (8 + rng.next(width / 3), 8 + rng.next(height / 3));
                let (x, y) = (rng.next(width - w), rng.next(height - h));
                let class = CLASSES[rng.next(CLASSES.len() as u32) as usize];
                used.insert(class);
                serde_json::json!({"id": format!("b{index:06}{b:03}"), "classification": class, "attrs": [], "data": [x, y, w, h]})
            })
            .collect();
        boxes += n;
        let document =
            serde_json::json!({"classification": {"bounding_box": used}, "images": [{"bounding_box": entries}]});
        std::fs::write(dir.join("json").join(format!("{stem}.json")), document.to_string())
            .unwrap_or_else(|e| fail("writing a document", e));
    }
    let table: BTreeMap<&String, [u32; 2]> = sizes.iter().map(|(k, &(w, h))| (k, [w, h])).collect();
    let text = serde_json::to_string(&table).unwrap_or_else(|e| fail("sizes.json", e));
    std::fs::write(root.with_file_name("sizes.json"), text).unwrap_or_else(|e| fail("writing sizes.json", e));
    (boxes, sizes)
}

/// Flushes the file system's dirty pages (the previous step's writes), so that one conversion's
/// writes are not slowed by the writeback of what ran before it.
fn settle() {
    Command::new("sync").status().unwrap_or_else(|e| fail("running sync", e));
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn ours(target: &str, root: &Path, work: &Path, rounds: usize) -> (f64, usize) {
    let converter = converter_for("dm_v2", target).unwrap_or_else(|e| fail("the converter", e));
    let mut times = Vec::new();
    let mut written = 0;
    for round in 0..rounds {
        let out = work.join(format!("ours_{target}_{round}"));
        settle();
        let start = Instant::now();
        let report =
            converter.convert(root, &out, &ConvertOptions::default()).unwrap_or_else(|e| fail("converting", e));
        times.push(start.elapsed().as_secs_f64());
        written = report.boxes_written;
        if round + 1 < rounds {
            let _ = std::fs::remove_dir_all(&out);
        }
    }
    (median(times), written)
}

/// The annotations alone, sizes known: documents read and converted, labels or instances written.
fn ours_annotations(
    target: &str,
    root: &Path,
    sizes: &BTreeMap<String, (u32, u32)>,
    work: &Path,
    rounds: usize,
) -> (f64, usize) {
    let mut times = Vec::new();
    let mut written = 0;
    for round in 0..rounds {
        let out = work.join(format!("ours_{target}-annotations_{round}"));
        settle();
        let start = Instant::now();
        let mut items = Vec::new();
        for split in Split::ALL {
            let dir = root.join(split.dm_name()).join("json");
            let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
                .unwrap_or_else(|e| fail("listing documents", e))
                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                .collect();
            files.sort();
            for path in files {
                let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
                let text = std::fs::read_to_string(&path).unwrap_or_else(|e| fail("reading a document", e));
                let document: DmV2Document = serde_json::from_str(&text).unwrap_or_else(|e| fail("a document", e));
                let (width, height) = sizes[&format!("{split}/{stem}")];
                items.push(DmV2Item { file_name: format!("{stem}.png"), width, height, split: Some(split), document });
            }
        }
        let dataset = dm::v2::to_dataset(&items);
        let options = ConvertOptions::default();
        let report = if target == "yolo" {
            let (labels, report) = yolo::from_dataset(&dataset, &options);
            yolo::write_dir(&labels, &out).unwrap_or_else(|e| fail("writing YOLO", e));
            report
        } else {
            coco::write_dir(&dataset, &options, &coco::CocoInfo::now(), &out)
                .unwrap_or_else(|e| fail("writing COCO", e))
        };
        times.push(start.elapsed().as_secs_f64());
        written = report.boxes_written;
        if round + 1 < rounds {
            let _ = std::fs::remove_dir_all(&out);
        }
    }
    (median(times), written)
}

fn peer(python: &str, target: &str, root: &Path, work: &Path) -> (f64, usize) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("peer/convert_dataset.py");
    let out = work.join(format!("peer_{target}"));
    settle();
    let output = Command::new(python)
        .arg(&script)
        .arg(target)
        .arg(root)
        .arg(&out)
        .arg(root.with_file_name("sizes.json"))
        .output()
        .unwrap_or_else(|e| fail(&format!("running {python}"), e));
    if !output.status.success() {
        fail(&format!("{} {target}", script.display()), String::from_utf8_lossy(&output.stderr));
    }
    let line: serde_json::Value =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| fail("reading the peer's result", e));
    (line["seconds"].as_f64().unwrap_or(f64::NAN), line["boxes"].as_u64().unwrap_or(0) as usize)
}

fn main() {
    let images: usize = arg("--images").and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let rounds: usize = arg("--rounds").and_then(|v| v.parse().ok()).unwrap_or(3).max(1);
    let python = arg("--python").unwrap_or_else(|| "python3".to_owned());
    let base = arg("--dir").map(PathBuf::from).unwrap_or_else(|| {
        let shm = PathBuf::from("/dev/shm");
        if shm.is_dir() { shm } else { std::env::temp_dir() }
    });
    let work = tempfile::tempdir_in(&base).unwrap_or_else(|e| fail("a temporary directory", e));
    let root: PathBuf = work.path().join("dm");

    let start = Instant::now();
    let (boxes, sizes) = generate(&root, images);
    println!(
        "dataset: {images} images, {boxes} boxes, in {}, generated in {:.2} s",
        base.display(),
        start.elapsed().as_secs_f64()
    );

    println!("\n| conversion | synapse | Python SDK | ratio |");
    println!("|---|---|---|---|");
    for (target, whole) in [("yolo", false), ("coco", false), ("yolo", true), ("coco", true)] {
        let ((ours_s, ours_boxes), mode) = if whole {
            (ours(target, &root, work.path(), rounds), target.to_owned())
        } else {
            (ours_annotations(target, &root, &sizes, work.path(), rounds), format!("{target}-annotations"))
        };
        let (peer_s, peer_boxes) = peer(&python, &mode, &root, work.path());
        if ours_boxes != boxes || peer_boxes != boxes {
            fail(&mode, format!("boxes written: synapse {ours_boxes}, Python {peer_boxes}, dataset {boxes}"));
        }
        let what = if whole { "whole directory" } else { "annotations, sizes known" };
        println!(
            "| DM v2 → {target}, {what} | {:.0} images/s ({:.3} s) | {:.0} images/s ({:.2} s) | {:.1}× |",
            images as f64 / ours_s,
            ours_s,
            images as f64 / peer_s,
            peer_s,
            peer_s / ours_s
        );
    }

    // The same labels on both sides (class ids over the sorted names, 6 decimals).
    let mut compared = 0;
    for index in (0..images).filter(|i| i % 10 < 8).take(200) {
        let stem = format!("img_{index:06}");
        let last = rounds - 1;
        for (mine, theirs) in [
            (format!("ours_yolo_{last}/labels/train/{stem}.txt"), format!("peer_yolo/train/detect/labels/{stem}.txt")),
            (
                format!("ours_yolo-annotations_{last}/labels/train/{stem}.txt"),
                format!("peer_yolo-annotations/labels/train/{stem}.txt"),
            ),
        ] {
            match (std::fs::read_to_string(work.path().join(&mine)), std::fs::read_to_string(work.path().join(&theirs)))
            {
                (Ok(a), Ok(b)) if a == b => compared += 1,
                (a, b) => fail("YOLO labels differ", format!("{mine}: {a:?}, {theirs}: {b:?}")),
            }
        }
    }
    println!("\n{compared} YOLO label files compared: identical on both sides");
}
