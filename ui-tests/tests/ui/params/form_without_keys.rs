use synapse::prelude::*;

#[params]
pub struct TrainParams {
    #[param(default, form())]
    pub notes: String,
}

fn main() {}
