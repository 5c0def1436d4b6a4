use synapse::prelude::*;

#[messages]
pub enum UploadMessage {
    #[message(level = warn, en = "Started")]
    Started,
}

fn main() {}
