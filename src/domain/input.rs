//! What a client sent for one rule, as typed fields: each field holds the raw text and the label the
//! client used for it (for messages). Products fill it from their wire names; the domain reads fields,
//! never names (docs/architecture.md, "What each layer may know").

use super::error::Side;
use super::values::Direction;

/// One field of one side of a rule (the source, or the destination).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SideField {
    /// An IPv4 block.
    Cidr,
    /// An IPv6 block.
    Ipv6Cidr,
    /// A peer security group.
    GroupId,
    /// The peer group's owning account, by name.
    GroupOwnerAccount,
    /// The peer group's owning account, by id.
    GroupOwnerId,
    /// A prefix list.
    PrefixListId,
}

impl SideField {
    pub const ALL: [SideField; 6] = [
        SideField::Cidr,
        SideField::Ipv6Cidr,
        SideField::GroupId,
        SideField::GroupOwnerAccount,
        SideField::GroupOwnerId,
        SideField::PrefixListId,
    ];
}

/// One field of a rule's input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleField {
    IpProtocol,
    PortRange,
    SourcePortRange,
    Policy,
    Priority,
    NicType,
    Description,
    PortRangeListId,
    Source(SideField),
    Dest(SideField),
}

impl RuleField {
    /// Every field, rule attributes first, then the source side, then the destination side.
    pub const ALL: [RuleField; 20] = [
        RuleField::IpProtocol,
        RuleField::PortRange,
        RuleField::SourcePortRange,
        RuleField::Policy,
        RuleField::Priority,
        RuleField::NicType,
        RuleField::Description,
        RuleField::PortRangeListId,
        RuleField::Source(SideField::Cidr),
        RuleField::Source(SideField::Ipv6Cidr),
        RuleField::Source(SideField::GroupId),
        RuleField::Source(SideField::GroupOwnerAccount),
        RuleField::Source(SideField::GroupOwnerId),
        RuleField::Source(SideField::PrefixListId),
        RuleField::Dest(SideField::Cidr),
        RuleField::Dest(SideField::Ipv6Cidr),
        RuleField::Dest(SideField::GroupId),
        RuleField::Dest(SideField::GroupOwnerAccount),
        RuleField::Dest(SideField::GroupOwnerId),
        RuleField::Dest(SideField::PrefixListId),
    ];

    pub fn on(side: Side, field: SideField) -> RuleField {
        match side {
            Side::Source => RuleField::Source(field),
            Side::Dest => RuleField::Dest(field),
        }
    }
}

/// One raw field: the label the client used (for messages, e.g. `Permissions.2.PortRange`) and
/// its value, if sent. A label that is a wire name as it stands is borrowed, not copied: a rule
/// has twenty fields and most calls never quote one (issue 18).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Input {
    pub name: std::borrow::Cow<'static, str>,
    pub value: Option<String>,
}

impl Input {
    /// The value when it is present and not empty. Clients send `Description=` and similar empty
    /// values for "unset" (docs/reference/terraform.md §2.3), so empty counts as absent unless asked otherwise.
    pub fn present(&self) -> Option<&str> {
        self.value.as_deref().filter(|v| !v.is_empty())
    }

    /// Sent, but as an empty string.
    pub fn is_empty_string(&self) -> bool {
        self.value.as_deref() == Some("")
    }
}

/// One tag as sent: its key and value, each with the client's label (`Tag.3.Key`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagInput {
    pub key: Input,
    pub value: Input,
}

impl TagInput {
    /// The key and value as stored (an unsent value is the empty string).
    pub fn pair(&self) -> (String, String) {
        (
            self.key.value.clone().unwrap_or_default(),
            self.value.value.clone().unwrap_or_default(),
        )
    }
}

/// The peer fields of one side.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SideInput {
    pub cidr: Input,
    pub ipv6_cidr: Input,
    pub group_id: Input,
    pub group_owner_account: Input,
    pub group_owner_id: Input,
    pub prefix_list_id: Input,
}

impl SideInput {
    pub fn field(&self, f: SideField) -> &Input {
        match f {
            SideField::Cidr => &self.cidr,
            SideField::Ipv6Cidr => &self.ipv6_cidr,
            SideField::GroupId => &self.group_id,
            SideField::GroupOwnerAccount => &self.group_owner_account,
            SideField::GroupOwnerId => &self.group_owner_id,
            SideField::PrefixListId => &self.prefix_list_id,
        }
    }

