//! The security-group domain: groups, rules, identity, limits. Knows nothing of HTTP, wire names or
//! error codes; both products (ECS, ENS) drive it.

pub mod cidr;
pub mod error;
pub mod group;
pub mod input;
pub mod instance;
pub mod lint;
pub mod lists;
pub mod names;
pub mod policy;
pub mod rule;
pub mod store;
pub mod values;
pub mod verdict;

pub use error::{Attr, DomainError, Side};
pub use values::Problem;
