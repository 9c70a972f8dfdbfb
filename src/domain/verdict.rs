//! Would this packet pass? The verdict of a network interface's security groups on one packet, as
//! Alibaba documents evaluation (docs/reference/rules.md §4.3, docs/reference/verdict.md): the rules
//! of all the interface's groups pooled; the smallest priority number first; at equal priority
//! `drop` before `accept`; no match → the group type's default; a basic group's
//! `InnerAccessPolicy=Accept` lets members of the same group in whatever the rules say. Pure
//! functions over the state.

use std::net::IpAddr;

use super::group::Group;
use super::lists::ListKind;
use super::rule::{Peer, Rule};
use super::store::State;
use super::values::{Direction, GroupType, IpProtocol, NicType, Policy, PortRange};

/// Who is on the other end of the packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PacketPeer {
    /// An address: matches CIDR and prefix-list rules only.
    Ip(IpAddr),
    /// A member of these groups (an instance's groups, or one group): matches group-peer rules only.
    Groups(Vec<String>),
}

/// One packet, seen from the target interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    pub direction: Direction,
    /// Concrete: never `All`.
    pub protocol: IpProtocol,
    /// The destination port (TCP and UDP only).
    pub port: Option<u16>,
    pub source_port: Option<u16>,
    pub peer: PacketPeer,
    /// Classic groups' rules have a NIC type; `None`: rules of either type apply (VPC groups' rules
    /// are all intranet; ENS rules have none).
    pub nic: Option<NicType>,
}

/// What the rules of a product do when none matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Defaults {
    /// ECS: by group type (basic: inbound denied, outbound allowed; enterprise: both denied), and a
    /// basic group's `InnerAccessPolicy`.
    ByGroupType,
    /// ENS: inbound denied, outbound allowed, no inner-access policy.
    InboundDenied,
}

/// What decided.
#[derive(Debug, Clone)]
pub enum Decider<'a> {
    Rule { group: &'a Group, rule: &'a Rule },
    InnerAccessPolicy { group: &'a Group, policy: Policy },
    Default { reason: &'static str },
}

#[derive(Debug, Clone)]
pub struct Verdict<'a> {
    pub policy: Policy,
    pub decided_by: Decider<'a>,
    /// Every rule that matches, in evaluation order, with its group.
    pub evaluated: Vec<(&'a Group, &'a Rule)>,
}

/// Why a verdict cannot be given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerdictError {
    /// Basic and enterprise groups together on one target.
    MixedGroupTypes,
    NoGroups,
}

fn contains(range: PortRange, port: u16) -> bool {
    i32::from(port) >= range.from && i32::from(port) <= range.to
}

/// Whether `rule` matches `packet` (its direction, protocol, ports, peer and NIC type). The other
/// side's CIDR of a quintuple rule names the target's own address, which a virtual interface does
/// not have: it is not checked.
pub fn matches(state: &State, rule: &Rule, packet: &Packet) -> bool {
    if rule.direction != packet.direction {
        return false;
    }
    if rule.protocol != IpProtocol::All && rule.protocol != packet.protocol {
        return false;
    }
    if packet.protocol.has_ports() {
        let Some(port) = packet.port else {
            return false;
        };
        let port_ok = match &rule.port_list {
            Some(id) => state.list_any(id).is_some_and(|l| {
                l.kind == ListKind::PortRange
                    && l.entries
                        .iter()
                        .any(|e| e.value.parse().is_ok_and(|r| contains(r, port)))
            }),
            None => rule.ports == PortRange::ANY || contains(rule.ports, port),
        };
        if !port_ok {
            return false;
        }
        if let Some(range) = rule.source_ports.filter(|r| *r != PortRange::ANY) {
            if !packet.source_port.is_some_and(|p| contains(range, p)) {
                return false;
            }
        }
    }
    if packet.nic.is_some_and(|n| n != rule.nic) {
        return false;
    }
    match (rule.peer(), &packet.peer) {
        (Some(Peer::Cidr(c)), PacketPeer::Ip(ip)) => c.contains(*ip),
        (Some(Peer::PrefixList(id)), PacketPeer::Ip(ip)) => state.list_any(id).is_some_and(|l| {
            l.kind == ListKind::Prefix
                && l.entries.iter().any(|e| {
                    super::cidr::Cidr::parse_v4(&e.value)
                        .or_else(|| {
                            super::cidr::Cidr::parse_v6(&e.value, super::cidr::Ipv6Text::Verbatim)
                        })
                        .is_some_and(|c| c.contains(*ip))
                })
        }),
        (Some(Peer::Group(g)), PacketPeer::Groups(ids)) => ids.contains(&g.id),
        _ => false,
    }
}

