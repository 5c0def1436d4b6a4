use synapse::prelude::*;

#[step(weight = 0.5, retries = 2, weight = 0.3)]
pub struct ResizeImages;

fn main() {}
