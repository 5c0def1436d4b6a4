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

impl From<&PlanEntry> for crate::events::PlannedStep {
    fn from(entry: &PlanEntry) -> Self {
        crate::events::PlannedStep { name: entry.name.to_owned(), weight: entry.weight }
    }
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

/// A spec that stands in for a step whose `#[step]` attribute has a mistake (already reported):
/// the workflow's checks leave it out, so the mistake is not reported twice.
pub const fn is_placeholder(spec: &StepSpec) -> bool {
    spec.name.is_empty() && spec.weight.is_nan()
}

/// For each step, whether an earlier step has the same name (placeholders left out).
///
/// Evaluated at compile time by `#[workflow]`, so it sorts by a hash of the names instead of
/// comparing every pair: a thousand-step workflow stays cheap for the compiler.
pub const fn repeated_names<const N: usize>(specs: &[StepSpec; N]) -> [bool; N] {
    let mut hashes = [0u64; N];
    let mut order = [0usize; N];
    let mut i = 0;
    while i < N {
        hashes[i] = fnv1a(specs[i].name.as_bytes());
        order[i] = i;
        i += 1;
    }
    heapsort_by_hash(&mut order, &hashes);
    let mut repeated = [false; N];
    let mut start = 0;
    while start < N {
        let mut end = start + 1;
        while end < N && hashes[order[end]] == hashes[order[start]] {
            end += 1;
        }
        // Within a run of equal hashes (almost always one step), an index is repeated when an
        // earlier index in the run has exactly the same name.
        let mut a = start;
        while a < end {
            let mut b = start;
            while b < end {
                let (x, y) = (order[a], order[b]);
                if y < x
                    && !is_placeholder(&specs[x])
                    && !is_placeholder(&specs[y])
                    && str_eq(specs[x].name, specs[y].name)
                {
                    repeated[x] = true;
                }
                b += 1;
            }
            a += 1;
        }
        start = end;
    }
    repeated
}

/// `a == b`, in a `const fn`.
pub(crate) const fn str_eq(a: &str, b: &str) -> bool {
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

const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

/// Sorts `order` by `hashes[order[..]]`, then by index (an in-place heapsort: no recursion,
/// O(n log n), usable in `const fn`).
const fn heapsort_by_hash<const N: usize>(order: &mut [usize; N], hashes: &[u64; N]) {
    const fn less(a: usize, b: usize, hashes: &[u64]) -> bool {
        hashes[a] < hashes[b] || (hashes[a] == hashes[b] && a < b)
    }
    const fn sift_down<const N: usize>(order: &mut [usize; N], hashes: &[u64; N], mut root: usize, end: usize) {
        loop {
            let mut child = 2 * root + 1;
            if child >= end {
                return;
            }
            if child + 1 < end && less(order[child], order[child + 1], hashes) {
                child += 1;
            }
            if !less(order[root], order[child], hashes) {
                return;
            }
            let swap = order[root];
            order[root] = order[child];
            order[child] = swap;
            root = child;
        }
    }
    let mut start = N / 2;
    while start > 0 {
        start -= 1;
        sift_down(order, hashes, start, N);
    }
    let mut end = N;
    while end > 1 {
        end -= 1;
        let swap = order[0];
        order[0] = order[end];
        order[end] = swap;
        sift_down(order, hashes, 0, end);
    }
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
    }

    #[test]
    fn repeated_names_mark_the_later_step() {
        const REPEATED: [bool; 3] = repeated_names(&SPECS);
        assert_eq!(REPEATED, [false, false, true]);
        let mut many = [StepSpec::new("", 1.0); 300];
        let names: Vec<&'static str> =
            (0..300).map(|i| &*Box::leak(format!("s{}", i % 100).into_boxed_str())).collect();
        for (spec, name) in many.iter_mut().zip(&names) {
            spec.name = name;
        }
        let repeated = repeated_names(&many);
        assert!(repeated[..100].iter().all(|r| !r));
        assert!(repeated[100..].iter().all(|r| *r));
        let placeholder = StepSpec { weight: f64::NAN, ..StepSpec::new("", 1.0) };
        assert_eq!(repeated_names(&[placeholder, placeholder]), [false, false]);
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
