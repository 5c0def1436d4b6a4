use synapse::prelude::*;

#[step(weight = 0.5, retries = 1000)]
pub struct ResizeImages;

fn main() {}
