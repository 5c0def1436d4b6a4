use synapse::prelude::*;

#[output]
pub struct ProcessResult;

fn main() {}
