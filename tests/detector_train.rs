//! The detector example's model on a dataset the dev backend seeds: downloaded
//! (`synapse::dataset`), converted to YOLO, its boxes read and fitted fold by fold; the valid
//! split scored against the seeded labels, the model saved, loaded and predicting the same, the
//! validation grid a PNG of its stated size. Then noisy images, and each bad input: an image gone
//! or corrupt, a dataset without train boxes.

use detector::visualize::{self, TILE};
use detector::{BoxSet, Classifier, DetectorError, FoldReport, TrainConfig};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use synapse::backend::Split as BackendSplit;
use synapse::dataset::{self, DownloadRequest, NoProgress};
use synapse::formats::{ConvertOptions, Split, converter_for, yolo};
use synapse_dev_backend::RunningDevBackend;
use synapse_tests::dev_backend::{self, dev, quick, start as backend};

const CLASSES: [&str; 3] = ["car", "person", "tree"];

/// The dev backend's largest palette: red, green, blue, yellow, orange, purple, cyan, magenta
/// (red, orange and magenta close to each other).
const EIGHT: [&str; 8] = ["a", "b", "c", "d", "e", "f", "g", "h"];

/// What to seed: `train` + `validation` images, `side`×`side` pixels, of `classes`.
struct Seed<'a> {
    seed: u64,
    classes: &'a [&'a str],
    side: u32,
    train: u64,
    validation: u64,
}

/// [`Seed`] with [`CLASSES`] in 64×64 images.
fn three(seed: u64, train: u64, validation: u64) -> Seed<'static> {
    Seed { seed, classes: &CLASSES, side: 64, train, validation }
}

/// Seeds `what`, downloads the splits it has into `dir/dm`, converts them to YOLO in
/// `dir/yolo`; the seed's answer and the `dataset.yaml`.
async fn yolo_dataset(backend: &RunningDevBackend, dir: &Path, what: Seed<'_>) -> (Value, PathBuf) {
    let Seed { seed, classes, side, train, validation } = what;
    let mut splits = serde_json::Map::new();
    let mut wanted = Vec::new();
    for (name, count, split) in
        [("train", train, BackendSplit::Train), ("validation", validation, BackendSplit::Validation)]
    {
        if count > 0 {
            splits.insert(name.into(), count.into());
            wanted.push(split);
        }
    }
    let body = json!({"seed": seed, "classes": classes, "splits": splits, "width": side, "height": side});
    let seeded = dev(backend, reqwest::Method::POST, "_dev/seed/gt_dataset", Some(body)).await;
    let version = seeded["ground_truth_dataset_version"].as_u64().expect("a version");
    let client = dev_backend::client_of(backend.url(), quick(3, 5, 20));
    let request = DownloadRequest::new(version).splits(wanted).output_dir(dir.join("dm"));
    let downloaded = dataset::download(&client, &request, &NoProgress).await.expect("downloaded");
    assert!(downloaded.skipped.is_empty(), "{:?}", downloaded.skipped);
    let converter = converter_for("dm_v2", "yolo").expect("the DM v2 → YOLO converter");
    converter.convert(&downloaded.path, &dir.join("yolo"), &ConvertOptions::default()).expect("converted");
    (seeded, dir.join("yolo").join("dataset.yaml"))
}

/// The seeded boxes of `category` (`train`, `validation`), as (class index, width, height).
fn seeded_boxes(seeded: &Value, category: &str) -> Vec<(usize, u64, u64)> {
    let mut boxes: Vec<_> = seeded["boxes"]
        .as_array()
        .expect("boxes")
        .iter()
        .filter(|b| b["category"] == category)
        .map(|b| {
            let class = CLASSES.iter().position(|c| b["class"] == *c).expect("a seeded class");
            (class, b["width"].as_u64().expect("width"), b["height"].as_u64().expect("height"))
        })
        .collect();
    boxes.sort_unstable();
    boxes
}

fn described(set: &BoxSet, split: Split) -> Vec<(usize, u64, u64)> {
    let mut boxes: Vec<_> = set
        .split(split)
        .iter()
        .map(|s| {
            (
                CLASSES.iter().position(|c| *c == set.names[s.class]).expect("a class"),
                u64::from(s.rect.width),
                u64::from(s.rect.height),
            )
        })
        .collect();
    boxes.sort_unstable();
    boxes
}

