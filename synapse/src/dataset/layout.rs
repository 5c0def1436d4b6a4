//! Where a downloaded dataset's files go (the SDK's layout, `plugins/actions/dataset/action.py`):
//! per split, `<split>/json/<stem>.json` (the DM JSON) and `<split>/original_files/<stem>.<ext>`
//! (the primary file; the event's other files as `<stem>.<spec name>.<ext>`), and
//! `<split>/events.jsonl`; without splits, the same at the top. Stems come from the primary
//! file's name; collisions are resolved by event id.

use crate::backend::{GroundTruthEvent, Split};
use std::collections::HashSet;

/// The directory of the annotation JSON, in a split's directory.
pub const JSON_DIR: &str = "json";
/// The directory of the downloaded files, in a split's directory.
pub const FILES_DIR: &str = "original_files";
/// The events with their files' local paths (the SDK's "url_conversion": `path` instead of
/// `url`), one JSON object a line, in a split's directory.
pub const EVENTS_FILE: &str = "events.jsonl";

/// A split's directory name: the SDK's split names (`train`, `valid`, `test`).
///
/// ```
/// use synapse::backend::Split;
/// assert_eq!(synapse::dataset::split_dir_name(Split::Validation), "valid");
/// ```
pub fn split_dir_name(split: Split) -> &'static str {
    match split {
        Split::Train => "train",
        Split::Validation => "valid",
        Split::Test => "test",
    }
}

/// `url` without its query or fragment (which may hold a signature), as errors and skips name it.
pub(super) fn without_query(url: &str) -> String {
    url.split(['?', '#']).next().unwrap_or_default().to_owned()
}

/// The last segment of `url`'s path: `(stem, extension)`, the extension without its dot.
fn file_name_of(url: &str) -> (String, Option<String>) {
    let path = without_query(url);
    let name = path.rsplit('/').next().unwrap_or_default();
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && !ext.is_empty() => (stem.to_owned(), Some(sanitize(ext))),
        _ => (name.to_owned(), None),
    }
}

/// `name` with every character other than ASCII letters, digits, `-`, `_` and `.` as `_`.
fn sanitize(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' }).collect()
}

/// The stem of each event (in `events`' order): its primary file's name without extension,
/// else its id; the events sorted by id, a stem met again gets `_<event id>` appended
/// (then `_<n>` while still taken), so the same events get the same names on every run.
pub(super) fn assign_stems(events: &[GroundTruthEvent]) -> Vec<String> {
    let mut order: Vec<usize> = (0..events.len()).collect();
    order.sort_by_key(|&index| events[index].id);
    let mut taken = HashSet::new();
    let mut stems = vec![String::new(); events.len()];
    for index in order {
        let event = &events[index];
        let base = event
            .primary_file()
            .map(|(_, file)| sanitize(&file_name_of(&file.url).0))
            .filter(|stem| !stem.is_empty() && stem.chars().any(|c| c != '.'))
            .unwrap_or_else(|| event.id.to_string());
        let mut stem = base.clone();
        if taken.contains(&stem) {
            stem = format!("{base}_{}", event.id);
            let mut n = 2;
            while taken.contains(&stem) {
                stem = format!("{base}_{}_{n}", event.id);
                n += 1;
            }
        }
        taken.insert(stem.clone());
        stems[index] = stem;
    }
    stems
}

/// The name in `original_files/` of the file `spec` (`image_1`) at `url` of an event with
/// `stem`: `<stem>.<ext>` for the primary file, `<stem>.<spec>.<ext>` for the others.
pub(super) fn file_name(stem: &str, spec: &str, url: &str, primary: bool) -> String {
    let ext = file_name_of(url).1.map(|ext| format!(".{ext}")).unwrap_or_default();
    if primary { format!("{stem}{ext}") } else { format!("{stem}.{}{ext}", sanitize(spec)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: u64, url: &str) -> GroundTruthEvent {
        serde_json::from_value(serde_json::json!({
            "id": id, "files": {"image_1": {"url": url, "file_type": "image", "is_primary": true}}
        }))
        .expect("an event")
    }

    #[test]
    fn stems_come_from_the_primary_file_and_collisions_take_the_event_id() {
        let events = [
            event(9, "https://s.example/b/a.png?sig=1"),
            event(3, "https://s.example/a/a.png"),
            event(5, "https://s.example/x/c%20d.jpg"),
            event(7, "https://s.example/x/"),
        ];
        assert_eq!(assign_stems(&events), ["a_9", "a", "c_20d", "7"]);
        assert_eq!(file_name("a_9", "image_1", "https://s.example/b/a.png?sig=1", true), "a_9.png");
        assert_eq!(file_name("a", "data_meta_1", "https://s.example/a/a.json", false), "a.data_meta_1.json");
        assert_eq!(without_query("https://s.example/b/a.png?sig=1#f"), "https://s.example/b/a.png");
    }
}
