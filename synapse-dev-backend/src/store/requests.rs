//! What arrived: request counters per route, and the credentials each API request carried.
//!
//! Kept in memory ([`Requests`]), so that counting a request costs no store task, and written to
//! SQLite by [`flush`] (every [`FLUSH_EVERY`] while the server runs, and when it stops): a state
//! kept under a data directory finds them again at its next start ([`load`]).

use super::{Context, StoreError};
use rusqlite::{Connection, params};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// How often the server writes what arrived since the last write to SQLite.
pub(crate) const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// The credentials one API request carried, as `/_dev/state`'s `auth` lists them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct AuthRecord {
    /// `"<METHOD> <route pattern>"`.
    pub(crate) route: String,
    /// The request's path.
    pub(crate) path: String,
    /// The header forms that arrived (see [`crate::auth`]), `+`-joined; `None` without any.
    pub(crate) variant: Option<String>,
    /// Which configured token matched: `"access"` or `"user"`.
    pub(crate) token: Option<String>,
    /// The tenant code of `Synapse-Tenant`.
    pub(crate) tenant: Option<String>,
    /// How the tenant was sent: `"token"` (`Token <code>`, the v1 SDK) or `"bare"`.
    pub(crate) tenant_variant: Option<String>,
    /// The `url_host` query parameter.
    pub(crate) url_host: Option<String>,
    /// Whether the credentials were accepted.
    pub(crate) accepted: bool,
}

impl AuthRecord {
    /// As `/_dev/state`'s `auth` lists it.
    fn to_json(&self) -> Value {
        json!({
            "route": self.route,
            "path": self.path,
            "variant": self.variant,
            "token": self.token,
            "tenant": self.tenant,
            "tenant_variant": self.tenant_variant,
            "url_host": self.url_host,
            "accepted": self.accepted,
        })
    }
}

/// The counters and credentials records, in memory.
#[derive(Debug, Default)]
pub(crate) struct Requests {
    log: Mutex<Log>,
}

#[derive(Debug, Default)]
struct Log {
    /// Route pattern → count.
    routes: BTreeMap<String, i64>,
    /// Path of no route → count.
    unmatched: BTreeMap<String, i64>,
    /// Every credentials record, in order of arrival.
    auth: Vec<AuthRecord>,
    /// How many of `auth` SQLite holds.
    auth_flushed: usize,
    /// How many requests were counted since the start.
    counted: u64,
    /// How many of them SQLite's counters hold.
    counted_flushed: u64,
}

impl Requests {
    fn log(&self) -> std::sync::MutexGuard<'_, Log> {
        // Every change below is complete before it can panic: a poisoned log is still sound.
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts a request under `route`: a route pattern (`matched`), or the path of no route.
    /// With `auth`, records its credentials too.
    pub(crate) fn record(&self, route: &str, matched: bool, auth: Option<AuthRecord>) {
        let mut log = self.log();
        let counts = if matched { &mut log.routes } else { &mut log.unmatched };
        match counts.get_mut(route) {
            Some(count) => *count += 1,
            None => {
                counts.insert(route.to_owned(), 1);
            }
        }
        log.counted += 1;
        log.auth.extend(auth);
    }

    /// The counters, `"<METHOD> <route pattern or path>"` → count, by route: `(routes,
    /// unmatched paths)`.
    pub(crate) fn counts(&self) -> (Counters, Counters) {
        let log = self.log();
        let map = |counts: &BTreeMap<String, i64>| {
            counts.iter().map(|(route, count)| (route.clone(), json!(count))).collect()
        };
        (map(&log.routes), map(&log.unmatched))
    }

    /// Every credentials record, in order of arrival.
    pub(crate) fn auth_records(&self) -> Vec<Value> {
        self.log().auth.iter().map(AuthRecord::to_json).collect()
    }
}

/// Request counters, `"<METHOD> <route pattern or path>"` → count.
pub(crate) type Counters = Map<String, Value>;

