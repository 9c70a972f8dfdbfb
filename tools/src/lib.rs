//! What sgmock's drivers share: an HTTP/1.1 client connection over plain TCP or TLS ([`http`]),
//! latency statistics ([`stats`]), and a pinned `wrk` run read back ([`wrk`]). The drivers are `src/bin/sgbench.rs` (the benchmark) and
//! `src/bin/sgreliability.rs` (the reliability suite); neither ships with the server.

pub mod http;
pub mod stats;
pub mod wrk;

/// Errors of the drivers are messages for the person running them.
pub type Res<T> = Result<T, String>;
