//! Plugins: plugins and their releases, the runs asked for through `plugins/{code}/run/` (each
//! a job), and the serve applications registered for jobs.

use super::{Context, StoreError, clamp, from_column, to_column};
use crate::time;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};

/// The tables of the family, created by [`super::migrate`].
pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS plugins (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS plugin_releases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plugin INTEGER NOT NULL REFERENCES plugins (id),
    version TEXT NOT NULL,
    config TEXT NOT NULL,
    requirements TEXT NOT NULL,
    debug INTEGER NOT NULL,
    created TEXT NOT NULL,
    file TEXT,
    UNIQUE (plugin, version)
);
CREATE TABLE IF NOT EXISTS plugin_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plugin TEXT NOT NULL,
    job INTEGER NOT NULL REFERENCES jobs (id),
    body TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS serve_applications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job INTEGER NOT NULL REFERENCES jobs (id),
    status TEXT NOT NULL,
    data TEXT NOT NULL,
    plugin_code TEXT,
    agent INTEGER,
    created TEXT NOT NULL,
    modified TEXT NOT NULL
);
";

/// A plugin `{id, code, name}` by its code, if any.
pub(crate) fn plugin_by_code(connection: &Connection, code: &str) -> Result<Option<Value>, StoreError> {
    connection
        .query_row("SELECT id, code, name FROM plugins WHERE code = ?1", [code], |row| {
            Ok(json!({ "id": row.get::<_, i64>(0)?, "code": row.get::<_, String>(1)?, "name": row.get::<_, String>(2)? }))
        })
        .optional()
        .what(&format!("reading plugin {code}"))
}

/// Creates a release `version` of the plugin `code` (the plugin too, named `name`, when new);
/// `Ok(None)` when that release exists already.
pub(crate) fn create_release(
    connection: &Connection,
    code: &str,
    name: &str,
    version: &str,
    config: &Value,
    requirements: &Value,
    debug: bool,
) -> Result<Option<i64>, StoreError> {
    let what = format!("creating release {version} of plugin {code}");
    connection
        .execute("INSERT INTO plugins (code, name) VALUES (?1, ?2) ON CONFLICT (code) DO NOTHING", params![code, name])
        .what(&what)?;
    let plugin: i64 =
        connection.query_row("SELECT id FROM plugins WHERE code = ?1", [code], |row| row.get(0)).what(&what)?;
    let inserted = connection
        .execute(
            "INSERT INTO plugin_releases (plugin, version, config, requirements, debug, created)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (plugin, version) DO NOTHING",
            params![plugin, version, to_column(config), to_column(requirements), debug, time::now()],
        )
        .what(&what)?;
    Ok((inserted == 1).then(|| connection.last_insert_rowid()))
}

/// Keeps `key`, the media key of release `id`'s package (a published release's `file`).
pub(crate) fn set_release_file(connection: &Connection, id: i64, key: &str) -> Result<(), StoreError> {
    connection
        .execute("UPDATE plugin_releases SET file = ?2 WHERE id = ?1", params![id, key])
        .what(&format!("keeping the package of plugin release {id}"))?;
    Ok(())
}

/// Release `id` as `plugin_releases/{id}/` shows it: `{id, plugin, version, config,
/// requirements, debug, created, file}`, `plugin` its plugin's id, or the plugin `{id, code,
/// name}` with `expand`; `file` the media key of its package (null for a seeded release), which
/// the route turns into a URL.
pub(crate) fn release(connection: &Connection, id: i64, expand: bool) -> Result<Option<Value>, StoreError> {
    let what = format!("reading plugin release {id}");
    let row = connection
        .query_row(
            "SELECT r.id, p.id, p.code, p.name, r.version, r.config, r.requirements, r.debug, r.created, r.file
             FROM plugin_releases r JOIN plugins p ON p.id = r.plugin WHERE r.id = ?1",
            [id],
            |row| <(i64, i64, String, String, String, String, String, bool, String, Option<String>)>::try_from(row),
        )
        .optional()
        .what(&what)?;
    row.map(|(id, plugin, code, name, version, config, requirements, debug, created, file)| {
        let plugin = if expand { json!({ "id": plugin, "code": code, "name": name }) } else { json!(plugin) };
        Ok(json!({
            "id": id,
            "plugin": plugin,
            "version": version,
            "config": from_column(&config, &what)?,
            "requirements": from_column(&requirements, &what)?,
            "debug": debug,
            "created": created,
            "file": file,
        }))
    })
    .transpose()
}

/// Every release, expanded, by id.
pub(crate) fn releases(connection: &Connection) -> Result<Vec<Value>, StoreError> {
    super::each_by_id(connection, "plugin_releases", "listing the plugin releases", |id| release(connection, id, true))
}

/// Whether plugin `code` has a release `version`.
pub(crate) fn has_release(connection: &Connection, code: &str, version: &str) -> Result<bool, StoreError> {
    connection
        .query_row(
            "SELECT 1 FROM plugin_releases r JOIN plugins p ON p.id = r.plugin WHERE p.code = ?1 AND r.version = ?2",
            params![code, version],
            |_| Ok(()),
        )
        .optional()
        .map(|found| found.is_some())
        .what(&format!("looking up release {version} of plugin {code}"))
}

