use synapse::prelude::*;

#[messages]
pub enum UploadMessage {
    #[message(level = info, ko = "업로드 시작")]
    Started,
}

fn main() {}
