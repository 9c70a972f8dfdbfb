//! Rules: parsing a client's [`RuleInput`] into a draft, the stored rule, and the identity key that
//! decides "the same rule" (docs/reference/rules.md §4.1, §4.2).

use compact_str::CompactString;

use super::cidr::{Cidr, Ipv6Text};
use super::error::{Attr, DomainError, Side};
pub use super::input::{Input, RuleField, RuleInput, SideField, SideInput};
use super::values::{Direction, Family, IpProtocol, NicType, Policy, PortRange, Priority, Problem};

/// The side that names the rule's peer: the source of an inbound rule, the destination of an outbound
/// one. The other side may only hold a CIDR ("quintuple" rules).
pub fn peer_side(direction: Direction) -> Side {
    match direction {
        Direction::Ingress => Side::Source,
        Direction::Egress => Side::Dest,
    }
}

/// A security group referenced by a rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GroupPeer {
    pub id: String,
    /// The owning account for a cross-account reference; `None` for the rule's own account.
    pub owner: Option<String>,
}

/// What a rule side points at.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Peer {
    Cidr(Cidr),
    Group(GroupPeer),
    PrefixList(String),
}

impl Peer {
    pub fn cidr(&self) -> Option<&Cidr> {
        match self {
            Peer::Cidr(c) => Some(c),
            _ => None,
        }
    }

    pub fn group(&self) -> Option<&GroupPeer> {
        match self {
            Peer::Group(g) => Some(g),
            _ => None,
        }
    }

    /// Kind for "the peer type cannot change" (seed ModifySecurityGroupEgressRule): an IPv4 block,
    /// an IPv6 block, a group or a prefix list.
    pub fn kind(&self) -> u8 {
        match self {
            Peer::Cidr(c) if c.family() == Family::V4 => 0,
            Peer::Cidr(_) => 1,
            Peer::Group(_) => 2,
            Peer::PrefixList(_) => 3,
        }
    }
}

/// How one product validates rule input.
#[derive(Debug, Clone, Copy)]
pub struct Dialect {
    pub ipv6_text: Ipv6Text,
    /// The peer side must name something (ECS: `MissingParameter.Source`/`.Dest`).
    pub require_peer: bool,
    /// Groups and prefix lists may be peers (ECS); otherwise only CIDR blocks (ENS).
    pub group_peers: bool,
    /// Description length bounds, in characters; `None` skips the check.
    pub description: Option<(usize, usize)>,
    /// Source and destination CIDR must differ (ECS `InvalidParamter.Conflict`); ENS accepts
    /// `0.0.0.0/0` on both sides (docs/reference/terraform.md S4 rule 3).
    pub distinct_sides: bool,
}

/// A parsed, context-free rule: syntax checked, not yet placed in a group.
#[derive(Debug, Clone)]
pub struct RuleDraft {
    pub at: String,
    pub direction: Direction,
    pub protocol: IpProtocol,
    pub ports: Option<PortRange>,
    pub port_range_list: Option<String>,
    pub source_ports: Option<PortRange>,
    pub policy: Policy,
    pub priority: Priority,
    pub nic: Option<NicType>,
    /// `None`: not sent. `Some("")`: sent empty.
    pub description: Option<String>,
    pub source: Option<Peer>,
    pub dest: Option<Peer>,
}

fn value<T: std::str::FromStr<Err = Problem>>(
    input: &Input,
    attr: Attr,
) -> Result<Option<T>, DomainError> {
    match input.present() {
        None => Ok(None),
        Some(v) => v
            .parse::<T>()
            .map(Some)
            .map_err(|p| DomainError::invalid(attr, input.name.clone(), p)),
    }
}

fn required<T: std::str::FromStr<Err = Problem>>(
    input: &Input,
    attr: Attr,
) -> Result<T, DomainError> {
    value(input, attr)?
        .ok_or_else(|| DomainError::invalid(attr, input.name.clone(), Problem::Missing))
}

