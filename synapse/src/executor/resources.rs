//! What a run asks a Ray cluster for: logical CPUs, GPUs, memory and custom resources, as Ray
//! names them (`CPU`, `GPU`, `memory`, and any name a node declares). Job mode reserves them
//! for the job's entrypoint, task mode for the resident worker, a pipeline on Ray for its job
//! (Ray's `entrypoint_num_cpus`, `entrypoint_num_gpus`, `entrypoint_memory`,
//! `entrypoint_resources`). Before submitting, the cluster's nodes are checked for them, so a
//! request no node can satisfy is refused at once instead of waiting for Ray's start timeout.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// What a run asks the cluster for; unset amounts are left to Ray's defaults (a job's
/// entrypoint reserves nothing).
///
/// On the plugin's command line: `--cpus 4 --gpus 1 --memory 16GiB --resource plugin_slot=1`.
///
/// ```
/// use synapse::executor::Resources;
/// let gpu = Resources::default().cpus(4.0).gpus(1.0).memory(16 << 30).custom("plugin_slot", 1.0);
/// assert_eq!(gpu.num_gpus, Some(1.0));
/// assert_eq!(gpu.to_string(), "4 CPU, 1 GPU, 16.0 GiB memory, 1 plugin_slot");
/// assert!(Resources::default().is_empty());
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Resources {
    /// Logical CPUs (Ray's `CPU`; fractions allowed).
    pub num_cpus: Option<f64>,
    /// GPUs (Ray's `GPU`; fractions allowed).
    pub num_gpus: Option<f64>,
    /// Memory, in bytes (Ray's `memory`).
    pub memory: Option<u64>,
    /// Custom resources by name, as the cluster's nodes declare them.
    pub custom: BTreeMap<String, f64>,
}

impl Resources {
    /// Asks for `cpus` logical CPUs.
    pub fn cpus(mut self, cpus: f64) -> Self {
        self.num_cpus = Some(cpus);
        self
    }

    /// Asks for `gpus` GPUs.
    pub fn gpus(mut self, gpus: f64) -> Self {
        self.num_gpus = Some(gpus);
        self
    }

    /// Asks for `bytes` of memory.
    pub fn memory(mut self, bytes: u64) -> Self {
        self.memory = Some(bytes);
        self
    }

    /// Asks for `amount` of the custom resource `name`.
    pub fn custom(mut self, name: impl Into<String>, amount: f64) -> Self {
        self.custom.insert(name.into(), amount);
        self
    }

    /// True when nothing is asked for.
    pub fn is_empty(&self) -> bool {
        self.num_cpus.is_none() && self.num_gpus.is_none() && self.memory.is_none() && self.custom.is_empty()
    }
}

impl fmt::Display for Resources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(cpus) = self.num_cpus {
            parts.push(format!("{cpus} CPU"));
        }
        if let Some(gpus) = self.num_gpus {
            parts.push(format!("{gpus} GPU"));
        }
        if let Some(memory) = self.memory {
            parts.push(format!("{} memory", bytesize::ByteSize(memory).display().iec()));
        }
        parts.extend(self.custom.iter().map(|(name, amount)| format!("{amount} {name}")));
        if parts.is_empty() { f.write_str("nothing") } else { f.write_str(&parts.join(", ")) }
    }
}

/// An amount of a resource: a finite number, zero or more (`--cpus 0.5`).
///
/// ```
/// use synapse::executor::Amount;
/// assert_eq!("0.5".parse::<Amount>().unwrap().0, 0.5);
/// assert_eq!("-1".parse::<Amount>().unwrap_err(), "must be a number of zero or more (got `-1`)");
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Amount(pub f64);

impl FromStr for Amount {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text.trim().parse::<f64>() {
            Ok(amount) if amount.is_finite() && amount >= 0.0 => Ok(Amount(amount)),
            _ => Err(format!("must be a number of zero or more (got `{text}`)")),
        }
    }
}

