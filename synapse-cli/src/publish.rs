//! `synapse publish [--dry-run]`: the plugin's release binary, packaged as job mode ships it
//! (the same deterministic zip: `synapse::executor::ray::PluginPackage`), its files and size
//! shown, and registered on the backend as a plugin release (`POST plugin_releases/`, as the
//! SDK's `synapse plugin publish` does) with its `config.yaml` as JSON.
//!
//! Refused: a `config.yaml` that does not match the code (the plugin's `config --check`), a
//! build that fails, no backend configured, and a release the backend rejects (its message).

use crate::error::CliError;
use serde_json::Value;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use synapse::backend::{BackendClient, PluginReleaseCreate};
use synapse::executor::ray::PluginPackage;

/// `synapse publish`'s arguments.
#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// The plugin crate's directory.
    #[arg(long, value_name = "DIR", default_value = ".")]
    path: PathBuf,
    /// Build and package it, show what would be published, and stop.
    #[arg(long)]
    dry_run: bool,
    /// Publish it as a debug release (the platform shows it as one).
    #[arg(long)]
    debug: bool,
    /// The cargo profile the binary is built with.
    #[arg(long, value_name = "PROFILE", default_value = "release")]
    profile: String,
}

/// Builds, packages and (unless `--dry-run`) publishes the plugin at `args.path`.
///
/// # Errors
/// See the module documentation.
pub fn run(args: PublishArgs) -> Result<(), CliError> {
    let dir = std::fs::canonicalize(&args.path).map_err(CliError::io("finding the plugin directory", &args.path))?;
    if !dir.join("Cargo.toml").is_file() {
        return Err(CliError::NotAPlugin { dir, reason: "it has no Cargo.toml".into() });
    }
    // The backend is looked at before the build, so that a missing one is said at once.
    let client = if args.dry_run { None } else { Some(backend()?) };
    eprintln!("building the binary (profile {})…", args.profile);
    let binary = build(&dir, &args.profile)?;
    check_config(&binary, &dir)?;
    let config = read_config(&dir)?;
    let field = |name: &str| config.get(name).and_then(Value::as_str).map(str::to_owned);
    let (Some(code), Some(version)) = (field("code"), field("version")) else {
        return Err(CliError::NotAPlugin { dir, reason: "its config.yaml has no `code` or `version`".into() });
    };
    let package = PluginPackage::builder().binary(&binary).plugin_dir(&dir).no_cache().build()?;
    eprintln!("{code} {version}: {} ({})", package.name(), human_size(package.len()));
    for entry in package.entries() {
        eprintln!(
            "  {:>10}  {}{}",
            human_size(entry.size),
            entry.path,
            if entry.executable { " (executable)" } else { "" }
        );
    }
    let Some(client) = client else {
        eprintln!("dry run: nothing published");
        return Ok(());
    };
    let zip = package.read_zip()?;
    let release = PluginReleaseCreate { plugin: code.clone(), version: version.clone(), config, debug: args.debug };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CliError::io("starting the runtime for", &dir))?;
    let host = client.config().host.to_string();
    let created = runtime.block_on(client.create_plugin_release(&release, package.name(), zip)).map_err(|source| {
        let mut what = format!("publishing {code} {version} to {host}");
        if source.to_string().contains("must make a unique set") {
            what = format!(
                "{what} (it has release {version} already: raise `version` in Cargo.toml, then \
                 `cargo run -- config --write`)"
            );
        }
        CliError::Backend { what, source: Box::new(source) }
    })?;
    println!("{}", created.id);
    eprintln!("published {code} {version} as plugin release {} on {host}", created.id);
    Ok(())
}

/// The backend of `SYNAPSE_HOST` and `SYNAPSE_ACCESS_TOKEN`.
fn backend() -> Result<BackendClient, CliError> {
    BackendClient::from_env()
        .map_err(|source| CliError::Backend { what: "configuring the backend".into(), source: Box::new(source) })?
        .ok_or_else(|| CliError::Missing {
            what: "the backend",
            hint: "set SYNAPSE_HOST and SYNAPSE_ACCESS_TOKEN (`synapse dev` prints them for a dev backend), or \
                   look first with `--dry-run`"
                .into(),
        })
}

/// `cargo build --profile <profile>` in `dir`, cargo's diagnostics shown; the binary built.
fn build(dir: &Path, profile: &str) -> Result<PathBuf, CliError> {
    let line = format!("cargo build --profile {profile}");
    let failed = |outcome: String| CliError::Command { command: line.clone(), dir: dir.to_owned(), outcome };
    let mut child = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["build", "--profile", profile, "--message-format=json-render-diagnostics"])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|error| failed(format!("could not start: {error}")))?;
    let mut binary = None;
    if let Some(stdout) = child.stdout.take() {
        for message in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            let Ok(message) = serde_json::from_str::<Value>(&message) else { continue };
            let is_bin = message["target"]["kind"].as_array().is_some_and(|kinds| kinds.iter().any(|k| k == "bin"));
            let local = message["manifest_path"].as_str().is_some_and(|path| Path::new(path).starts_with(dir));
            if message["reason"] == "compiler-artifact" && is_bin && local {
                binary = message["executable"].as_str().map(PathBuf::from);
            }
        }
    }
    let status = child.wait().map_err(|error| failed(format!("could not be waited for: {error}")))?;
    if !status.success() {
        return Err(failed(format!("failed ({status})")));
    }
    binary.ok_or_else(|| CliError::NotAPlugin { dir: dir.to_owned(), reason: "its crate builds no binary".into() })
}

/// The plugin's own `config --check`: its `config.yaml` and `schemas/` match its code.
fn check_config(binary: &Path, dir: &Path) -> Result<(), CliError> {
    let output = Command::new(binary).args(["config", "--check", "--dir"]).arg(dir).output().map_err(|error| {
        CliError::Command {
            command: format!("{} config --check", binary.display()),
            dir: dir.to_owned(),
            outcome: format!("could not start: {error}"),
        }
    })?;
    if output.status.success() {
        return Ok(());
    }
    let detail = String::from_utf8_lossy(&output.stderr).trim().to_owned();
    Err(CliError::StaleConfig { dir: dir.to_owned(), detail })
}

/// `dir/config.yaml`, as JSON.
fn read_config(dir: &Path) -> Result<Value, CliError> {
    let path = dir.join("config.yaml");
    let text = std::fs::read_to_string(&path).map_err(CliError::io("reading", &path))?;
    serde_saphyr::from_str(&text).map_err(|error| CliError::NotAPlugin {
        dir: dir.to_owned(),
        reason: format!("its config.yaml is not YAML: {error}"),
    })
}

/// `bytes` for people: `512 B`, `3.4 KiB`, `12.0 MiB`.
fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}
