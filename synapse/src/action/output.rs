//! Typed action results.

use crate::params::{HasSchema, SchemaCell, schema_of};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// An action's result type. Implemented by [`#[output]`](crate::output) for typed results
/// (whose schema is published and against which every result is validated), and by
/// `serde_json::Value` and `()` for untyped ones.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an action's result",
    label = "not an `#[output]` type",
    note = "put `#[synapse::output]` on the type, or return `serde_json::Value` for an untyped result"
)]
pub trait ActionOutput: HasSchema + Serialize + DeserializeOwned + Send + 'static {
    /// Whether results are validated against the published schema.
    const TYPED: bool = true;
}

impl HasSchema for serde_json::Value {
    fn schema_cell() -> &'static SchemaCell {
        static CELL: SchemaCell = SchemaCell::new("serde_json::Value", schema_of::<serde_json::Value>);
        &CELL
    }
}

impl ActionOutput for serde_json::Value {
    const TYPED: bool = false;
}

impl HasSchema for () {
    fn schema_cell() -> &'static SchemaCell {
        static CELL: SchemaCell = SchemaCell::new("()", schema_of::<()>);
        &CELL
    }
}

impl ActionOutput for () {}
