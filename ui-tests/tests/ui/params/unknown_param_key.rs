use synapse::prelude::*;

#[params]
pub struct ProcessParams {
    #[param(defualt = 32)]
    pub batch_size: u32,
}

// The typo is reported once, above: `ProcessParams` is still a params type here.
#[action]
async fn process(params: ProcessParams) -> Result<()> {
    let _ = params.batch_size;
    Ok(())
}

fn main() {}
