use synapse::prelude::*;

#[messages]
pub enum UploadMessage {
    #[message(level = info, en = "Started", kr = "업로드 시작")]
    Started,
}

fn main() {}
