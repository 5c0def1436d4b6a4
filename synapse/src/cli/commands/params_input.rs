//! Where a command's params come from (`--params` inline, `@file` or `-`; `--params-env VAR`),
//! read with the one params reader.

use crate::params::Violations;
use serde_json::Value;
use std::io::Read;

pub(in crate::cli) enum ParamsSource<'a> {
    Arg(&'a str),
    Env(&'a str),
}

impl<'a> ParamsSource<'a> {
    /// The params as the command line gives them: `--params-env VAR` if set, else `--params`.
    pub(in crate::cli) fn of(params_env: Option<&'a str>, params: &'a str) -> Self {
        params_env.map_or(ParamsSource::Arg(params), ParamsSource::Env)
    }
}

pub(in crate::cli) enum ParamsInputError {
    Unreadable(String),
    Malformed(Violations),
}

/// The params the command line gives, read with [`crate::params::from_text`] wherever they
/// come from: inline, a file (`@path`), standard input (`-`) or an environment variable.
pub(in crate::cli) fn read_params(source: ParamsSource<'_>) -> Result<Value, ParamsInputError> {
    let text = match source {
        ParamsSource::Env(var) => std::env::var(var).map_err(|_| {
            ParamsInputError::Unreadable(format!("the params variable `{var}` is not set (or not UTF-8)"))
        })?,
        ParamsSource::Arg("-") => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).map_err(|error| {
                ParamsInputError::Unreadable(format!("cannot read params from standard input: {error}"))
            })?;
            text
        }
        ParamsSource::Arg(source) => match source.strip_prefix('@') {
            Some(path) => std::fs::read_to_string(path)
                .map_err(|error| ParamsInputError::Unreadable(format!("cannot read params file `{path}`: {error}")))?,
            None => source.to_owned(),
        },
    };
    crate::params::from_text(&text).map_err(ParamsInputError::Malformed)
}
