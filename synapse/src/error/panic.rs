//! Panics inside actions become error events: the hook records where a panic happened so the
//! error can say it, and (in the plugin CLI) prints nothing, so a panic is one clear error line
//! instead of a backtrace dump.

use std::cell::RefCell;
use std::sync::Once;

thread_local! {
    static LAST_LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

static INSTALL: Once = Once::new();

/// Installs the location-recording hook once per process. With `quiet`, the default panic
/// output is suppressed (the plugin CLI reports panics as error events); otherwise the previous
/// hook still runs.
pub fn install_panic_hook(quiet: bool) {
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let location = info.location().map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
            LAST_LOCATION.with(|last| *last.borrow_mut() = location);
            if !quiet {
                previous(info);
            }
        }));
    });
}

/// The location of the last panic on this thread, once.
pub(crate) fn take_location() -> Option<String> {
    LAST_LOCATION.with(|last| last.borrow_mut().take())
}

/// The message of a panic payload.
pub(crate) fn message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic with a non-text payload".to_owned()
    }
}
