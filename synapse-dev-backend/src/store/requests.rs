//! What arrived: request counters per route, and the credentials each API request carried.

use super::{Context, StoreError};
use rusqlite::{Connection, params};
use serde_json::{Map, Value, json};

/// The credentials one API request carried, as `/_dev/state`'s `auth` lists them.
#[derive(Clone, Debug, Default)]
pub(crate) struct AuthRecord {
    /// `"<METHOD> <route pattern>"`.
    pub(crate) route: String,
    /// The request's path.
    pub(crate) path: String,
    /// The header forms that arrived (see [`crate::auth`]), `+`-joined; `None` without any.
    pub(crate) variant: Option<String>,
    /// Which configured token matched: `"access"` or `"user"`.
    pub(crate) token: Option<&'static str>,
    /// The tenant code of `Synapse-Tenant`.
    pub(crate) tenant: Option<String>,
    /// How the tenant was sent: `"token"` (`Token <code>`, the v1 SDK) or `"bare"`.
    pub(crate) tenant_variant: Option<&'static str>,
    /// The `url_host` query parameter.
    pub(crate) url_host: Option<String>,
    /// Whether the credentials were accepted.
    pub(crate) accepted: bool,
}

/// Counts a request under `route`: a route pattern (`matched`), or the path of no route.
/// With `auth`, records its credentials in the same transaction.
pub(crate) fn record(
    connection: &mut Connection,
    route: &str,
    matched: bool,
    auth: Option<&AuthRecord>,
) -> Result<(), StoreError> {
    let what = "counting the request";
    let transaction = connection.transaction().what(what)?;
    transaction
        .prepare_cached(
            "INSERT INTO request_counts (route, matched, count) VALUES (?1, ?2, 1)
             ON CONFLICT (route, matched) DO UPDATE SET count = count + 1",
        )
        .and_then(|mut statement| statement.execute(params![route, matched]))
        .what(what)?;
    if let Some(auth) = auth {
        transaction
            .prepare_cached(
                "INSERT INTO auth_records (route, path, variant, token, tenant, tenant_variant, url_host, accepted)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    auth.route,
                    auth.path,
                    auth.variant,
                    auth.token,
                    auth.tenant,
                    auth.tenant_variant,
                    auth.url_host,
                    auth.accepted
                ])
            })
            .what("recording the request's credentials")?;
    }
    transaction.commit().what(what)
}

/// Request counters, `"<METHOD> <route pattern or path>"` → count.
pub(crate) type Counters = Map<String, Value>;

/// The counters: `(routes, unmatched paths)`.
pub(crate) fn counts(connection: &Connection) -> Result<(Counters, Counters), StoreError> {
    let what = "reading the request counters";
    let mut statement =
        connection.prepare_cached("SELECT route, matched, count FROM request_counts ORDER BY route").what(what)?;
    let rows = statement
        .query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, bool>(1)?, row.get::<_, i64>(2)?)))
        .and_then(Iterator::collect::<rusqlite::Result<Vec<_>>>)
        .what(what)?;
    let (mut routes, mut unmatched) = (Map::new(), Map::new());
    for (route, matched, count) in rows {
        if matched { &mut routes } else { &mut unmatched }.insert(route, json!(count));
    }
    Ok((routes, unmatched))
}

/// Every credentials record, in order of arrival.
pub(crate) fn auth_records(connection: &Connection) -> Result<Vec<Value>, StoreError> {
    let what = "reading the credentials records";
    let mut statement = connection
        .prepare_cached(
            "SELECT route, path, variant, token, tenant, tenant_variant, url_host, accepted
             FROM auth_records ORDER BY id",
        )
        .what(what)?;
    statement
        .query_map([], |row| {
            Ok(json!({
                "route": row.get::<_, String>(0)?,
                "path": row.get::<_, String>(1)?,
                "variant": row.get::<_, Option<String>>(2)?,
                "token": row.get::<_, Option<String>>(3)?,
                "tenant": row.get::<_, Option<String>>(4)?,
                "tenant_variant": row.get::<_, Option<String>>(5)?,
                "url_host": row.get::<_, Option<String>>(6)?,
                "accepted": row.get::<_, bool>(7)?,
            }))
        })
        .and_then(Iterator::collect)
        .what(what)
}
