use synapse::prelude::*;

pub struct Job;

#[step(weight = 1.0)]
pub struct ResizeImages;

impl Step<Job> for ResizeImages {
    type Undo = ();

    async fn execute(&self, _cx: &mut StepCx<'_, Job>, _undo: &mut ()) -> Result<()> {
        Ok(())
    }
}

#[workflow(context = Job, normalise)]
pub struct ImageWorkflow(ResizeImages);

pub async fn process(ctx: &Context, job: &mut Job) -> usize {
    let plan = ImageWorkflow::PLAN.len();
    let _ = ImageWorkflow::run(ctx, job).await;
    plan
}

fn main() {}
