use synapse::prelude::*;

#[action]
async fn process(_params: NoParams) {}

fn main() {}
