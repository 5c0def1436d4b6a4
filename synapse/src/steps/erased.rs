//! Steps with their types erased, so one orchestrator runs static workflows and runtime
//! registries alike.

use super::{Step, StepCx, StepSpec};
use crate::error::Result;
use futures_util::future::BoxFuture;
use std::any::Any;
use std::sync::Arc;

type Undo = Box<dyn Any + Send + Sync>;

trait DynStep<C>: Send + Sync {
    fn new_undo(&self) -> Undo;
    fn execute<'a>(&'a self, cx: &'a mut StepCx<'_, C>, undo: &'a mut Undo) -> BoxFuture<'a, Result<()>>;
    fn can_skip(&self, cx: &StepCx<'_, C>) -> bool;
    fn rollback<'a>(&'a self, cx: &'a mut StepCx<'_, C>, undo: Undo) -> BoxFuture<'a, Result<()>>;
}

impl<C: Send + 'static, S: Step<C>> DynStep<C> for S {
    fn new_undo(&self) -> Undo {
        Box::new(S::Undo::default())
    }

    fn execute<'a>(&'a self, cx: &'a mut StepCx<'_, C>, undo: &'a mut Undo) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            match undo.downcast_mut::<S::Undo>() {
                Some(undo) => Step::execute(self, cx, undo).await,
                None => {
                    Err(anyhow::anyhow!("internal error: the undo log of step `{}` has the wrong type", S::SPEC.name))
                }
            }
        })
    }

    fn can_skip(&self, cx: &StepCx<'_, C>) -> bool {
        Step::can_skip(self, cx)
    }

    fn rollback<'a>(&'a self, cx: &'a mut StepCx<'_, C>, undo: Undo) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            match undo.downcast::<S::Undo>() {
                Ok(undo) => Step::rollback(self, cx, *undo).await,
                Err(_) => {
                    Err(anyhow::anyhow!("internal error: the undo log of step `{}` has the wrong type", S::SPEC.name))
                }
            }
        })
    }
}

/// A step of any type over the state `C`, ready to run.
pub struct StepHandle<C> {
    step: Arc<dyn DynStep<C>>,
    spec: StepSpec,
}

impl<C> Clone for StepHandle<C> {
    fn clone(&self) -> Self {
        StepHandle { step: self.step.clone(), spec: self.spec }
    }
}

impl<C: Send + 'static> StepHandle<C> {
    /// Wraps a step.
    pub fn new<S: Step<C>>(step: S) -> Self {
        StepHandle { step: Arc::new(step), spec: S::SPEC }
    }
}

impl<C> StepHandle<C> {
    /// The step's specification.
    pub fn spec(&self) -> &StepSpec {
        &self.spec
    }

    /// The step's name.
    pub fn name(&self) -> &'static str {
        self.spec.name
    }

    /// This step under another weight (for customizing built-in workflows).
    pub fn with_weight(mut self, weight: f64) -> Self {
        self.spec.weight = weight;
        self
    }

    /// This step under another name, so one step type can appear twice in a registry (say, a
    /// validation pass before and after a conversion).
    pub fn with_name(mut self, name: &'static str) -> Self {
        self.spec.name = name;
        self
    }

    pub(crate) fn new_undo(&self) -> Undo {
        self.step.new_undo()
    }

    pub(crate) fn execute<'a>(&'a self, cx: &'a mut StepCx<'_, C>, undo: &'a mut Undo) -> BoxFuture<'a, Result<()>> {
        self.step.execute(cx, undo)
    }

    pub(crate) fn can_skip(&self, cx: &StepCx<'_, C>) -> bool {
        self.step.can_skip(cx)
    }

    pub(crate) fn rollback<'a>(&'a self, cx: &'a mut StepCx<'_, C>, undo: Undo) -> BoxFuture<'a, Result<()>> {
        self.step.rollback(cx, undo)
    }
}

impl<C> std::fmt::Debug for StepHandle<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("StepHandle").field(&self.spec).finish()
    }
}
