use super::plugin_package::shell_quote;
use super::walk::OPENED;
use super::walk::Stamp;
use super::*;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use zip::CompressionMethod;
use zip::DateTime;

fn write(path: &Path, contents: &[u8]) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, contents).unwrap();
}

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Waits until files written so far are older than the racy window, so that a package built
/// from them is cached (a build right after a change is not, see `Stamp::is_racy`).
fn settle() {
    std::thread::sleep(RACY_WINDOW + std::time::Duration::from_millis(20));
}

/// A binary and a plugin directory with files to ship and files to leave out.
fn fixture() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let binary = root.path().join("build/myplugin");
    write(&binary, b"#!/bin/sh\necho hello\n");
    let dir = root.path().join("plugin");
    write(&dir.join("config.yaml"), b"name: My Plugin\ncode: myplugin\n");
    write(&dir.join("schemas/process.params.json"), b"{}\n");
    write(&dir.join("data/labels.csv"), b"a,b\n1,2\n");
    write(&dir.join("data/cache.tmp"), b"scratch");
    write(&dir.join("scripts/prepare.sh"), b"#!/bin/sh\ntrue\n");
    write(&dir.join("secret.txt"), b"do not ship");
    write(&dir.join(".synapseignore"), b"# local files\nsecret.txt\ndata/*.tmp\n");
    write(&dir.join("notes/.synapseignore"), b"*.md\n");
    write(&dir.join("notes/todo.md"), b"- ship");
    write(&dir.join("notes/keep.txt"), b"kept");
    for ignored in [
        "target/debug/myplugin",
        ".git/HEAD",
        ".venv/bin/python",
        "__pycache__/m.cpython-311.pyc",
        "tool.pyc",
        ".synapse/runs.json",
    ] {
        write(&dir.join(ignored), b"ignored");
    }
    #[cfg(unix)]
    {
        chmod(&binary, 0o755);
        chmod(&dir.join("scripts/prepare.sh"), 0o750);
    }
    (root, binary, dir)
}

/// A builder for `binary` that uses no cache.
fn builder(binary: &Path) -> PackageBuilder {
    PluginPackage::builder().binary(binary).no_cache()
}

fn build(binary: &Path, dir: &Path) -> PluginPackage {
    builder(binary).plugin_dir(dir).build().unwrap()
}

/// Each entry of a zip: its unix mode and contents.
fn unzip(bytes: &[u8]) -> BTreeMap<String, (u32, String)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut files = BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let name = file.name().unwrap().into_owned();
        assert_eq!(file.last_modified(), Some(DateTime::DEFAULT), "{name}");
        let mut contents = String::new();
        file.read_to_string(&mut contents).unwrap();
        files.insert(name, (file.unix_mode().unwrap(), contents));
    }
    files
}

/// How each entry of a zip is compressed.
fn methods(bytes: &[u8]) -> Vec<CompressionMethod> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..archive.len()).map(|i| archive.by_index_raw(i).unwrap().compression()).collect()
}

fn zip_of(package: &PluginPackage) -> Vec<u8> {
    package.read_zip().unwrap()
}

#[test]
fn the_same_files_give_the_same_bytes() {
    let (_root, binary, dir) = fixture();
    let first = build(&binary, &dir);
    let second = build(&binary, &dir);
    assert_eq!(zip_of(&first), zip_of(&second));
    assert_eq!(first.hash(), second.hash());
    assert_eq!(first.hash(), blake3::hash(&zip_of(&first)).to_hex().as_str());
    assert_eq!(first.len(), zip_of(&first).len() as u64);
    assert_eq!(first.name(), format!("_ray_pkg_{}.zip", &first.hash()[..32]));
    assert_eq!(first.uri(), format!("gcs://{}", first.name()));
    assert_eq!(first.binary_path(), "bin/myplugin");
    assert!(!first.from_cache());
    assert_eq!(first.cache_path(), None);
}

#[test]
fn entries_are_stored_without_compression() {
    let (_root, binary, dir) = fixture();
    let package = build(&binary, &dir);
    let methods = methods(&zip_of(&package));
    assert_eq!(methods.len(), 6);
    assert!(methods.iter().all(|method| *method == CompressionMethod::Stored), "{methods:?}");
}

