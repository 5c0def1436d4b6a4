//! A step list to customize at run time: built-in workflows (upload, export) let users insert,
//! remove and replace steps by name.

use super::Step;
use super::erased::StepHandle;
use super::orchestrator::Orchestrator;
use super::plan::{Plan, StepSpec};

/// Why a registry change was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum StepRegistryError {
    /// No step has that name.
    #[error("no step named `{name}`; the steps are: {}", known.join(", "))]
    UnknownStep {
        /// The name asked for.
        name: String,
        /// The registered names, in order.
        known: Vec<String>,
    },
    /// A step of that name is already registered.
    #[error("a step named `{name}` is already registered (at position {position})")]
    DuplicateStep {
        /// The name.
        name: String,
        /// Where the existing one is, from 0.
        position: usize,
    },
    /// The weight is not a positive, finite number.
    #[error("step `{name}` has weight {weight}; a weight must be positive and finite")]
    InvalidWeight {
        /// The step.
        name: String,
        /// Its weight.
        weight: f64,
    },
}

/// An ordered, editable list of steps over the state `C`.
///
/// ```
/// use synapse::prelude::*;
/// use synapse::steps::{Step, StepCx, StepRegistry};
///
/// #[step(weight = 1.0)]
/// struct Fetch;
/// impl Step<()> for Fetch {
///     type Undo = ();
///     async fn execute(&self, _: &mut StepCx<'_, ()>, _: &mut ()) -> Result<()> { Ok(()) }
/// }
///
/// #[step(weight = 1.0)]
/// struct Validate;
/// impl Step<()> for Validate {
///     type Undo = ();
///     async fn execute(&self, _: &mut StepCx<'_, ()>, _: &mut ()) -> Result<()> { Ok(()) }
/// }
///
/// #[step(weight = 2.0)]
/// struct Upload;
/// impl Step<()> for Upload {
///     type Undo = ();
///     async fn execute(&self, _: &mut StepCx<'_, ()>, _: &mut ()) -> Result<()> { Ok(()) }
/// }
///
/// let mut registry = StepRegistry::new();
/// registry.register(Fetch).unwrap().register(Upload).unwrap();
/// registry.insert_before("upload", Validate).unwrap();
/// assert_eq!(registry.names(), ["fetch", "validate", "upload"]);
/// assert!(registry.register(Fetch).is_err());
/// assert_eq!(registry.plan().to_string(), "fetch 25.0% → validate 25.0% → upload 50.0% (normalized from a weight sum of 4)");
/// assert_eq!(registry.remove("nope").unwrap_err().to_string(), "no step named `nope`; the steps are: fetch, validate, upload");
/// ```
pub struct StepRegistry<C> {
    steps: Vec<StepHandle<C>>,
}

impl<C> std::fmt::Debug for StepRegistry<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.steps.iter().map(|s| s.spec())).finish()
    }
}

impl<C: Send + 'static> Default for StepRegistry<C> {
    fn default() -> Self {
        StepRegistry::new()
    }
}

impl<C: Send + 'static> StepRegistry<C> {
    /// An empty registry.
    pub fn new() -> Self {
        StepRegistry { steps: Vec::new() }
    }

    /// A registry holding `steps` (as a workflow lists them).
    pub fn from_steps(steps: Vec<StepHandle<C>>) -> Self {
        StepRegistry { steps }
    }

    /// Appends a step.
    pub fn register(&mut self, step: impl Step<C>) -> Result<&mut Self, StepRegistryError> {
        self.register_handle(StepHandle::new(step))
    }

    /// Appends a step handle.
    pub fn register_handle(&mut self, step: StepHandle<C>) -> Result<&mut Self, StepRegistryError> {
        self.check_new(step.spec(), None)?;
        self.steps.push(step);
        Ok(self)
    }

    /// Inserts `step` right before the step named `before`.
    pub fn insert_before(&mut self, before: &str, step: impl Step<C>) -> Result<&mut Self, StepRegistryError> {
        let position = self.position(before)?;
        let step = StepHandle::new(step);
        self.check_new(step.spec(), None)?;
        self.steps.insert(position, step);
        Ok(self)
    }

    /// Inserts `step` right after the step named `after`.
    pub fn insert_after(&mut self, after: &str, step: impl Step<C>) -> Result<&mut Self, StepRegistryError> {
        let position = self.position(after)?;
        let step = StepHandle::new(step);
        self.check_new(step.spec(), None)?;
        self.steps.insert(position + 1, step);
        Ok(self)
    }

    /// Removes the step named `name` and returns it.
    pub fn remove(&mut self, name: &str) -> Result<StepHandle<C>, StepRegistryError> {
        let position = self.position(name)?;
        Ok(self.steps.remove(position))
    }

    /// Puts `step` in the place of the step named `name`, and returns the one it replaced.
    pub fn replace(&mut self, name: &str, step: impl Step<C>) -> Result<StepHandle<C>, StepRegistryError> {
        let position = self.position(name)?;
        let step = StepHandle::new(step);
        self.check_new(step.spec(), Some(position))?;
        Ok(std::mem::replace(&mut self.steps[position], step))
    }

    /// Changes the weight of the step named `name`.
    pub fn set_weight(&mut self, name: &str, weight: f64) -> Result<&mut Self, StepRegistryError> {
        let position = self.position(name)?;
        if !(weight.is_finite() && weight > 0.0) {
            return Err(StepRegistryError::InvalidWeight { name: name.to_owned(), weight });
        }
        let step = self.steps[position].clone().with_weight(weight);
        self.steps[position] = step;
        Ok(self)
    }

    /// The step names, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.steps.iter().map(StepHandle::name).collect()
    }

    /// The plan (weights normalized when they do not sum to 1; the plan says so).
    pub fn plan(&self) -> Plan {
        let specs: Vec<StepSpec> = self.steps.iter().map(|s| *s.spec()).collect();
        Plan::of(&specs)
    }

    /// An orchestrator over the steps.
    pub fn orchestrator<'h>(&self) -> Orchestrator<'h, C> {
        Orchestrator::new(self.steps.clone())
    }

    fn position(&self, name: &str) -> Result<usize, StepRegistryError> {
        self.steps.iter().position(|s| s.name() == name).ok_or_else(|| StepRegistryError::UnknownStep {
            name: name.to_owned(),
            known: self.names().into_iter().map(str::to_owned).collect(),
        })
    }

    fn check_new(&self, spec: &StepSpec, replacing: Option<usize>) -> Result<(), StepRegistryError> {
        if !(spec.weight.is_finite() && spec.weight > 0.0) {
            return Err(StepRegistryError::InvalidWeight { name: spec.name.to_owned(), weight: spec.weight });
        }
        match self.steps.iter().position(|s| s.name() == spec.name) {
            Some(position) if Some(position) != replacing => {
                Err(StepRegistryError::DuplicateStep { name: spec.name.to_owned(), position })
            }
            _ => Ok(()),
        }
    }
}
