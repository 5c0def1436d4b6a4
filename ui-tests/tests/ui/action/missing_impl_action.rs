use synapse::prelude::*;

/// Process files.
#[action(category = Custom)]
pub struct ProcessAction;

fn main() {}