#[test]
fn timestamps_do_not_matter() {
    let (_root, binary, dir) = fixture();
    let before = build(&binary, &dir);
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    File::options().write(true).open(dir.join("config.yaml")).unwrap().set_modified(old).unwrap();
    assert_eq!(build(&binary, &dir).hash(), before.hash());
}

#[test]
fn a_changed_file_changes_the_name() {
    let (_root, binary, dir) = fixture();
    let before = build(&binary, &dir);
    write(&dir.join("data/labels.csv"), b"a,b\n1,3\n");
    let after = build(&binary, &dir);
    assert_ne!(after.hash(), before.hash());
    assert_ne!(after.name(), before.name());
    // An ignored file does not count.
    write(&dir.join("secret.txt"), b"changed");
    assert_eq!(build(&binary, &dir).hash(), after.hash());
}

#[test]
fn ignore_rules_and_modes_are_applied() {
    let (_root, binary, dir) = fixture();
    let package = build(&binary, &dir);
    let files = unzip(&zip_of(&package));
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "bin/myplugin",
            "config.yaml",
            "data/labels.csv",
            "notes/keep.txt",
            "schemas/process.params.json",
            "scripts/prepare.sh"
        ]
    );
    assert_eq!(files["bin/myplugin"], (0o100755, "#!/bin/sh\necho hello\n".to_owned()));
    assert_eq!(files["config.yaml"].0, 0o100644);
    #[cfg(unix)]
    assert_eq!(files["scripts/prepare.sh"].0, 0o100755);
    let entries: Vec<(&str, bool)> = package.entries().iter().map(|e| (e.path.as_str(), e.executable)).collect();
    assert_eq!(entries[0], ("bin/myplugin", true));
    assert_eq!(package.entries()[1].size, 31);
}

#[test]
fn default_ignores_can_be_switched_off_and_rules_added() {
    let (_root, binary, dir) = fixture();
    let package =
        builder(&binary).plugin_dir(&dir).default_ignores(false).ignore(".git/").ignore("data/").build().unwrap();
    let files = unzip(&zip_of(&package));
    assert!(files.contains_key("target/debug/myplugin"));
    assert!(files.contains_key("tool.pyc"));
    assert!(!files.contains_key(".git/HEAD"));
    assert!(!files.keys().any(|name| name.starts_with("data/")));
    // The user's rules still apply.
    assert!(!files.contains_key("secret.txt"));
}

