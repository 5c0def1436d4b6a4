//! Packaging a real plugin crate for Ray, against a running head (`SYNAPSE_RAY_ADDRESS`).
//!
//! A new user's plugin lives in a crate of its own, built with cargo's default dev profile:
//! full debug info, nothing optimized, synapse included (a crate outside this repository reads
//! none of its settings). This writes such a crate into a temporary directory outside the
//! repository (the README's `process` action and `synapse::main!`, depending on this
//! repository's `synapse` by path), builds it with plain `cargo build`, checks that its binary
//! is about 200 MB of mostly debug info, then measures through the plugin's own command line,
//! each figure the wall time of one `my_plugin run process --mode …` process:
//!
//! - `job.first`: job mode with a package the cluster has never seen and an empty package
//!   cache (a file of the crate changes each round), so everything is done: the walk, reading
//!   and stripping the binary, zipping, hashing, the upload, Ray unpacking it, the job;
//! - `job.second`: the same command again (the package cache and the cluster have it);
//! - `quickstart.second`: the same for the in-tree quickstart example (`target/release/quickstart`),
//!   measured in the same rounds: `job.second` must stay within 1.2 times of it;
//! - `task.first`: task mode with a new package and an empty cache (the worker's first run:
//!   packaging, upload, the worker job's start, the run, the worker's stop);
//! - `task.cached`: task mode again, the package unchanged;
//! - `pack.fresh` / `pack.cached`: `PackageBuilder::build` alone in the plugin's crate (so
//!   compiled as unoptimized as the plugin), without and with the package in the cache.
//!
//! Medians over the rounds, interleaved so that all see the same cluster.
//!
//! ```text
//! cargo build --release -p synapse-bench -p quickstart
//! target/release/package_figures --build-only        # the plugin crate, built on the host
//! ./scripts/ray.sh run -- target/release/package_figures [--rounds 7] [--work DIR]
//! ```
//!
//! The plugin crate and its target directory stay in `--work` (default
//! `$TMPDIR/synapse-package-figures`), so later runs build it incrementally; the namespace of
//! `scripts/ray.sh run` has no network, so the crate is built `--offline` from the registry
//! cache this workspace's build filled.

use object::read::{Object, ObjectSection};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

fn fail(what: &str, error: impl std::fmt::Display) -> ! {
    eprintln!("error: {what}: {error}");
    std::process::exit(1);
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1e3)
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

const LIB: &str = r#"use synapse::prelude::*;

synapse::plugin!(name = "My Plugin", category = Custom);

/// Parameters for the process action.
#[params]
pub struct ProcessParams {
    /// Path to input file
    pub input_path: String,
    /// Path to output file
    pub output_path: String,
    #[param(default = 32, range(min = 1, max = 1024))]
    pub batch_size: u32,
    #[param(default)]
    pub verbose: bool,
}

#[output]
pub struct ProcessResult {
    pub status: String,
    pub output_path: String,
    pub items_processed: u64,
}

/// Process files with progress tracking.
#[action(name = "process", category = Custom)]
pub struct ProcessAction;

impl Action for ProcessAction {
    type Params = ProcessParams;
    type Output = ProcessResult;

    async fn execute(&self, params: ProcessParams, ctx: &Context) -> Result<ProcessResult> {
        let total = 100;
        for i in 0..total {
            ctx.set_progress(i + 1, total);
        }
        ctx.set_metrics(metrics! { items_processed: total }, "process");
        Ok(ProcessResult { status: "completed".into(), output_path: params.output_path, items_processed: total })
    }
}
"#;

/// `pack <binary> <plugin dir> <cache dir>`: builds the package as job mode does and prints
/// how long that took, whether it came from the cache, and the sizes.
const PACK: &str = r#"use std::time::Instant;
use synapse::executor::ray::PluginPackage;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let started = Instant::now();
    let package = PluginPackage::builder().binary(&args[1]).plugin_dir(&args[2]).cache_dir(&args[3]).build();
    let elapsed = started.elapsed();
    let package = package.unwrap_or_else(|error| panic!("{error}"));
    let binary = package.entries().iter().find(|e| e.path == package.binary_path()).map_or(0, |e| e.size);
    println!("{} {} {} {}", elapsed.as_secs_f64(), package.from_cache(), package.len(), binary);
}
"#;

fn write_if_changed(path: &Path, contents: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(contents) {
        std::fs::create_dir_all(path.parent().unwrap_or(Path::new("."))).unwrap_or_else(|e| fail("crate dir", e));
        std::fs::write(path, contents).unwrap_or_else(|e| fail("crate file", e));
    }
}

