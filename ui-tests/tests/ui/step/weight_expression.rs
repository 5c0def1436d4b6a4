use synapse::prelude::*;

#[step(weight = 1.0 / 3.0)]
pub struct ResizeImages;

fn main() {}
