//! `--mode` on the command line: [`ExecutionMode`]'s names and one-line descriptions, as clap
//! reads and lists them. The executor defines the modes; only the command line knows clap.

use crate::executor::ExecutionMode;
use clap::builder::PossibleValue;

impl clap::ValueEnum for ExecutionMode {
    fn value_variants<'a>() -> &'a [Self] {
        &ExecutionMode::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.as_str()).help(self.description()))
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
