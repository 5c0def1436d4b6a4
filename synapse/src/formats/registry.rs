//! The converter registry: every converter linked into the binary, keyed by (source, target)
//! format names, found at link time like actions (`linkme`). The built-ins convert DM v2 to
//! and from YOLO, COCO and Pascal VOC; a plugin adds its own with [`converter!`](crate::converter).

use super::{ConversionReport, ConvertOptions, FormatError, coco, dm, voc, yolo};
use linkme::distributed_slice;
use std::path::Path;

/// A dataset converter between two on-disk layouts.
///
/// ```
/// use std::path::Path;
/// use synapse::formats::{ConversionReport, ConvertOptions, Converter, FormatError};
///
/// struct Count;
/// impl Converter for Count {
///     fn convert(&self, input: &Path, _output: &Path, _: &ConvertOptions) -> Result<ConversionReport, FormatError> {
///         let dataset = synapse::formats::dm::read_dir(input)?;
///         Ok(ConversionReport { images: dataset.images.len(), ..Default::default() })
///     }
/// }
/// synapse::converter!("dm_v2" => "count", Count);
///
/// assert!(synapse::formats::converter_for("dm_v2", "count").is_ok());
/// ```
pub trait Converter: Sync {
    /// Reads the dataset at `input` (a directory, or YOLO's `dataset.yaml`) and writes it to
    /// the directory `output`.
    ///
    /// # Errors
    /// What reading, converting or writing meets, naming the file.
    fn convert(&self, input: &Path, output: &Path, options: &ConvertOptions) -> Result<ConversionReport, FormatError>;
}

/// One registered converter.
pub struct ConverterEntry {
    /// The source format's name (`dm_v2`, `yolo`, `coco`, `pascal`: the Python SDK's
    /// `DatasetFormat` values).
    pub source: &'static str,
    /// The target format's name.
    pub target: &'static str,
    /// The converter.
    pub converter: &'static dyn Converter,
    /// Where it is registered.
    pub file: &'static str,
    /// The line.
    pub line: u32,
}

/// Every converter linked into the binary.
#[distributed_slice]
pub static SYNAPSE_CONVERTERS_V0: [ConverterEntry];

/// Registers a converter for a (source, target) pair:
/// `synapse::converter!("dm_v2" => "my_format", MyConverter);` (a `static`-able value of a type
/// implementing [`Converter`], checked at compile time). Two converters for one pair are
/// refused when the pair is looked up ([`FormatError::DuplicateConverter`]).
#[macro_export]
macro_rules! converter {
    ($source:literal => $target:literal, $converter:expr $(,)?) => {
        // linkme places the entry in a link section (what `unsafe_code` flags): the registry's mechanism.
        #[allow(unsafe_code)]
        const _: () = {
            #[$crate::__private::linkme::distributed_slice($crate::__private::SYNAPSE_CONVERTERS_V0)]
            #[linkme(crate = $crate::__private::linkme)]
            static ENTRY: $crate::formats::ConverterEntry = $crate::formats::ConverterEntry {
                source: $source,
                target: $target,
                converter: &$converter,
                file: ::core::file!(),
                line: ::core::line!(),
            };
        };
    };
}

/// The converter from `source` to `target` among those linked into the binary.
///
/// # Errors
/// [`FormatError::NoConverter`] listing the registered pairs; [`FormatError::DuplicateConverter`]
/// naming where both are registered.
pub fn converter_for(source: &str, target: &str) -> Result<&'static dyn Converter, FormatError> {
    lookup(&SYNAPSE_CONVERTERS_V0, source, target)
}

/// Every registered (source, target) pair, sorted.
pub fn registered_pairs() -> Vec<(String, String)> {
    pairs(&SYNAPSE_CONVERTERS_V0)
}

fn pairs(entries: &[ConverterEntry]) -> Vec<(String, String)> {
    let mut pairs: Vec<_> = entries.iter().map(|e| (e.source.to_owned(), e.target.to_owned())).collect();
    pairs.sort();
    pairs.dedup();
    pairs
}

