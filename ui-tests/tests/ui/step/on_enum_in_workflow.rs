use synapse::prelude::*;

pub struct Job;

#[step(weight = 1.0)]
pub enum ResizeImages {
    Small,
    Large,
}

impl Step<Job> for ResizeImages {
    type Undo = ();

    async fn execute(&self, _cx: &mut StepCx<'_, Job>, _undo: &mut ()) -> Result<()> {
        Ok(())
    }
}

#[workflow(context = Job)]
pub struct ImageWorkflow(ResizeImages);

fn main() {}
