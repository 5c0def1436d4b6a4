//! The Ray Jobs REST API client.
