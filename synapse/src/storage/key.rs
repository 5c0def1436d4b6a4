//! Object keys: relative, `/`-separated paths (`a/b/c.png`), checked before any provider sees
//! them, so that no key escapes a storage's root.

use super::StorageError;

/// Checks that `key` is a relative object key: not empty, not absolute, no empty, `.` or `..`
/// segment (so no leading, trailing or doubled `/`), no backslash and no NUL.
pub(crate) fn check_key(key: &str) -> Result<&str, StorageError> {
    let invalid = |reason| Err(StorageError::InvalidKey { key: key.to_owned(), reason });
    if key.is_empty() {
        return invalid("a key cannot be empty");
    }
    if key.starts_with('/') {
        return invalid("a key is relative to the storage's root; it cannot start with `/`");
    }
    if key.contains('\\') {
        return invalid("keys are separated by `/`; a key cannot hold `\\`");
    }
    if key.contains('\0') {
        return invalid("a key cannot hold a NUL character");
    }
    for segment in key.split('/') {
        match segment {
            "" => return invalid("a key cannot have an empty segment (a trailing or doubled `/`)"),
            "." | ".." => return invalid("a key cannot have a `.` or `..` segment"),
            _ => {}
        }
    }
    Ok(key)
}

/// A folder a person names inside a storage (`./exports/`, `/exports`, `exports//gt`), as a
/// key prefix: `/`-separated, its empty and `.` segments dropped (`exports/gt`; empty for the
/// root). `..` and `\\` stay, for [`check_key`] to refuse by name.
#[cfg(any(feature = "upload", feature = "export"))]
pub(crate) fn relative_path(path: &str) -> String {
    path.split('/').filter(|segment| !segment.is_empty() && *segment != ".").collect::<Vec<_>>().join("/")
}

/// Checks a listing prefix: empty (everything), or a key, with or without one trailing `/`.
/// Returns it without the trailing `/`: listings take prefixes as directories (`a/b` lists
/// `a/b/c`, not `a/bc`).
pub(crate) fn check_prefix(prefix: &str) -> Result<&str, StorageError> {
    let trimmed = prefix.strip_suffix('/').unwrap_or(prefix);
    if trimmed.is_empty() && prefix.len() <= 1 {
        return Ok("");
    }
    check_key(trimmed).map_err(|error| match error {
        StorageError::InvalidKey { reason, .. } => StorageError::InvalidKey { key: prefix.to_owned(), reason },
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(any(feature = "upload", feature = "export"))]
    #[test]
    fn folders_people_write_are_key_prefixes() {
        for (given, prefix) in [
            ("./out", "out"),
            ("out/", "out"),
            ("/exports//gt/./a", "exports/gt/a"),
            (".", ""),
            ("./", ""),
            ("", ""),
            ("../etc", "../etc"),
            (".hidden/x", ".hidden/x"),
        ] {
            assert_eq!(relative_path(given), prefix, "{given}");
        }
    }

    #[test]
    fn relative_keys_pass() {
        for key in ["a", "a/b/c.png", "with space/ü.txt", ".hidden/x", "a..b/c"] {
            assert_eq!(check_key(key).unwrap(), key);
        }
    }

    #[test]
    fn every_escape_is_refused_with_its_reason() {
        for (key, reason) in [
            ("", "empty"),
            ("/etc/passwd", "start with `/`"),
            ("../up", "`..`"),
            ("a/../../b", "`..`"),
            ("a/./b", "`.`"),
            ("a//b", "empty segment"),
            ("a/", "empty segment"),
            ("a\\b", "`\\`"),
            ("a\0b", "NUL"),
        ] {
            let error = check_key(key).unwrap_err();
            assert!(
                matches!(&error, StorageError::InvalidKey { key: k, reason: r } if k == key && r.contains(reason)),
                "{key:?}: {error}"
            );
        }
    }

    #[test]
    fn prefixes_are_directories() {
        assert_eq!(check_prefix("").unwrap(), "");
        assert_eq!(check_prefix("/").unwrap(), "");
        assert_eq!(check_prefix("a/b/").unwrap(), "a/b");
        assert_eq!(check_prefix("a/b").unwrap(), "a/b");
        let error = check_prefix("../x/").unwrap_err();
        assert!(matches!(error, StorageError::InvalidKey { ref key, .. } if key == "../x/"), "{error}");
        assert!(check_prefix("a//").is_err());
    }
}
