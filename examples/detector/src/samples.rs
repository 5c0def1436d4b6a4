//! Box samples: every labelled box of a YOLO dataset, cropped from its image, with its class,
//! split, feature vector and a thumbnail — what a model is fitted to and evaluated on.

use crate::DetectorError;
use crate::features::{self, Features, PixelRect};
use image::RgbImage;
use std::path::{Path, PathBuf};
use synapse::formats::Split;
use synapse::formats::yolo::{self, YoloDataset};

/// The side, in pixels, of a sample's [`BoxSample::thumbnail`].
pub const THUMBNAIL_SIDE: u32 = 32;

/// One labelled box.
#[derive(Debug, Clone)]
pub struct BoxSample {
    /// The image file it was cropped from.
    pub image: PathBuf,
    /// The image's split; images of a dataset without splits are in [`Split::Train`].
    pub split: Split,
    /// Its class id (an index into [`BoxSet::names`]).
    pub class: usize,
    /// Where it is in its image.
    pub rect: PixelRect,
    /// Its feature vector ([`features::describe`] of its crop).
    pub features: Features,
    /// Its crop scaled to [`THUMBNAIL_SIDE`]² pixels, for visualizations.
    pub thumbnail: RgbImage,
}

/// The labelled boxes of a dataset, with its class names.
#[derive(Debug, Clone, Default)]
pub struct BoxSet {
    /// Class names by id (`dataset.yaml`'s `names`).
    pub names: Vec<String>,
    /// Every box of every image, image after image in the dataset's order.
    pub samples: Vec<BoxSample>,
}

impl BoxSet {
    /// The boxes of the YOLO dataset whose `dataset.yaml` is at `yaml_path` (as
    /// `synapse::formats::converter_for("dm_v2", "yolo")` writes it).
    ///
    /// # Errors
    /// [`DetectorError::Format`] for a dataset [`yolo::read_dir`] cannot read (it names the
    /// file), then those of [`BoxSet::from_yolo`].
    pub fn read_yolo(yaml_path: &Path) -> Result<BoxSet, DetectorError> {
        BoxSet::from_yolo(&yolo::read_dir(yaml_path)?)
    }

    /// The boxes of `dataset`: each image decoded from its `source` once, each label cropped
    /// ([`PixelRect::of_label`] on the decoded image's size) and described.
    ///
    /// # Errors
    /// [`DetectorError::NoSource`] for an image without a file; [`DetectorError::Image`] naming
    /// the file that is missing or does not decode.
    pub fn from_yolo(dataset: &YoloDataset) -> Result<BoxSet, DetectorError> {
        let mut samples = Vec::new();
        for entry in dataset.images.iter().filter(|entry| !entry.labels.is_empty()) {
            let path =
                entry.source.as_ref().ok_or_else(|| DetectorError::NoSource { image: entry.file_name.clone() })?;
            let image = open_rgb(path)?;
            let (width, height) = image.dimensions();
            for label in &entry.labels {
                let rect = PixelRect::of_label(label, width, height);
                let crop = features::crop(&image, rect);
                samples.push(BoxSample {
                    image: path.clone(),
                    split: entry.split.unwrap_or(Split::Train),
                    class: label.class,
                    rect,
                    features: features::describe(&crop, (width, height)),
                    thumbnail: features::thumbnail(&crop, THUMBNAIL_SIDE),
                });
            }
        }
        Ok(BoxSet { names: dataset.names.clone(), samples })
    }

    /// The boxes of `split`, in order.
    pub fn split(&self, split: Split) -> Vec<&BoxSample> {
        self.samples.iter().filter(|sample| sample.split == split).collect()
    }
}

/// The image at `path`, decoded as 8-bit RGB.
///
/// # Errors
/// [`DetectorError::Image`] naming `path` when it cannot be opened or decoded.
pub fn open_rgb(path: &Path) -> Result<RgbImage, DetectorError> {
    let decoded = image::ImageReader::open(path)
        .and_then(|reader| reader.with_guessed_format())
        .map_err(|error| DetectorError::Image { path: path.to_owned(), message: error.to_string() })?
        .decode()
        .map_err(|error| DetectorError::Image { path: path.to_owned(), message: error.to_string() })?;
    Ok(decoded.to_rgb8())
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;
    use synapse::formats::yolo::{YoloImage, YoloLabel};

    fn dataset(dir: &Path) -> YoloDataset {
        let mut picture = RgbImage::from_pixel(20, 10, Rgb([32, 32, 32]));
        for y in 2..6 {
            for x in 2..12 {
                picture.put_pixel(x, y, Rgb([60, 180, 75]));
            }
        }
        let path = dir.join("a.png");
        picture.save(&path).expect("a PNG");
        let label = YoloLabel { class: 1, cx: 7.0 / 20.0, cy: 0.4, w: 0.5, h: 0.4 };
        let image = |split, labels: Vec<YoloLabel>, source: Option<PathBuf>| YoloImage {
            file_name: "a.png".into(),
            width: 20,
            height: 10,
            split,
            labels,
            source,
        };
        YoloDataset {
            names: vec!["car".into(), "person".into()],
            images: vec![
                image(Some(Split::Valid), vec![label], Some(path.clone())),
                image(None, vec![label, label], Some(path)),
                image(Some(Split::Train), Vec::new(), None),
            ],
        }
    }

    #[test]
    fn every_label_becomes_a_sample_of_its_split_and_an_image_without_labels_is_not_read() {
        let dir = tempfile::tempdir().expect("a directory");
        let set = BoxSet::from_yolo(&dataset(dir.path())).expect("read");
        assert_eq!(set.names, ["car", "person"]);
        assert_eq!(set.samples.len(), 3);
        assert_eq!(set.split(Split::Valid).len(), 1);
        assert_eq!(set.split(Split::Train).len(), 2, "an image without a split is in train");
        let sample = &set.samples[0];
        assert_eq!((sample.class, sample.rect), (1, PixelRect { x: 2, y: 2, width: 10, height: 4 }));
        assert!((sample.features[1] - 180.0 / 255.0).abs() < 1e-12, "{:?}", sample.features);
        assert_eq!(sample.thumbnail.dimensions(), (THUMBNAIL_SIDE, THUMBNAIL_SIDE));
    }

    #[test]
    fn an_image_without_a_source_is_named() {
        let dir = tempfile::tempdir().expect("a directory");
        let mut yolo = dataset(dir.path());
        yolo.images[0].source = None;
        let error = BoxSet::from_yolo(&yolo).expect_err("no file");
        assert!(matches!(&error, DetectorError::NoSource { image } if image == "a.png"), "{error}");
    }
}
