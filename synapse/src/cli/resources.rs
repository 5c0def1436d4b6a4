//! `--cpus`, `--gpus`, `--memory` and `--resource`: what a run on Ray asks the cluster for, on
//! the command lines of `run` and `pipeline run`/`resume` (see [`Resources`]).

use crate::executor::{Amount, ByteCount, CustomResource, Resources};
use clap::Args;

/// The resource flags, flattened into each command that can run on Ray.
#[derive(Args, Debug, Clone, Default)]
pub(super) struct ResourceArgs {
    /// With `--mode task` or `job`: logical CPUs to reserve on the Ray cluster (fractions
    /// allowed).
    #[arg(long, value_name = "N", allow_negative_numbers = true, help_heading = "Ray resources")]
    cpus: Option<Amount>,
    /// With `--mode task` or `job`: GPUs to reserve (fractions allowed; a node must have them).
    #[arg(long, value_name = "N", allow_negative_numbers = true, help_heading = "Ray resources")]
    gpus: Option<Amount>,
    /// With `--mode task` or `job`: memory to reserve, e.g. `16GiB`, `512MiB` or bytes
    /// (`K`/`M`/`G` are powers of 1000, `Ki`/`Mi`/`Gi` of 1024).
    #[arg(long, value_name = "SIZE", allow_hyphen_values = true, help_heading = "Ray resources")]
    memory: Option<ByteCount>,
    /// With `--mode task` or `job`: a custom resource the cluster's nodes declare, as
    /// NAME=AMOUNT; repeat for more.
    #[arg(long = "resource", value_name = "NAME=AMOUNT", help_heading = "Ray resources")]
    custom: Vec<CustomResource>,
}

impl ResourceArgs {
    /// What the flags ask for.
    pub(super) fn resources(&self) -> Resources {
        Resources {
            num_cpus: self.cpus.map(|Amount(n)| n),
            num_gpus: self.gpus.map(|Amount(n)| n),
            memory: self.memory.map(|ByteCount(bytes)| bytes),
            custom: self.custom.iter().map(|resource| (resource.name.clone(), resource.amount)).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Command {
        #[command(flatten)]
        resources: ResourceArgs,
    }

    fn parse(args: &[&str]) -> Result<Resources, String> {
        let args = std::iter::once("plugin").chain(args.iter().copied());
        Command::try_parse_from(args).map(|command| command.resources.resources()).map_err(|error| error.to_string())
    }

    #[test]
    fn every_flag_reaches_the_request() {
        let asked = parse(&[
            "--cpus",
            "4",
            "--gpus",
            "0.5",
            "--memory",
            "16GiB",
            "--resource",
            "slot=1",
            "--resource",
            "tpu=2",
        ]);
        let expected = Resources::default().cpus(4.0).gpus(0.5).memory(16 << 30).custom("slot", 1.0).custom("tpu", 2.0);
        assert_eq!(asked, Ok(expected));
        assert_eq!(parse(&[]), Ok(Resources::default()));
    }

    #[test]
    fn a_bad_value_names_its_flag_and_what_it_must_be() {
        let error = parse(&["--gpus", "-1"]).unwrap_err();
        assert!(
            error.contains("--gpus <N>") && error.contains("must be a number of zero or more (got `-1`)"),
            "{error}"
        );
        let error = parse(&["--memory", "lots"]).unwrap_err();
        assert!(error.contains("--memory <SIZE>") && error.contains("must be a size like `16GiB`"), "{error}");
        let error = parse(&["--resource", "slot"]).unwrap_err();
        assert!(error.contains("must be NAME=AMOUNT"), "{error}");
    }
}
