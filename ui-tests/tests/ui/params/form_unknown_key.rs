use synapse::prelude::*;

#[params]
pub struct TrainParams {
    #[param(default, form(lable = "Notes"))]
    pub notes: String,
}

fn main() {}