/// What SQLite holds of the requests (counted before this start).
pub(crate) fn load(connection: &Connection) -> Result<Requests, StoreError> {
    let what = "reading the request counters";
    let mut log = Log::default();
    let mut statement = connection.prepare("SELECT route, matched, count FROM request_counts").what(what)?;
    let rows = statement
        .query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, bool>(1)?, row.get::<_, i64>(2)?)))
        .and_then(Iterator::collect::<rusqlite::Result<Vec<_>>>)
        .what(what)?;
    for (route, matched, count) in rows {
        if matched { &mut log.routes } else { &mut log.unmatched }.insert(route, count);
    }
    let what = "reading the credentials records";
    let mut statement = connection
        .prepare(
            "SELECT route, path, variant, token, tenant, tenant_variant, url_host, accepted
             FROM auth_records ORDER BY id",
        )
        .what(what)?;
    log.auth = statement
        .query_map([], |row| {
            Ok(AuthRecord {
                route: row.get(0)?,
                path: row.get(1)?,
                variant: row.get(2)?,
                token: row.get(3)?,
                tenant: row.get(4)?,
                tenant_variant: row.get(5)?,
                url_host: row.get(6)?,
                accepted: row.get(7)?,
            })
        })
        .and_then(Iterator::collect::<rusqlite::Result<Vec<_>>>)
        .what(what)?;
    log.auth_flushed = log.auth.len();
    Ok(Requests { log: Mutex::new(log) })
}

/// Writes what arrived since the last flush to SQLite, in one transaction (nothing when nothing
/// did); on an error the next flush writes it again.
pub(crate) fn flush(connection: &mut Connection, requests: &Requests) -> Result<(), StoreError> {
    let (counts, auth, (counted, flushed)) = {
        let log = requests.log();
        if log.counted == log.counted_flushed {
            return Ok(());
        }
        let counts: Vec<(String, bool, i64)> = log
            .routes
            .iter()
            .map(|(route, count)| (route.clone(), true, *count))
            .chain(log.unmatched.iter().map(|(route, count)| (route.clone(), false, *count)))
            .collect();
        (counts, log.auth[log.auth_flushed..].to_vec(), (log.counted, log.auth.len()))
    };
    let what = "writing the request counters";
    let transaction = connection.transaction().what(what)?;
    {
        let mut statement = transaction
            .prepare_cached(
                "INSERT INTO request_counts (route, matched, count) VALUES (?1, ?2, ?3)
                 ON CONFLICT (route, matched) DO UPDATE SET count = excluded.count",
            )
            .what(what)?;
        for (route, matched, count) in &counts {
            statement.execute(params![route, matched, count]).what(what)?;
        }
        let what = "writing the credentials records";
        let mut statement = transaction
            .prepare_cached(
                "INSERT INTO auth_records (route, path, variant, token, tenant, tenant_variant, url_host, accepted)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .what(what)?;
        for auth in &auth {
            statement
                .execute(params![
                    auth.route,
                    auth.path,
                    auth.variant,
                    auth.token,
                    auth.tenant,
                    auth.tenant_variant,
                    auth.url_host,
                    auth.accepted
                ])
                .what(what)?;
        }
    }
    transaction.commit().what(what)?;
    let mut log = requests.log();
    // What arrived since the snapshot stays for the next flush.
    log.counted_flushed = counted;
    log.auth_flushed = flushed;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection() -> Connection {
        let connection = Connection::open_in_memory().expect("an in-memory database");
        connection.execute_batch(crate::store::SCHEMA).expect("the tables");
        connection
    }

    #[test]
    fn a_flush_writes_what_arrived_since_the_last_one() {
        let mut connection = connection();
        let requests = load(&connection).expect("nothing yet");
        let record = |path: &str| AuthRecord { route: "GET /jobs/".into(), path: path.into(), ..AuthRecord::default() };
        requests.record("GET /jobs/", true, Some(record("/jobs/")));
        requests.record("GET /nowhere/", false, None);
        flush(&mut connection, &requests).expect("the first flush");
        requests.record("GET /jobs/", true, Some(record("/jobs/?page=2")));
        flush(&mut connection, &requests).expect("the second flush");
        flush(&mut connection, &requests).expect("a flush of nothing");

        let again = load(&connection).expect("the flushed state");
        assert_eq!(again.counts(), requests.counts());
        assert_eq!(again.counts().0["GET /jobs/"], json!(2));
        assert_eq!(again.counts().1["GET /nowhere/"], json!(1));
        assert_eq!(again.auth_records(), requests.auth_records());
        assert_eq!(again.auth_records().len(), 2);
        assert_eq!(again.auth_records()[1]["path"], "/jobs/?page=2");
    }
}
