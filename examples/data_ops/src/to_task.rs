//! The to_task action.
