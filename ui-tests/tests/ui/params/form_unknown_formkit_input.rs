use synapse::prelude::*;

#[params]
pub struct TrainParams {
    #[param(default, form(formkit = "textbox"))]
    pub notes: String,
}

fn main() {}
