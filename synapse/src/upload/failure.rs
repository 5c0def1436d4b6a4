//! Why a file was left out of an upload, as a code ([`FailureCode`]): the `failure_reason_code`
//! of the `import_result` entries, one per cause.

/// The cause of a [`FailedFile`](super::FailedFile), as the `import_result` event's
/// `failure_reason_code` names it. The names are the Python SDK's `ImportFailureCode`
/// (`plugins/actions/upload/enums.py`) where it has the cause; `FILE_UNREADABLE` and
/// `CHECKSUM_MISMATCH` are causes it has no code for.
///
/// | code | cause |
/// |---|---|
/// | `UNSUPPORTED_EXTENSION` | an extension the specification or the uploader does not take (`validate_files`) |
/// | `MISSING_REQUIRED_DATA` | a group without a file for the primary or a required specification, or with a file for a specification the collection does not have (`validate_files`) |
/// | `DUPLICATE_FILE` | a second file of one stem in one specification (`organize_files`), or a group whose primary file has the content of an earlier group's (`upload_files`) |
/// | `FILE_UNREADABLE` | a file that could not be read for its checksum (`upload_files`) |
/// | `CHECKSUM_MISMATCH` | a data file whose checksum on the backend differs from the file's read here (`upload_files`) |
/// | `UPLOAD_FAILED` | a file the backend did not take after its retries (`upload_files`) |
/// | `DATA_UNIT_CREATION_FAILED` | a group whose data unit was not made (a custom strategy's; the default one fails the run and rolls it back) |
/// | `UNKNOWN_ERROR` | a refusal without a code: [`FailedFile::new`](super::FailedFile::new), e.g. an uploader's own `validate` |
///
/// The other files of a group left out carry the code of the file that took it out.
///
/// ```
/// use synapse::upload::FailureCode;
/// assert_eq!(serde_json::to_value(FailureCode::UnsupportedExtension).unwrap(), "UNSUPPORTED_EXTENSION");
/// assert_eq!(FailureCode::ChecksumMismatch.as_str(), "CHECKSUM_MISMATCH");
/// ```
#[crate::output(crate = crate)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FailureCode {
    /// An extension the specification or the uploader does not take.
    UnsupportedExtension,
    /// A group without its primary or a required specification's file.
    MissingRequiredData,
    /// A second file of one stem in one specification, or primary content repeated.
    DuplicateFile,
    /// A file that could not be read.
    FileUnreadable,
    /// A data file whose checksum on the backend differs from the file's.
    ChecksumMismatch,
    /// A file the backend did not take after its retries.
    UploadFailed,
    /// A group whose data unit was not made.
    DataUnitCreationFailed,
    /// A refusal without a code.
    #[default]
    UnknownError,
}

impl FailureCode {
    /// The code as the `import_result` event writes it (`UPLOAD_FAILED`).
    pub fn as_str(self) -> &'static str {
        match self {
            FailureCode::UnsupportedExtension => "UNSUPPORTED_EXTENSION",
            FailureCode::MissingRequiredData => "MISSING_REQUIRED_DATA",
            FailureCode::DuplicateFile => "DUPLICATE_FILE",
            FailureCode::FileUnreadable => "FILE_UNREADABLE",
            FailureCode::ChecksumMismatch => "CHECKSUM_MISMATCH",
            FailureCode::UploadFailed => "UPLOAD_FAILED",
            FailureCode::DataUnitCreationFailed => "DATA_UNIT_CREATION_FAILED",
            FailureCode::UnknownError => "UNKNOWN_ERROR",
        }
    }
}

impl std::fmt::Display for FailureCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
