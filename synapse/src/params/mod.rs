//! Params: an action's typed input, validated against the JSON Schema it publishes.
//!
//! Put [`#[params]`](crate::params) on a struct: it derives the schema (doc comments become
//! descriptions; defaults, ranges, lengths, patterns, enums and nested types appear in it),
//! deserialization and serialization from that one definition. Input is checked against the
//! published schema before `execute` runs, and every violation is reported at once:
//!
//! ```
//! use synapse::prelude::*;
//!
//! /// Parameters for the process action.
//! #[params]
//! #[derive(Debug)]
//! pub struct ProcessParams {
//!     /// Path to input file
//!     pub input_path: String,
//!     #[param(default = 32, range(min = 1, max = 1024))]
//!     pub batch_size: u32,
//! }
//!
//! let error = ProcessParams::parse(serde_json::json!({"batch_size": 0, "bogus": 1})).unwrap_err();
//! let paths: Vec<_> = error.iter().map(|v| v.path.as_str()).collect();
//! assert_eq!(paths, ["$.batch_size", "$.bogus", "$.input_path"]);
//!
//! let ok = ProcessParams::parse(serde_json::json!({"input_path": "in.csv"})).unwrap();
//! assert_eq!(ok.batch_size, 32);
//! ```

mod schema;
mod text;
mod violation;

pub(crate) use schema::deserialize;
pub use schema::{HasSchema, SchemaCell, schema_of};
pub use text::from_text;
pub use violation::{ParamsError, Violation, Violations};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// An action's params type. Implemented by [`#[params]`](crate::params); not meant to be
/// implemented by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as action params",
    label = "not a `#[params]` type",
    note = "put `#[synapse::params]` on the struct, so its JSON Schema, validation and deserialization come from one definition"
)]
pub trait Params: HasSchema + Serialize + DeserializeOwned + Send + 'static {
    /// The JSON Schema published for this type (what `plugin schema <action>` prints).
    fn json_schema() -> &'static Value {
        Self::schema_cell().schema()
    }

    /// Checks `value` against the published schema, reporting every violation.
    fn validate(value: &Value) -> Result<(), Violations> {
        Self::schema_cell().validate(value)
    }

    /// Validates `value`, then deserializes it.
    fn parse(value: Value) -> Result<Self, Violations> {
        Self::validate(&value)?;
        deserialize(value)
    }
}

/// The params of an action that takes none: `{}` (unknown fields are rejected).
#[crate::params(crate = crate)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoParams {}
