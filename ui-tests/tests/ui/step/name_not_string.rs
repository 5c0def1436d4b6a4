use synapse::prelude::*;

#[step(weight = 0.5, name = resize_images)]
pub struct ResizeImages;

fn main() {}
