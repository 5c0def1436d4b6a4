//! The storage sessions `POST storages/{id}/session/` issued: which storage, for what purpose,
//! when, and until when (what `/_dev/state` shows as `storage_sessions`).

use super::{Context, StoreError};
use rusqlite::{Connection, params};
use serde_json::{Value, json};

/// The table, created by `store::migrate`.
pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS storage_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    storage INTEGER NOT NULL,
    purpose TEXT NOT NULL,
    issued TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
";

/// Records a session of `storage` issued for `purpose` (`read` or `write`) at `issued`, valid
/// until `expires_at` (both as `crate::time::now` writes them); its id.
pub(crate) fn insert(
    connection: &Connection,
    storage: i64,
    purpose: &str,
    issued: &str,
    expires_at: &str,
) -> Result<i64, StoreError> {
    connection
        .prepare_cached("INSERT INTO storage_sessions (storage, purpose, issued, expires_at) VALUES (?1, ?2, ?3, ?4)")
        .and_then(|mut statement| statement.execute(params![storage, purpose, issued, expires_at]))
        .what("recording a storage session")?;
    Ok(connection.last_insert_rowid())
}

/// Every session issued, oldest first: `[{id, storage, purpose, issued, expires_at}]`.
pub(crate) fn all(connection: &Connection) -> Result<Vec<Value>, StoreError> {
    connection
        .prepare_cached("SELECT id, storage, purpose, issued, expires_at FROM storage_sessions ORDER BY id")
        .and_then(|mut statement| {
            statement
                .query_map([], |row| {
                    Ok(json!({
                        "id": row.get::<_, i64>(0)?,
                        "storage": row.get::<_, i64>(1)?,
                        "purpose": row.get::<_, String>(2)?,
                        "issued": row.get::<_, String>(3)?,
                        "expires_at": row.get::<_, String>(4)?,
                    }))
                })?
                .collect()
        })
        .what("listing the storage sessions")
}