/// A size in bytes, as people write it: `16GiB`, `512 MiB`, `1.5G`, `1000000`. `K`, `M`, `G`,
/// `T` (and `KB`…) are powers of 1000, `Ki`, `Mi`, `Gi`, `Ti` (and `KiB`…) powers of 1024,
/// case-insensitive (the `bytesize` crate's reading).
///
/// ```
/// use synapse::executor::ByteCount;
/// assert_eq!("16GiB".parse::<ByteCount>().unwrap().0, 16 << 30);
/// assert_eq!("1.5 G".parse::<ByteCount>().unwrap().0, 1_500_000_000);
/// assert!("lots".parse::<ByteCount>().unwrap_err().starts_with("must be a size like `16GiB`"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ByteCount(pub u64);

impl FromStr for ByteCount {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        // bytesize reads a sign or an empty number as zero: neither is a size.
        if !trimmed.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
            return Err(format!("must be a size like `16GiB`, `512MiB` or a number of bytes (got `{text}`)"));
        }
        trimmed.parse::<bytesize::ByteSize>().map(|size| ByteCount(size.as_u64())).map_err(|error| {
            format!("must be a size like `16GiB`, `512MiB` or a number of bytes (got `{text}`: {error})")
        })
    }
}

/// A custom resource request, `NAME=AMOUNT` (`--resource plugin_slot=1`).
///
/// ```
/// use synapse::executor::CustomResource;
/// let slot: CustomResource = "plugin_slot=1".parse().unwrap();
/// assert_eq!((slot.name.as_str(), slot.amount), ("plugin_slot", 1.0));
/// assert!("plugin_slot".parse::<CustomResource>().is_err());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CustomResource {
    /// The resource name, as the cluster's nodes declare it.
    pub name: String,
    /// How much of it.
    pub amount: f64,
}

impl FromStr for CustomResource {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let Some((name, amount)) = text.split_once('=') else {
            return Err(format!("must be NAME=AMOUNT, like `plugin_slot=1` (got `{text}`)"));
        };
        let name = name.trim();
        if name.is_empty() {
            return Err(format!("needs a resource name before `=` (got `{text}`)"));
        }
        if matches!(name, "CPU" | "GPU" | "memory") {
            let flag = match name {
                "CPU" => "--cpus",
                "GPU" => "--gpus",
                _ => "--memory",
            };
            return Err(format!("`{name}` is not a custom resource: use {flag}"));
        }
        let Amount(amount) = amount.parse().map_err(|error| format!("the amount of `{name}` {error}"))?;
        Ok(CustomResource { name: name.to_owned(), amount })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        for (text, bytes) in
            [("1024", 1024), ("1KiB", 1024), ("1 kb", 1000), ("0.5GiB", 1 << 29), ("2T", 2_000_000_000_000)]
        {
            assert_eq!(text.parse::<ByteCount>(), Ok(ByteCount(bytes)), "{text}");
        }
        for text in ["", "-1GiB", "GiB", "3 parsecs"] {
            assert!(text.parse::<ByteCount>().is_err(), "{text}");
        }
    }

    #[test]
    fn amounts_and_custom_resources_refuse_what_ray_would() {
        for text in ["nan", "inf", "-0.5", "", "two"] {
            assert!(text.parse::<Amount>().is_err(), "{text}");
        }
        assert_eq!("0".parse::<Amount>(), Ok(Amount(0.0)));
        assert_eq!("GPU=1".parse::<CustomResource>().unwrap_err(), "`GPU` is not a custom resource: use --gpus");
        assert_eq!("=1".parse::<CustomResource>().unwrap_err(), "needs a resource name before `=` (got `=1`)");
        assert_eq!(
            "slot=-1".parse::<CustomResource>().unwrap_err(),
            "the amount of `slot` must be a number of zero or more (got `-1`)"
        );
    }
}
