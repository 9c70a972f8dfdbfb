//! Rules: the raw input a product hands over (wire name + value per attribute), the parsed draft, the
//! stored rule, and the identity key that decides "the same rule" (docs/reference/rules.md §4.1, §4.2).

use super::cidr::{Cidr, Ipv6Text};
use super::error::{Attr, DomainError, Side};
use super::values::{Direction, Family, IpProtocol, NicType, Policy, PortRange, Priority, Problem};

/// The canonical attribute names a rule is built from. Products prefix them (`Permissions.3.`) or
/// read them from a JSON object; the names themselves are the documented field names.
pub const FIELDS: [&str; 20] = [
    "IpProtocol",
    "PortRange",
    "SourcePortRange",
    "Policy",
    "Priority",
    "NicType",
    "Description",
    "SourceCidrIp",
    "Ipv6SourceCidrIp",
    "SourceGroupId",
    "SourceGroupOwnerAccount",
    "SourceGroupOwnerId",
    "SourcePrefixListId",
    "DestCidrIp",
    "Ipv6DestCidrIp",
    "DestGroupId",
    "DestGroupOwnerAccount",
    "DestGroupOwnerId",
    "DestPrefixListId",
    "PortRangeListId",
];

/// One raw attribute: the name the client used (for messages) and its value, if sent.
#[derive(Debug, Clone, Default)]
pub struct Input {
    pub name: String,
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

/// Everything a client sent for one rule.
#[derive(Debug, Clone)]
pub struct RuleInput {
    /// Where the rule came from, for messages: `Permissions.2`, or the empty string for flat parameters.
    pub at: String,
    pub direction: Direction,
    fields: Vec<Input>,
}

impl RuleInput {
    /// Collect every field of [`FIELDS`] through `get(field) -> (wire name, value)`.
    pub fn collect(
        at: impl Into<String>,
        direction: Direction,
        mut get: impl FnMut(&str) -> (String, Option<String>),
    ) -> RuleInput {
        let fields = FIELDS
            .iter()
            .map(|f| {
                let (name, value) = get(f);
                Input { name, value }
            })
            .collect();
        RuleInput {
            at: at.into(),
            direction,
            fields,
        }
    }

    pub fn get(&self, field: &str) -> &Input {
        static EMPTY: Input = Input {
            name: String::new(),
            value: None,
        };
        FIELDS
            .iter()
            .position(|f| *f == field)
            .and_then(|i| self.fields.get(i))
            .unwrap_or(&EMPTY)
    }

