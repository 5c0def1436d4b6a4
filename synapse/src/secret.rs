//! [`Secret`]: a credential that never shows its value (backend tokens, storage keys).

use std::fmt;

/// A credential (a backend token, a storage's secret key): its value is sent where it is due and
/// never shown — `Debug` and `Display` print `***`, so it cannot reach a log line, an event, an
/// error or `config.yaml` by accident.
///
/// ```
/// use synapse::Secret;
/// let token = Secret::new("syn_abc123");
/// assert_eq!(format!("{token} {token:?}"), "*** Secret(***)");
/// assert_eq!(token.expose(), "syn_abc123");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}
