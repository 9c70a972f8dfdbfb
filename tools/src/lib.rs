//! What sgmock's drivers share: an HTTP/1.1 client connection over plain TCP or TLS ([`http`]),
//! and latency statistics ([`stats`]). The drivers are `src/bin/sgbench.rs` (the benchmark) and
//! `src/bin/sgreliability.rs` (the reliability suite); neither ships with the server.

pub mod http;
pub mod stats;

/// Errors of the drivers are messages for the person running them.
pub type Res<T> = Result<T, String>;
