//! The dataset action's user-facing messages ([`DatasetMessage`]), as message codes.

/// What a dataset action tells the user.
// Each field is a placeholder of the variant's templates, which say what it is.
#[allow(missing_docs)]
#[crate::messages(crate = crate)]
#[derive(Debug, Clone, PartialEq)]
pub enum DatasetMessage {
    /// Boxes clipped or dropped by a conversion.
    #[message(
        level = warning,
        code = "DATASET_CONVERTED_WITH_LOSS",
        en = "converted to {format}: {report}",
        ko = "{format}(으)로 변환했습니다: {report}"
    )]
    ConvertedWithLoss { format: String, report: String },
}