/// Parse one side's peer fields. A CIDR wins over a group, a group over a prefix list
/// (AuthorizeSecurityGroup: "if both SourceGroupId and SourceCidrIp are set, SourceCidrIp wins";
/// prefix lists are "ignored if SourceCidrIp, Ipv6SourceCidrIp or SourceGroupId is set").
fn parse_side(
    input: &RuleInput,
    side: Side,
    d: &Dialect,
    groups: bool,
) -> Result<Option<Peer>, DomainError> {
    let (fields, v4_attr, v6_attr) = match side {
        Side::Source => (&input.source, Attr::SourceCidrIp, Attr::Ipv6SourceCidrIp),
        Side::Dest => (&input.dest, Attr::DestCidrIp, Attr::Ipv6DestCidrIp),
    };
    let malformed =
        |i: &Input, attr| DomainError::invalid(attr, i.name.clone(), Problem::Malformed);
    let v4 = match fields.cidr.present() {
        None => None,
        Some(s) => Some(Cidr::parse_v4(s).ok_or_else(|| malformed(&fields.cidr, v4_attr))?),
    };
    let v6 = match fields.ipv6_cidr.present() {
        None => None,
        Some(s) => Some(
            Cidr::parse_v6(s, d.ipv6_text).ok_or_else(|| malformed(&fields.ipv6_cidr, v6_attr))?,
        ),
    };
    if v4.is_some() && v6.is_some() {
        return Err(DomainError::BothFamilies {
            side,
            at: input.at.clone(),
        });
    }
    if let Some(c) = v4.or(v6) {
        return Ok(Some(Peer::Cidr(c)));
    }
    if !groups {
        return Ok(None);
    }
    if let Some(id) = fields.group_id.present() {
        let owner = fields
            .group_owner_account
            .present()
            .or_else(|| fields.group_owner_id.present())
            .map(str::to_string);
        return Ok(Some(Peer::Group(GroupPeer {
            id: id.to_string(),
            owner,
        })));
    }
    Ok(fields
        .prefix_list_id
        .present()
        .map(|id| Peer::PrefixList(id.to_string())))
}

/// Syntax and self-consistency of one rule (everything that needs no stored state).
pub fn parse_rule(input: &RuleInput, d: &Dialect) -> Result<RuleDraft, DomainError> {
    let protocol: IpProtocol = required(&input.ip_protocol, Attr::IpProtocol)?;
    let port_range_list = input.port_range_list_id.present().map(str::to_string);
    let ports: Option<PortRange> = value(&input.port_range, Attr::PortRange)?;
    if ports.is_none() && port_range_list.is_none() {
        return Err(DomainError::invalid(
            Attr::PortRange,
            input.port_range.name.clone(),
            Problem::Missing,
        ));
    }
    if ports.is_none() && !protocol.has_ports() {
        return Err(DomainError::ProtocolNotSupportPortRangeList);
    }
    if let Some(p) = ports {
        p.check_for(protocol)
            .map_err(|e| DomainError::invalid(Attr::PortRange, input.port_range.name.clone(), e))?;
    }
    let source_ports: Option<PortRange> = value(&input.source_port_range, Attr::SourcePortRange)?;
    // `-1/-1` ("any source port") is accepted with every protocol: clients send it for TCP rules too
    // (the captured ENS DeleteSecurityGroupPermissions request, signature-vectors.jsonl V6).
    if let Some(p) = source_ports.filter(|p| *p != PortRange::ANY) {
        p.check_for(protocol).map_err(|e| {
            DomainError::invalid(
                Attr::SourcePortRange,
                input.source_port_range.name.clone(),
                e,
            )
        })?;
    }
    let policy = value(&input.policy, Attr::Policy)?.unwrap_or(Policy::Accept);
    let priority = value(&input.priority, Attr::Priority)?.unwrap_or(Priority::DEFAULT);
    let nic = value(&input.nic_type, Attr::NicType)?;
    let desc = &input.description;
    if let Some(text) = desc.present() {
        let n = text.chars().count();
        let (min, max) = d.description.unwrap_or((0, usize::MAX));
        if n < min || n > max || !text.chars().all(super::names::is_text_char) {
            return Err(DomainError::invalid(
                Attr::RuleDescription,
                desc.name.clone(),
                Problem::Malformed,
            ));
        }
    }
    let own = peer_side(input.direction);
    let source = parse_side(input, Side::Source, d, d.group_peers && own == Side::Source)?;
    let dest = parse_side(input, Side::Dest, d, d.group_peers && own == Side::Dest)?;
    let peer = match own {
        Side::Source => &source,
        Side::Dest => &dest,
    };
    if d.require_peer && peer.is_none() {
        return Err(DomainError::MissingPeer {
            side: own,
            at: input.at.clone(),
        });
    }
    let fam_s = source.as_ref().and_then(Peer::cidr).map(Cidr::family);
    let fam_d = dest.as_ref().and_then(Peer::cidr).map(Cidr::family);
    if let (Some(a), Some(b)) = (fam_s, fam_d) {
        if a != b {
            return Err(DomainError::MixedFamilies {
                at: input.at.clone(),
            });
        }
    }
    if let Some(required) = protocol.family() {
        if [fam_s, fam_d].into_iter().flatten().any(|f| f != required) {
            return Err(match required {
                Family::V4 => DomainError::V4ProtocolWithV6 {
                    at: input.at.clone(),
                },
                Family::V6 => DomainError::V6ProtocolWithV4 {
                    at: input.at.clone(),
                },
            });
        }
    }
    if let (true, Some(a), Some(b)) = (
        d.distinct_sides,
        source.as_ref().and_then(Peer::cidr),
        dest.as_ref().and_then(Peer::cidr),
    ) {
        if a == b {
            return Err(DomainError::SameSourceAndDest {
                at: input.at.clone(),
            });
        }
    }
    Ok(RuleDraft {
        at: input.at.clone(),
        direction: input.direction,
        protocol,
        ports,
        port_range_list,
        source_ports,
        policy,
        priority,
        nic,
        description: desc.value.clone(),
        source,
        dest,
    })
}

