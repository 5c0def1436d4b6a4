//! The upload's user-facing messages ([`UploadMessage`]), as message codes.

/// What an upload tells the user.
// Each field is a placeholder of the variant's templates, which say what it is.
#[allow(missing_docs)]
#[crate::messages(crate = crate)]
#[derive(Debug, Clone, PartialEq)]
pub enum UploadMessage {
    /// Files that failed to upload.
    #[message(
        level = warning,
        code = "UPLOAD_FILES_FAILED",
        en = "{count} files were not uploaded (see failed_files)",
        ko = "파일 {count}개를 업로드하지 못했습니다 (failed_files 참고)"
    )]
    FilesFailed { count: usize },
    /// The data collection has no primary specification.
    #[message(
        level = warning,
        code = "UPLOAD_NO_PRIMARY_SPECIFICATION",
        en = "data collection {collection} has no primary file specification",
        ko = "데이터 컬렉션 {collection}에 주 파일 사양이 없습니다"
    )]
    NoPrimarySpecification { collection: u64 },
    /// A path that was not followed (a link out of the folder, say).
    #[message(level = warning, code = "UPLOAD_PATH_SKIPPED", en = "not followed: {path}", ko = "따라가지 않음: {path}")]
    PathSkipped { path: String },
    /// A folder whose name is no file specification.
    #[message(
        level = warning,
        code = "UPLOAD_FOLDER_UNMATCHED",
        en = "{folder} matches no file specification ({specifications}){hint}: its files are not uploaded",
        ko = "{folder}은(는) 어떤 파일 사양과도 맞지 않습니다 ({specifications}){hint}: 그 파일은 업로드되지 않습니다"
    )]
    FolderUnmatched { folder: String, specifications: String, hint: String },
    /// An allowed-extensions entry keyed by something that is no file type.
    #[message(
        level = warning,
        code = "UPLOAD_EXTENSIONS_KEY_UNKNOWN",
        en = "the uploader's allowed extensions name `{key}`, no file type of data collection {collection} ({types}): they are keyed by file type, not by specification name, and this entry checks nothing",
        ko = "업로더의 허용 확장자에 `{key}`이(가) 있지만 데이터 컬렉션 {collection}의 파일 유형({types})이 아닙니다: 파일 유형으로 지정해야 하며 이 항목은 아무것도 검사하지 않습니다"
    )]
    ExtensionsKeyUnknown { key: String, collection: u64, types: String },
}
