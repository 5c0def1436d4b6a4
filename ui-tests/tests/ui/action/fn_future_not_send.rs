use std::rc::Rc;
use synapse::prelude::*;

#[action]
async fn process(_params: NoParams) -> Result<()> {
    let shared = Rc::new(0);
    std::future::ready(()).await;
    drop(shared);
    Ok(())
}

fn main() {}
