use synapse::prelude::*;

#[step(weight = 0.5, timeout = "30 parsecs")]
pub struct ResizeImages;

fn main() {}
