use synapse::prelude::*;

#[params]
pub fn process_params() {}

fn main() {}
