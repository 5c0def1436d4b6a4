use synapse::prelude::*;

#[params]
pub struct ProcessParams<T> {
    pub input: T,
}

fn main() {}
