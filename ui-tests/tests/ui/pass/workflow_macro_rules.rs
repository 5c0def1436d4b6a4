use synapse::prelude::*;

pub struct Job {
    pub done: Vec<&'static str>,
}

/// Declares a step that records its name; the weight and name come through the macro.
macro_rules! recording_step {
    ($ty:ident, $name:literal, $w:literal) => {
        #[step(weight = $w, name = $name)]
        pub struct $ty;

        impl Step<Job> for $ty {
            type Undo = ();

            async fn execute(&self, cx: &mut StepCx<'_, Job>, _undo: &mut ()) -> Result<()> {
                cx.done.push($name);
                Ok(())
            }
        }
    };
}

recording_step!(Fetch, "fetch", 0.2);
recording_step!(Train, "train", 0.5);
recording_step!(Export, "export", 0.3);

/// Weights passed through `$w:literal` are still checked at compile time: they sum to 1.
#[workflow(context = Job)]
pub struct TrainingWorkflow(Fetch, Train, Export);

const PLAN: &[synapse::steps::PlanEntry] = <TrainingWorkflow as Workflow>::PLAN;
const _: () = assert!(PLAN.len() == 3);
const _: () = assert!(PLAN[0].weight == 0.2 && PLAN[1].weight == 0.5 && PLAN[2].weight == 0.3);

fn main() {
    assert_eq!(PLAN.iter().map(|entry| entry.name).collect::<Vec<_>>(), ["fetch", "train", "export"]);
    assert_eq!(TrainingWorkflow::registry().plan().normalized_from, None);
}
