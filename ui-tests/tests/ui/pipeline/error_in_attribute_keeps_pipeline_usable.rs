use synapse::prelude::*;

/// Downloads a dataset.
#[action]
pub struct Download;

impl Action for Download {
    type Params = NoParams;
    type Output = Value;

    async fn execute(&self, _params: NoParams, _ctx: &Context) -> Result<Value> {
        Ok(json!({}))
    }
}

// The mistake is reported once, here; code using the pipeline still compiles.
#[pipeline(nmae = "download")]
pub struct JustDownload(Download);

fn main() {
    let descriptor = JustDownload::descriptor();
    println!("{}", descriptor.name);
}
