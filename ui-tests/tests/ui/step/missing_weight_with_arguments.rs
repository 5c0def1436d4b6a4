use synapse::prelude::*;

#[step(name = "resize", retries = 2)]
pub struct ResizeImages;

fn main() {}