/// Writes the plugin crate into `dir` and builds it; returns its binaries' directory.
fn build_crate(repo: &Path, dir: &Path, target: &Path) -> PathBuf {
    let manifest = format!(
        "[package]\nname = \"my_plugin\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\nsynapse = {{ path = {:?}, features = [\"ray\"] }}\n\n[[bin]]\nname = \"my_plugin\"\npath = \"src/main.rs\"\n",
        repo.join("synapse")
    );
    write_if_changed(&dir.join("Cargo.toml"), &manifest);
    write_if_changed(&dir.join("src/lib.rs"), LIB);
    write_if_changed(&dir.join("src/main.rs"), "synapse::main!(my_plugin);\n");
    write_if_changed(&dir.join("src/bin/pack.rs"), PACK);
    // The versions this workspace builds with (cargo keeps what the crate uses).
    if !dir.join("Cargo.lock").exists() {
        std::fs::copy(repo.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap_or_else(|e| fail("Cargo.lock", e));
    }
    let started = Instant::now();
    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cargo.args(["build", "--offline", "--bins"]).current_dir(dir).env("CARGO_TARGET_DIR", target);
    // Nothing of this workspace's build may reach the plugin's: plain `cargo build`.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("CARGO_PROFILE_") || key.ends_with("RUSTFLAGS") || key == "CARGO_BUILD_TARGET" {
            cargo.env_remove(key.as_ref());
        }
    }
    let status = cargo.status().unwrap_or_else(|e| fail("cargo build", e));
    if !status.success() {
        fail("cargo build of the plugin crate", status);
    }
    println!(
        "plugin crate: built in {:.1} s (`cargo build`, dev profile) in {}",
        started.elapsed().as_secs_f64(),
        dir.display()
    );
    target.join("debug")
}

/// The binary's size and how much of it is `.debug_*` sections.
fn debug_share(binary: &Path) -> (u64, u64) {
    let data = std::fs::read(binary).unwrap_or_else(|e| fail("read the binary", e));
    let file = object::read::File::parse(&*data).unwrap_or_else(|e| fail("parse the binary", e));
    let debug = file
        .sections()
        .filter(|section| section.name().is_ok_and(|name| name.starts_with(".debug_")))
        .map(|section| section.size())
        .sum();
    (data.len() as u64, debug)
}

const PARAMS: &str = r#"{"input_path": "in.csv", "output_path": "out.csv"}"#;

/// One `run process` of `binary` in `mode` with the package cache in `cache`: its wall time.
fn run(binary: &Path, mode: &str, cache: &Path) -> Duration {
    let started = Instant::now();
    let output = Command::new(binary)
        .args(["run", "process", "--json", "--mode", mode, "--params", PARAMS])
        .env("SYNAPSE_PACKAGE_CACHE", cache)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| fail("run the plugin", e));
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() || !stdout.contains(r#""items_processed":100"#) {
        fail(
            &format!("{} run process --mode {mode}", binary.display()),
            format!("{}\n{stdout}\n{}", output.status, String::from_utf8_lossy(&output.stderr)),
        );
    }
    elapsed
}

/// `pack`: (seconds, from the cache, package bytes, shipped binary bytes).
fn pack(pack: &Path, binary: &Path, dir: &Path, cache: &Path) -> (Duration, bool, u64, u64) {
    let output = Command::new(pack).arg(binary).arg(dir).arg(cache).output().unwrap_or_else(|e| fail("pack", e));
    let text = String::from_utf8_lossy(&output.stdout);
    let fields: Vec<&str> = text.split_whitespace().collect();
    if !output.status.success() || fields.len() != 4 {
        fail("pack", format!("{text}{}", String::from_utf8_lossy(&output.stderr)));
    }
    let number = |i: usize| fields[i].parse::<f64>().unwrap_or_else(|e| fail("pack output", e));
    (Duration::from_secs_f64(number(0)), fields[1] == "true", number(2) as u64, number(3) as u64)
}

