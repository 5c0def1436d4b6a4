use synapse::prelude::*;

#[step(weight = 0.5)]
pub struct ResizeImages {
    width: u32,
}

fn main() {}
