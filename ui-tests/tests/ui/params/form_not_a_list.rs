use synapse::prelude::*;

#[params]
pub struct TrainParams {
    #[param(default, form = "textarea")]
    pub notes: String,
}

fn main() {}
