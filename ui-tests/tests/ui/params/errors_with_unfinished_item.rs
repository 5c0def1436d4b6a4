use synapse::prelude::*;

// While a field is being typed the struct does not parse yet: the mistakes in the attribute
// are still reported, with the syntax error.
#[params(allow_unknown_field)]
pub struct ProcessParams {
    pub input_path: String,
    pub batch_size: u32 = ,
}

fn main() {}
