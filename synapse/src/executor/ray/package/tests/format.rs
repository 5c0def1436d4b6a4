//! The package format: the same files give the same bytes and the same name, entries are
//! stored (or all deflated when that keeps a package under its size limit), and the size limit
//! is checked while zipping.

use super::*;
use std::fs::File;
use std::io::Cursor;
use zip::CompressionMethod;

/// How each entry of a zip is compressed.
fn methods(bytes: &[u8]) -> Vec<CompressionMethod> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..archive.len()).map(|i| archive.by_index_raw(i).unwrap().compression()).collect()
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
