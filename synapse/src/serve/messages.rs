//! The serving actions' user-facing messages ([`ServeMessage`]), as message codes.

/// What a deployment action tells the user.
// Each field is a placeholder of the variant's templates, which say what it is.
#[allow(missing_docs)]
#[crate::messages(crate = crate)]
#[derive(Debug, Clone, PartialEq)]
pub enum ServeMessage {
    /// Replicas are being started.
    #[message(
        level = info,
        code = "SERVE_STARTING_REPLICAS",
        en = "starting {replicas} replica(s) of {application}",
        ko = "{application}의 레플리카 {replicas}개를 시작합니다"
    )]
    StartingReplicas { replicas: u32, application: String },
}
