//! A classifier on disk: a model directory of `model.json` (the forest, smartcore's serde form),
//! `classes.json` (the class names by id) and `metadata.json` (format, features, settings).

use crate::DetectorError;
use crate::features::FEATURE_NAMES;
use crate::model::{Classifier, Forest, TrainConfig};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The forest's file in a model directory.
pub const MODEL_FILE: &str = "model.json";
/// The class names' file: a JSON array of strings, by class id.
pub const CLASSES_FILE: &str = "classes.json";
/// The metadata's file ([`Metadata`]).
pub const METADATA_FILE: &str = "metadata.json";

/// What [`METADATA_FILE`] holds: what reading the model needs to agree with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    /// The model's kind: [`Metadata::FORMAT`].
    pub format: String,
    /// The layout's version: [`Metadata::VERSION`].
    pub version: u32,
    /// The library and version that wrote `model.json`.
    pub library: String,
    /// The feature names, by index ([`FEATURE_NAMES`] when written).
    pub features: Vec<String>,
    /// How many classes `classes.json` names.
    pub classes: usize,
    /// The settings the model was fitted with.
    pub config: TrainConfig,
}

impl Metadata {
    /// The model kind this library writes and reads.
    pub const FORMAT: &'static str = "detector.random_forest";
    /// The layout version this library writes and reads.
    pub const VERSION: u32 = 1;
}

impl Classifier {
    /// Writes the model directory `dir` (created if missing; its three files replaced).
    ///
    /// # Errors
    /// [`DetectorError::Io`] naming what cannot be created or written; [`DetectorError::Json`]
    /// if the forest cannot be serialized.
    pub fn save(&self, dir: &Path) -> Result<(), DetectorError> {
        std::fs::create_dir_all(dir).map_err(DetectorError::io("creating directory", dir))?;
        let metadata = Metadata {
            format: Metadata::FORMAT.to_owned(),
            version: Metadata::VERSION,
            library: "smartcore 0.7".to_owned(),
            features: FEATURE_NAMES.iter().map(|name| (*name).to_owned()).collect(),
            classes: self.names.len(),
            config: self.config.clone(),
        };
        write_json(&dir.join(MODEL_FILE), &self.forest)?;
        write_json(&dir.join(CLASSES_FILE), &self.names)?;
        write_json(&dir.join(METADATA_FILE), &metadata)
    }

    /// Reads the model directory `dir` that [`Classifier::save`] wrote.
    ///
    /// # Errors
    /// [`DetectorError::Io`] naming a file that cannot be read; [`DetectorError::Json`] naming
    /// one that is not of its shape; [`DetectorError::Incompatible`] when the metadata names
    /// another format, version or feature list, or another number of classes than
    /// `classes.json`.
    pub fn load(dir: &Path) -> Result<Classifier, DetectorError> {
        let metadata_path = dir.join(METADATA_FILE);
        let metadata: Metadata = read_json(&metadata_path)?;
        let incompatible = |message: String| Err(DetectorError::Incompatible { path: metadata_path.clone(), message });
        if metadata.format != Metadata::FORMAT || metadata.version != Metadata::VERSION {
            return incompatible(format!(
                "a {} model, version {}; this library reads {} version {}",
                metadata.format,
                metadata.version,
                Metadata::FORMAT,
                Metadata::VERSION
            ));
        }
        if metadata.features.iter().map(String::as_str).ne(FEATURE_NAMES) {
            return incompatible(format!(
                "fitted on the features {:?}; this library computes {:?}",
                metadata.features, FEATURE_NAMES
            ));
        }
        let names: Vec<String> = read_json(&dir.join(CLASSES_FILE))?;
        if names.len() != metadata.classes {
            return incompatible(format!("{} classes, but {CLASSES_FILE} names {}", metadata.classes, names.len()));
        }
        let forest: Forest = read_json(&dir.join(MODEL_FILE))?;
        Ok(Classifier { names, config: metadata.config, forest })
    }
}

fn write_json(path: &Path, value: &impl Serialize) -> Result<(), DetectorError> {
    let text = serde_json::to_vec(value)
        .map_err(|error| DetectorError::Json { path: path.to_owned(), message: error.to_string() })?;
    std::fs::write(path, text).map_err(DetectorError::io("writing", path))
}

fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, DetectorError> {
    let text = std::fs::read(path).map_err(DetectorError::io("reading", path))?;
    serde_json::from_slice(&text)
        .map_err(|error| DetectorError::Json { path: path.to_owned(), message: error.to_string() })
}
