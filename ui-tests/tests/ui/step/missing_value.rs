use synapse::prelude::*;

#[step(weight)]
pub struct ResizeImages;

fn main() {}
