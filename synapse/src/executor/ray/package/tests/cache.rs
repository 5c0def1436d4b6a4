//! The package cache: an unchanged plugin is found again without reading it, any change to
//! what is packaged misses, damaged entries are built again, concurrent builds share it, and it
//! keeps the most recently used slots.

use super::super::walk::{OPENED, Stamp};
use super::*;
use std::fs::File;
use std::io::Write;

/// Waits until files written so far are older than the racy window, so that a package built
/// from them is cached (a build right after a change is not, see `Stamp::is_racy`).
fn settle() {
    std::thread::sleep(RACY_WINDOW + std::time::Duration::from_millis(20));
}

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
