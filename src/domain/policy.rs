//! What differs between products in how their groups and rules behave, as data. Each product's
//! definition holds one (`products::Product::policy`); persistence, faults and the admin API look a
//! policy up by namespace or key instead of naming a product (docs/architecture.md).

use super::group::Namespace;
use super::rule::{Dialect, Identity};
use super::store::{MembershipRules, OnDuplicate, OnMissing};
use super::verdict::Defaults;

/// Where a product's groups live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Namespacing {
    /// One namespace per region (ECS: `RegionId` on every action).
    Regional,
    /// One namespace per account (ENS: no region on these actions).
    Global,
}

/// One product's group and rule behaviour.
#[derive(Debug, Clone, Copy)]
pub struct GroupPolicy {
    /// The product's name in the state document, the journal, fault rules and `/_sgmock/info`.
    pub key: &'static str,
    pub namespacing: Namespacing,
    /// How its rules are read — on the wire and when a stored group is rebuilt (IPv6 text).
    pub dialect: Dialect,
    /// What "the same rule" means in its groups.
    pub identity: Identity,
    pub on_duplicate: OnDuplicate,
    pub on_missing: OnMissing,
    /// How Join and Leave check instances against groups.
    pub membership: MembershipRules,
    /// What a packet meets when no rule matches (the verdict API).
    pub defaults: Defaults,
}

impl GroupPolicy {
    /// Whether groups of this namespace are this product's.
    pub fn owns(&self, ns: &Namespace) -> bool {
        matches!(
            (self.namespacing, ns),
            (Namespacing::Regional, Namespace::Region(_)) | (Namespacing::Global, Namespace::Edge)
        )
    }
}
