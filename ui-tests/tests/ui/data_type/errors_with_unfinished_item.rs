use synapse::prelude::*;

// While the struct is being typed it does not parse yet: the mistake in the attribute is still
// reported, with the syntax error.
#[data_type(parnet = synapse::types::Dataset)]
pub struct AcmeDataset {
    pub root:
}

fn main() {}