/// The lookup of [`converter_for`] in `entries`.
///
/// # Errors
/// As [`converter_for`].
pub fn lookup(
    entries: &'static [ConverterEntry],
    source: &str,
    target: &str,
) -> Result<&'static dyn Converter, FormatError> {
    let mut found = entries.iter().filter(|e| e.source == source && e.target == target);
    match (found.next(), found.next()) {
        (Some(entry), None) => Ok(entry.converter),
        (Some(first), Some(second)) => Err(FormatError::DuplicateConverter {
            source_format: source.to_owned(),
            target: target.to_owned(),
            first: format!("{}:{}", first.file, first.line),
            second: format!("{}:{}", second.file, second.line),
        }),
        (None, _) => Err(FormatError::NoConverter {
            source_format: source.to_owned(),
            target: target.to_owned(),
            registered: pairs(entries),
        }),
    }
}

/// DM v2 dataset directory → Ultralytics YOLO.
pub struct DmV2ToYolo;
/// DM v2 dataset directory → COCO instances (dated today).
pub struct DmV2ToCoco;
/// DM v2 dataset directory → Pascal VOC.
pub struct DmV2ToVoc;
/// YOLO (`dataset.yaml`, or the directory holding it) → DM v2 dataset directory.
pub struct YoloToDmV2;
/// COCO instances → DM v2 dataset directory.
pub struct CocoToDmV2;
/// Pascal VOC → DM v2 dataset directory.
pub struct VocToDmV2;

impl Converter for DmV2ToYolo {
    fn convert(&self, input: &Path, output: &Path, options: &ConvertOptions) -> Result<ConversionReport, FormatError> {
        let (labels, report) = yolo::from_dataset(&dm::read_dir(input)?, options);
        yolo::write_dir(&labels, output)?;
        Ok(report)
    }
}

impl Converter for DmV2ToCoco {
    fn convert(&self, input: &Path, output: &Path, options: &ConvertOptions) -> Result<ConversionReport, FormatError> {
        coco::write_dir(&dm::read_dir(input)?, options, &coco::CocoInfo::now(), output)
    }
}

impl Converter for DmV2ToVoc {
    fn convert(&self, input: &Path, output: &Path, options: &ConvertOptions) -> Result<ConversionReport, FormatError> {
        voc::write_dir(&dm::read_dir(input)?, options, output)
    }
}

/// Writes `dataset` as DM v2 and reports what it holds.
fn to_dm(dataset: &super::Dataset, output: &Path) -> Result<ConversionReport, FormatError> {
    dm::write_dir(dataset, output)?;
    let boxes = dataset.images.iter().map(|image| image.boxes.len()).sum();
    Ok(ConversionReport { images: dataset.images.len(), boxes_written: boxes, ..ConversionReport::default() })
}

impl Converter for YoloToDmV2 {
    fn convert(&self, input: &Path, output: &Path, _: &ConvertOptions) -> Result<ConversionReport, FormatError> {
        let yaml = if input.is_dir() { input.join("dataset.yaml") } else { input.to_owned() };
        to_dm(&yolo::to_dataset(&yolo::read_dir(&yaml)?), output)
    }
}

impl Converter for CocoToDmV2 {
    fn convert(&self, input: &Path, output: &Path, _: &ConvertOptions) -> Result<ConversionReport, FormatError> {
        to_dm(&coco::read_dir(input)?, output)
    }
}

impl Converter for VocToDmV2 {
    fn convert(&self, input: &Path, output: &Path, options: &ConvertOptions) -> Result<ConversionReport, FormatError> {
        to_dm(&voc::read_dir(input, options.voc_one_based)?, output)
    }
}

crate::converter!("dm_v2" => "yolo", DmV2ToYolo);
crate::converter!("dm_v2" => "coco", DmV2ToCoco);
crate::converter!("dm_v2" => "pascal", DmV2ToVoc);
crate::converter!("yolo" => "dm_v2", YoloToDmV2);
crate::converter!("coco" => "dm_v2", CocoToDmV2);
crate::converter!("pascal" => "dm_v2", VocToDmV2);
