use synapse::prelude::*;

pub struct Job;

#[step(weight = 0.4)]
pub struct DiscoverImages;

impl Step<Job> for DiscoverImages {
    type Undo = ();

    async fn execute(&self, _cx: &mut StepCx<'_, Job>, _undo: &mut ()) -> Result<()> {
        Ok(())
    }
}

#[step(weight = 0.6)]
pub struct ResizeImages;

impl Step<Job> for ResizeImages {
    type Undo = ();

    async fn execute(&self, _cx: &mut StepCx<'_, Job>, _undo: &mut ()) -> Result<()> {
        Ok(())
    }
}

#[workflow(context = Job)]
pub struct ImageWorkflow();

fn main() {}
