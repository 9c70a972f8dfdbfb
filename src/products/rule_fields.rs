//! The documented wire names of a rule's fields. ECS (`Permissions.N.<name>` and the flat
//! parameters) and ENS (the keys of a `Permissions` JSON object and the flat parameters) use the same
//! names, so this is the one place a rule field is spelled (docs/reference/ecs.md §1.7, docs/reference/ens.md §2.8).

use crate::domain::rule::{RuleField, RuleInput, SideField};
use crate::domain::values::Direction;

/// The wire name of one field.
pub fn name(field: RuleField) -> &'static str {
    use SideField::*;
    match field {
        RuleField::IpProtocol => "IpProtocol",
        RuleField::PortRange => "PortRange",
        RuleField::SourcePortRange => "SourcePortRange",
        RuleField::Policy => "Policy",
        RuleField::Priority => "Priority",
        RuleField::NicType => "NicType",
        RuleField::Description => "Description",
        RuleField::PortRangeListId => "PortRangeListId",
        RuleField::Source(Cidr) => "SourceCidrIp",
        RuleField::Source(Ipv6Cidr) => "Ipv6SourceCidrIp",
        RuleField::Source(GroupId) => "SourceGroupId",
        RuleField::Source(GroupOwnerAccount) => "SourceGroupOwnerAccount",
        RuleField::Source(GroupOwnerId) => "SourceGroupOwnerId",
        RuleField::Source(PrefixListId) => "SourcePrefixListId",
        RuleField::Dest(Cidr) => "DestCidrIp",
        RuleField::Dest(Ipv6Cidr) => "Ipv6DestCidrIp",
        RuleField::Dest(GroupId) => "DestGroupId",
        RuleField::Dest(GroupOwnerAccount) => "DestGroupOwnerAccount",
        RuleField::Dest(GroupOwnerId) => "DestGroupOwnerId",
        RuleField::Dest(PrefixListId) => "DestPrefixListId",
    }
}

/// Every field with its wire name.
pub fn all() -> impl Iterator<Item = (RuleField, &'static str)> {
    RuleField::ALL.into_iter().map(|f| (f, name(f)))
}

/// Build one rule's input: `get(wire name)` gives the label to quote in messages and the value sent.
pub fn collect(
    at: impl Into<String>,
    direction: Direction,
    mut get: impl FnMut(&'static str) -> (std::borrow::Cow<'static, str>, Option<String>),
) -> RuleInput {
    RuleInput::collect(at, direction, |f| get(name(f)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_has_its_own_wire_name() {
        let names: std::collections::HashSet<_> = all().map(|(_, n)| n).collect();
        assert_eq!(names.len(), RuleField::ALL.len());
    }
}
