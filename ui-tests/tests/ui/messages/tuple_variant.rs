use synapse::prelude::*;

#[messages]
pub enum UploadMessage {
    #[message(level = info, en = "Uploading {0} files")]
    Uploading(usize),
}

fn main() {}
