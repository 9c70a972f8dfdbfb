//! The RPC wire, product-neutral: decoding requests into parameters and writing answers.

pub mod envelope;
pub mod params;
pub mod request;
pub mod signature;

pub use envelope::{ErrorInfo, Format, Reply};
pub use params::{ParamError, Params};
pub use request::{RpcRequest, MAX_BODY_BYTES};