/// Records a run of plugin `code` as job `job` asked with `body`.
pub(crate) fn record_run(connection: &Connection, code: &str, job: i64, body: &Value) -> Result<(), StoreError> {
    connection
        .execute(
            "INSERT INTO plugin_runs (plugin, job, body, at) VALUES (?1, ?2, ?3, ?4)",
            params![code, job, to_column(body), time::now()],
        )
        .what(&format!("recording a run of plugin {code}"))?;
    Ok(())
}

/// Every run, `{id, plugin, job, body, at}`, in order.
pub(crate) fn runs(connection: &Connection) -> Result<Vec<Value>, StoreError> {
    let what = "listing the plugin runs";
    let rows = connection
        .prepare_cached("SELECT id, plugin, job, body, at FROM plugin_runs ORDER BY id")
        .and_then(|mut statement| {
            statement
                .query_map([], |row| <(i64, String, i64, String, String)>::try_from(row))?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .what(what)?;
    rows.into_iter()
        .map(|(id, plugin, job, body, at)| {
            Ok(json!({ "id": id, "plugin": plugin, "job": job, "body": from_column(&body, what)?, "at": at }))
        })
        .collect()
}

/// The plugin code and agent of the run that made job `job`, if a run did.
pub(crate) fn run_of_job(connection: &Connection, job: i64) -> Result<Option<(String, Option<i64>)>, StoreError> {
    let what = format!("reading the run of job {job}");
    let row = connection
        .query_row("SELECT plugin, body FROM plugin_runs WHERE job = ?1", [job], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })
        .optional()
        .what(&what)?;
    row.map(|(plugin, body)| Ok((plugin, from_column(&body, &what)?.get("agent").and_then(Value::as_i64)))).transpose()
}

/// A serve application to create.
#[derive(Clone, Debug)]
pub(crate) struct NewServeApplication {
    pub(crate) job: i64,
    pub(crate) status: String,
    pub(crate) data: Value,
    pub(crate) plugin_code: Option<String>,
    pub(crate) agent: Option<i64>,
}

/// Creates a serve application; it as shown.
pub(crate) fn create_serve_application(
    connection: &Connection,
    new: &NewServeApplication,
) -> Result<Value, StoreError> {
    let what = format!("creating a serve application of job {}", new.job);
    let now = time::now();
    connection
        .execute(
            "INSERT INTO serve_applications (job, status, data, plugin_code, agent, created, modified)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            params![new.job, new.status, to_column(&new.data), new.plugin_code, new.agent, now],
        )
        .what(&what)?;
    let id = connection.last_insert_rowid();
    let mut found = list_serve_applications(connection, &ServeFilter { id: Some(id), ..ServeFilter::default() }, 1, 0)?;
    found.pop().ok_or_else(|| StoreError { what, cause: "it is gone".to_owned() })
}

/// What a listing of serve applications selects.
#[derive(Clone, Debug, Default)]
pub(crate) struct ServeFilter {
    pub(crate) id: Option<i64>,
    pub(crate) plugin_code: Option<String>,
    pub(crate) agent: Option<i64>,
}

const SERVE_WHERE: &str =
    "WHERE (?1 IS NULL OR id = ?1) AND (?2 IS NULL OR plugin_code = ?2) AND (?3 IS NULL OR agent = ?3)";

/// How many serve applications `filter` selects.
pub(crate) fn count_serve_applications(connection: &Connection, filter: &ServeFilter) -> Result<u64, StoreError> {
    let count: i64 = connection
        .query_row(
            &format!("SELECT count(*) FROM serve_applications {SERVE_WHERE}"),
            params![filter.id, filter.plugin_code, filter.agent],
            |row| row.get(0),
        )
        .what("counting the serve applications")?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// At most `limit` of the serve applications `filter` selects, from `offset` on, by id:
/// `{id, job, status, data, plugin_code, agent, created, modified}`.
pub(crate) fn list_serve_applications(
    connection: &Connection,
    filter: &ServeFilter,
    limit: u64,
    offset: u64,
) -> Result<Vec<Value>, StoreError> {
    let what = "listing the serve applications";
    let rows = connection
        .prepare_cached(&format!(
            "SELECT id, job, status, data, plugin_code, agent, created, modified FROM serve_applications {SERVE_WHERE}
             ORDER BY id LIMIT ?4 OFFSET ?5"
        ))
        .and_then(|mut statement| {
            statement
                .query_map(params![filter.id, filter.plugin_code, filter.agent, clamp(limit), clamp(offset)], |row| {
                    <(i64, i64, String, String, Option<String>, Option<i64>, String, String)>::try_from(row)
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .what(what)?;
    rows.into_iter()
        .map(|(id, job, status, data, plugin_code, agent, created, modified)| {
            Ok(json!({
                "id": id, "job": job, "status": status, "data": from_column(&data, what)?,
                "plugin_code": plugin_code, "agent": agent, "created": created, "modified": modified,
            }))
        })
        .collect()
}
