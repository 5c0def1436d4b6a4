use synapse::prelude::*;

#[step(weight = 0.0)]
pub struct ResizeImages;

fn main() {}
