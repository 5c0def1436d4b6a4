use synapse::prelude::*;

#[messages]
pub struct UploadMessage {
    pub count: usize,
}

fn main() {}
