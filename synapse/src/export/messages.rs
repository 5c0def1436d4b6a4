//! The export's user-facing messages ([`ExportMessage`]), as message codes.

/// What an export tells the user.
// Each field is a placeholder of the variant's templates, which say what it is.
#[allow(missing_docs)]
#[crate::messages(crate = crate)]
#[derive(Debug, Clone, PartialEq)]
pub enum ExportMessage {
    /// The export directory was made.
    #[message(
        level = info,
        code = "EXPORT_DIRECTORY_MADE",
        en = "export directory {directory} made in {storage}",
        ko = "{storage}에 내보내기 디렉터리 {directory}을(를) 만들었습니다"
    )]
    DirectoryMade { directory: String, storage: String },
    /// The export directory was removed (a rollback).
    #[message(
        level = warning,
        code = "EXPORT_DIRECTORY_REMOVED",
        en = "export directory {directory} removed",
        ko = "내보내기 디렉터리 {directory}을(를) 삭제했습니다"
    )]
    DirectoryRemoved { directory: String },
    /// Nothing matches the filter.
    #[message(
        level = warning,
        code = "EXPORT_NO_ITEMS",
        en = "no items to export: no {target} matches the filter {filter}",
        ko = "내보낼 항목이 없습니다: 필터 {filter}에 맞는 {target}이(가) 없습니다"
    )]
    NoItems { target: String, filter: String },
    /// How many items are exported.
    #[message(level = info, code = "EXPORT_ITEMS", en = "{count} items to export", ko = "내보낼 항목 {count}개")]
    Items { count: u64 },
    /// Some items could not be converted.
    #[message(
        level = warning,
        code = "EXPORT_CONVERSION_FAILED",
        en = "{failed} of {total} items could not be converted",
        ko = "항목 {total}개 중 {failed}개를 변환하지 못했습니다"
    )]
    ConversionFailed { failed: u64, total: u64 },
    /// Exported, some items or original files missing.
    #[message(
        level = warning,
        code = "EXPORT_PARTIAL",
        en = "exported {exported} of {total} items to {location} ({failed} failed, {missing} original files missing; see {error_list})",
        ko = "항목 {total}개 중 {exported}개를 {location}에 내보냈습니다 (실패 {failed}개, 누락된 원본 파일 {missing}개; {error_list} 참고)"
    )]
    Partial { exported: u64, total: u64, location: String, failed: u64, missing: u64, error_list: String },
    /// Every item exported.
    #[message(
        level = success,
        code = "EXPORT_COMPLETED",
        en = "exported {exported} items to {location}",
        ko = "항목 {exported}개를 {location}에 내보냈습니다"
    )]
    Completed { exported: u64, location: String },
}
