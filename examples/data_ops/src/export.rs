//! The export action.
