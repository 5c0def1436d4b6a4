use synapse::prelude::*;

const HALF: f64 = 0.5;

#[step(weight = HALF)]
pub struct ResizeImages;

fn main() {}
