use synapse::prelude::*;

// The item is wrong and reported once, here; the action naming it reports nothing more.
#[data_type]
pub enum AcmeDataset {
    Train,
    Test,
}

#[action(input_type = AcmeDataset)]
async fn process(_params: NoParams) -> Result<()> {
    Ok(())
}

fn main() {}
