use synapse::prelude::*;

pub struct CsvFile;

#[action(input_type = CsvFile)]
async fn process(_params: NoParams) -> Result<()> {
    Ok(())
}

fn main() {}
