use synapse::prelude::*;

#[messages]
pub enum UploadMessage {
    #[message(level = info, en = "Started")]
    Started,
    #[message(level = info, code = "STARTED", en = "Started again")]
    Restarted,
}

fn main() {}
