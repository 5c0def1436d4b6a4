use synapse::prelude::*;

// While the body is being typed it does not parse yet: the mistakes in the attribute are still
// reported, with the syntax error.
#[action(catgory = Custom, name = "Process")]
async fn process(_params: NoParams) -> Result<()> {
    let count = ;
    Ok(())
}

fn main() {}