/// The input a modify-by-id describes: the rule as stored, with what the patch sent laid over it,
/// field by field (seed ModifySecurityGroupEgressRule). A field sent empty cannot clear a value the
/// rule holds (`ModifyClear`), except Description, which may be emptied. A side the patch names
/// anything on is taken whole from the patch (the peer is replaced, not merged); an untouched side
/// keeps the stored peer.
pub fn merge_patch(old: &Rule, patch: &RuleInput) -> Result<RuleInput, DomainError> {
    for f in RuleField::ALL {
        let sent = patch.field(f);
        if f != RuleField::Description
            && sent.is_empty_string()
            && old.text(f).is_some_and(|t| !t.is_empty())
        {
            return Err(DomainError::ModifyClear {
                field: f,
                name: sent.name.to_string(),
            });
        }
    }
    let mut merged = patch.clone();
    for f in [
        RuleField::IpProtocol,
        RuleField::SourcePortRange,
        RuleField::Policy,
        RuleField::Priority,
        RuleField::NicType,
    ] {
        let slot = merged.field_mut(f);
        if slot.present().is_none() {
            slot.value = old.text(f);
        }
    }
    // The ports are one thing, a range or a list: a patch that names either replaces both, so a
    // switch between the two forms reaches the check that refuses it.
    if patch.port_range.present().is_none() && patch.port_range_list_id.present().is_none() {
        merged.port_range.value = old.text(RuleField::PortRange);
        merged.port_range_list_id.value = old.text(RuleField::PortRangeListId);
    }
    if merged.description.value.is_none() {
        merged.description.value = Some(old.description.clone());
    }
    for side in [Side::Source, Side::Dest] {
        if !patch.side(side).touched() {
            for f in SideField::ALL {
                let f = RuleField::on(side, f);
                merged.field_mut(f).value = old.text(f);
            }
        }
    }
    Ok(merged)
}

/// Whether Priority is part of "the same rule". ECS: no (no documented identity list has it,
/// docs/reference/terraform.md §7 decision 4). ENS: yes (DeleteSecurityGroupPermissions requires it, seed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    WithoutPriority,
    WithPriority,
}

