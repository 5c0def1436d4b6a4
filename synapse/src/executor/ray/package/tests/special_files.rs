//! Special files in the plugin directory (FIFOs, sockets, dangling links, unreadable files) and
//! a binary that is not a file: errors that name them, unless a rule leaves them out.

use super::*;

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