    /// Does the input carry any peer field of `side`?
    pub fn touches_side(&self, side: Side) -> bool {
        side_fields(side)
            .iter()
            .any(|f| self.get(f).present().is_some())
    }
}

fn side_fields(side: Side) -> [&'static str; 6] {
    match side {
        Side::Source => [
            "SourceCidrIp",
            "Ipv6SourceCidrIp",
            "SourceGroupId",
            "SourceGroupOwnerAccount",
            "SourceGroupOwnerId",
            "SourcePrefixListId",
        ],
        Side::Dest => [
            "DestCidrIp",
            "Ipv6DestCidrIp",
            "DestGroupId",
            "DestGroupOwnerAccount",
            "DestGroupOwnerId",
            "DestPrefixListId",
        ],
    }
}

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

fn attr_of(field: &str) -> Attr {
    match field {
        "IpProtocol" => Attr::IpProtocol,
        "PortRange" => Attr::PortRange,
        "SourcePortRange" => Attr::SourcePortRange,
        "Policy" => Attr::Policy,
        "Priority" => Attr::Priority,
        "NicType" => Attr::NicType,
        "SourceCidrIp" => Attr::SourceCidrIp,
        "Ipv6SourceCidrIp" => Attr::Ipv6SourceCidrIp,
        "DestCidrIp" => Attr::DestCidrIp,
        "Ipv6DestCidrIp" => Attr::Ipv6DestCidrIp,
        _ => Attr::RuleDescription,
    }
}

fn value<T: std::str::FromStr<Err = Problem>>(
    input: &RuleInput,
    field: &str,
) -> Result<Option<T>, DomainError> {
    let i = input.get(field);
    match i.present() {
        None => Ok(None),
        Some(v) => v
            .parse::<T>()
            .map(Some)
            .map_err(|p| DomainError::invalid(attr_of(field), i.name.clone(), p)),
    }
}

fn required<T: std::str::FromStr<Err = Problem>>(
    input: &RuleInput,
    field: &str,
) -> Result<T, DomainError> {
    value(input, field)?.ok_or_else(|| {
        DomainError::invalid(
            attr_of(field),
            input.get(field).name.clone(),
            Problem::Missing,
        )
    })
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
    let [v4f, v6f, groupf, acctf, idf, plf] = side_fields(side);
    let v4 = match input.get(v4f).present() {
        None => None,
        Some(s) => Some(Cidr::parse_v4(s).ok_or_else(|| {
            DomainError::invalid(
                attr_of(v4f),
                input.get(v4f).name.clone(),
                Problem::Malformed,
            )
        })?),
    };
    let v6 = match input.get(v6f).present() {
        None => None,
        Some(s) => Some(Cidr::parse_v6(s, d.ipv6_text).ok_or_else(|| {
            DomainError::invalid(
                attr_of(v6f),
                input.get(v6f).name.clone(),
                Problem::Malformed,
            )
        })?),
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
    if let Some(id) = input.get(groupf).present() {
        let owner = input
            .get(acctf)
            .present()
            .or_else(|| input.get(idf).present())
            .map(str::to_string);
        return Ok(Some(Peer::Group(GroupPeer {
            id: id.to_string(),
            owner,
        })));
    }
    Ok(input
        .get(plf)
        .present()
        .map(|id| Peer::PrefixList(id.to_string())))
}

/// Syntax and self-consistency of one rule (everything that needs no stored state).
pub fn parse_rule(input: &RuleInput, d: &Dialect) -> Result<RuleDraft, DomainError> {
    let protocol: IpProtocol = required(input, "IpProtocol")?;
    let port_range_list = input.get("PortRangeListId").present().map(str::to_string);
    let ports: Option<PortRange> = value(input, "PortRange")?;
    if ports.is_none() && port_range_list.is_none() {
        return Err(DomainError::invalid(
            Attr::PortRange,
            input.get("PortRange").name.clone(),
            Problem::Missing,
        ));
    }
    if ports.is_none() && !protocol.has_ports() {
        return Err(DomainError::ProtocolNotSupportPortRangeList);
    }
    if let Some(p) = ports {
        p.check_for(protocol).map_err(|e| {
            DomainError::invalid(Attr::PortRange, input.get("PortRange").name.clone(), e)
        })?;
    }
    let source_ports: Option<PortRange> = value(input, "SourcePortRange")?;
    // `-1/-1` ("any source port") is accepted with every protocol: clients send it for TCP rules too
    // (the captured ENS DeleteSecurityGroupPermissions request, signature-vectors.jsonl V6).
    if let Some(p) = source_ports.filter(|p| *p != PortRange::ANY) {
        p.check_for(protocol).map_err(|e| {
            DomainError::invalid(
                Attr::SourcePortRange,
                input.get("SourcePortRange").name.clone(),
                e,
            )
        })?;
    }
    let policy = value(input, "Policy")?.unwrap_or(Policy::Accept);
    let priority = value(input, "Priority")?.unwrap_or(Priority::DEFAULT);
    let nic = value(input, "NicType")?;
    let desc = input.get("Description");
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

/// Whether Priority is part of "the same rule". ECS: no (no documented identity list has it,
/// docs/reference/terraform.md §7 decision 4). ENS: yes (DeleteSecurityGroupPermissions requires it, seed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    WithoutPriority,
    WithPriority,
}

/// What decides "the same rule" within one group.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RuleKey {
    direction: Direction,
    protocol: IpProtocol,
    ports: PortRange,
    source_ports: Option<PortRange>,
    policy: Policy,
    nic: NicType,
    source: Option<Peer>,
    dest: Option<Peer>,
    priority: Option<Priority>,
}

/// A rule as stored in a group.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    /// Unix seconds.
    pub created: i64,
    pub direction: Direction,
    pub protocol: IpProtocol,
    pub ports: PortRange,
    pub source_ports: Option<PortRange>,
    pub policy: Policy,
    pub priority: Priority,
    pub nic: NicType,
    pub description: String,
    pub source: Option<Peer>,
    pub dest: Option<Peer>,
}

