//! Submission ids: what Ray can handle, and building one from a run.

use super::error::RayError;

/// The longest submission id accepted: the id becomes part of a log file name
/// (`job-driver-<id>.log`), and file names are limited to 255 bytes.
pub const MAX_SUBMISSION_ID_LEN: usize = 200;

fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-')
}

/// Checks that `id` can be used as a Ray submission id: 1 to 200 characters of
/// `[A-Za-z0-9._:-]`, not only dots.
///
/// Ray itself accepts more, but an id with `/` fails on the server and leaves a job stuck in
/// PENDING for the start timeout, and the id is also a path segment of every job URL.
///
/// ```
/// use synapse::executor::ray::validate_submission_id;
///
/// assert!(validate_submission_id("quickstart.process.2026-11-24T22:47:00Z").is_ok());
/// let error = validate_submission_id("runs/1").unwrap_err();
/// assert_eq!(error.to_string(), "invalid Ray submission id `runs/1`: `/` is not allowed (use A-Z, a-z, 0-9, `.`, `_`, `:` and `-`)");
/// ```
pub fn validate_submission_id(id: &str) -> Result<(), RayError> {
    let invalid = |reason: String| Err(RayError::InvalidSubmissionId { id: id.to_owned(), reason });
    if id.is_empty() {
        return invalid("it is empty".to_owned());
    }
    if id.len() > MAX_SUBMISSION_ID_LEN {
        return invalid(format!("it is {} bytes long; the limit is {MAX_SUBMISSION_ID_LEN}", id.len()));
    }
    if let Some(c) = id.chars().find(|c| !allowed(*c)) {
        return invalid(format!("`{}` is not allowed (use A-Z, a-z, 0-9, `.`, `_`, `:` and `-`)", c.escape_default()));
    }
    if id.chars().all(|c| c == '.') {
        return invalid("it is only dots".to_owned());
    }
    Ok(())
}

/// A valid submission id for one run of a plugin's action: `<plugin>.<action>.<run_id>`.
///
/// Characters Ray cannot take become `_`, and the plugin and action parts are shortened when
/// the whole would exceed [`MAX_SUBMISSION_ID_LEN`], so that the run id (the unique part) is
/// always kept whole (up to 120 characters of it).
///
/// ```
/// use synapse::executor::ray::{submission_id, validate_submission_id};
///
/// let id = submission_id("my plugin", "train/v2", "0ca5eac4-1b2c");
/// assert_eq!(id, "my_plugin.train_v2.0ca5eac4-1b2c");
/// assert!(validate_submission_id(&id).is_ok());
/// ```
pub fn submission_id(plugin: &str, action: &str, run_id: &str) -> String {
    let clean = |part: &str, max: usize| -> String {
        let cleaned: String = part.chars().map(|c| if allowed(c) { c } else { '_' }).take(max).collect();
        // Empty or only dots (`.`, `..`): would make the whole id dots, or a URL path step.
        if cleaned.chars().all(|c| c == '.') { "_".to_owned() } else { cleaned }
    };
    let run = clean(run_id, 120);
    // Two separators; what remains is shared by the plugin and the action.
    let budget = MAX_SUBMISSION_ID_LEN - run.len() - 2;
    let action = clean(action, budget / 2);
    let plugin = clean(plugin, budget - action.len());
    format!("{plugin}.{action}.{run}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_ids() {
        for id in ["t1", "raysubmit_d4g8yHXZeHbytgtC", "plugin.hello_v1-2026-11-24T22:47:00Z", "a..b", "-x"] {
            assert!(validate_submission_id(id).is_ok(), "{id}");
        }
    }

    #[test]
    fn invalid_ids_say_why() {
        let reason = |id: &str| match validate_submission_id(id) {
            Err(RayError::InvalidSubmissionId { reason, .. }) => reason,
            other => panic!("{id}: {other:?}"),
        };
        assert_eq!(reason(""), "it is empty");
        assert_eq!(reason("a/b"), "`/` is not allowed (use A-Z, a-z, 0-9, `.`, `_`, `:` and `-`)");
        assert_eq!(reason("a b"), "` ` is not allowed (use A-Z, a-z, 0-9, `.`, `_`, `:` and `-`)");
        assert_eq!(reason("a?b"), "`?` is not allowed (use A-Z, a-z, 0-9, `.`, `_`, `:` and `-`)");
        assert_eq!(reason("é"), "`\\u{e9}` is not allowed (use A-Z, a-z, 0-9, `.`, `_`, `:` and `-`)");
        assert_eq!(reason(".."), "it is only dots");
        assert_eq!(reason(&"x".repeat(201)), "it is 201 bytes long; the limit is 200");
        assert!(validate_submission_id(&"x".repeat(200)).is_ok());
    }

    #[test]
    fn built_ids_are_always_valid() {
        let cases = [
            ("quickstart", "process", "0ca5eac4"),
            ("", "", ""),
            ("..", "..", ".."),
            ("ünïcode plugin", "act/ion?", "run id with spaces"),
            (&"p".repeat(500), &"a".repeat(500), &"r".repeat(500)),
        ];
        for (plugin, action, run) in cases {
            let id = submission_id(plugin, action, run);
            assert!(validate_submission_id(&id).is_ok(), "{id}");
        }
        let long = submission_id(&"p".repeat(500), &"a".repeat(500), "run-1");
        assert!(long.ends_with(".run-1"), "{long}");
        assert_eq!(long.len(), MAX_SUBMISSION_ID_LEN);
        assert_eq!(submission_id("", "", ""), "_._._");
    }
}
