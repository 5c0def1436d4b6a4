//! HTTP load from a second process: `wrk` (Debian's package `wrk`) driven by
//! `bench/serve/post.lua`, and the figures of one run ([`LoadFigures`]).
//!
//! Every request is `POST <url>` with a JSON body and the `serve_multiplexed_model_id` header;
//! the script ends the run with one line `@wrk {...}` that [`run`] parses.

use std::fmt;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// The wrk script, beside this crate's sources.
pub fn script() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/serve/post.lua"))
}

/// One load run: `connections` open connections over `threads` wrk threads for `duration`.
#[derive(Debug, Clone)]
pub struct Load {
    /// The URL every request is sent to, e.g. `http://127.0.0.1:8000/`.
    pub url: String,
    /// The `serve_multiplexed_model_id` header's value.
    pub header: String,
    /// The JSON body of every request.
    pub body: String,
    /// Open connections (wrk's `-c`); each has at most one request in flight.
    pub connections: u32,
    /// wrk's threads (`-t`), at most `connections`.
    pub threads: u32,
    /// How long the run lasts (`-d`, whole seconds, at least 1).
    pub duration: Duration,
}

/// What one wrk run measured. Latencies are wrk's, in microseconds, over the requests that
/// completed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadFigures {
    /// Requests completed.
    pub requests: u64,
    /// Requests per second over the run.
    pub rps: f64,
    /// Median latency, µs.
    pub p50_us: u64,
    /// 90th percentile latency, µs.
    pub p90_us: u64,
    /// 99th percentile latency, µs.
    pub p99_us: u64,
    /// Answers other than 2xx/3xx.
    pub status_errors: u64,
    /// Connect, read and write errors and timeouts (wrk's 2 s).
    pub socket_errors: u64,
}

/// Why a load run gave no figures.
#[derive(Debug)]
pub enum LoadError {
    /// `wrk` could not be started (not installed: `apt-get install wrk`).
    Spawn(std::io::Error),
    /// wrk exited with a failure.
    Failed {
        /// Its exit status.
        status: std::process::ExitStatus,
        /// What it wrote on stderr.
        stderr: String,
    },
    /// wrk's output has no valid `@wrk {...}` line.
    NoSummary {
        /// What it wrote on stdout.
        stdout: String,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Spawn(error) => write!(f, "cannot run wrk ({error}); on Debian: apt-get install -y wrk"),
            Self::Failed { status, stderr } => write!(f, "wrk failed ({status}): {}", stderr.trim()),
            Self::NoSummary { stdout } => {
                write!(f, "wrk printed no valid `@wrk {{...}}` line from {}; its output:\n{stdout}", script().display())
            }
        }
    }
}

impl std::error::Error for LoadError {}

/// The installed wrk's version line (`wrk debian/4.1.0-3+b2 [epoll] ...`).
pub fn version() -> Result<String, LoadError> {
    // `wrk --version` prints its banner and usage and exits 1.
    let output = Command::new("wrk").arg("--version").output().map_err(LoadError::Spawn)?;
    let text = String::from_utf8_lossy(&output.stdout);
    Ok(text.lines().next().unwrap_or_default().split(" Copyright").next().unwrap_or_default().to_owned())
}

/// Runs wrk once with `load` and returns its figures.
pub fn run(load: &Load) -> Result<LoadFigures, LoadError> {
    let output = Command::new("wrk")
        .arg(format!("-t{}", load.threads.clamp(1, load.connections.max(1))))
        .arg(format!("-c{}", load.connections.max(1)))
        .arg(format!("-d{}s", load.duration.as_secs().max(1)))
        .arg("-s")
        .arg(script())
        .arg(&load.url)
        .env("SERVE_MODEL_HEADER", &load.header)
        .env("SERVE_BODY", &load.body)
        .output()
        .map_err(LoadError::Spawn)?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        return Err(LoadError::Failed {
            status: output.status,
            stderr: String::from_utf8_lossy(&output.stderr).into(),
        });
    }
    parse(&stdout).ok_or(LoadError::NoSummary { stdout })
}

/// The figures of the `@wrk {...}` line in wrk's `stdout`.
fn parse(stdout: &str) -> Option<LoadFigures> {
    let line = stdout.lines().find_map(|line| line.strip_prefix("@wrk "))?;
    let summary: serde_json::Value = serde_json::from_str(line).ok()?;
    let int = |value: &serde_json::Value, key: &str| value.get(key)?.as_u64();
    let errors = summary.get("errors")?;
    Some(LoadFigures {
        requests: int(&summary, "requests")?,
        rps: summary.get("rps")?.as_f64()?,
        p50_us: int(&summary, "p50_us")?,
        p90_us: int(&summary, "p90_us")?,
        p99_us: int(&summary, "p99_us")?,
        status_errors: int(errors, "status")?,
        socket_errors: ["connect", "read", "write", "timeout"]
            .iter()
            .map(|key| int(errors, key))
            .sum::<Option<u64>>()?,
    })
}

/// The median of each figure over `runs` (each on its own, so the medians may come from
/// different runs); error counts are summed. `None` for no runs.
pub fn median(runs: &[LoadFigures]) -> Option<LoadFigures> {
    fn mid<T: Copy + PartialOrd>(mut values: Vec<T>) -> T {
        values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        values[values.len() / 2]
    }
    if runs.is_empty() {
        return None;
    }
    let of = |f: fn(&LoadFigures) -> u64| mid(runs.iter().map(f).collect());
    Some(LoadFigures {
        requests: of(|r| r.requests),
        rps: mid(runs.iter().map(|r| r.rps).collect()),
        p50_us: of(|r| r.p50_us),
        p90_us: of(|r| r.p90_us),
        p99_us: of(|r| r.p99_us),
        status_errors: runs.iter().map(|r| r.status_errors).sum(),
        socket_errors: runs.iter().map(|r| r.socket_errors).sum(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"@wrk {"requests":2392,"duration_us":1099601,"rps":2175.33,"p50_us":845,"p90_us":1274,"p99_us":3202,"max_us":8716,"errors":{"connect":1,"read":2,"write":0,"status":7,"timeout":3}}"#;

    #[test]
    fn parses_the_summary_line_among_wrks_report() {
        let stdout = format!("Running 1s test @ http://127.0.0.1:1/\n  1 threads and 2 connections\n{LINE}\n");
        let figures = parse(&stdout).expect("a summary");
        assert_eq!(figures.requests, 2392);
        assert_eq!((figures.p50_us, figures.p90_us, figures.p99_us), (845, 1274, 3202));
        assert_eq!((figures.status_errors, figures.socket_errors), (7, 6));
        assert!((figures.rps - 2175.33).abs() < 1e-9);
    }

    #[test]
    fn no_summary_without_the_line_or_with_a_field_missing() {
        assert_eq!(parse("Requests/sec: 10\n"), None);
        assert_eq!(parse(&LINE.replace(r#""p99_us":3202,"#, "")), None);
    }

    #[test]
    fn median_takes_each_figure_on_its_own_and_sums_errors() {
        let base = parse(LINE).expect("a summary");
        let runs = [
            LoadFigures { rps: 10.0, p99_us: 900, ..base },
            LoadFigures { rps: 30.0, p99_us: 100, ..base },
            LoadFigures { rps: 20.0, p99_us: 500, ..base },
        ];
        let median = median(&runs).expect("a median");
        assert_eq!((median.rps, median.p99_us), (20.0, 500));
        assert_eq!(median.status_errors, 21);
        assert_eq!(super::median(&[]), None);
    }
}