#[tokio::test]
async fn a_forest_fitted_on_the_train_split_classifies_the_valid_boxes_and_survives_a_round_trip() {
    let backend = backend().await;
    let dir = tempfile::tempdir().expect("a directory");
    let (seeded, yaml) = yolo_dataset(&backend, dir.path(), three(11, 120, 40)).await;
    let set = BoxSet::read_yolo(&yaml).expect("the YOLO dataset's boxes");
    assert_eq!(set.names, CLASSES, "classes sorted by name, as the converter numbers them");
    // Every seeded box is a sample of its split, at its seeded size (the labels' rounding undone).
    assert_eq!(described(&set, Split::Train), seeded_boxes(&seeded, "train"));
    assert_eq!(described(&set, Split::Valid), seeded_boxes(&seeded, "validation"));
    let (train, valid) = (set.split(Split::Train).len(), set.split(Split::Valid).len());

    let config = TrainConfig { folds: 4, trees: 30, ..TrainConfig::default() };
    let mut reported: Vec<FoldReport> = Vec::new();
    let trained = detector::fit(&set, &config, |fold| reported.push(fold.clone())).expect("fitted");
    assert_eq!(reported, trained.folds, "each fold reported as it is scored");
    assert_eq!(reported.iter().map(|f| (f.fold, f.folds)).collect::<Vec<_>>(), [(1, 4), (2, 4), (3, 4), (4, 4)]);
    assert_eq!(reported.iter().map(|f| f.held_out.samples).sum::<usize>(), train, "the folds partition train");
    for fold in &reported {
        assert_eq!(fold.train.samples + fold.held_out.samples, train);
        assert!(fold.held_out.accuracy >= 0.95, "fold {}: {:?}", fold.fold, fold.held_out);
    }
    assert_eq!(trained.train.samples, train);
    let scores = trained.valid.clone().expect("a valid split");
    assert_eq!(scores.samples, valid);
    assert!(scores.accuracy >= 0.95, "{scores:?}");
    assert_eq!(scores.confusion.iter().flatten().sum::<usize>(), valid);
    for class in &scores.classes {
        assert!(class.support > 0 && class.recall >= 0.9 && class.precision >= 0.9, "{class:?}");
    }

    // Saved, loaded: the same predictions; a seed gives the same model.
    let model_dir = dir.path().join("model");
    trained.classifier.save(&model_dir).expect("saved");
    let classes: Value =
        serde_json::from_slice(&std::fs::read(model_dir.join("classes.json")).expect("classes.json")).expect("JSON");
    assert_eq!(classes, json!(CLASSES));
    let loaded = Classifier::load(&model_dir).expect("loaded");
    assert_eq!((loaded.names(), loaded.config()), (trained.classifier.names(), &config));
    let valid_samples = set.split(Split::Valid);
    let predicted = trained.classifier.predict_samples(&valid_samples).expect("predicted");
    assert_eq!(loaded.predict_samples(&valid_samples).expect("predicted again"), predicted);
    let again = detector::fit(&set, &config, |_| {}).expect("fitted again");
    again.classifier.save(&dir.path().join("again")).expect("saved");
    let bytes = |d: &Path| std::fs::read(d.join("model.json")).expect("model.json");
    assert_eq!(bytes(&model_dir), bytes(&dir.path().join("again")), "a seed gives the same forest");

    // A crop cut from its image is predicted as its sample's features are.
    let sample = valid_samples[0];
    let image = detector::samples::open_rgb(&sample.image).expect("the image");
    let crop = detector::features::crop(&image, sample.rect);
    let prediction = loaded.predict(&crop, image.dimensions()).expect("a prediction");
    assert_eq!(prediction.class, predicted[0]);
    assert_eq!(prediction.name, CLASSES[predicted[0]]);

    // The validation grid: 8 columns of 38-pixel tiles.
    let grid_path = dir.path().join("valid.png");
    visualize::write_png(&visualize::validation_grid(&valid_samples, &predicted, 8), &grid_path).expect("written");
    let grid = image::open(&grid_path).expect("a PNG").to_rgb8();
    assert_eq!(grid.dimensions(), (8 * TILE, (valid as u32).div_ceil(8) * TILE));
    let right = predicted.iter().zip(&valid_samples).filter(|(p, s)| **p == s.class).count();
    let green_tiles =
        (0..valid as u32).filter(|i| *grid.get_pixel((i % 8) * TILE, (i / 8) * TILE) == visualize::RIGHT).count();
    assert_eq!(green_tiles, right);
    let heatmap_path = dir.path().join("confusion.png");
    visualize::write_png(&visualize::confusion_heatmap(&scores, 20), &heatmap_path).expect("written");
    assert_eq!(image::image_dimensions(&heatmap_path).expect("a PNG"), (60, 60));
}

