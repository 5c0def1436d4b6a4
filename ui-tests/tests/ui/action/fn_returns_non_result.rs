use synapse::prelude::*;

#[action]
async fn process(_params: NoParams) -> String {
    "done".to_owned()
}

fn main() {}
