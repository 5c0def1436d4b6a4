//! `--mode` on the command line: [`ExecutionMode`]'s names and one-line descriptions, as clap
//! reads and lists them. The executor defines the modes; only the command line knows clap.

use crate::executor::ExecutionMode;
use clap::builder::PossibleValue;

impl clap::ValueEnum for ExecutionMode {
    fn value_variants<'a>() -> &'a [Self] {
        &ExecutionMode::ALL
    }

    /// A mode on Ray says, in a build without the `ray` feature, that it needs it.
    fn to_possible_value(&self) -> Option<PossibleValue> {
        let on_ray = matches!(self, ExecutionMode::Task | ExecutionMode::Job);
        let help = if on_ray && cfg!(not(feature = "ray")) {
            format!("{} [needs the `ray` feature]", self.description())
        } else {
            self.description().to_owned()
        };
        Some(PossibleValue::new(self.as_str()).help(help))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    #[test]
    fn every_mode_reads_back_from_its_name() {
        for mode in ExecutionMode::ALL {
            assert_eq!(ExecutionMode::from_str(mode.as_str(), false), Ok(mode));
        }
        assert!(ExecutionMode::from_str("ray", false).is_err());
    }
}