/// Adds noise of up to ±`amplitude` to every channel of every pixel of the PNG at `path`
/// (SplitMix64 from `seed`).
fn add_noise(path: &Path, amplitude: i32, seed: u64) {
    let mut image = image::open(path).expect("a PNG").to_rgb8();
    let mut state = seed;
    for pixel in image.pixels_mut() {
        for value in pixel.0.iter_mut() {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            let delta = (z % (2 * amplitude as u64 + 1)) as i32 - amplitude;
            *value = (i32::from(*value) + delta).clamp(0, 255) as u8;
        }
    }
    image.save(path).expect("written");
}

/// Eight classes in 24×24 images (boxes of 3 to 8 pixels a side), every pixel's channels moved
/// by up to ±160, then ±255 (noise as strong as the signal): the first is still classified
/// (≥ 0.95 on valid, measured 1.0), the second mostly (≥ 0.8, measured 0.83; chance is 1/8).
#[tokio::test]
async fn noisy_images_are_still_classified() {
    let backend = backend().await;
    let dir = tempfile::tempdir().expect("a directory");
    let (_, yaml) =
        yolo_dataset(&backend, dir.path(), Seed { seed: 12, classes: &EIGHT, side: 24, train: 120, validation: 40 })
            .await;
    let listed = yolo::read_dir(&yaml).expect("the YOLO dataset");
    let originals: Vec<(PathBuf, Vec<u8>)> = listed
        .images
        .iter()
        .map(|image| {
            let path = image.source.clone().expect("a file");
            let bytes = std::fs::read(&path).expect("an image");
            (path, bytes)
        })
        .collect();
    for (amplitude, at_least) in [(160, 0.95), (255, 0.8)] {
        for (index, (path, bytes)) in originals.iter().enumerate() {
            std::fs::write(path, bytes).expect("restored");
            add_noise(path, amplitude, index as u64);
        }
        let set = BoxSet::from_yolo(&listed).expect("the noisy boxes");
        let spread = set.samples.iter().filter(|s| s.features[3..6].iter().all(|std| *std > 0.1)).count();
        assert_eq!(spread, set.samples.len(), "±{amplitude}: every crop's channels spread by the noise");
        let config = TrainConfig { folds: 0, ..TrainConfig::default() };
        let trained = detector::fit(&set, &config, |_| panic!("no folds")).expect("fitted");
        assert!(trained.folds.is_empty());
        let scores = trained.valid.expect("a valid split");
        assert!(scores.accuracy >= at_least, "±{amplitude}: {:.3} {scores:?}", scores.accuracy);
    }
}

#[tokio::test]
async fn an_image_gone_or_corrupt_is_named() {
    let backend = backend().await;
    let dir = tempfile::tempdir().expect("a directory");
    let (_, yaml) = yolo_dataset(&backend, dir.path(), three(13, 6, 2)).await;
    let listed = yolo::read_dir(&yaml).expect("the YOLO dataset");
    let labelled: Vec<PathBuf> =
        listed.images.iter().filter(|i| !i.labels.is_empty()).map(|i| i.source.clone().expect("a file")).collect();

    std::fs::write(&labelled[1], b"not a PNG").expect("corrupted");
    let error = BoxSet::from_yolo(&listed).expect_err("a corrupt image");
    assert!(matches!(&error, DetectorError::Image { path, .. } if *path == labelled[1]), "{error}");
    assert!(error.to_string().contains(&labelled[1].display().to_string()), "{error}");
    // Read from its dataset.yaml, the image's header is already refused, naming it.
    let error = BoxSet::read_yolo(&yaml).expect_err("a corrupt image");
    assert!(matches!(error, DetectorError::Format(_)), "{error}");
    assert!(error.to_string().contains(&labelled[1].display().to_string()), "{error}");

    std::fs::remove_file(&labelled[0]).expect("removed");
    let error = BoxSet::from_yolo(&listed).expect_err("a missing image");
    assert!(matches!(&error, DetectorError::Image { path, .. } if *path == labelled[0]), "{error}");
    assert!(error.to_string().contains(&labelled[0].display().to_string()), "{error}");
}

#[tokio::test]
async fn a_dataset_without_train_boxes_is_refused_before_fitting() {
    let backend = backend().await;
    let dir = tempfile::tempdir().expect("a directory");
    let (_, yaml) = yolo_dataset(&backend, dir.path(), three(14, 0, 6)).await;
    let set = BoxSet::read_yolo(&yaml).expect("the boxes");
    assert!(set.split(Split::Train).is_empty() && !set.split(Split::Valid).is_empty());
    let error = detector::fit(&set, &TrainConfig::default(), |_| panic!("no fold")).expect_err("no train box");
    assert!(matches!(error, DetectorError::EmptySplit { split: Split::Train, .. }), "{error}");
    assert_eq!(error.to_string(), "the train split has no labelled box: fitting a model needs at least one");
}