/// Makes the plugin's package new: a file of the crate (shipped with it) changes. Then waits
/// out the window in which the package cache does not trust a just-changed file.
fn freshen(dir: &Path, what: &str) {
    let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_nanos();
    std::fs::write(dir.join("round.txt"), format!("{what} {} {nanos}\n", std::process::id()))
        .unwrap_or_else(|e| fail("round file", e));
    std::thread::sleep(synapse::executor::ray::package::RACY_WINDOW * 2);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| args.iter().skip_while(|a| *a != name).nth(1).cloned();
    let rounds: usize = flag("--rounds").and_then(|n| n.parse().ok()).unwrap_or(7);
    let work =
        flag("--work").map(PathBuf::from).unwrap_or_else(|| std::env::temp_dir().join("synapse-package-figures"));
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or_else(|| fail("repo", "no parent")).to_owned();
    let work = std::path::absolute(&work).unwrap_or_else(|e| fail("work dir", e));
    if work.starts_with(&repo) {
        fail("work dir", format!("{} is inside the repository; the plugin crate must be outside it", work.display()));
    }
    let build_only = args.iter().any(|arg| arg == "--build-only");
    if !build_only && std::env::var_os("SYNAPSE_RAY_ADDRESS").is_none() {
        fail("no Ray head", "set SYNAPSE_RAY_ADDRESS (or run through ./scripts/ray.sh run -- …)");
    }
    let quickstart = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("quickstart")))
        .filter(|path| path.exists())
        .unwrap_or_else(|| fail("no quickstart", "build it next to this binary: cargo build --release -p quickstart"));

    let dir = work.join("my_plugin");
    let bins = build_crate(&repo, &dir, &work.join("target"));
    let binary = bins.join("my_plugin");
    let packer = bins.join("pack");
    let (size, debug) = debug_share(&binary);
    println!(
        "plugin binary: {} ({} of it .debug_* sections, {:.0} %)",
        mb(size),
        mb(debug),
        debug as f64 * 100.0 / size as f64
    );
    if size < 150_000_000 {
        fail("plugin binary", "expected a debug build of about 200 MB");
    }
    if build_only {
        return;
    }

    let caches = work.join("caches");
    let _ = std::fs::remove_dir_all(&caches);
    let quickstart_cache = caches.join("quickstart");
    // Warm the cluster and the quickstart's package (first jobs start slower).
    run(&quickstart, "job", &quickstart_cache);
    run(&quickstart, "job", &quickstart_cache);

    let (mut first, mut second, mut reference, mut task_first, mut task_cached) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut pack_fresh, mut pack_cached) = (Vec::new(), Vec::new());
    let mut sizes = (0, 0);
    for round in 0..rounds {
        // Packaging alone, in the plugin's own (unoptimized) build.
        freshen(&dir, &format!("pack {round}"));
        let cache = caches.join(format!("pack-{round}"));
        let (fresh, hit, len, shipped) = pack(&packer, &binary, &dir, &cache);
        let (cached, hit_again, _, _) = pack(&packer, &binary, &dir, &cache);
        if hit || !hit_again {
            fail("pack", "expected a miss, then a hit");
        }
        pack_fresh.push(fresh);
        pack_cached.push(cached);
        sizes = (len, shipped);

        freshen(&dir, &format!("job {round}"));
        let cache = caches.join(format!("job-{round}"));
        first.push(run(&binary, "job", &cache));
        second.push(run(&binary, "job", &cache));
        reference.push(run(&quickstart, "job", &quickstart_cache));

        freshen(&dir, &format!("task {round}"));
        let cache = caches.join(format!("task-{round}"));
        task_first.push(run(&binary, "task", &cache));
        task_cached.push(run(&binary, "task", &cache));
        let _ = std::fs::remove_dir_all(caches.join(format!("pack-{round}")));
        println!(
            "round {round}: job first {}, second {}, quickstart {}; task first {}, cached {}; pack {} / {}",
            ms(*first.last().unwrap_or(&Duration::ZERO)),
            ms(*second.last().unwrap_or(&Duration::ZERO)),
            ms(*reference.last().unwrap_or(&Duration::ZERO)),
            ms(*task_first.last().unwrap_or(&Duration::ZERO)),
            ms(*task_cached.last().unwrap_or(&Duration::ZERO)),
            ms(fresh),
            ms(cached),
        );
    }
    let _ = std::fs::remove_dir_all(&caches);
    let _ = std::fs::remove_file(dir.join("round.txt"));

    let (second, reference) = (median(second), median(reference));
    let ratio = second.as_secs_f64() / reference.as_secs_f64();
    println!("package: {} zipped, the binary {} of it (stored, without debug info)", mb(sizes.0), mb(sizes.1));
    println!("pack.fresh: {} (median of {rounds})", ms(median(pack_fresh)));
    println!("pack.cached: {} (median of {rounds})", ms(median(pack_cached)));
    let first = median(first);
    let task_first = median(task_first);
    println!(
        "job.first: {} (median of {rounds}; target ≤ 5 s: {})",
        ms(first),
        verdict(first <= Duration::from_secs(5))
    );
    println!("job.second: {} (median of {rounds})", ms(second));
    println!("quickstart.second: {} (median of {rounds})", ms(reference));
    println!("job.second / quickstart.second: {ratio:.3} (target ≤ 1.2: {})", verdict(ratio <= 1.2));
    println!(
        "task.first: {} (median of {rounds}; target ≤ 3 s: {})",
        ms(task_first),
        verdict(task_first <= Duration::from_secs(3))
    );
    println!("task.cached: {} (median of {rounds})", ms(median(task_cached)));
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}
