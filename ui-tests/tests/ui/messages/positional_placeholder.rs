use synapse::prelude::*;

#[messages]
pub enum UploadMessage {
    #[message(level = info, en = "Uploading {} files")]
    Uploading { count: usize },
}

fn main() {}
