//! `synapse`: the plugin author's command line.
//!
//! | command | what it does | file |
//! |---|---|---|
//! | `synapse new <name> --category <category>` | a plugin crate of that category, built on its specialized base, with its `config.yaml`, tests and README | `new/` |
//! | `synapse publish [--dry-run]` | the plugin's release binary packaged as job mode ships it, and registered as a plugin release on the backend | `publish.rs` |
//! | `synapse dev` | the dev backend with a seeded workspace and its web console, and the environment a run needs to report to it | `dev.rs` |
//!
//! Every failure is a [`CliError`](error::CliError) naming what and where, printed on stderr
//! with exit code 1 (2 for a usage error, as clap's).

mod dev;
mod error;
mod new;
mod publish;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// The Synapse plugin author's command line: create, publish and watch plugins.
#[derive(Debug, Parser)]
#[command(name = "synapse", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a plugin crate of a category, built on its specialized base: its actions, tests,
    /// config.yaml, README and .synapseignore (prompts for what is missing on a terminal).
    New(new::NewArgs),
    /// Build the plugin's release binary, package it as job mode ships it, and register it as a
    /// plugin release on the backend (SYNAPSE_HOST, SYNAPSE_ACCESS_TOKEN).
    Publish(publish::PublishArgs),
    /// Start the dev backend with a seeded workspace and its web console, and print the
    /// environment a plugin run needs to report to it.
    Dev(dev::DevArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::New(args) => new::run(args),
        Command::Publish(args) => publish::run(args),
        Command::Dev(args) => dev::run(args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
