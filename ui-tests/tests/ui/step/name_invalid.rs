use synapse::prelude::*;

#[step(weight = 0.5, name = "Resize Images")]
pub struct ResizeImages;

fn main() {}