impl Rule {
    pub fn key(&self, identity: Identity) -> RuleKey {
        // ECS: the other side's IPv4 CIDR defaults to 0.0.0.0/0 (RevokeSecurityGroup page:
        // `DestCidrIp` "default 0.0.0.0/0"), so leaving it out and sending 0.0.0.0/0 name the same
        // rule. The stored text is kept as sent; only the identity folds them (docs/fidelity.md).
        let other = |side: Side, p: &Option<Peer>| -> Option<Peer> {
            let any = matches!(p, Some(Peer::Cidr(c)) if c.text() == "0.0.0.0/0");
            if identity == Identity::WithoutPriority && side != peer_side(self.direction) && any {
                None
            } else {
                p.clone()
            }
        };
        RuleKey {
            direction: self.direction,
            protocol: self.protocol,
            ports: self.ports,
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

    /// The text of one canonical field as stored, for rebuilding an input (modify by rule id).
    pub fn field_text(&self, field: &str) -> Option<String> {
        let side = |s: &Option<Peer>, part: usize| -> Option<String> {
            match (s.as_ref()?, part) {
                (Peer::Cidr(c), 0) if c.family() == Family::V4 => Some(c.text().to_string()),
                (Peer::Cidr(c), 1) if c.family() == Family::V6 => Some(c.text().to_string()),
                (Peer::Group(g), 2) => Some(g.id.clone()),
                (Peer::Group(g), 3) => g.owner.clone(),
                (Peer::PrefixList(p), 5) => Some(p.clone()),
                _ => None,
            }
        };
        match field {
            "IpProtocol" => Some(self.protocol.as_str().to_string()),
            "PortRange" => Some(self.ports.to_string()),
            "SourcePortRange" => self.source_ports.map(|p| p.to_string()),
            "Policy" => Some(self.policy.as_str().to_string()),
            "Priority" => Some(self.priority.to_string()),
            "NicType" => Some(self.nic.as_str().to_string()),
            "Description" => Some(self.description.clone()),
            "SourceCidrIp" => side(&self.source, 0),
            "Ipv6SourceCidrIp" => side(&self.source, 1),
            "SourceGroupId" => side(&self.source, 2),
            "SourceGroupOwnerAccount" => side(&self.source, 3),
            "SourcePrefixListId" => side(&self.source, 5),
            "DestCidrIp" => side(&self.dest, 0),
            "Ipv6DestCidrIp" => side(&self.dest, 1),
            "DestGroupId" => side(&self.dest, 2),
            "DestGroupOwnerAccount" => side(&self.dest, 3),
            "DestPrefixListId" => side(&self.dest, 5),
            _ => None,
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

    fn input(direction: Direction, pairs: &[(&str, &str)]) -> RuleInput {
        RuleInput::collect("Permissions.1", direction, |f| {
            let name = format!("Permissions.1.{f}");
            let v = pairs
                .iter()
                .find(|(k, _)| *k == f)
                .map(|(_, v)| v.to_string());
            (name, v)
        })
    }

    #[test]
    fn a_cidr_wins_over_a_group_and_a_group_over_a_prefix_list() {
        let d = parse_rule(
            &input(
                Direction::Ingress,
                &[
                    ("IpProtocol", "tcp"),
                    ("PortRange", "22/22"),
                    ("SourceCidrIp", "10.0.0.0/8"),
                    ("SourceGroupId", "sg-x"),
                    ("SourcePrefixListId", "pl-x"),
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
                    ("IpProtocol", "tcp"),
                    ("PortRange", "22/22"),
                    ("SourceGroupId", "sg-x"),
                    ("SourcePrefixListId", "pl-x"),
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
                    ("IpProtocol", "icmp"),
                    ("PortRange", "-1/-1"),
                    ("Ipv6SourceCidrIp", "::/0"),
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
                    ("IpProtocol", "icmpv6"),
                    ("PortRange", "-1/-1"),
                    ("SourceCidrIp", "0.0.0.0/0"),
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
                &[("IpProtocol", "tcp"), ("PortRange", "1/2")],
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
                    ("IpProtocol", "tcp"),
                    ("PortRange", "1/2"),
                    ("DestCidrIp", "1.1.1.1"),
                    ("Ipv6DestCidrIp", "::1"),
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
            source_ports: None,
            policy: Policy::Accept,
            priority: Priority::DEFAULT,
            nic: NicType::Intranet,
            description: "a".into(),
            source: Some(Peer::Cidr(Cidr::parse_v4("1.2.3.4").unwrap())),
            dest: None,
        };
        let k1 = r.key(Identity::WithoutPriority);
        let e1 = r.key(Identity::WithPriority);
        r.priority = Priority::new(5).unwrap();
        r.description = "b".into();
        r.source = Some(Peer::Cidr(Cidr::parse_v4("1.2.3.4/32").unwrap()));
        assert_eq!(k1, r.key(Identity::WithoutPriority));
        assert_ne!(e1, r.key(Identity::WithPriority));
    }
}
