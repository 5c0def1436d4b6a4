//! The log entries waiting for delivery, bounded by the memory they take
//! ([`JobSinkLimits::queue_bytes`](super::JobSinkLimits::queue_bytes)).

use crate::backend::LogEntry;
use serde_json::Value;
use std::collections::VecDeque;
use std::mem::size_of;

/// Entries in order of emission, each with its estimated size.
#[derive(Default)]
pub(super) struct Queue {
    entries: VecDeque<(LogEntry, usize)>,
    bytes: usize,
}

impl Queue {
    /// Entries waiting.
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Appends `entry`, then drops the oldest while more than `bound` bytes wait (never the
    /// entry just appended); how many were dropped.
    pub(super) fn push(&mut self, entry: LogEntry, bound: usize) -> u64 {
        let size = entry_size(&entry);
        self.bytes += size;
        self.entries.push_back((entry, size));
        self.shrink_to(bound)
    }

    /// Takes the `count` oldest entries for one request; an entry with a file goes alone, as
    /// the Python SDK's `JobLogger` sends it (its image makes the request as large as it is).
    pub(super) fn take(&mut self, count: usize) -> Batch {
        let count = match self.entries.front() {
            Some((entry, _)) if entry.file.is_some() => 1,
            _ => self.entries.iter().take(count).take_while(|(entry, _)| entry.file.is_none()).count(),
        };
        let taken: Vec<_> = self.entries.drain(..count).collect();
        let sizes = taken.iter().map(|(_, size)| *size).collect();
        self.bytes -= taken.iter().map(|(_, size)| size).sum::<usize>();
        Batch { entries: taken.into_iter().map(|(entry, _)| entry).collect(), sizes }
    }

    /// Puts an undelivered batch back in front, in order, then drops the oldest beyond
    /// `bound`; how many were dropped.
    pub(super) fn put_back(&mut self, batch: Batch, bound: usize) -> u64 {
        for (entry, size) in batch.entries.into_iter().zip(batch.sizes).rev() {
            self.bytes += size;
            self.entries.push_front((entry, size));
        }
        self.shrink_to(bound)
    }

    /// Empties the queue; how many entries it held.
    pub(super) fn clear(&mut self) -> u64 {
        let count = self.entries.len() as u64;
        self.entries.clear();
        self.bytes = 0;
        count
    }

    fn shrink_to(&mut self, bound: usize) -> u64 {
        let mut dropped = 0;
        while self.bytes > bound && self.entries.len() > 1 {
            if let Some((_, size)) = self.entries.pop_front() {
                self.bytes -= size;
                dropped += 1;
            }
        }
        dropped
    }
}

/// Entries taken for one `POST logs/`, with their sizes (to put them back).
pub(super) struct Batch {
    pub(super) entries: Vec<LogEntry>,
    sizes: Vec<usize>,
}

/// What `entry` takes in memory, estimated: the struct, its strings (its file's `data:` URI
/// whole) and its data's tree.
pub(super) fn entry_size(entry: &LogEntry) -> usize {
    let text = |text: &Option<String>| text.as_ref().map_or(0, String::capacity);
    size_of::<LogEntry>() + entry.event.capacity() + text(&entry.file) + text(&entry.step) + value_size(&entry.data)
}

/// The heap a JSON value holds beyond its own `Value` slot (counted by its parent).
fn value_size(value: &Value) -> usize {
    match value {
        Value::Null | Value::Bool(_) | Value::Number(_) => 0,
        Value::String(text) => text.capacity(),
        Value::Array(items) => items.capacity() * size_of::<Value>() + items.iter().map(value_size).sum::<usize>(),
        // A map's node per entry: its key, its value slot, and the node's links.
        Value::Object(map) => map
            .iter()
            .map(|(key, value)| key.capacity() + size_of::<String>() + size_of::<Value>() + 16 + value_size(value))
            .sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::JobId;
    use serde_json::json;
    use std::time::SystemTime;

    fn entry(i: u64) -> LogEntry {
        LogEntry {
            event: "iteration".to_owned(),
            data: json!({"i": i, "loss": 0.5}),
            datetime: SystemTime::UNIX_EPOCH,
            job: JobId::Number(1),
            file: None,
            step: None,
            level: None,
        }
    }

    #[test]
    fn the_oldest_go_first_when_the_bound_is_reached_and_are_counted() {
        let one = entry_size(&entry(0));
        assert!(one > size_of::<LogEntry>(), "the data counts: {one}");
        let mut queue = Queue::default();
        let bound = one * 10;
        let dropped: u64 = (0..15).map(|i| queue.push(entry(i), bound)).sum();
        assert_eq!((dropped, queue.len()), (5, 10));
        let batch = queue.take(4);
        assert_eq!(batch.entries[0].data["i"], 5, "the oldest kept is the sixth");
        assert_eq!(queue.len(), 6);
        // Put back while 3 more arrived: the 3 oldest of the batch give way.
        for i in 15..18 {
            assert_eq!(queue.push(entry(i), bound), 0);
        }
        assert_eq!(queue.put_back(batch, bound), 3);
        let all = queue.take(100);
        let order: Vec<_> = all.entries.iter().map(|e| e.data["i"].as_u64().unwrap_or(0)).collect();
        assert_eq!(order, (8..18).collect::<Vec<_>>());
        assert_eq!(queue.bytes, 0);
    }

    #[test]
    fn an_entry_with_a_file_goes_alone_and_counts_by_its_bytes() {
        let mut queue = Queue::default();
        let image = LogEntry { file: Some(format!("data:image/png;base64,{}", "A".repeat(4096))), ..entry(2) };
        assert!(entry_size(&image) > entry_size(&entry(0)) + 4096, "the file counts whole");
        for i in [0, 1] {
            queue.push(entry(i), usize::MAX);
        }
        queue.push(image, usize::MAX);
        queue.push(entry(3), usize::MAX);
        let sizes: Vec<Vec<u64>> = std::iter::from_fn(|| {
            let batch = queue.take(10);
            (!batch.entries.is_empty())
                .then(|| batch.entries.iter().map(|e| e.data["i"].as_u64().unwrap_or(99)).collect())
        })
        .collect();
        assert_eq!(sizes, [vec![0, 1], vec![2], vec![3]]);
    }

    #[test]
    fn an_entry_larger_than_the_bound_is_still_kept_alone() {
        let mut queue = Queue::default();
        assert_eq!(queue.push(entry(0), 1), 0);
        assert_eq!(queue.push(entry(1), 1), 1);
        assert_eq!(queue.len(), 1);
        assert_eq!(queue.clear(), 1);
        assert!(queue.is_empty());
    }
}