/// What decides "the same rule" within one group: borrowed from the rule, so the index that
/// looks rules up by it stores nothing but slot numbers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RuleKey<'a> {
    direction: Direction,
    protocol: IpProtocol,
    ports: PortRange,
    port_list: Option<&'a str>,
    source_ports: Option<PortRange>,
    policy: Policy,
    nic: NicType,
    source: Option<&'a Peer>,
    dest: Option<&'a Peer>,
    priority: Option<Priority>,
}

/// A rule as stored in a group.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Inline (no allocation of its own): our ids are 24 bytes, `sgr-` and 20 characters.
    pub id: CompactString,
    /// Unix seconds.
    pub created: i64,
    pub direction: Direction,
    pub protocol: IpProtocol,
    /// `-1/-1` when the ports come from a port range list.
    pub ports: PortRange,
    /// A port range list (`prl-…`) in place of `ports` (ECS).
    pub port_list: Option<String>,
    pub source_ports: Option<PortRange>,
    pub policy: Policy,
    pub priority: Priority,
    pub nic: NicType,
    pub description: String,
    pub source: Option<Peer>,
    pub dest: Option<Peer>,
}

impl Rule {
    /// The lists the rule references: its prefix-list peer and its port range list.
    pub fn lists(&self) -> impl Iterator<Item = &str> {
        let prefix = match self.peer() {
            Some(Peer::PrefixList(id)) => Some(id.as_str()),
            _ => None,
        };
        prefix.into_iter().chain(self.port_list.as_deref())
    }

