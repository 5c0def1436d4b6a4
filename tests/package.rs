//! Plugin packages of real plugin binaries, without a Ray head: unpacked as Ray unpacks them,
//! the binary shipped without its debug info still runs, reports a panic where it happened, and
//! names functions in a backtrace.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use synapse::executor::ray::PluginPackage;
use synapse_tests::{Ran, run, run_in};

const QUICKSTART: &str = env!("CARGO_BIN_EXE_quickstart-plugin");
const FAULTY: &str = env!("CARGO_BIN_EXE_faulty-plugin");

/// Unpacks `package` into `into` as Ray does (contents at the root, Unix modes kept), and
/// returns the path of its binary there.
fn unpack(package: &PluginPackage, into: &Path) -> PathBuf {
    let bytes = package.read_zip().expect("the package's zip");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).expect("an entry");
        let path = into.join(entry.name().expect("a name").as_ref());
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("a directory");
        let mut contents = Vec::new();
        entry.read_to_end(&mut contents).expect("the entry's contents");
        std::fs::write(&path, contents).expect("written");
        let mode = entry.unix_mode().expect("a Unix mode");
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(mode)).expect("its mode");
    }
    into.join(package.binary_path())
}

/// Packages `binary` (no cache, so the test reads what it ships) and unpacks it.
fn shipped(binary: &str, plugin_dir: Option<&Path>, into: &Path) -> (PluginPackage, PathBuf) {
    let mut builder = PluginPackage::builder().binary(binary).no_cache();
    if let Some(dir) = plugin_dir {
        builder = builder.plugin_dir(dir);
    }
    let package = builder.build().expect("packaged");
    let unpacked = unpack(&package, into);
    (package, unpacked)
}

fn size(path: impl AsRef<Path>) -> u64 {
    std::fs::metadata(path).expect("metadata").len()
}

#[test]
fn a_shipped_plugin_binary_runs_without_its_debug_info() {
    let into = tempfile::tempdir().expect("temp dir");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart");
    let (package, binary) = shipped(QUICKSTART, Some(&example), into.path());
    assert!(size(&binary) < size(QUICKSTART), "{} < {}", size(&binary), size(QUICKSTART));
    let entry = package.entries().iter().find(|entry| entry.path == package.binary_path()).expect("the binary");
    assert_eq!(entry.size, size(&binary));
    assert!(into.path().join("config.yaml").is_file());

    let binary = binary.to_str().expect("UTF-8");
    let listed = run_in(binary, &["list"], Some(into.path()));
    assert_eq!(listed.code, Some(0), "{listed:?}");
    assert_eq!(listed.stdout, run(QUICKSTART, &["list"]).stdout);
    let params = r#"{"input_path": "in.csv", "output_path": "out.csv"}"#;
    let ran = run_in(binary, &["run", "process", "--params", params, "--json"], Some(into.path()));
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert!(ran.stdout.contains(r#""items_processed":100"#), "{}", ran.stdout);
}

#[test]
fn a_shipped_plugin_binary_reports_where_it_panicked() {
    let into = tempfile::tempdir().expect("temp dir");
    let (_, binary) = shipped(FAULTY, None, into.path());
    assert!(size(&binary) < size(FAULTY));
    let shipped: Ran = run(binary.to_str().expect("UTF-8"), &["run", "explode"]);
    let original = run(FAULTY, &["run", "explode"]);
    assert_eq!(shipped.code, original.code);
    assert!(
        shipped.stderr.contains("panicked: boom: no items (at tests/fixtures/faulty/src/lib.rs:"),
        "{}",
        shipped.stderr
    );
}

/// Prints a backtrace of this test when `SYNAPSE_TEST_BACKTRACE` is set (the test below runs a
/// shipped copy of this binary that way), and does nothing otherwise.
#[test]
fn print_a_backtrace_when_asked() {
    if std::env::var_os("SYNAPSE_TEST_BACKTRACE").is_some() {
        println!("BACKTRACE\n{}", std::backtrace::Backtrace::force_capture());
    }
}

#[test]
fn a_shipped_binary_names_functions_in_a_backtrace() {
    let into = tempfile::tempdir().expect("temp dir");
    let this = std::env::current_exe().expect("this test binary");
    let (_, binary) = shipped(this.to_str().expect("UTF-8"), None, into.path());
    assert!(size(&binary) < size(&this));
    let output = Command::new(&binary)
        .args(["--exact", "print_a_backtrace_when_asked", "--nocapture", "--test-threads=1"])
        .env("SYNAPSE_TEST_BACKTRACE", "1")
        .output()
        .expect("the shipped test binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let backtrace = stdout.split("BACKTRACE\n").nth(1).unwrap_or_default();
    assert!(backtrace.contains("package::print_a_backtrace_when_asked"), "no function named in:\n{backtrace}");
}
