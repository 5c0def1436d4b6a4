use synapse::prelude::*;

#[messages]
pub enum UploadMessage {
    #[message(level = info, en = "Started")]
    Started,
    Finished,
}

fn main() {}
