//! The model directory without a backend: a forest fitted to boxes made here saves, loads and
//! predicts the same; each bad directory is refused naming its file; fitting refuses a dataset
//! without train boxes and settings out of range.

use detector::features::{self, PixelRect};
use detector::samples::THUMBNAIL_SIDE;
use detector::store::{CLASSES_FILE, METADATA_FILE, MODEL_FILE};
use detector::{BoxSample, BoxSet, Classifier, DetectorError, TrainConfig};
use image::{Rgb, RgbImage};
use serde_json::Value;
use std::path::Path;
use synapse::formats::Split;

const COLOURS: [[u8; 3]; 3] = [[230, 25, 75], [60, 180, 75], [0, 130, 200]];

/// `count` boxes per class and split, each a crop of its class colour with a pixel pattern that
/// varies by box (so no two boxes are alike).
fn boxes(count: usize) -> BoxSet {
    let mut samples = Vec::new();
    for split in [Split::Train, Split::Valid] {
        for (class, colour) in COLOURS.iter().enumerate() {
            for index in 0..count {
                let (width, height) = (4 + index as u32 % 5, 4 + index as u32 % 3);
                let crop = RgbImage::from_fn(width, height, |x, y| {
                    let shift = ((x * 7 + y * 13 + index as u32 * 5) % 40) as u8;
                    Rgb(colour.map(|c| c.saturating_add(shift)))
                });
                samples.push(BoxSample {
                    image: format!("{split}_{class}_{index}.png").into(),
                    split,
                    class,
                    rect: PixelRect { x: 0, y: 0, width, height },
                    features: features::describe(&crop, (32, 32)),
                    thumbnail: features::thumbnail(&crop, THUMBNAIL_SIDE),
                });
            }
        }
    }
    BoxSet { names: vec!["car".into(), "person".into(), "tree".into()], samples }
}

fn trained(dir: &Path) -> (BoxSet, Classifier) {
    let set = boxes(10);
    let config = TrainConfig { folds: 3, trees: 10, ..TrainConfig::default() };
    let trained = detector::fit(&set, &config, |_| {}).expect("fitted");
    assert_eq!(trained.valid.as_ref().map(|v| v.accuracy), Some(1.0));
    trained.classifier.save(dir).expect("saved");
    (set, trained.classifier)
}

#[test]
fn a_saved_model_loads_and_predicts_the_same() {
    let dir = tempfile::tempdir().expect("a directory");
    let model_dir = dir.path().join("nested").join("model");
    let (set, classifier) = trained(&model_dir);
    let metadata: Value =
        serde_json::from_slice(&std::fs::read(model_dir.join(METADATA_FILE)).expect("read")).expect("JSON");
    assert_eq!(metadata["format"], "detector.random_forest");
    assert_eq!(metadata["features"].as_array().map(Vec::len), Some(features::FEATURE_COUNT));
    assert_eq!(metadata["config"]["trees"], 10);
    let loaded = Classifier::load(&model_dir).expect("loaded");
    let all: Vec<&BoxSample> = set.samples.iter().collect();
    assert_eq!(loaded.predict_samples(&all).expect("predicted"), classifier.predict_samples(&all).expect("predicted"));
    assert_eq!(loaded.evaluate(&all).expect("scored").accuracy, 1.0);
    let crop = RgbImage::from_pixel(6, 5, Rgb(COLOURS[2]));
    let prediction = loaded.predict(&crop, (32, 32)).expect("a prediction");
    assert_eq!((prediction.class, prediction.name.as_str()), (2, "tree"));
    assert_eq!(loaded.predict_features(&[]).expect("nothing"), Vec::<usize>::new());
}

fn edit_json(path: &Path, edit: impl FnOnce(&mut Value)) {
    let mut value: Value = serde_json::from_slice(&std::fs::read(path).expect("read")).expect("JSON");
    edit(&mut value);
    std::fs::write(path, serde_json::to_vec(&value).expect("JSON")).expect("written");
}

#[test]
fn a_bad_model_directory_is_refused_naming_its_file() {
    let dir = tempfile::tempdir().expect("a directory");
    let missing = Classifier::load(&dir.path().join("none")).expect_err("no directory");
    assert!(matches!(&missing, DetectorError::Io { path, .. } if path.ends_with(METADATA_FILE)), "{missing}");
    let model_dir = dir.path().join("model");
    trained(&model_dir);

    std::fs::write(model_dir.join(MODEL_FILE), b"{\"trees\": [").expect("written");
    let error = Classifier::load(&model_dir).expect_err("a truncated model");
    assert!(matches!(&error, DetectorError::Json { path, .. } if path.ends_with(MODEL_FILE)), "{error}");
    trained(&model_dir);

    edit_json(&model_dir.join(CLASSES_FILE), |names| names.as_array_mut().expect("names").truncate(2));
    let error = Classifier::load(&model_dir).expect_err("two classes of three");
    assert!(matches!(&error, DetectorError::Incompatible { .. }), "{error}");
    assert!(error.to_string().contains("3 classes, but classes.json names 2"), "{error}");
    trained(&model_dir);

    edit_json(&model_dir.join(METADATA_FILE), |meta| meta["features"][0] = "mean_h".into());
    let error = Classifier::load(&model_dir).expect_err("other features");
    assert!(matches!(&error, DetectorError::Incompatible { path, .. } if path.ends_with(METADATA_FILE)), "{error}");
    assert!(error.to_string().contains("mean_h"), "{error}");

    edit_json(&model_dir.join(METADATA_FILE), |meta| meta["version"] = 2.into());
    let error = Classifier::load(&model_dir).expect_err("another version");
    assert!(error.to_string().contains("version 2"), "{error}");
}

#[test]
fn fitting_refuses_no_train_boxes_and_settings_out_of_range() {
    let mut set = boxes(2);
    let error =
        detector::fit(&set, &TrainConfig { folds: 7, ..TrainConfig::default() }, |_| {}).expect_err("7 folds of 6");
    assert!(matches!(error, DetectorError::Config { field: "folds", .. }), "{error}");
    assert_eq!(error.to_string(), "invalid setting `folds`: 7 folds of 6 train boxes leave a fold empty");
    set.samples.retain(|sample| sample.split != Split::Train);
    let error = detector::fit(&set, &TrainConfig::default(), |_| panic!("no fold")).expect_err("no train box");
    assert!(matches!(error, DetectorError::EmptySplit { split: Split::Train, .. }), "{error}");
    // Without a valid split there is nothing to score on it.
    let mut train_only = boxes(3);
    train_only.samples.retain(|sample| sample.split == Split::Train);
    let trained =
        detector::fit(&train_only, &TrainConfig { folds: 0, ..TrainConfig::default() }, |_| {}).expect("fitted");
    assert!(trained.valid.is_none());
    assert_eq!(trained.train.samples, 9);
}
