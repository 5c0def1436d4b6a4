use synapse::prelude::*;

pub struct Job;

#[step]
pub struct ResizeImages;

impl Step<Job> for ResizeImages {
    type Undo = ();

    async fn execute(&self, _cx: &mut StepCx<'_, Job>, _undo: &mut ()) -> Result<()> {
        Ok(())
    }
}

fn main() {}
