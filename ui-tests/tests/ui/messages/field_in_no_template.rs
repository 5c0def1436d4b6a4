use synapse::prelude::*;

#[messages]
pub enum UploadMessage {
    #[message(level = info, en = "Uploading files", ko = "파일 업로드 중")]
    Uploading { count: usize },
}

fn main() {}
