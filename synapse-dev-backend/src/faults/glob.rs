//! Path globs of faults: `*` is any run of characters within a path segment, `**` any run across
//! segments, `?` one character other than `/`; everything else matches itself.

use std::collections::HashSet;

/// A compiled glob over request paths.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PathGlob {
    /// The pattern, with a leading `/` (added when the glob was given relative, `logs/`).
    pattern: String,
}

impl PathGlob {
    /// The glob of `pattern`; a pattern without a leading `/` is taken from the root.
    pub(crate) fn new(pattern: &str) -> Self {
        let pattern = if pattern.starts_with('/') { pattern.to_owned() } else { format!("/{pattern}") };
        Self { pattern }
    }

    /// The pattern, as matched.
    pub(crate) fn as_str(&self) -> &str {
        &self.pattern
    }

    /// Whether `path` (without its query) matches. The API's paths end in `/`; a pattern that
    /// does not (`storages/*`) matches them as if it did, as a user writing it means.
    pub(crate) fn matches(&self, path: &str) -> bool {
        let matches = |path: &str| matches_from(self.pattern.as_bytes(), 0, path.as_bytes(), 0, &mut HashSet::new());
        matches(path)
            || (!self.pattern.ends_with('/')
                && path.len() > 1
                && path.ends_with('/')
                && matches(&path[..path.len() - 1]))
    }
}

/// Whether `text[t..]` matches `pattern[p..]`; `failed` memoizes the positions that do not, so
/// the search stays polynomial whatever the stars.
fn matches_from(pattern: &[u8], p: usize, text: &[u8], t: usize, failed: &mut HashSet<(usize, usize)>) -> bool {
    if failed.contains(&(p, t)) {
        return false;
    }
    let found = match pattern.get(p) {
        None => t == text.len(),
        Some(b'*') if pattern.get(p + 1) == Some(&b'*') => {
            let mut rest = p;
            while pattern.get(rest) == Some(&b'*') {
                rest += 1;
            }
            (t..=text.len()).any(|start| matches_from(pattern, rest, text, start, failed))
        }
        Some(b'*') => {
            let segment_end = text[t..].iter().position(|&byte| byte == b'/').map_or(text.len(), |end| t + end);
            (t..=segment_end).any(|start| matches_from(pattern, p + 1, text, start, failed))
        }
        Some(b'?') => {
            text.get(t).is_some_and(|&byte| byte != b'/') && matches_from(pattern, p + 1, text, t + 1, failed)
        }
        Some(&byte) => text.get(t) == Some(&byte) && matches_from(pattern, p + 1, text, t + 1, failed),
    };
    if !found {
        failed.insert((p, t));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_and_segments() {
        let glob = PathGlob::new("/jobs/*/");
        assert!(glob.matches("/jobs/5/"));
        assert!(glob.matches("/jobs//"));
        assert!(!glob.matches("/jobs/5/console_logs/"));
        assert!(!glob.matches("/jobs/"));
        let deep = PathGlob::new("/jobs/**");
        assert!(deep.matches("/jobs/5/console_logs/"));
        assert!(deep.matches("/jobs/"));
        assert!(!deep.matches("/logs/"));
        assert!(PathGlob::new("**").matches("/anything/at/all"));
        assert!(PathGlob::new("/jobs/?/").matches("/jobs/7/"));
        assert!(!PathGlob::new("/jobs/?/").matches("/jobs/17/"));
    }

    #[test]
    fn a_pattern_without_its_trailing_slash_still_matches() {
        assert!(PathGlob::new("storages/*").matches("/storages/3/"));
        assert!(PathGlob::new("/jobs/1").matches("/jobs/1/"));
        assert!(!PathGlob::new("storages/*").matches("/storages/3/session/"));
        assert!(PathGlob::new("sdk/**").matches("/sdk/tasks/"));
    }

    #[test]
    fn relative_globs_start_at_the_root() {
        let glob = PathGlob::new("logs/");
        assert_eq!(glob.as_str(), "/logs/");
        assert!(glob.matches("/logs/"));
        assert!(!glob.matches("/logs"));
    }

    #[test]
    fn many_stars_stay_fast() {
        let glob = PathGlob::new(&format!("{}b", "**a".repeat(20)));
        assert!(!glob.matches(&format!("/{}", "a".repeat(200))));
    }
}