#[test]
fn extra_files_are_added_and_change_the_name() {
    let (_root, binary, dir) = fixture();
    let plain = build(&binary, &dir);
    let with_params = builder(&binary)
        .plugin_dir(&dir)
        .file("params.json", r#"{"epochs": 3}"#)
        .executable_file("bin/prepare", "#!/bin/sh\n")
        .build()
        .unwrap();
    assert_ne!(with_params.hash(), plain.hash());
    let files = unzip(&zip_of(&with_params));
    assert_eq!(files["params.json"], (0o100644, r#"{"epochs": 3}"#.to_owned()));
    assert_eq!(files["bin/prepare"].0, 0o100755);
}

#[test]
fn a_file_added_to_a_built_package_is_the_same_as_built_with_it() {
    let (_root, binary, dir) = fixture();
    let plain = build(&binary, &dir);
    for path in ["params/run-1.json", "a.json", "zz.json"] {
        let added = plain.with_file(path, r#"{"epochs": 3}"#).unwrap();
        let built = builder(&binary).plugin_dir(&dir).file(path, r#"{"epochs": 3}"#).build().unwrap();
        assert_eq!(zip_of(&added), zip_of(&built), "{path}");
        assert_eq!(added.name(), built.name());
        assert_eq!(added.entries(), built.entries());
        assert_eq!(added.binary_path(), "bin/myplugin");
    }
    let error = plain.with_file("config.yaml", "x").unwrap_err();
    assert!(matches!(error, PackageError::Duplicate { .. }), "{error:?}");
    let error = plain.with_file("../x", "x").unwrap_err();
    assert!(matches!(error, PackageError::InvalidPath { .. }), "{error:?}");
}

#[test]
fn the_binary_alone_makes_a_package() {
    let (_root, binary, _dir) = fixture();
    let package = builder(&binary).binary_name("renamed").build().unwrap();
    assert_eq!(unzip(&zip_of(&package)).keys().collect::<Vec<_>>(), ["bin/renamed"]);
    assert_eq!(package.command(&[]), "exec ./bin/renamed");
    let job = package.job(&["run", "x"]);
    assert_eq!(job.entrypoint, "exec ./bin/renamed run x");
    assert_eq!(job.runtime_env.working_dir, Some(package.uri()));
}

#[test]
fn conflicting_and_bad_paths_are_refused() {
    let (_root, binary, dir) = fixture();
    let with_dir = || builder(&binary).plugin_dir(&dir);
    let error = with_dir().file("config.yaml", "x").build().unwrap_err();
    assert_eq!(error.to_string(), "two files would be stored as `config.yaml` in the package");
    let error = with_dir().file("bin/myplugin", "x").build().unwrap_err();
    assert!(matches!(error, PackageError::Duplicate { .. }), "{error:?}");
    for bad in ["", "/etc/passwd", "../x", "a/./b", "dir/", "a\\b"] {
        let error = with_dir().file(bad, "x").build().unwrap_err();
        assert!(matches!(error, PackageError::InvalidPath { .. }), "{bad}: {error:?}");
    }
    let error = builder(&dir).build().unwrap_err();
    assert!(matches!(error, PackageError::NotAFile { .. }), "{error:?}");
    let error = builder(&dir.join("missing")).build().unwrap_err();
    assert!(error.to_string().starts_with("cannot read `"), "{error}");
    let error = builder(&binary).plugin_dir(dir.join("missing")).build().unwrap_err();
    assert!(error.to_string().starts_with("cannot walk the plugin directory `"), "{error}");
}

/// Bytes that deflate cannot shrink.
fn noise(len: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

#[test]
fn the_size_limit_is_checked_while_zipping() {
    let (_root, binary, dir) = fixture();
    write(&dir.join("data/weights.bin"), &noise(256 * 1024));
    let error = builder(&binary).plugin_dir(&dir).size_limit(64 * 1024).build().unwrap_err();
    assert!(
        matches!(&error, PackageError::TooLarge { limit: 65536, largest } if largest[0].path == "data/weights.bin")
    );
    assert!(
        error.to_string().starts_with(
            "the plugin package would be larger than 64 KiB (the most a Ray dashboard accepts in one upload is \
             100 MiB); its largest files: data/weights.bin (256 KiB), "
        ),
        "{error}"
    );
    assert!(builder(&binary).plugin_dir(&dir).size_limit(1 << 20).build().is_ok());
}

#[test]
fn a_package_too_large_stored_is_deflated() {
    let (_root, binary, dir) = fixture();
    let text = "id,label\n".repeat(32 * 1024);
    write(&dir.join("data/big.csv"), text.as_bytes());
    let package = builder(&binary).plugin_dir(&dir).size_limit(64 * 1024).build().unwrap();
    let bytes = zip_of(&package);
    assert!(bytes.len() < 64 * 1024);
    assert!(methods(&bytes).iter().all(|method| *method == CompressionMethod::Deflated));
    assert_eq!(unzip(&bytes)["data/big.csv"].1, text);
    // Deterministic too, and a file added to it is deflated like the others.
    assert_eq!(zip_of(&builder(&binary).plugin_dir(&dir).size_limit(64 * 1024).build().unwrap()), bytes);
    let added = package.with_file("params.json", "{}").unwrap();
    assert!(methods(&zip_of(&added)).iter().all(|method| *method == CompressionMethod::Deflated));
}

#[test]
fn arguments_are_quoted_for_the_shell() {
    assert_eq!(shell_quote("run"), "run");
    assert_eq!(shell_quote("@params.json"), "@params.json");
    assert_eq!(shell_quote(""), "''");
    assert_eq!(shell_quote("a b"), "'a b'");
    assert_eq!(shell_quote("$HOME"), "'$HOME'");
    assert_eq!(shell_quote("it's"), r"'it'\''s'");
}

// The binary without its debug info.

#[test]
fn an_elf_binary_is_shipped_without_its_debug_info() {
    // This test binary has debug info (line tables at least).
    let exe = std::env::current_exe().unwrap();
    let size = std::fs::metadata(&exe).unwrap().len();
    let stripped = builder(&exe).binary_name("plugin").build().unwrap();
    let shipped = stripped.entries()[0].size;
    assert!(shipped < size, "{shipped} < {size}");
    let kept = builder(&exe).binary_name("plugin").strip_debug(false).build().unwrap();
    assert_eq!(kept.entries()[0].size, size);
    assert_ne!(kept.name(), stripped.name());

    let bytes = zip_of(&stripped);
    let mut archive = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
    let mut binary = Vec::new();
    archive.by_name("bin/plugin").unwrap().read_to_end(&mut binary).unwrap();
    use object::read::{Object, ObjectSection};
    let file = object::read::File::parse(&*binary).unwrap();
    // A section left with its header, but empty, is gone.
    let names: Vec<&str> =
        file.sections().filter(|section| section.size() > 0).filter_map(|section| section.name().ok()).collect();
    assert!(!names.contains(&".debug_line"), "{names:?}");
    assert!(names.contains(&".symtab"), "{names:?}");
    assert!(names.contains(&".text"), "{names:?}");
}

// Special files in the plugin directory.

#[cfg(unix)]
#[test]
fn a_fifo_is_an_error_naming_it_unless_ignored() {
    let (_root, binary, dir) = fixture();
    let fifo = dir.join("data/queue");
    rustix::fs::mknodat(rustix::fs::CWD, &fifo, rustix::fs::FileType::Fifo, rustix::fs::Mode::from_raw_mode(0o644), 0)
        .unwrap();
    let error = build_error(&binary, &dir);
    assert!(
        matches!(&error, PackageError::SpecialFile { path, kind: "FIFO (named pipe)" } if *path == fifo),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "`{}` in the plugin directory is a FIFO (named pipe), not a file: remove it, or leave it out with a \
             .synapseignore rule",
            fifo.display()
        )
    );
    // Left out by a rule, it is never opened (which would wait for a writer forever).
    assert!(builder(&binary).plugin_dir(&dir).ignore("data/queue").build().is_ok());
    write(&dir.join("data/.synapseignore"), b"queue\n");
    assert!(builder(&binary).plugin_dir(&dir).build().is_ok());
}

#[cfg(unix)]
#[test]
fn a_socket_is_an_error_naming_it() {
    let (_root, binary, dir) = fixture();
    let socket = dir.join("agent.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let error = build_error(&binary, &dir);
    assert!(matches!(&error, PackageError::SpecialFile { path, kind: "socket" } if *path == socket), "{error:?}");
}

#[cfg(unix)]
#[test]
fn a_dangling_symlink_is_an_error_naming_it_unless_ignored() {
    let (_root, binary, dir) = fixture();
    let link = dir.join("data/latest.csv");
    std::os::unix::fs::symlink("../runs/gone.csv", &link).unwrap();
    let error = build_error(&binary, &dir);
    assert!(
        matches!(&error, PackageError::DanglingLink { path, target } if *path == link && *target == Path::new("../runs/gone.csv")),
        "{error:?}"
    );
    assert!(error.to_string().contains("is a symbolic link to `../runs/gone.csv`, which does not exist"), "{error}");
    assert!(builder(&binary).plugin_dir(&dir).ignore("*.csv").build().is_ok());
    write(&dir.join("data/.synapseignore"), b"latest.csv\n");
    assert!(builder(&binary).plugin_dir(&dir).build().is_ok());
    // A link that resolves is followed.
    std::fs::remove_file(dir.join("data/.synapseignore")).unwrap();
    write(&dir.join("runs/gone.csv"), b"x,y\n");
    let files = unzip(&zip_of(&build(&binary, &dir)));
    assert_eq!(files["data/latest.csv"].1, "x,y\n");
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_an_error_naming_it() {
    let (_root, binary, dir) = fixture();
    if rustix::process::geteuid().is_root() {
        // Permissions do not stop root from reading; the /proc case below covers the error.
        eprintln!("skipped the mode-000 case: running as root, whom file modes do not stop");
    } else {
        let secret = dir.join("data/labels.csv");
        chmod(&secret, 0o000);
        let error = build_error(&binary, &dir);
        assert!(matches!(&error, PackageError::Read { path, .. } if *path == secret), "{error:?}");
        assert!(error.to_string().starts_with(&format!("cannot read `{}`: ", secret.display())), "{error}");
        chmod(&secret, 0o644);
    }
    // A file whose reads fail whoever reads it: this process's memory at address 0.
    #[cfg(target_os = "linux")]
    {
        let link = dir.join("data/memory");
        std::os::unix::fs::symlink("/proc/self/mem", &link).unwrap();
        let error = build_error(&binary, &dir);
        assert!(matches!(&error, PackageError::Read { path, .. } if *path == link), "{error:?}");
    }
}

#[cfg(unix)]
#[test]
fn a_binary_that_is_not_a_file_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let fifo = root.path().join("plugin");
    rustix::fs::mknodat(rustix::fs::CWD, &fifo, rustix::fs::FileType::Fifo, rustix::fs::Mode::from_raw_mode(0o755), 0)
        .unwrap();
    let error = builder(&fifo).build().unwrap_err();
    assert!(matches!(error, PackageError::NotAFile { .. }), "{error:?}");
}

fn build_error(binary: &Path, dir: &Path) -> PackageError {
    builder(binary).plugin_dir(dir).build().unwrap_err()
}

// The package cache.

/// Builds with the cache in `cache`, and counts the files opened to read their content.
fn cached(binary: &Path, dir: &Path, cache: &Path) -> (PluginPackage, usize) {
    cached_with(PluginPackage::builder().binary(binary).plugin_dir(dir).cache_dir(cache))
}

fn cached_with(builder: PackageBuilder) -> (PluginPackage, usize) {
    OPENED.with(|opened| opened.set(0));
    let package = builder.build().unwrap();
    (package, OPENED.with(std::cell::Cell::get))
}

#[test]
fn an_unchanged_plugin_is_found_in_the_cache_without_reading_it() {
    let (root, binary, dir) = fixture();
    let cache = root.path().join("cache");
    settle();
    let (first, opened) = cached(&binary, &dir, &cache);
    assert!(!first.from_cache());
    assert_eq!(opened, 6, "the binary and the five files are read once");
    let (second, opened) = cached(&binary, &dir, &cache);
    assert_eq!(opened, 0, "nothing is read for an unchanged plugin");
    assert!(second.from_cache());
    assert_eq!(second.name(), first.name());
    assert_eq!(second.hash(), first.hash());
    assert_eq!(second.len(), first.len());
    assert_eq!(second.entries(), first.entries());
    assert_eq!(second.binary_path(), first.binary_path());
    assert_eq!(zip_of(&second), zip_of(&build(&binary, &dir)), "the same bytes as built without the cache");
    let path = second.cache_path().unwrap();
    assert_eq!(path, cache.join(second.name()));
    assert_eq!(first.cache_path(), Some(path));
}

#[test]
fn any_change_to_what_is_packaged_misses_the_cache() {
    let (root, binary, dir) = fixture();
    let cache = root.path().join("cache");
    settle();
    let (base, _) = cached(&binary, &dir, &cache);
    let mut name = base.name().to_owned();
    // Each change, and whether the package's content changes with it.
    type Change<'a> = (&'a str, Box<dyn Fn() + 'a>, bool);
    let changes: Vec<Change<'_>> = vec![
        // Rebuilt in place, same size: only its times change (the inode stays).
        ("binary rewritten in place", Box::new(|| write(&binary, b"#!/bin/sh\necho HELLO\n")), true),
        (
            "binary replaced by a copy",
            Box::new(|| {
                let copy = binary.with_extension("new");
                std::fs::copy(&binary, &copy).unwrap();
                std::fs::rename(&copy, &binary).unwrap();
            }),
            false,
        ),
        ("file rewritten, same size", Box::new(|| write(&dir.join("data/labels.csv"), b"a,b\n1,3\n")), true),
        ("file added", Box::new(|| write(&dir.join("data/more.csv"), b"c\n")), true),
        ("file removed", Box::new(|| std::fs::remove_file(dir.join("notes/keep.txt")).unwrap()), true),
        #[cfg(unix)]
        ("file made executable", Box::new(|| chmod(&dir.join("config.yaml"), 0o755)), true),
        ("ignore file changed", Box::new(|| write(&dir.join(".synapseignore"), b"secret.txt\n")), true),
    ];
    for (what, change, content_changes) in changes {
        change();
        settle();
        let (package, opened) = cached(&binary, &dir, &cache);
        assert!(!package.from_cache(), "{what}: a miss");
        assert!(opened > 0, "{what}: read again");
        assert_eq!(package.name() != name, content_changes, "{what}");
        name = package.name().to_owned();
        let (again, opened) = cached(&binary, &dir, &cache);
        assert!(again.from_cache() && opened == 0, "{what}: then a hit");
    }
    // An ignored file does not count.
    write(&dir.join("secret.txt"), b"changed");
    settle();
    assert!(cached(&binary, &dir, &cache).0.from_cache(), "an ignored file changed");
    // Nor do settings: they have slots of their own.
    let with = |builder: PackageBuilder| cached_with(builder.binary(&binary).plugin_dir(&dir).cache_dir(&cache));
    for (what, builder) in [
        ("another ignore rule", PluginPackage::builder().ignore("data/")),
        ("another binary name", PluginPackage::builder().binary_name("other")),
        ("an extra file", PluginPackage::builder().file("params.json", "{}")),
        ("debug info kept", PluginPackage::builder().strip_debug(false)),
    ] {
        assert!(!with(builder.clone()).0.from_cache(), "{what}: a miss");
        assert!(with(builder).0.from_cache(), "{what}: then a hit");
    }
    // An extra file's content is part of the identity.
    assert!(!with(PluginPackage::builder().file("params.json", "{\"a\": 1}")).0.from_cache());
    // The default slot is still there.
    assert!(cached(&binary, &dir, &cache).0.from_cache());
}

#[test]
fn a_cache_inside_the_plugin_directory_is_not_packaged() {
    let (_root, binary, dir) = fixture();
    let cache = dir.join("data/.packages");
    settle();
    let (first, _) = cached(&binary, &dir, &cache);
    assert!(first.cache_path().unwrap().starts_with(&cache));
    assert!(!first.entries().iter().any(|entry| entry.path.contains(".packages")), "{:?}", first.entries());
    let (second, opened) = cached(&binary, &dir, &cache);
    assert!(second.from_cache() && opened == 0);
}

#[test]
fn a_damaged_cache_entry_is_built_again() {
    let (root, binary, dir) = fixture();
    let cache = root.path().join("cache");
    settle();
    let (first, _) = cached(&binary, &dir, &cache);
    let zip_path = first.cache_path().unwrap().to_owned();
    let manifest = std::fs::read_dir(&cache)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.extension().is_some_and(|ext| ext == "json"))
        .unwrap();

    // A manifest that is not one.
    write(&manifest, b"{ not json");
    let (package, opened) = cached(&binary, &dir, &cache);
    assert!(!package.from_cache() && opened > 0);
    assert_eq!(package.name(), first.name());
    assert!(cached(&binary, &dir, &cache).0.from_cache());

    // A missing zip.
    std::fs::remove_file(&zip_path).unwrap();
    let (package, _) = cached(&binary, &dir, &cache);
    assert!(!package.from_cache());
    assert!(zip_path.exists());

    // A zip changed on disk: its stamp tells.
    let mut bytes = std::fs::read(&zip_path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&zip_path, &bytes).unwrap();
    let (package, _) = cached(&binary, &dir, &cache);
    assert!(!package.from_cache());
    assert_eq!(zip_of(&package), zip_of(&first));
}

#[test]
fn a_zip_changed_after_the_build_is_caught_when_read() {
    let (root, binary, dir) = fixture();
    let cache = root.path().join("cache");
    settle();
    let (package, _) = cached(&binary, &dir, &cache);
    let path = package.cache_path().unwrap().to_owned();
    // Changed under the package's open file (same size).
    let mut file = File::options().write(true).open(&path).unwrap();
    file.write_all(b"PK\x03\x04 garbage").unwrap();
    drop(file);
    let error = package.read_zip().unwrap_err();
    assert!(
        matches!(&error, PackageError::Corrupt { name, path: Some(p), .. } if name == package.name() && *p == path)
    );
    assert!(
        error.to_string().starts_with(&format!("the plugin package {} changed after it was built", package.name()))
    );
    assert!(!path.exists(), "dropped from the cache");
    let (again, _) = cached(&binary, &dir, &cache);
    assert!(!again.from_cache());
    assert_eq!(again.name(), package.name());
    assert!(again.read_zip().is_ok());
}

#[test]
fn concurrent_builds_share_the_cache() {
    let (root, binary, dir) = fixture();
    let cache = root.path().join("cache");
    settle();
    let names: Vec<String> = std::thread::scope(|scope| {
        let builds: Vec<_> =
            (0..4).map(|_| scope.spawn(|| cached(&binary, &dir, &cache).0.name().to_owned())).collect();
        builds.into_iter().map(|build| build.join().unwrap()).collect()
    });
    assert!(names.windows(2).all(|pair| pair[0] == pair[1]), "{names:?}");
    let (package, opened) = cached(&binary, &dir, &cache);
    assert!(package.from_cache() && opened == 0);
    assert_eq!(package.name(), names[0]);
    let files: Vec<String> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files.len(), 2, "one manifest, one zip, no temporary file left: {files:?}");
}

#[test]
fn the_cache_keeps_the_most_recently_used_slots() {
    let root = tempfile::tempdir().unwrap();
    let cache = root.path().join("cache");
    let binaries: Vec<PathBuf> = (0..=MAX_CACHE_ENTRIES)
        .map(|i| {
            let binary = root.path().join(format!("plugin-{i}"));
            write(&binary, format!("#!/bin/sh\necho {i}\n").as_bytes());
            binary
        })
        .collect();
    settle();
    let build = |binary: &Path| cached_with(PluginPackage::builder().binary(binary).cache_dir(&cache)).0;
    let first = build(&binaries[0]);
    let second = build(&binaries[1]);
    // The first is used again: the second is now the least recently used.
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert!(build(&binaries[0]).from_cache());
    for binary in &binaries[2..] {
        build(binary);
    }
    let count = |ext: &str| {
        std::fs::read_dir(&cache)
            .unwrap()
            .filter(|entry| entry.as_ref().unwrap().path().extension().is_some_and(|e| e == ext))
            .count()
    };
    assert_eq!(count("json"), MAX_CACHE_ENTRIES);
    assert_eq!(count("zip"), MAX_CACHE_ENTRIES);
    assert!(!second.cache_path().unwrap().exists(), "the least recently used slot went, with its zip");
    assert!(first.cache_path().unwrap().exists());
    assert!(build(&binaries[0]).from_cache());
    assert!(!build(&binaries[1]).from_cache());
}

#[test]
fn a_change_just_before_the_build_is_not_trusted() {
    let metadata = std::fs::metadata(std::env::current_exe().unwrap()).unwrap();
    let stamp = Stamp::of(&metadata);
    let changed =
        std::time::SystemTime::UNIX_EPOCH + std::time::Duration::new(stamp.ctime.0 as u64, stamp.ctime.1 as u32);
    let window = RACY_WINDOW;
    assert!(stamp.is_racy(changed, window));
    assert!(stamp.is_racy(changed + window / 2, window));
    assert!(!stamp.is_racy(changed + window, window));
    assert!(!stamp.is_racy(changed + window * 10, window));
}
