use synapse::prelude::*;

#[step(weight = 0.5, timeout = 30)]
pub struct ResizeImages;

fn main() {}
