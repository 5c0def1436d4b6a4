//! Whether a directory is on a network file system, where an SQLite store must not be: Linux's
//! `statfs(2)` gives the file system's magic number (`f_type`), the constants of
//! `<linux/magic.h>` and of the file systems' own sources name them.

use std::path::Path;

/// The network file systems a store is refused on, by their `statfs` magic number.
const NETWORK_FILE_SYSTEMS: [(u32, &str); 10] = [
    (0x6969, "nfs"),
    (0x517b, "smb"),
    (0xff53_4d42, "cifs"),
    (0xfe53_4d42, "smb2"),
    (0x5346_414f, "afs"),
    (0x6b41_4653, "afs"),
    (0x7375_7245, "coda"),
    (0x00c3_6400, "ceph"),
    (0x0bd0_0bd0, "lustre"),
    (0x4750_4653, "gpfs"),
];

/// The name of the network file system `dir` is on, or `None` when it is local (or cannot be
/// told: on other systems than Linux, or when `statfs` fails, the open that follows says why).
pub(super) fn network_file_system(dir: &Path) -> Option<&'static str> {
    #[cfg(target_os = "linux")]
    {
        let magic = rustix::fs::statfs(dir).ok()?.f_type;
        // `f_type` is a signed word whose width varies by target; the magic numbers are 32-bit.
        #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
        named(magic as u32)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dir;
        None
    }
}

/// The network file system of magic number `magic`, if it is one.
fn named(magic: u32) -> Option<&'static str> {
    NETWORK_FILE_SYSTEMS.iter().find(|(known, _)| *known == magic).map(|(_, name)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_file_systems_are_told_by_their_magic_numbers() {
        assert_eq!(named(0x6969), Some("nfs"));
        assert_eq!(named(0xff53_4d42), Some("cifs"));
        assert_eq!(named(0x00c3_6400), Some("ceph"));
        // ext4, tmpfs, xfs, btrfs, overlayfs: local.
        for local in [0xef53, 0x0102_1994, 0x5846_5342, 0x9123_683e, 0x794c_7630] {
            assert_eq!(named(local), None, "{local:#x}");
        }
    }

    #[test]
    fn this_machines_temporary_directory_is_local() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        assert_eq!(network_file_system(dir.path()), None);
    }
}
