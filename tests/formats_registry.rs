//! A plugin's own converters in `synapse::formats`' registry: found by (source, target), and two
//! for one pair refused at lookup naming both places.

use std::path::Path;
use synapse::formats::{ConversionReport, ConvertOptions, Converter, FormatError, converter_for};

/// Counts the images of a DM v2 dataset.
struct CountImages;

impl Converter for CountImages {
    fn convert(&self, input: &Path, _output: &Path, _: &ConvertOptions) -> Result<ConversionReport, FormatError> {
        let dataset = synapse::formats::dm::read_dir(input)?;
        Ok(ConversionReport { images: dataset.images.len(), ..ConversionReport::default() })
    }
}

synapse::converter!("dm_v2" => "image_count", CountImages);

// A second converter for a built-in pair.
synapse::converter!("dm_v2" => "yolo", CountImages);

#[test]
fn a_plugin_converter_is_found_by_its_pair() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("json")).unwrap();
    let report = converter_for("dm_v2", "image_count")
        .unwrap()
        .convert(dir.path(), dir.path(), &ConvertOptions::default())
        .unwrap();
    assert_eq!(report.images, 0);
    assert!(synapse::formats::registered_pairs().contains(&("dm_v2".to_owned(), "image_count".to_owned())));
}

#[test]
fn two_converters_for_one_pair_are_refused_naming_both() {
    let Err(error) = converter_for("dm_v2", "yolo") else { panic!("a duplicate pair must be refused") };
    let FormatError::DuplicateConverter { first, second, .. } = &error else { panic!("{error:?}") };
    let places = [first.as_str(), second.as_str()];
    assert!(places.iter().any(|p| p.starts_with("synapse/src/formats/registry.rs:")), "{places:?}");
    assert!(places.iter().any(|p| p.starts_with("tests/formats_registry.rs:")), "{places:?}");
    assert!(error.to_string().starts_with("two converters from dm_v2 to yolo: "));
}
