use synapse::prelude::*;

#[step(wieght = 0.5)]
pub struct ResizeImages;

fn main() {}
