//! User-facing message codes ([`MessageCode`]): a message with a stable key, a level and a text
//! per language, which [`#[messages]`](macro@crate::messages) derives for an enum, and the
//! language a run's messages are written in ([`LANGUAGE_VAR`]).
//!
//! The Python SDK registers its `LogMessageCode` templates in one global table keyed by the code
//! string (codes of two plugins can collide; a missing placeholder shows the raw template at
//! run time). Here each code is a variant whose templates are checked when the plugin compiles,
//! and the event carries the key with the text, so the platform can render it again in the
//! viewer's language.

use super::LogLevel;

/// The variable naming the language of a run's messages (`en`, `ko`, …), read from the run's
/// environment, then the process's.
pub const LANGUAGE_VAR: &str = "SYNAPSE_LANGUAGE";

/// The language every code has a text in, and the one any other falls back to.
pub const DEFAULT_LANGUAGE: &str = "en";

/// A user-facing message code. Derive it with [`#[messages]`](macro@crate::messages); send one
/// with [`Context::log_message_code`](crate::Context::log_message_code).
///
/// ```text
/// #[message(level = info | success | warning | danger | error,
///           en = "template", ko = "template", …,   // en required; ISO 639-1 codes
///           code = "KEY")]                          // default: the variant in SCREAMING_SNAKE_CASE
/// ```
///
/// Templates are `format!` strings whose placeholders name the variant's fields (`{count}`,
/// `{size:.1}`; `{{` for a brace). Refused when the plugin compiles, on the token: a variant
/// without `#[message]`, a `level` or an `en` template; a placeholder naming no field, or
/// positional (`{}`); a field no template uses; an unknown language or level; two variants with
/// one key; tuple variants; anything but an enum.
///
/// ```
/// use synapse::prelude::*;
///
/// #[messages]
/// pub enum ExportMessage {
///     #[message(level = success, en = "Exported {count} items to {path}", ko = "{count}개 항목을 {path}에 내보냄")]
///     Exported { count: usize, path: String },
///     #[message(level = warning, en = "Nothing to export")]
///     Empty,
/// }
///
/// # fn report(ctx: &Context) {
/// ctx.log_message_code(&ExportMessage::Exported { count: 3, path: "out/".into() });
/// # }
/// ```
///
/// What a derived code gives:
///
/// ```
/// use synapse::prelude::*;
/// use synapse::events::MessageCode;
///
/// #[messages]
/// pub enum UploadMessage {
///     #[message(level = info, en = "Uploading {count} files", ko = "파일 {count}개 업로드 중")]
///     Uploading { count: usize },
///     #[message(level = danger, code = "UPLOAD_FILE_MISSING", en = "{name} is missing")]
///     Missing { name: String },
/// }
///
/// let code = UploadMessage::Uploading { count: 3 };
/// assert_eq!((code.key(), code.level()), ("UPLOADING", LogLevel::Info));
/// assert_eq!(code.text("ko"), "파일 3개 업로드 중");
/// assert_eq!(code.text("ja"), "Uploading 3 files", "a language without a template falls back to en");
/// assert_eq!(UploadMessage::Missing { name: "a.png".into() }.key(), "UPLOAD_FILE_MISSING");
/// ```
pub trait MessageCode {
    /// The key the platform knows the code by (`UPLOADING`: the variant's name in
    /// SCREAMING_SNAKE_CASE, unless `code = "…"` says otherwise).
    fn key(&self) -> &'static str;
    /// Its level.
    fn level(&self) -> LogLevel;
    /// The languages it has a template in, `en` among them.
    fn languages(&self) -> &'static [&'static str];
    /// Its text in `language` (an ISO 639-1 code), else in English.
    fn text(&self, language: &str) -> String;
}
