use synapse::prelude::*;

synapse::plugin!(name = "Acme", category = Custom);

/// Parameters for the process action.
#[params]
pub struct ProcessParams {
    /// Path to input file
    pub input_path: String,
    /// Items per batch.
    #[param(default = 32, range(min = 1, max = 1024))]
    pub batch_size: u32,
    #[param(default)]
    pub verbose: bool,
}

#[output]
pub struct ProcessResult {
    pub status: String,
    pub items_processed: u64,
}

/// Process files with progress tracking.
#[action(name = "process", category = Custom, method = Task)]
pub struct ProcessAction;

impl Action for ProcessAction {
    type Params = ProcessParams;
    type Output = ProcessResult;

    async fn execute(&self, params: ProcessParams, ctx: &Context) -> Result<ProcessResult> {
        let total = u64::from(params.batch_size);
        for i in 0..total {
            ctx.set_progress(i + 1, total);
        }
        Ok(ProcessResult { status: "completed".into(), items_processed: total })
    }
}

fn main() {
    let registry = synapse::registry::registry().unwrap();
    let process = registry.action("process").unwrap();
    assert_eq!(process.meta().category, Some(Category::Custom));
    assert_eq!(process.meta().description, "Process files with progress tracking.");
}
