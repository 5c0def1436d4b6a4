use synapse::prelude::*;

#[action]
pub struct ProcessAction<T> {
    inner: T,
}

fn main() {}
