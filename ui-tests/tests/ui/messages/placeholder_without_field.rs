use synapse::prelude::*;

#[messages]
pub enum UploadMessage {
    #[message(level = info, en = "Uploading {cout} files")]
    Uploading { count: usize },
}

fn main() {}
