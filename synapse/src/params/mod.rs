//! Params: an action's typed input, validated against the JSON Schema it publishes.
//!
//! Put [`#[params]`](macro@crate::params) on a struct: it derives the schema (doc comments become
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

mod form;
mod json_path;
mod schema;
mod text;
mod violation;
mod whole_numbers;

pub use form::{FORM_EXTENSION, FormItem, FormOption, form_items};
pub(crate) use json_path::join_property;
pub(crate) use schema::deserialize;
pub use schema::{HasSchema, SchemaCell, schema_of};
pub use text::from_text;
pub use violation::{ParamsError, Violation, Violations};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// An action's params type. Implemented by [`#[params]`](macro@crate::params); not meant to be
/// implemented by hand.
///
/// The published schema and the check never disagree: whatever [`validate`](Self::validate)
/// accepts, [`parse`](Self::parse) turns into the type, and the other way round.
///
/// - **Whole floats are integers.** JSON Schema counts `32.0` as an integer, and so does the
///   Python SDK; so `"batch_size": 32.0` fills a `u32` with 32, for every integer width, inside
///   `Option`s, `Vec`s, maps, nested structs and enums. The float is turned into an integer only
///   where the Rust type asks for one: a `serde_json::Value` field keeps `32.0` as it was given.
///   `32.5` is refused as a `type` violation at its path (`must be an integer (got number 32.5)`).
/// - **Ranges are the type's.** The schema publishes the range of every fixed-width number
///   (`u8` has `maximum: 255`, `i64` has `maximum: 9223372036854775807`, `f32` is bounded by
///   `f32::MAX`), compared exactly: `9.223372036854775807e18` (2^63 as a float) is refused for an
///   `i64` by the schema, not later by deserialization. A `#[param(range(...))]` wider than its
///   type is narrowed to the type.
/// - **Text is read once, strictly.** [`from_text`] reads params text (a leading byte-order
///   mark skipped, a key given twice refused at its path).
///
/// ```
/// use synapse::prelude::*;
///
/// #[params]
/// #[derive(Debug)]
/// pub struct TrainParams {
///     pub epochs: u32,
///     pub extra: Option<serde_json::Value>,
/// }
///
/// let params = TrainParams::parse(json!({"epochs": 32.0, "extra": {"lr": 1.0}})).unwrap();
/// assert_eq!(params.epochs, 32);
/// assert!(params.extra.unwrap()["lr"].is_f64(), "untyped values keep their floats");
///
/// let error = TrainParams::parse(json!({"epochs": 32.5})).unwrap_err();
/// assert_eq!(error.to_string(), "  - $.epochs: must be an integer (got number 32.5)");
/// ```
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
        Self::from_validated(value)
    }

    /// Deserializes `value`, which [`validate`](Self::validate) accepted (what an action's run
    /// does once its params were checked).
    #[doc(hidden)]
    fn from_validated(value: Value) -> Result<Self, Violations> {
        deserialize(value)
    }
}

/// The params of an action that takes none: `{}` (unknown fields are rejected).
#[crate::params(crate = crate)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoParams {}
