use synapse::prelude::*;

#[params]
pub struct ProcessParams(pub String, pub u32);

fn main() {}
