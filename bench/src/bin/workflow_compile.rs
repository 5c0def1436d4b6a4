//! Generates a plugin crate with a 1,000-step `#[workflow]`, builds it, reports how long its own
//! compilation takes (dependencies already built), and runs it.
//!
//! ```text
//! cargo run --release -p synapse-bench --bin workflow_compile [-- --steps 1000]
//! ```

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

fn main() {
    let steps =
        std::env::args().skip_while(|a| a != "--steps").nth(1).and_then(|n| n.parse::<usize>().ok()).unwrap_or(1000);
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default();
    let dir = workspace.join("target").join(format!("workflow-{steps}"));
    if let Err(error) = generate(&workspace, &dir, steps) {
        eprintln!("error: cannot generate the crate in {}: {error}", dir.display());
        std::process::exit(1);
    }
    for profile in ["dev", "release"] {
        // Build once for the dependencies, then again after touching the crate: the second
        // build compiles (and links) only the generated crate.
        if let Err(error) = build(&dir, profile) {
            eprintln!("error: {error}");
            std::process::exit(1);
        }
        let main = dir.join("src/main.rs");
        let text = std::fs::read_to_string(&main).unwrap_or_default();
        let _ = std::fs::write(&main, text);
        let started = Instant::now();
        if let Err(error) = build(&dir, profile) {
            eprintln!("error: {error}");
            std::process::exit(1);
        }
        println!(
            "workflow_compile.{steps}_steps.{profile}: {:.1} s (the generated crate alone)",
            started.elapsed().as_secs_f64()
        );
    }
    let binary = dir.join("target/release").join(format!("workflow-{steps}"));
    match Command::new(&binary).output() {
        Ok(output) if output.status.success() => print!("{}", String::from_utf8_lossy(&output.stdout)),
        Ok(output) => {
            eprintln!("error: the workflow failed: {}", String::from_utf8_lossy(&output.stderr));
            std::process::exit(1);
        }
        Err(error) => {
            eprintln!("error: cannot run {}: {error}", binary.display());
            std::process::exit(1);
        }
    }
}

fn build(dir: &Path, profile: &str) -> Result<(), String> {
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--quiet", "--profile", profile])
        .current_dir(dir)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("cargo build --profile {profile} failed in {}", dir.display())) }
}

fn generate(workspace: &Path, dir: &Path, steps: usize) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("src"))?;
    let synapse = workspace.join("synapse");
    let manifest = format!(
        "[package]\nname = \"workflow-{steps}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\nsynapse = {{ path = {synapse:?} }}\ntokio = {{ version = \"1\", features = [\"rt\", \"time\"] }}\n\n\
         [workspace]\n"
    );
    std::fs::write(dir.join("Cargo.toml"), manifest)?;
    // The same dependency versions as the workspace.
    std::fs::copy(workspace.join("Cargo.lock"), dir.join("Cargo.lock"))?;
    let weight = 1.0 / steps as f64;
    let mut source = String::from(
        "//! A generated plugin with one big workflow.\nuse synapse::prelude::*;\n\n#[derive(Default)]\npub struct State {\n    pub done: u64,\n}\n\n",
    );
    for i in 0..steps {
        let _ = write!(
            source,
            "/// Step {i}.\n#[step(weight = {weight:?})]\npub struct S{i:04};\n\n\
             impl Step<State> for S{i:04} {{\n    type Undo = ();\n    \
             async fn execute(&self, cx: &mut StepCx<'_, State>, _: &mut ()) -> Result<()> {{\n        \
             cx.done += 1;\n        Ok(())\n    }}\n}}\n\n"
        );
    }
    let list: Vec<String> = (0..steps).map(|i| format!("S{i:04}")).collect();
    let _ = write!(source, "#[workflow(context = State, normalize)]\npub struct Big({});\n\n", list.join(", "));
    let _ = write!(
        source,
        "fn main() {{\n    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect(\"runtime\");\n    \
         let ctx = Context::builder(\"big\").build();\n    let runs = 20;\n    let started = std::time::Instant::now();\n    \
         for _ in 0..runs {{\n        let mut state = State::default();\n        \
         rt.block_on(Big::run(&ctx, &mut state)).expect(\"the workflow succeeds\");\n        \
         assert_eq!(state.done, {steps});\n    }}\n    \
         let per_step = started.elapsed().as_secs_f64() / (runs * {steps}) as f64 * 1e6;\n    \
         println!(\"workflow_compile.{steps}_steps.run: {{}} steps in order, {{per_step:.2}} us per step (no sink)\", Big::PLAN.len());\n}}\n"
    );
    std::fs::write(dir.join("src/main.rs"), source)
}
