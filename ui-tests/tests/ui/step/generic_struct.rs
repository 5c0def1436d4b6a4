use synapse::prelude::*;

#[step(weight = 0.5)]
pub struct ResizeImages<T> {
    filter: T,
}

fn main() {}
