use synapse::prelude::*;

#[params]
pub struct TrainParams {
    #[param(form(exclude))]
    pub seed: u64,
}

fn main() {}
