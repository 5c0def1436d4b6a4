use synapse::prelude::*;

#[action]
pub enum Process {
    Fast,
    Thorough,
}

fn main() {}
