use synapse::prelude::*;

#[params]
pub struct TrainParams {
    #[param(default, form(exclude, label = "Seed"))]
    pub seed: u64,
}

fn main() {}
