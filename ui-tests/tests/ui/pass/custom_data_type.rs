use synapse::prelude::*;
use synapse::types::Dataset;

/// A dataset in our in-house format.
#[data_type(parent = Dataset)]
pub struct AcmeDataset;

#[action(input_type = AcmeDataset)]
async fn import(_params: NoParams) -> Result<()> {
    Ok(())
}

fn main() {
    let info = &<AcmeDataset as DataType>::INFO;
    assert_eq!(info.name, "acme_dataset");
    assert_eq!(info.description, "A dataset in our in-house format.");
    assert!(info.is_a(&<Dataset as DataType>::INFO));
    let registry = synapse::registry::registry().unwrap();
    assert_eq!(registry.action("import").unwrap().meta().input_type.unwrap().name, "acme_dataset");
}
