use synapse::prelude::*;

#[data_type(parnet = synapse::types::Dataset)]
pub struct AcmeDataset;

// The typo is reported once, above: `AcmeDataset` is still a data type here.
#[action(input_type = AcmeDataset)]
async fn import(_params: NoParams) -> Result<()> {
    Ok(())
}

fn main() {}
