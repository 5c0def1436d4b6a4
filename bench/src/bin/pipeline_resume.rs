//! Resume of a ten-action pipeline killed (SIGKILL) in its seventh action: the time from
//! starting `pipeline resume` to its first event, to the restart of the killed action, and to
//! the end of the run.
//!
//! The pipeline is `stages` of the test plugin `stages-plugin` (tests/fixtures/stages), whose
//! action N waits while the file `<journal>.hang-N` exists.
//!
//! ```text
//! cargo build --release -p synapse-bench -p synapse-tests --bins
//! target/release/pipeline_resume [--runs 20]
//! ```

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn fail(what: &str, error: impl std::fmt::Display) -> ! {
    eprintln!("error: {what}: {error}");
    std::process::exit(1);
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn started(journal: &Path, number: u32) -> bool {
    std::fs::read_to_string(journal).unwrap_or_default().lines().any(|line| line == format!("start {number}"))
}

struct Sample {
    first_event: Duration,
    restarted: Duration,
    done: Duration,
}

fn one(plugin: &Path, dir: &Path, round: usize) -> Sample {
    let journal = dir.join(format!("journal-{round}"));
    let store = dir.join("runs.db");
    let hang = PathBuf::from(format!("{}.hang-7", journal.display()));
    std::fs::write(&hang, "").unwrap_or_else(|e| fail("fault file", e));
    let run_id = format!("resume-bench-{round}");
    let params = json!({"journal": journal}).to_string();
    let store_arg = store.to_string_lossy().into_owned();
    let mut child = Command::new(plugin)
        .args(["pipeline", "run", "stages", "--params", &params, "--run-id", &run_id, "--store", &store_arg])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| fail("spawn", e));
    let deadline = Instant::now() + Duration::from_secs(30);
    while !started(&journal, 7) {
        if Instant::now() > deadline {
            fail("run", "action 7 never started");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap_or_else(|e| fail("kill", e));
    let _ = child.wait();
    std::fs::remove_file(&hang).unwrap_or_else(|e| fail("clear fault", e));

    let begin = Instant::now();
    let mut resume = Command::new(plugin)
        .args(["pipeline", "resume", &run_id, "--store", &store_arg, "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| fail("spawn resume", e));
    let stdout = resume.stdout.take().unwrap_or_else(|| fail("resume", "no stdout"));
    let (mut first_event, mut restarted, mut result) = (None, None, None);
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap_or_else(|e| fail("read", e));
        let at = begin.elapsed();
        first_event.get_or_insert(at);
        let event: Value = serde_json::from_str(&line).unwrap_or_else(|e| fail("event", e));
        if event["type"] == "pipeline_action_started" && event["index"] == 6 {
            restarted.get_or_insert(at);
        }
        if event["type"] == "result" && event["run"] == run_id.as_str() {
            result = Some(event["value"].clone());
        }
    }
    let status = resume.wait().unwrap_or_else(|e| fail("resume", e));
    let done = begin.elapsed();
    if !status.success() || result != Some(json!({"total": 55, "last": 10})) {
        fail("resume", format!("ended {status} with {result:?}"));
    }
    match (first_event, restarted) {
        (Some(first_event), Some(restarted)) => Sample { first_event, restarted, done },
        _ => fail("resume", "no events"),
    }
}

fn main() {
    let runs = std::env::args().skip_while(|a| a != "--runs").nth(1).and_then(|n| n.parse().ok()).unwrap_or(20usize);
    let plugin = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("stages-plugin")))
        .filter(|path| path.exists())
        .unwrap_or_else(|| fail("no plugin", "build it: cargo build --release -p synapse-tests --bins"));
    let dir = std::env::temp_dir().join(format!("pipeline-resume-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| fail("temp dir", e));
    let samples: Vec<Sample> = (0..runs).map(|round| one(&plugin, &dir, round)).collect();
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "pipeline.resume.first_event: {} (median of {runs}; process start, store open, run and checkpoint read)",
        ms(median(samples.iter().map(|s| s.first_event).collect()))
    );
    println!("pipeline.resume.killed_action_restarted: {}", ms(median(samples.iter().map(|s| s.restarted).collect())));
    println!("pipeline.resume.whole (actions 7-10 and exit): {}", ms(median(samples.iter().map(|s| s.done).collect())));
}
