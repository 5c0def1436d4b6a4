use synapse::prelude::*;

#[step(weight = 0.5, retries = 3, backoff = "0s")]
pub struct ResizeImages;

fn main() {}