    pub fn field_mut(&mut self, f: SideField) -> &mut Input {
        match f {
            SideField::Cidr => &mut self.cidr,
            SideField::Ipv6Cidr => &mut self.ipv6_cidr,
            SideField::GroupId => &mut self.group_id,
            SideField::GroupOwnerAccount => &mut self.group_owner_account,
            SideField::GroupOwnerId => &mut self.group_owner_id,
            SideField::PrefixListId => &mut self.prefix_list_id,
        }
    }

    /// Does the input name anything on this side?
    pub fn touched(&self) -> bool {
        SideField::ALL
            .iter()
            .any(|f| self.field(*f).present().is_some())
    }
}

/// Everything a client sent for one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInput {
    /// Where the rule came from, for messages: `Permissions.2`, or the empty string for flat parameters.
    pub at: String,
    pub direction: Direction,
    pub ip_protocol: Input,
    pub port_range: Input,
    pub source_port_range: Input,
    pub policy: Input,
    pub priority: Input,
    pub nic_type: Input,
    pub description: Input,
    pub port_range_list_id: Input,
    pub source: SideInput,
    pub dest: SideInput,
}

impl RuleInput {
    /// An input with nothing sent.
    pub fn new(at: impl Into<String>, direction: Direction) -> RuleInput {
        RuleInput {
            at: at.into(),
            direction,
            ip_protocol: Input::default(),
            port_range: Input::default(),
            source_port_range: Input::default(),
            policy: Input::default(),
            priority: Input::default(),
            nic_type: Input::default(),
            description: Input::default(),
            port_range_list_id: Input::default(),
            source: SideInput::default(),
            dest: SideInput::default(),
        }
    }

    /// Fill every field of [`RuleField::ALL`] through `get(field) -> (label, value)`.
    pub fn collect(
        at: impl Into<String>,
        direction: Direction,
        mut get: impl FnMut(RuleField) -> (std::borrow::Cow<'static, str>, Option<String>),
    ) -> RuleInput {
        let mut input = RuleInput::new(at, direction);
        for f in RuleField::ALL {
            let (name, value) = get(f);
            *input.field_mut(f) = Input { name, value };
        }
        input
    }

    pub fn field(&self, f: RuleField) -> &Input {
        match f {
            RuleField::IpProtocol => &self.ip_protocol,
            RuleField::PortRange => &self.port_range,
            RuleField::SourcePortRange => &self.source_port_range,
            RuleField::Policy => &self.policy,
            RuleField::Priority => &self.priority,
            RuleField::NicType => &self.nic_type,
            RuleField::Description => &self.description,
            RuleField::PortRangeListId => &self.port_range_list_id,
            RuleField::Source(s) => self.source.field(s),
            RuleField::Dest(s) => self.dest.field(s),
        }
    }

    pub fn field_mut(&mut self, f: RuleField) -> &mut Input {
        match f {
            RuleField::IpProtocol => &mut self.ip_protocol,
            RuleField::PortRange => &mut self.port_range,
            RuleField::SourcePortRange => &mut self.source_port_range,
            RuleField::Policy => &mut self.policy,
            RuleField::Priority => &mut self.priority,
            RuleField::NicType => &mut self.nic_type,
            RuleField::Description => &mut self.description,
            RuleField::PortRangeListId => &mut self.port_range_list_id,
            RuleField::Source(s) => self.source.field_mut(s),
            RuleField::Dest(s) => self.dest.field_mut(s),
        }
    }

    pub fn side(&self, side: Side) -> &SideInput {
        match side {
            Side::Source => &self.source,
            Side::Dest => &self.dest,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_has_its_own_slot() {
        let input = RuleInput::collect("Permissions.1", Direction::Ingress, |f| {
            (format!("{f:?}").into(), Some(format!("{f:?}")))
        });
        for f in RuleField::ALL {
            assert_eq!(input.field(f).value.as_deref(), Some(&*format!("{f:?}")));
        }
        let distinct: std::collections::HashSet<_> = RuleField::ALL.into_iter().collect();
        assert_eq!(distinct.len(), RuleField::ALL.len());
    }

    #[test]
    fn a_side_is_touched_only_by_a_non_empty_value() {
        let mut input = RuleInput::new("", Direction::Egress);
        input.dest.group_id.value = Some(String::new());
        assert!(!input.dest.touched());
        input.dest.prefix_list_id.value = Some("pl-1".into());
        assert!(input.dest.touched());
        assert!(!input.source.touched());
    }
}
