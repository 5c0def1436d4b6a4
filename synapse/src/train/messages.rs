//! The train workflow's user-facing messages ([`TrainMessage`]), as message codes.

/// What a train action tells the user.
// Each field is a placeholder of the variant's templates, which say what it is.
#[allow(missing_docs)]
#[crate::messages(crate = crate)]
#[derive(Debug, Clone, PartialEq)]
pub enum TrainMessage {
    /// No backend: the model is kept on this machine.
    #[message(
        level = warning,
        code = "TRAIN_MODEL_NOT_UPLOADED",
        en = "the model is not uploaded ({reason}); it stays in {dir}",
        ko = "모델을 업로드하지 않았습니다 ({reason}); {dir}에 남아 있습니다"
    )]
    NotUploaded { reason: String, dir: String },
    /// The model was registered.
    #[message(
        level = success,
        code = "TRAIN_MODEL_REGISTERED",
        en = "model {id} registered as `{name}`",
        ko = "모델 {id}을(를) `{name}`(으)로 등록했습니다"
    )]
    Registered { id: u64, name: String },
    /// A rollback cannot delete the registered model.
    #[message(
        level = warning,
        code = "TRAIN_MODEL_STAYS",
        en = "model {id} stays registered on the backend (models cannot be deleted through the API)",
        ko = "모델 {id}은(는) 백엔드에 등록된 채로 남습니다 (API로는 모델을 삭제할 수 없습니다)"
    )]
    ModelStays { id: u64 },
}
