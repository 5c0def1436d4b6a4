//! Whole-process figure: start a plugin binary, run one action, exit.
//!
//! Spawns each command `--runs` times (after `--warmup` discarded runs, which also warm the page
//! cache), with standard input, output and error on `/dev/null`, and reaps each child with
//! `wait4(2)`, which returns that child's own resource usage. It prints, per command, the wall
//! time from just before the spawn to just after the reap, the child's CPU time (user + system)
//! and its peak resident set size (`ru_maxrss`): median, min and max.
//!
//! ```text
//! cargo build --release -p synapse-bench -p quickstart --bins
//! target/release/startup [--runs 51] [--warmup 3]
//! ```
//!
//! The plugin binaries are looked up next to this one (`target/release/`); `/bin/true` is
//! measured too, as the floor of spawning any process from this harness. `startup [options] --
//! PROGRAM [ARGS…]` measures that one command instead.
//!
//! About `ru_maxrss`: Linux carries the high-water mark of the memory image a child had before
//! `exec` (a copy or a share of this harness's own image) over into the child, so a child's
//! figure is never below the harness's own resident size, which is printed as the floor. Every
//! plugin figure here is well above it, so it is the plugin's own peak.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};
use synapse_bench::child::{reap, stats};

/// One child's measurements.
struct Sample {
    wall: Duration,
    cpu: Duration,
    max_rss_kib: u64,
}

/// A command to measure.
struct Case {
    label: &'static str,
    program: PathBuf,
    args: Vec<OsString>,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut runs = 51_usize;
    let mut warmup = 3_usize;
    let mut command: Vec<OsString> = Vec::new();
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--" {
            command = args.by_ref().collect();
            break;
        }
        let arg = arg.into_string().map_err(|arg| format!("unknown argument {arg:?} (try --help)"))?;
        let mut number = |name: &str| -> Result<usize, String> {
            let value = args.next().ok_or_else(|| format!("{name} needs a number"))?;
            let value = value.to_string_lossy();
            value.parse().map_err(|_| format!("{name} needs a number, got `{value}`"))
        };
        match arg.as_str() {
            "--runs" => runs = number("--runs")?.max(1),
            "--warmup" => warmup = number("--warmup")?,
            "-h" | "--help" => {
                println!("usage: startup [--runs N] [--warmup N] [-- PROGRAM [ARGS...]]");
                return Ok(());
            }
            other => return Err(format!("unknown argument `{other}` (try --help)")),
        }
    }

    let dir = std::env::current_exe()
        .map_err(|error| format!("cannot locate this binary: {error}"))?
        .parent()
        .map(Path::to_path_buf)
        .ok_or("this binary has no parent directory")?;
    let cases = match command.split_first() {
        Some((program, args)) => vec![Case { label: "command", program: PathBuf::from(program), args: args.to_vec() }],
        None => cases(&dir),
    };
    println!(
        "env: {} cpus, load average {}, runs={runs}, warmup={warmup}, binaries in {}, harness resident size {} (the floor of peak_rss)",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average(),
        dir.display(),
        own_resident_size(),
    );
    for case in &cases {
        if case.program.components().count() > 1 && !case.program.exists() {
            println!("{}: SKIPPED ({} is not built)", case.label, case.program.display());
            continue;
        }
        for _ in 0..warmup {
            measure(case)?;
        }
        let mut samples = Vec::with_capacity(runs);
        for _ in 0..runs {
            samples.push(measure(case)?);
        }
        report(case.label, &samples);
    }
    Ok(())
}

fn cases(dir: &Path) -> Vec<Case> {
    let args = |list: &[&str]| list.iter().map(OsString::from).collect::<Vec<_>>();
    vec![
        Case { label: "baseline./bin/true", program: PathBuf::from("/bin/true"), args: Vec::new() },
        Case { label: "peerplugin.run_noop", program: dir.join("peerplugin"), args: args(&["run", "noop"]) },
        Case {
            label: "peerplugin.run_noop_json",
            program: dir.join("peerplugin"),
            args: args(&["run", "noop", "--json"]),
        },
        Case {
            label: "peerplugin.run_process_count100",
            program: dir.join("peerplugin"),
            args: args(&["run", "process", "--params", r#"{"name": "bench"}"#]),
        },
        Case { label: "peerplugin.list", program: dir.join("peerplugin"), args: args(&["list"]) },
        Case {
            label: "quickstart.run_process",
            program: dir.join("quickstart"),
            args: args(&["run", "process", "--params", r#"{"input_path": "in.csv", "output_path": "out.csv"}"#]),
        },
    ]
}

/// Runs `case` once and measures it; a failing child is an error, with its standard error.
fn measure(case: &Case) -> Result<Sample, String> {
    let start = Instant::now();
    let child = Command::new(&case.program)
        .args(&case.args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|error| format!("cannot start {}: {error}", case.program.display()))?;
    let (status, usage) = reap(child.id()).map_err(|error| format!("wait4 failed: {error}"))?;
    let wall = start.elapsed();
    if status != 0 {
        let output = Command::new(&case.program).args(&case.args).stdin(Stdio::null()).output();
        let stderr = output.map(|o| String::from_utf8_lossy(&o.stderr).into_owned()).unwrap_or_default();
        return Err(format!("{} exited with wait status {status}: {}", case.label, stderr.trim()));
    }
    Ok(Sample { wall, cpu: usage.cpu, max_rss_kib: usage.max_rss_kib })
}

fn report(label: &str, samples: &[Sample]) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let walls: Vec<f64> = samples.iter().map(|s| ms(s.wall)).collect();
    let cpus: Vec<f64> = samples.iter().map(|s| ms(s.cpu)).collect();
    let rss: Vec<f64> = samples.iter().map(|s| s.max_rss_kib as f64 / 1024.0).collect();
    println!("{label}.wall: {}", stats(&walls, "ms", 2));
    println!("{label}.cpu_user+sys: {}", stats(&cpus, "ms", 2));
    println!("{label}.peak_rss: {}", stats(&rss, "MiB", 2));
}

/// This process's resident size (`VmRSS`) and its high-water mark (`VmHWM`).
fn own_resident_size() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or_else(|| "unknown".to_owned(), |kib| format!("{:.2} MiB", kib / 1024.0))
    };
    format!("VmRSS {} / VmHWM {}", field("VmRSS:"), field("VmHWM:"))
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| text.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}