    pub fn key<'a>(&'a self, identity: Identity) -> RuleKey<'a> {
        // ECS: the other side's IPv4 CIDR defaults to 0.0.0.0/0 (RevokeSecurityGroup page:
        // `DestCidrIp` "default 0.0.0.0/0"), so leaving it out and sending 0.0.0.0/0 name the same
        // rule. The stored text is kept as sent; only the identity folds them (docs/fidelity.md).
        let other = |side: Side, p: &'a Option<Peer>| -> Option<&'a Peer> {
            let any = matches!(p, Some(Peer::Cidr(c)) if c.text() == "0.0.0.0/0");
            if identity == Identity::WithoutPriority && side != peer_side(self.direction) && any {
                None
            } else {
                p.as_ref()
            }
        };
        RuleKey {
            direction: self.direction,
            protocol: self.protocol,
            ports: self.ports,
            port_list: self.port_list.as_deref(),
            source_ports: self.source_ports,
            policy: self.policy,
            nic: self.nic,
            source: other(Side::Source, &self.source),
            dest: other(Side::Dest, &self.dest),
            priority: match identity {
                Identity::WithPriority => Some(self.priority),
                Identity::WithoutPriority => None,
            },
        }
    }

    /// The rule's peer (source of an inbound rule, destination of an outbound one).
    pub fn peer(&self) -> Option<&Peer> {
        match peer_side(self.direction) {
            Side::Source => self.source.as_ref(),
            Side::Dest => self.dest.as_ref(),
        }
    }

    /// The stored text of one input field, for rebuilding an input (modify by rule id): what a
    /// client would send to describe this rule. `None` for a field the rule does not use.
    pub fn text(&self, field: RuleField) -> Option<String> {
        let side = |p: &Option<Peer>, f: SideField| -> Option<String> {
            match (p.as_ref()?, f) {
                (Peer::Cidr(c), SideField::Cidr) if c.family() == Family::V4 => {
                    Some(c.text().to_string())
                }
                (Peer::Cidr(c), SideField::Ipv6Cidr) if c.family() == Family::V6 => {
                    Some(c.text().to_string())
                }
                (Peer::Group(g), SideField::GroupId) => Some(g.id.clone()),
                // The owner is kept as one value; it is given back as the account name.
                (Peer::Group(g), SideField::GroupOwnerAccount) => g.owner.clone(),
                (Peer::PrefixList(p), SideField::PrefixListId) => Some(p.clone()),
                _ => None,
            }
        };
        match field {
            RuleField::IpProtocol => Some(self.protocol.as_str().to_string()),
            RuleField::PortRange if self.port_list.is_some() => None,
            RuleField::PortRange => Some(self.ports.to_string()),
            RuleField::SourcePortRange => self.source_ports.map(|p| p.to_string()),
            RuleField::Policy => Some(self.policy.as_str().to_string()),
            RuleField::Priority => Some(self.priority.to_string()),
            RuleField::NicType => Some(self.nic.as_str().to_string()),
            RuleField::Description => Some(self.description.clone()),
            RuleField::PortRangeListId => self.port_list.clone(),
            RuleField::Source(f) => side(&self.source, f),
            RuleField::Dest(f) => side(&self.dest, f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ECS: Dialect = Dialect {
        ipv6_text: Ipv6Text::Compressed,
        require_peer: true,
        group_peers: true,
        description: Some((1, 512)),
        distinct_sides: true,
    };

    fn input(direction: Direction, pairs: &[(RuleField, &str)]) -> RuleInput {
        RuleInput::collect("Permissions.1", direction, |f| {
            let name = format!("Permissions.1.{f:?}");
            let v = pairs
                .iter()
                .find(|(k, _)| *k == f)
                .map(|(_, v)| v.to_string());
            (name.into(), v)
        })
    }

    #[test]
    fn a_cidr_wins_over_a_group_and_a_group_over_a_prefix_list() {
        let d = parse_rule(
            &input(
                Direction::Ingress,
                &[
                    (RuleField::IpProtocol, "tcp"),
                    (RuleField::PortRange, "22/22"),
                    (RuleField::Source(SideField::Cidr), "10.0.0.0/8"),
                    (RuleField::Source(SideField::GroupId), "sg-x"),
                    (RuleField::Source(SideField::PrefixListId), "pl-x"),
                ],
            ),
            &ECS,
        )
        .unwrap();
        assert!(matches!(d.source, Some(Peer::Cidr(_))));
        let d = parse_rule(
            &input(
                Direction::Ingress,
                &[
                    (RuleField::IpProtocol, "tcp"),
                    (RuleField::PortRange, "22/22"),
                    (RuleField::Source(SideField::GroupId), "sg-x"),
                    (RuleField::Source(SideField::PrefixListId), "pl-x"),
                ],
            ),
            &ECS,
        )
        .unwrap();
        assert!(matches!(d.source, Some(Peer::Group(_))));
    }

    #[test]
    fn icmp_with_ipv6_and_icmpv6_with_ipv4_are_refused() {
        let e = parse_rule(
            &input(
                Direction::Ingress,
                &[
                    (RuleField::IpProtocol, "icmp"),
                    (RuleField::PortRange, "-1/-1"),
                    (RuleField::Source(SideField::Ipv6Cidr), "::/0"),
                ],
            ),
            &ECS,
        )
        .unwrap_err();
        assert!(matches!(e, DomainError::V4ProtocolWithV6 { .. }));
        let e = parse_rule(
            &input(
                Direction::Ingress,
                &[
                    (RuleField::IpProtocol, "icmpv6"),
                    (RuleField::PortRange, "-1/-1"),
                    (RuleField::Source(SideField::Cidr), "0.0.0.0/0"),
                ],
            ),
            &ECS,
        )
        .unwrap_err();
        assert!(matches!(e, DomainError::V6ProtocolWithV4 { .. }));
    }

    #[test]
    fn missing_peer_and_both_families_on_one_side() {
        let e = parse_rule(
            &input(
                Direction::Egress,
                &[
                    (RuleField::IpProtocol, "tcp"),
                    (RuleField::PortRange, "1/2"),
                ],
            ),
            &ECS,
        )
        .unwrap_err();
        assert_eq!(
            e,
            DomainError::MissingPeer {
                side: Side::Dest,
                at: "Permissions.1".into()
            }
        );
        let e = parse_rule(
            &input(
                Direction::Egress,
                &[
                    (RuleField::IpProtocol, "tcp"),
                    (RuleField::PortRange, "1/2"),
                    (RuleField::Dest(SideField::Cidr), "1.1.1.1"),
                    (RuleField::Dest(SideField::Ipv6Cidr), "::1"),
                ],
            ),
            &ECS,
        )
        .unwrap_err();
        assert!(matches!(
            e,
            DomainError::BothFamilies {
                side: Side::Dest,
                ..
            }
        ));
    }

    #[test]
    fn priority_is_in_the_key_only_for_the_with_priority_identity() {
        let mut r = Rule {
            id: "sgr-a".into(),
            created: 0,
            direction: Direction::Ingress,
            protocol: IpProtocol::Tcp,
            ports: "22/22".parse().unwrap(),
            port_list: None,
            source_ports: None,
            policy: Policy::Accept,
            priority: Priority::DEFAULT,
            nic: NicType::Intranet,
            description: "a".into(),
            source: Some(Peer::Cidr(Cidr::parse_v4("1.2.3.4").unwrap())),
            dest: None,
        };
        let before = r.clone();
        r.priority = Priority::new(5).unwrap();
        r.description = "b".into();
        r.source = Some(Peer::Cidr(Cidr::parse_v4("1.2.3.4/32").unwrap()));
        assert_eq!(
            before.key(Identity::WithoutPriority),
            r.key(Identity::WithoutPriority)
        );
        assert_ne!(
            before.key(Identity::WithPriority),
            r.key(Identity::WithPriority)
        );
    }

    fn stored() -> Rule {
        Rule {
            id: "sgr-a".into(),
            created: 0,
            direction: Direction::Egress,
            protocol: IpProtocol::Tcp,
            ports: "80/80".parse().unwrap(),
            port_list: None,
            source_ports: None,
            policy: Policy::Drop,
            priority: Priority::new(7).unwrap(),
            nic: NicType::Intranet,
            description: "web".into(),
            source: None,
            dest: Some(Peer::Group(GroupPeer {
                id: "sg-peer".into(),
                owner: Some("1234".into()),
            })),
        }
    }

    // Seed ModifySecurityGroupEgressRule: fields not sent keep their values; Description may be
    // emptied; a sent field replaces the stored one.
    #[test]
    fn modify_by_id_lays_sent_fields_over_the_stored_rule() {
        let patch = input(
            Direction::Egress,
            &[
                (RuleField::PortRange, "81/81"),
                (RuleField::Description, ""),
            ],
        );
        let merged = merge_patch(&stored(), &patch).unwrap();
        assert_eq!(merged.port_range.value.as_deref(), Some("81/81"));
        assert_eq!(merged.ip_protocol.value.as_deref(), Some("TCP"));
        assert_eq!(merged.policy.value.as_deref(), Some("Drop"));
        assert_eq!(merged.priority.value.as_deref(), Some("7"));
        assert_eq!(merged.description.value.as_deref(), Some(""));
        assert_eq!(merged.dest.group_id.value.as_deref(), Some("sg-peer"));
        assert_eq!(
            merged.dest.group_owner_account.value.as_deref(),
            Some("1234")
        );
        // Labels stay the client's, for messages.
        assert_eq!(merged.port_range.name, "Permissions.1.PortRange");
        let d = parse_rule(&merged, &ECS).unwrap();
        assert_eq!(d.description.as_deref(), Some(""));
        assert_eq!(d.ports, Some("81/81".parse().unwrap()));
    }

    #[test]
    fn modify_by_id_replaces_a_touched_side_whole() {
        let patch = input(
            Direction::Egress,
            &[(RuleField::Dest(SideField::Cidr), "10.0.0.0/8")],
        );
        let merged = merge_patch(&stored(), &patch).unwrap();
        assert_eq!(merged.dest.cidr.value.as_deref(), Some("10.0.0.0/8"));
        assert_eq!(merged.dest.group_id.value, None);
        assert_eq!(merged.dest.group_owner_account.value, None);
        assert_eq!(merged.description.value.as_deref(), Some("web"));
    }

    #[test]
    fn modify_by_id_refuses_to_clear_a_held_value_but_not_an_unset_one() {
        let patch = input(Direction::Egress, &[(RuleField::Policy, "")]);
        assert_eq!(
            merge_patch(&stored(), &patch).unwrap_err(),
            DomainError::ModifyClear {
                field: RuleField::Policy,
                name: "Permissions.1.Policy".into()
            }
        );
        // The rule has no source port range: sending it empty clears nothing and is accepted.
        let patch = input(Direction::Egress, &[(RuleField::SourcePortRange, "")]);
        assert!(merge_patch(&stored(), &patch).is_ok());
    }
}
