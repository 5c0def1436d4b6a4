use synapse::prelude::*;

#[params]
pub struct TrainParams {
    #[param(default, form(label = 3))]
    pub notes: String,
}

fn main() {}
