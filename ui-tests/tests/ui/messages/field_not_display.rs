use synapse::prelude::*;

pub struct Size(u64);

#[messages]
pub enum UploadMessage {
    #[message(level = info, en = "Uploading {size}")]
    Uploading { size: Size },
}

fn main() {}