/// Evaluation order: smaller priority number first; at equal priority `drop` first; then the
/// order the groups and rules are listed in (stable).
fn order(a: &Rule, b: &Rule) -> std::cmp::Ordering {
    let drop_first = |r: &Rule| r.policy != Policy::Drop;
    (a.priority, drop_first(a)).cmp(&(b.priority, drop_first(b)))
}

/// The verdict of `groups` (the target's, pooled) on `packet`.
pub fn verdict<'a>(
    state: &'a State,
    groups: &[&'a Group],
    packet: &Packet,
    defaults: Defaults,
) -> Result<Verdict<'a>, VerdictError> {
    if groups.is_empty() {
        return Err(VerdictError::NoGroups);
    }
    let enterprise = groups.iter().any(|g| g.kind == GroupType::Enterprise);
    if enterprise && groups.iter().any(|g| g.kind == GroupType::Normal) {
        return Err(VerdictError::MixedGroupTypes);
    }
    let mut evaluated: Vec<(&Group, &Rule)> = groups
        .iter()
        .flat_map(|g| g.rules.iter().map(move |r| (*g, r)))
        .filter(|(_, r)| matches(state, r, packet))
        .collect();
    evaluated.sort_by(|a, b| order(a.1, b.1));
    // A basic group with InnerAccessPolicy=Accept lets its members in; rules cannot block it.
    if defaults == Defaults::ByGroupType && packet.direction == Direction::Ingress {
        if let PacketPeer::Groups(ids) = &packet.peer {
            let inner = groups.iter().find(|g| {
                g.kind == GroupType::Normal
                    && g.inner_policy == Policy::Accept
                    && ids.contains(&g.id)
            });
            if let Some(g) = inner {
                return Ok(Verdict {
                    policy: Policy::Accept,
                    decided_by: Decider::InnerAccessPolicy {
                        group: g,
                        policy: Policy::Accept,
                    },
                    evaluated,
                });
            }
        }
    }
    if let Some((group, rule)) = evaluated.first().copied() {
        return Ok(Verdict {
            policy: rule.policy,
            decided_by: Decider::Rule { group, rule },
            evaluated,
        });
    }
    let (policy, reason) = match (defaults, packet.direction, enterprise) {
        (Defaults::ByGroupType, Direction::Ingress, false) => (
            Policy::Drop,
            "no rule matches: a basic group denies inbound traffic by default",
        ),
        (Defaults::ByGroupType, Direction::Egress, false) => (
            Policy::Accept,
            "no rule matches: a basic group allows outbound traffic by default",
        ),
        (Defaults::ByGroupType, Direction::Ingress, true) => (
            Policy::Drop,
            "no rule matches: an enterprise group denies inbound traffic by default",
        ),
        (Defaults::ByGroupType, Direction::Egress, true) => (
            Policy::Drop,
            "no rule matches: an enterprise group denies outbound traffic by default",
        ),
        (Defaults::InboundDenied, Direction::Ingress, _) => (
            Policy::Drop,
            "no rule matches: inbound traffic is denied by default",
        ),
        (Defaults::InboundDenied, Direction::Egress, _) => (
            Policy::Accept,
            "no rule matches: outbound traffic is allowed by default",
        ),
    };
    Ok(Verdict {
        policy,
        decided_by: Decider::Default { reason },
        evaluated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::cidr::Cidr;
    use crate::domain::group::{Namespace, RuleSet, Scope};
    use crate::domain::rule::{GroupPeer, Identity};
    use crate::domain::store::Limits;
    use crate::domain::values::Priority;

    fn group(id: &str, kind: GroupType, inner: Policy, rules: Vec<Rule>) -> Group {
        let mut set = RuleSet::new(Identity::WithoutPriority);
        for r in rules {
            set.insert_new(r);
        }
        Group {
            id: id.into(),
            scope: Scope {
                account: "a".into(),
                namespace: Namespace::Region("cn-hangzhou".into()),
            },
            name: String::new(),
            description: String::new(),
            kind,
            vpc_id: Some("vpc-1".into()),
            resource_group_id: String::new(),
            created: 0,
            inner_policy: inner,
            tags: Vec::new(),
            rules: set,
        }
    }

    fn rule(
        id: usize,
        priority: i64,
        policy: Policy,
        proto: IpProtocol,
        ports: (i32, i32),
        peer: Peer,
    ) -> Rule {
        Rule {
            id: format!("sgr-{id}").into(),
            created: 0,
            direction: Direction::Ingress,
            protocol: proto,
            ports: PortRange {
                from: ports.0,
                to: ports.1,
            },
            port_list: None,
            source_ports: None,
            policy,
            priority: Priority::new(priority).unwrap(),
            nic: NicType::Intranet,
            description: String::new(),
            source: Some(peer),
            dest: None,
        }
    }

    fn cidr(s: &str) -> Peer {
        Peer::Cidr(Cidr::parse_v4(s).unwrap())
    }

    fn tcp(port: u16, ip: &str) -> Packet {
        Packet {
            direction: Direction::Ingress,
            protocol: IpProtocol::Tcp,
            port: Some(port),
            source_port: None,
            peer: PacketPeer::Ip(ip.parse().unwrap()),
            nic: None,
        }
    }

    #[test]
    fn smaller_priority_first_and_drop_wins_a_tie() {
        let s = State::new(Limits::default(), Some(1));
        let g = group(
            "sg-1",
            GroupType::Normal,
            Policy::Accept,
            vec![
                rule(
                    1,
                    5,
                    Policy::Accept,
                    IpProtocol::Tcp,
                    (22, 22),
                    cidr("0.0.0.0/0"),
                ),
                rule(
                    2,
                    5,
                    Policy::Drop,
                    IpProtocol::Tcp,
                    (1, 1024),
                    cidr("203.0.113.0/24"),
                ),
                rule(
                    3,
                    1,
                    Policy::Accept,
                    IpProtocol::All,
                    (-1, -1),
                    cidr("203.0.113.7"),
                ),
            ],
        );
        let v = verdict(&s, &[&g], &tcp(22, "203.0.113.7"), Defaults::ByGroupType).unwrap();
        assert_eq!(v.policy, Policy::Accept);
        assert!(matches!(v.decided_by, Decider::Rule { rule, .. } if rule.id == "sgr-3"));
        let v = verdict(&s, &[&g], &tcp(22, "203.0.113.8"), Defaults::ByGroupType).unwrap();
        assert_eq!(v.policy, Policy::Drop);
        assert_eq!(
            v.evaluated
                .iter()
                .map(|(_, r)| r.id.as_str())
                .collect::<Vec<_>>(),
            ["sgr-2", "sgr-1"]
        );
        let v = verdict(&s, &[&g], &tcp(80, "198.51.100.1"), Defaults::ByGroupType).unwrap();
        assert!(matches!(v.decided_by, Decider::Default { .. }));
        assert_eq!(v.policy, Policy::Drop);
    }

    #[test]
    fn defaults_inner_access_policy_and_group_types() {
        let s = State::new(Limits::default(), Some(1));
        let drop_all = rule(
            1,
            1,
            Policy::Drop,
            IpProtocol::All,
            (-1, -1),
            Peer::Group(GroupPeer {
                id: "sg-1".into(),
                owner: None,
            }),
        );
        let basic = group("sg-1", GroupType::Normal, Policy::Accept, vec![drop_all]);
        let member = Packet {
            peer: PacketPeer::Groups(vec!["sg-1".into()]),
            ..tcp(22, "10.0.0.1")
        };
        // Accept: members get in, whatever the rules say.
        let v = verdict(&s, &[&basic], &member, Defaults::ByGroupType).unwrap();
        assert!(matches!(v.decided_by, Decider::InnerAccessPolicy { .. }));
        assert_eq!((v.policy, v.evaluated.len()), (Policy::Accept, 1));
        // ENS has no inner-access policy: the rule decides.
        let v = verdict(&s, &[&basic], &member, Defaults::InboundDenied).unwrap();
        assert_eq!(v.policy, Policy::Drop);
        let out = Packet {
            direction: Direction::Egress,
            ..tcp(443, "8.8.8.8")
        };
        let enterprise = group("sg-2", GroupType::Enterprise, Policy::Drop, vec![]);
        assert_eq!(
            verdict(&s, &[&basic], &out, Defaults::ByGroupType)
                .unwrap()
                .policy,
            Policy::Accept
        );
        assert_eq!(
            verdict(&s, &[&enterprise], &out, Defaults::ByGroupType)
                .unwrap()
                .policy,
            Policy::Drop
        );
        assert_eq!(
            verdict(&s, &[&basic, &enterprise], &out, Defaults::ByGroupType).err(),
            Some(VerdictError::MixedGroupTypes)
        );
    }

    /// The model test: for seeded random rule sets and packets, the verdict equals a brute-force
    /// evaluator that walks priorities 1–100, drop before accept, with its own matching.
    #[test]
    fn the_verdict_equals_a_brute_force_evaluation() {
        let s = State::new(Limits::default(), Some(1));
        let blocks = [
            "10.0.0.0/8",
            "10.1.0.0/16",
            "10.1.2.0/24",
            "192.168.0.0/16",
            "0.0.0.0/0",
            "10.1.2.3/32",
        ];
        let addrs = [
            "10.1.2.3",
            "10.1.9.9",
            "10.200.0.1",
            "192.168.5.5",
            "8.8.8.8",
        ];
        let protos = [
            IpProtocol::Tcp,
            IpProtocol::Udp,
            IpProtocol::Icmp,
            IpProtocol::All,
        ];
        let mut rng = fastrand::Rng::with_seed(14);
        for case in 0..3000 {
            let n = rng.usize(0..12);
            let rules: Vec<Rule> = (0..n)
                .map(|i| {
                    let proto = protos[rng.usize(..protos.len())];
                    let ports = if proto.has_ports() {
                        let a = rng.i32(1..100);
                        (a, a + rng.i32(0..50))
                    } else {
                        (-1, -1)
                    };
                    let policy = if rng.bool() {
                        Policy::Accept
                    } else {
                        Policy::Drop
                    };
                    rule(
                        i,
                        rng.i64(1..6),
                        policy,
                        proto,
                        ports,
                        cidr(blocks[rng.usize(..blocks.len())]),
                    )
                })
                .collect();
            let g = group("sg-m", GroupType::Normal, Policy::Accept, rules);
            let proto = [IpProtocol::Tcp, IpProtocol::Udp, IpProtocol::Icmp][rng.usize(..3)];
            let packet = Packet {
                protocol: proto,
                port: proto.has_ports().then(|| rng.u16(1..160)),
                ..tcp(0, addrs[rng.usize(..addrs.len())])
            };
            let got = verdict(&s, &[&g], &packet, Defaults::ByGroupType)
                .unwrap()
                .policy;
            assert_eq!(
                got,
                brute(&g, &packet),
                "case {case}: {packet:?}\n{:#?}",
                g.rules.iter().collect::<Vec<_>>()
            );
        }
    }

    /// Walk priorities from 1; at each, any matching drop, then any matching accept; else the
    /// basic group's inbound default.
    fn brute(g: &Group, p: &Packet) -> Policy {
        let ip = match p.peer {
            PacketPeer::Ip(IpAddr::V4(a)) => u32::from(a),
            _ => unreachable!(),
        };
        let hit = |r: &Rule| {
            let proto = r.protocol == IpProtocol::All || r.protocol == p.protocol;
            let port = !p.protocol.has_ports()
                || r.ports == PortRange::ANY
                || p.port
                    .is_some_and(|x| i32::from(x) >= r.ports.from && i32::from(x) <= r.ports.to);
            let peer = match r.source.as_ref() {
                Some(Peer::Cidr(c)) => {
                    let (net, len) = c.network().unwrap();
                    let IpAddr::V4(net) = net else { return false };
                    let mask = if len == 0 {
                        0
                    } else {
                        u32::MAX << (32 - u32::from(len))
                    };
                    ip & mask == u32::from(net) & mask
                }
                _ => false,
            };
            proto && port && peer
        };
        for prio in 1..=100u8 {
            for policy in [Policy::Drop, Policy::Accept] {
                if g.rules
                    .iter()
                    .any(|r| r.priority.get() == prio && r.policy == policy && hit(r))
                {
                    return policy;
                }
            }
        }
        Policy::Drop
    }
}
