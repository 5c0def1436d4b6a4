//! Step specifications and workflow plans: names, weights and the progress share of each step.

use schemars::JsonSchema;
use serde::Serialize;
use std::fmt;
use std::time::Duration;

/// What `#[step(...)]` declares.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepSpec {
    /// The step name (snake_case of the type unless given).
    pub name: &'static str,
    /// Its progress weight (positive, finite).
    pub weight: f64,
    /// How many times a failed attempt is retried.
    pub retries: u32,
    /// How long one attempt may take.
    pub timeout: Option<Duration>,
    /// The wait before the first retry; it doubles for each further retry (capped at 30 s).
    pub backoff: Duration,
}

impl StepSpec {
    /// The defaults: no retries, no timeout, 100 ms initial backoff.
    pub const fn new(name: &'static str, weight: f64) -> Self {
        StepSpec { name, weight, retries: 0, timeout: None, backoff: Duration::from_millis(100) }
    }

    /// The wait before retry number `retry` (from 1).
    pub fn backoff_before(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.backoff.saturating_mul(factor).min(Duration::from_secs(30))
    }
}

/// One step of a plan.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, JsonSchema)]
pub struct PlanEntry {
    /// The step name.
    pub name: &'static str,
    /// Its share of the overall progress (the shares of a plan sum to 1).
    pub weight: f64,
    /// The overall progress when it starts (the sum of the shares before it).
    pub offset: f64,
}

/// The sum of the weights of `specs` (compile-time usable).
pub const fn step_weights_sum(specs: &[StepSpec]) -> f64 {
    let mut sum = 0.0;
    let mut i = 0;
    while i < specs.len() {
        sum += specs[i].weight;
        i += 1;
    }
    sum
}

/// The plan of `specs`: shares (normalized by the weights' sum when `normalize`) and offsets.
/// Evaluated at compile time by `#[workflow]`.
pub const fn plan_entries<const N: usize>(specs: [StepSpec; N], normalize: bool) -> [PlanEntry; N] {
    let sum = step_weights_sum(&specs);
    let scale = if normalize && sum > 0.0 { 1.0 / sum } else { 1.0 };
    let mut entries = [PlanEntry { name: "", weight: 0.0, offset: 0.0 }; N];
    let mut offset = 0.0;
    let mut i = 0;
    while i < N {
        let weight = specs[i].weight * scale;
        entries[i] = PlanEntry { name: specs[i].name, weight, offset };
        offset += weight;
        i += 1;
    }
    entries
}

/// For each step, whether an earlier step has the same name (compile-time usable).
pub const fn duplicate_names<const N: usize>(specs: &[StepSpec; N]) -> [bool; N] {
    let mut duplicate = [false; N];
    let mut i = 0;
    while i < N {
        let mut j = 0;
        while j < i {
            if str_eq(specs[i].name, specs[j].name) {
                duplicate[i] = true;
                break;
            }
            j += 1;
        }
        i += 1;
    }
    duplicate
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// A plan built at run time (by a [`StepRegistry`](super::StepRegistry)), normalized.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Plan {
    /// The steps with their shares.
    pub entries: Vec<PlanEntry>,
    /// The sum of the declared weights, when it was not 1 and the shares were normalized.
    pub normalized_from: Option<f64>,
}

impl Plan {
    /// The plan of `specs`, normalizing the weights when they do not sum to 1 (±1e-6).
    pub fn of(specs: &[StepSpec]) -> Plan {
        let sum = step_weights_sum(specs);
        let normalize = (sum - 1.0).abs() > 1e-6 && sum > 0.0;
        let scale = if normalize { 1.0 / sum } else { 1.0 };
        let mut offset = 0.0;
        let entries = specs
            .iter()
            .map(|spec| {
                let entry = PlanEntry { name: spec.name, weight: spec.weight * scale, offset };
                offset += entry.weight;
                entry
            })
            .collect();
        Plan { entries, normalized_from: normalize.then_some(sum) }
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, entry) in self.entries.iter().enumerate() {
            if i > 0 {
                f.write_str(" → ")?;
            }
            write!(f, "{} {:.1}%", entry.name, entry.weight * 100.0)?;
        }
        if let Some(sum) = self.normalized_from {
            write!(f, " (normalized from a weight sum of {})", (sum * 1e9).round() / 1e9)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: [StepSpec; 3] = [StepSpec::new("a", 1.0), StepSpec::new("b", 2.0), StepSpec::new("a", 1.0)];

    #[test]
    fn const_plans_normalize_and_offset() {
        const PLAN: [PlanEntry; 3] = plan_entries(SPECS, true);
        assert_eq!(PLAN.map(|e| e.weight), [0.25, 0.5, 0.25]);
        assert_eq!(PLAN.map(|e| e.offset), [0.0, 0.25, 0.75]);
        const DUP: [bool; 3] = duplicate_names(&SPECS);
        assert_eq!(DUP, [false, false, true]);
    }

    #[test]
    fn runtime_plans_report_normalization() {
        let plan = Plan::of(&SPECS);
        assert_eq!(plan.normalized_from, Some(4.0));
        assert_eq!(plan.to_string(), "a 25.0% → b 50.0% → a 25.0% (normalized from a weight sum of 4)");
        let exact = Plan::of(&[StepSpec::new("x", 0.4), StepSpec::new("y", 0.6)]);
        assert_eq!(exact.normalized_from, None);
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let spec = StepSpec { backoff: Duration::from_millis(10), ..StepSpec::new("x", 1.0) };
        assert_eq!(spec.backoff_before(1), Duration::from_millis(10));
        assert_eq!(spec.backoff_before(3), Duration::from_millis(40));
        assert_eq!(spec.backoff_before(40), Duration::from_secs(30));
    }
}
