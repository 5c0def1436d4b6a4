//! The upload action.
