use synapse::prelude::*;

#[step(weight = 0.5, retries = "3")]
pub struct ResizeImages;

fn main() {}
