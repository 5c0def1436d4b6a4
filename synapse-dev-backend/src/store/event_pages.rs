//! Where the pages of a ground-truth events listing start: per filter, how many events it
//! selects and the id each page it served ended at, so that the next page is read from that id on
//! (`id > last`) rather than past an `OFFSET` scan, and the count is not taken again per page.
//!
//! What is kept holds while no event is added: events are only ever added (no route updates or
//! deletes one, and their ids are never reused), so the largest id says whether it still holds.

use super::ground_truth::{self, Event, EventFilter};
use super::{Context, StoreError};
use rusqlite::Connection;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The most filters kept at once (all are dropped past it).
const MAX_FILTERS: usize = 64;

/// The most page starts kept per filter (all are dropped past it).
const MAX_MARKS: usize = 10_000;

/// The counts and page starts of the listings served, per filter.
#[derive(Debug, Default)]
pub(crate) struct EventPages {
    filters: Mutex<HashMap<String, Marks>>,
}

/// What is known of one filter's listing.
#[derive(Debug, Default)]
struct Marks {
    /// The largest event id when it was learnt (`None`: there were no events).
    generation: Option<i64>,
    /// How many events the filter selects.
    count: Option<u64>,
    /// Offset → the id of the event just before it in the listing's order.
    after: HashMap<u64, i64>,
}

impl EventPages {
    fn filters(&self) -> MutexGuard<'_, HashMap<String, Marks>> {
        // Each change below is whole before anything can panic: a poisoned map is still sound.
        self.filters.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What is known of `filter` at `generation`, emptied when it was learnt at another.
    fn with_marks<T>(&self, filter: &EventFilter, generation: Option<i64>, work: impl FnOnce(&mut Marks) -> T) -> T {
        let mut filters = self.filters();
        if filters.len() >= MAX_FILTERS && !filters.contains_key(&key(filter)) {
            filters.clear();
        }
        let marks = filters.entry(key(filter)).or_default();
        if marks.generation != generation {
            *marks = Marks { generation, ..Marks::default() };
        }
        work(marks)
    }

    /// How many events `filter` selects ([`ground_truth::count_events`]), counted once per
    /// generation.
    pub(crate) fn count(&self, connection: &Connection, filter: &EventFilter) -> Result<u64, StoreError> {
        let generation = generation(connection)?;
        if let Some(count) = self.with_marks(filter, generation, |marks| marks.count) {
            return Ok(count);
        }
        let count = ground_truth::count_events(connection, filter)?;
        self.with_marks(filter, generation, |marks| marks.count = Some(count));
        Ok(count)
    }

    /// [`ground_truth::list_events`]: from the id the previous page ended at when a page ended
    /// at `offset` since the last event was added, else past `offset` events.
    pub(crate) fn list(
        &self,
        connection: &Connection,
        filter: &EventFilter,
        limit: u64,
        offset: u64,
    ) -> Result<Vec<Event>, StoreError> {
        let generation = generation(connection)?;
        let after = if offset == 0 {
            None
        } else {
            self.with_marks(filter, generation, |marks| marks.after.get(&offset).copied())
        };
        let events = match after {
            Some(after) => {
                ground_truth::list_events(connection, &EventFilter { after: Some(after), ..filter.clone() }, limit, 0)?
            }
            None => ground_truth::list_events(connection, filter, limit, offset)?,
        };
        if let Some(last) = events.last().filter(|_| events.len() as u64 == limit) {
            self.with_marks(filter, generation, |marks| {
                if marks.after.len() >= MAX_MARKS {
                    marks.after.clear();
                }
                marks.after.insert(offset.saturating_add(limit), last.id);
            });
        }
        Ok(events)
    }
}

/// The filter as a key: every field, the cursor position included.
fn key(filter: &EventFilter) -> String {
    format!("{filter:?}")
}

/// The largest event id: changed by every event added.
fn generation(connection: &Connection) -> Result<Option<i64>, StoreError> {
    connection
        .prepare_cached("SELECT max(id) FROM gt_events")
        .and_then(|mut statement| statement.query_row([], |row| row.get(0)))
        .what("reading the ground-truth events' largest id")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ground_truth::NewEvent;
    use serde_json::json;

    /// A state with one version of `events` events, every third `test`.
    fn state(events: usize) -> Connection {
        let mut connection = Connection::open_in_memory().expect("an in-memory database");
        connection.execute_batch(ground_truth::SCHEMA).expect("the tables");
        ground_truth::create_version(&connection, None, "set").expect("a version");
        add(&mut connection, events);
        connection
    }

    fn add(connection: &mut Connection, events: usize) {
        let events: Vec<NewEvent> = (0..events)
            .map(|index| NewEvent {
                category: if index % 3 == 0 { "test" } else { "train" }.to_owned(),
                files: json!({}),
                data: json!({ "index": index }),
            })
            .collect();
        ground_truth::insert_events(connection, 1, &events).expect("the events");
    }

    fn ids(events: &[Event]) -> Vec<i64> {
        events.iter().map(|event| event.id).collect()
    }

    #[test]
    fn pages_read_on_from_the_last_one_match_offset_pages() {
        let mut connection = state(25);
        let pages = EventPages::default();
        for descending in [false, true] {
            for category in [None, Some("test".to_owned())] {
                let filter = EventFilter { versions: vec![1], category, descending, ..EventFilter::default() };
                for offset in [0, 4, 8, 12, 16, 20, 24] {
                    let listed = pages.list(&connection, &filter, 4, offset).expect("a page");
                    let plain = ground_truth::list_events(&connection, &filter, 4, offset).expect("an offset page");
                    assert_eq!(ids(&listed), ids(&plain), "{filter:?} at {offset}");
                }
                let count = ground_truth::count_events(&connection, &filter).expect("a count");
                assert_eq!(pages.count(&connection, &filter).expect("the count"), count);
            }
        }
        // Newest first: page 2 starts after event 16, where page 1 ended.
        let filter = EventFilter { versions: vec![1], descending: true, ..EventFilter::default() };
        assert_eq!(pages.count(&connection, &filter).expect("the count"), 25);
        assert_eq!(ids(&pages.list(&connection, &filter, 10, 0).expect("page 1")), (16..=25).rev().collect::<Vec<_>>());
        let mark =
            |pages: &EventPages| pages.filters().get(&key(&filter)).and_then(|marks| marks.after.get(&10).copied());
        assert_eq!(mark(&pages), Some(16));
        assert_eq!(ids(&pages.list(&connection, &filter, 10, 10).expect("page 2")), (6..=15).rev().collect::<Vec<_>>());

        // An event added: the count and the page starts are learnt again (the old mark would
        // start page 2 after event 16, not 17).
        add(&mut connection, 1);
        assert_eq!(pages.count(&connection, &filter).expect("the new count"), 26);
        assert_eq!(ids(&pages.list(&connection, &filter, 10, 10).expect("page 2")), (7..=16).rev().collect::<Vec<_>>());
        assert_eq!(mark(&pages), None);
    }
}
