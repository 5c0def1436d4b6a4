use synapse::prelude::*;

#[messages]
pub enum UploadMessage {
    #[message(en = "Started")]
    Started,
}

fn main() {}
