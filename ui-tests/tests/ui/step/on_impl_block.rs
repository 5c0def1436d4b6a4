use synapse::prelude::*;

pub struct Job;

pub struct ResizeImages;

#[step(weight = 0.5)]
impl Step<Job> for ResizeImages {
    type Undo = ();

    async fn execute(&self, _cx: &mut StepCx<'_, Job>, _undo: &mut ()) -> Result<()> {
        Ok(())
    }
}

fn main() {}
