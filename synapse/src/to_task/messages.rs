//! The pre-annotation's user-facing messages ([`ToTaskMessage`]), as message codes.

/// What a pre-annotation tells the user.
// Each field is a placeholder of the variant's templates, which say what it is.
#[allow(missing_docs)]
#[crate::messages(crate = crate)]
#[derive(Debug, Clone, PartialEq)]
pub enum ToTaskMessage {
    /// The project names no data collection: the label file is looked for in each task.
    #[message(
        level = warning,
        code = "TO_TASK_NO_DATA_COLLECTION",
        en = "project {project} names no data collection: `{specification}` is looked for in each task's files",
        ko = "프로젝트 {project}에 데이터 컬렉션이 없습니다: 각 작업의 파일에서 `{specification}`을(를) 찾습니다"
    )]
    NoDataCollection { project: u64, specification: String },
    /// No serve application runs: this plugin's deployment action is run.
    #[message(
        level = info,
        code = "TO_TASK_DEPLOYING",
        en = "plugin `{plugin}` has no serve application running{seen}: running its `{action}` action",
        ko = "플러그인 `{plugin}`에 실행 중인 서빙 애플리케이션이 없습니다{seen}: `{action}` 액션을 실행합니다"
    )]
    Deploying { plugin: String, seen: String, action: String },
    /// Every task annotated.
    #[message(
        level = success,
        code = "TO_TASK_COMPLETED",
        en = "to_task completed. success={success}, failed={failed}",
        ko = "사전 주석 완료. 성공={success}, 실패={failed}"
    )]
    Completed { success: u64, failed: u64 },
    /// Done, with failed tasks.
    #[message(
        level = warning,
        code = "TO_TASK_COMPLETED_WITH_FAILURES",
        en = "to_task completed. success={success}, failed={failed}",
        ko = "사전 주석 완료(일부 실패). 성공={success}, 실패={failed}"
    )]
    CompletedWithFailures { success: u64, failed: u64 },
}
