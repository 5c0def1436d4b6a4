use synapse::prelude::*;

pub struct Job {
    pub log: Vec<&'static str>,
}

#[step(weight = 1)]
pub struct DiscoverImages;

impl Step<Job> for DiscoverImages {
    type Undo = ();

    async fn execute(&self, cx: &mut StepCx<'_, Job>, _undo: &mut ()) -> Result<()> {
        cx.log.push("discover");
        Ok(())
    }
}

/// A step with fields is built with `Default::default()`.
#[step(weight = 3, name = "resize", retries = 2, timeout = "5m", backoff = "250ms")]
#[derive(Default)]
pub struct ResizeImages {
    width: u32,
}

impl Step<Job> for ResizeImages {
    type Undo = ();

    async fn execute(&self, cx: &mut StepCx<'_, Job>, _undo: &mut ()) -> Result<()> {
        cx.log.push(if self.width == 0 { "resize" } else { "resize to width" });
        Ok(())
    }
}

/// The weights sum to 4; `normalize` scales them to shares of 1/4 and 3/4.
#[workflow(context = Job, normalize)]
pub struct ImageWorkflow(DiscoverImages, ResizeImages);

const PLAN: &[synapse::steps::PlanEntry] = <ImageWorkflow as Workflow>::PLAN;
const _: () = assert!(PLAN.len() == 2);
const _: () = assert!(PLAN[0].weight == 0.25 && PLAN[0].offset == 0.0);
const _: () = assert!(PLAN[1].weight == 0.75 && PLAN[1].offset == 0.25);

fn main() {
    assert_eq!(PLAN.iter().map(|entry| entry.name).collect::<Vec<_>>(), ["discover_images", "resize"]);
    let spec = <ResizeImages as synapse::steps::StepInfo>::SPEC;
    assert_eq!(spec.retries, 2);
    assert_eq!(spec.timeout, Some(std::time::Duration::from_secs(300)));
    assert_eq!(spec.backoff, std::time::Duration::from_millis(250));

    let registry = ImageWorkflow::registry();
    assert_eq!(registry.names(), ["discover_images", "resize"]);
    assert_eq!(registry.plan().to_string(), "discover_images 25.0% → resize 75.0% (normalized from a weight sum of 4)");
}
