use synapse::prelude::*;

#[step(weight = 0.5)]
pub enum ResizeImages {
    Small,
    Large,
}

fn main() {}
