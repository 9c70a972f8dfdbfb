//! A rule linter: what a reviewer would flag in a group's rules (docs/reference/verdict.md §4).
//! `Shadowed` and `Redundant` are exact: each rule's match set is a union of boxes (protocol ×
//! destination port × source port × peer address range or peer group × NIC type), and a rule is
//! shadowed when the boxes of the rules evaluated before it cover all of its own.

use std::net::IpAddr;

use super::cidr::{Cidr, Ipv6Text};
use super::group::Group;
use super::lists::ListKind;
use super::rule::{peer_side, Peer, Rule};
use super::store::State;
use super::values::{Direction, IpProtocol, NicType, Policy, PortRange};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    OpenToWorld,
    Shadowed,
    Redundant,
    EmptyGroup,
    NearRuleLimit,
    CrossAccountPeer,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::OpenToWorld => "OpenToWorld",
            Code::Shadowed => "Shadowed",
            Code::Redundant => "Redundant",
            Code::EmptyGroup => "EmptyGroup",
            Code::NearRuleLimit => "NearRuleLimit",
            Code::CrossAccountPeer => "CrossAccountPeer",
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            Code::OpenToWorld => Severity::Error,
            Code::Shadowed => Severity::Warning,
            Code::Redundant | Code::NearRuleLimit | Code::CrossAccountPeer => Severity::Info,
            Code::EmptyGroup => Severity::Info,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub code: Code,
    pub group: String,
    /// The rule's id (ENS rules have none: empty).
    pub rule: Option<String>,
    pub message: String,
}

// ---------------------------------------------------------------- match sets as boxes

/// What a peer is, for coverage: an address range of one family, or one group.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PeerKey {
    V4,
    V6,
    Group(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct MatchBox {
    protocol: IpProtocol,
    port: (u32, u32),
    source_port: (u32, u32),
    peer: PeerKey,
    addr: (u128, u128),
    nic: NicType,
}

const ALL_PORTS: (u32, u32) = (0, 65535);
const PROTOCOLS: [IpProtocol; 5] = [
    IpProtocol::Tcp,
    IpProtocol::Udp,
    IpProtocol::Icmp,
    IpProtocol::Icmpv6,
    IpProtocol::Gre,
];

fn range(r: PortRange) -> (u32, u32) {
    if r == PortRange::ANY {
        ALL_PORTS
    } else {
        (r.from.max(0) as u32, r.to.max(0) as u32)
    }
}

fn cidr_range(c: &Cidr) -> Option<(PeerKey, (u128, u128))> {
    let (net, len) = c.network()?;
    Some(match net {
        IpAddr::V4(a) => {
            let lo = u128::from(u32::from(a));
            let size = 1u128 << (32 - u32::from(len));
            (PeerKey::V4, (lo, lo + size - 1))
        }
        IpAddr::V6(a) => {
            let lo = u128::from(a);
            let hi = if len == 0 {
                u128::MAX
            } else {
                lo | (u128::MAX >> len)
            };
            (PeerKey::V6, (lo, hi))
        }
    })
}

/// The boxes a rule matches; `None` when the rule cannot be modelled (a list it names is gone).
fn boxes(state: &State, rule: &Rule) -> Option<Vec<MatchBox>> {
    let protocols: Vec<IpProtocol> = match rule.protocol {
        IpProtocol::All => PROTOCOLS.to_vec(),
        p => vec![p],
    };
    let ports: Vec<(u32, u32)> = match &rule.port_list {
        Some(id) => state
            .list_any(id)
            .filter(|l| l.kind == ListKind::PortRange)?
            .entries
            .iter()
            .filter_map(|e| e.value.parse().ok().map(range))
            .collect(),
        None => vec![range(rule.ports)],
    };
    let peers: Vec<(PeerKey, (u128, u128))> = match rule.peer() {
        Some(Peer::Cidr(c)) => vec![cidr_range(c)?],
        Some(Peer::Group(g)) => vec![(PeerKey::Group(g.id.clone()), (0, 0))],
        Some(Peer::PrefixList(id)) => state
            .list_any(id)
            .filter(|l| l.kind == ListKind::Prefix)?
            .entries
            .iter()
            .filter_map(|e| {
                Cidr::parse_v4(&e.value)
                    .or_else(|| Cidr::parse_v6(&e.value, Ipv6Text::Verbatim))
                    .and_then(|c| cidr_range(&c))
            })
            .collect(),
        None => return None,
    };
    let source_port = rule.source_ports.map_or(ALL_PORTS, range);
    let mut out = Vec::new();
    for p in &protocols {
        // Protocols without ports match every port.
        let port_set: Vec<(u32, u32)> = if p.has_ports() {
            ports.clone()
        } else {
            vec![ALL_PORTS]
        };
        let sport = if p.has_ports() {
            source_port
        } else {
            ALL_PORTS
        };
        for port in &port_set {
            for (peer, addr) in &peers {
                out.push(MatchBox {
                    protocol: *p,
                    port: *port,
                    source_port: sport,
                    peer: peer.clone(),
                    addr: *addr,
                    nic: rule.nic,
                });
            }
        }
    }
    Some(out)
}

fn overlap(a: (u128, u128), b: (u128, u128)) -> bool {
    a.0 <= b.1 && b.0 <= a.1
}

/// `b` minus `c`: the pieces of `b` outside `c` (at most two per interval dimension).
fn subtract(b: &MatchBox, c: &MatchBox) -> Vec<MatchBox> {
    let wide = |x: (u32, u32)| (u128::from(x.0), u128::from(x.1));
    if b.protocol != c.protocol
        || b.peer != c.peer
        || b.nic != c.nic
        || !overlap(wide(b.port), wide(c.port))
        || !overlap(wide(b.source_port), wide(c.source_port))
        || !overlap(b.addr, c.addr)
    {
        return vec![b.clone()];
    }
    let mut out = Vec::new();
    let mut rest = b.clone();
    // Cut along each interval dimension in turn; what stays inside `c` on all of them is removed.
    macro_rules! cut {
        ($field:ident, $lo:expr, $hi:expr, $wrap:expr) => {{
            let (blo, bhi) = ($lo(rest.$field.0), $lo(rest.$field.1));
            let (clo, chi) = ($hi(c.$field.0), $hi(c.$field.1));
            if blo < clo {
                let mut piece = rest.clone();
                piece.$field = ($wrap(blo), $wrap(clo - 1));
                out.push(piece);
            }
            if bhi > chi {
                let mut piece = rest.clone();
                piece.$field = ($wrap(chi + 1), $wrap(bhi));
                out.push(piece);
            }
            rest.$field = ($wrap(blo.max(clo)), $wrap(bhi.min(chi)));
        }};
    }
    let up = |x: u32| u128::from(x);
    let down = |x: u128| u32::try_from(x).unwrap_or(u32::MAX);
    let same = |x: u128| x;
    cut!(port, up, up, down);
    cut!(source_port, up, up, down);
    cut!(addr, same, same, same);
    out
}

/// Whether the union of `cover` contains every box of `target`.
fn covered(target: &[MatchBox], cover: &[MatchBox]) -> bool {
    let mut rest: Vec<MatchBox> = target.to_vec();
    for c in cover {
        rest = rest.iter().flat_map(|b| subtract(b, c)).collect();
        if rest.is_empty() {
            return true;
        }
        // A pathological split is cut short: the rule is then not reported.
        if rest.len() > 20_000 {
            return false;
        }
    }
    rest.is_empty()
}

/// Evaluation order (as the verdict): priority, then drop before accept.
fn before(a: &Rule, b: &Rule) -> bool {
    let key = |r: &Rule| (r.priority, r.policy != Policy::Drop);
    key(a) < key(b)
}

/// A quintuple rule's other side restricts the target's own address, which coverage does not
/// model: such rules never count as covering another.
fn other_side_restricted(r: &Rule) -> bool {
    let other = match peer_side(r.direction) {
        super::error::Side::Source => r.dest.as_ref(),
        super::error::Side::Dest => r.source.as_ref(),
    };
    other
        .and_then(Peer::cidr)
        .is_some_and(|c| !matches!(c.text(), "0.0.0.0/0" | "::/0"))
}

fn world_open(rule: &Rule) -> bool {
    if rule.direction != Direction::Ingress || rule.policy != Policy::Accept {
        return false;
    }
    let world = rule
        .peer()
        .and_then(Peer::cidr)
        .and_then(Cidr::network)
        .is_some_and(|(_, len)| len == 0);
    if !world {
        return false;
    }
    match rule.protocol {
        IpProtocol::All => true,
        p if p.has_ports() => {
            let (lo, hi) = range(rule.ports);
            rule.port_list.is_none()
                && ((lo <= 22 && 22 <= hi)
                    || (lo <= 3389 && 3389 <= hi)
                    || (lo <= 1 && hi >= 65535))
        }
        _ => false,
    }
}

/// The findings of one group. `limit` is the group's rule limit; `members` its member count.
pub fn lint_group(state: &State, group: &Group, limit: usize, members: usize) -> Vec<Finding> {
    let mut out = Vec::new();
    let rule_id = |r: &Rule| (!r.id.is_empty()).then(|| r.id.to_string());
    let mut finding = |code: Code, rule: Option<String>, message: String| {
        out.push(Finding {
            code,
            group: group.id.clone(),
            rule,
            message,
        })
    };
    if group.rules.is_empty() && members == 0 {
        finding(
            Code::EmptyGroup,
            None,
            "the group has no rules and no members".into(),
        );
    }
    let weight = state.group_weight(group);
    if weight * 10 >= limit * 9 {
        finding(
            Code::NearRuleLimit,
            None,
            format!("{weight} of {limit} rules (a rule that references a list counts as its MaxEntries)"),
        );
    }
    let rules: Vec<&Rule> = group.rules.iter().collect();
    let shapes: Vec<Option<Vec<MatchBox>>> = rules.iter().map(|r| boxes(state, r)).collect();
    for (i, r) in rules.iter().enumerate() {
        if world_open(r) {
            let what = match r.protocol {
                IpProtocol::All => "all traffic".to_string(),
                _ => format!("{} {}", r.protocol.as_str(), r.ports),
            };
            finding(
                Code::OpenToWorld,
                rule_id(r),
                format!(
                    "accepts {what} from anywhere ({})",
                    r.peer().and_then(Peer::cidr).map_or("", Cidr::text)
                ),
            );
        }
        if let Some(Peer::Group(g)) = r.peer() {
            if let Some(owner) = &g.owner {
                finding(
                    Code::CrossAccountPeer,
                    rule_id(r),
                    format!(
                        "names group {} of account {owner}, which sgmock cannot check",
                        g.id
                    ),
                );
            }
        }
        let Some(mine) = shapes.get(i).cloned().flatten() else {
            continue;
        };
        let earlier: Vec<MatchBox> = rules
            .iter()
            .zip(&shapes)
            .enumerate()
            .filter(|(j, (o, _))| {
                *j != i && o.direction == r.direction && before(o, r) && !other_side_restricted(o)
            })
            .filter_map(|(_, (_, s))| s.clone())
            .flatten()
            .collect();
        if !mine.is_empty() && covered(&mine, &earlier) {
            finding(
                Code::Shadowed,
                rule_id(r),
                "never decides a packet: the rules evaluated before it cover everything it matches"
                    .into(),
            );
            continue;
        }
        let redundant_with = rules.iter().zip(&shapes).enumerate().find(|(j, (o, s))| {
            *j != i
                && o.direction == r.direction
                && o.policy == r.policy
                && !other_side_restricted(o)
                && s.as_ref().is_some_and(|s| covered(&mine, s))
                // Of two identical rules, only the later is reported.
                && (*j < i || !s.as_ref().is_some_and(|s| covered(s, &mine)))
        });
        if let Some((_, (o, _))) = redundant_with {
            let other = if o.id.is_empty() {
                "another rule".to_string()
            } else {
                o.id.to_string()
            };
            finding(
                Code::Redundant,
                rule_id(r),
                format!("everything it matches, {other} matches too, with the same policy"),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::group::{Namespace, RuleSet, Scope};
    use crate::domain::rule::{GroupPeer, Identity};
    use crate::domain::store::Limits;
    use crate::domain::values::{GroupType, Priority};

    fn rule(
        id: &str,
        prio: i64,
        policy: Policy,
        proto: IpProtocol,
        ports: &str,
        cidr: &str,
    ) -> Rule {
        Rule {
            id: id.into(),
            created: 0,
            direction: Direction::Ingress,
            protocol: proto,
            ports: ports.parse().unwrap(),
            port_list: None,
            source_ports: None,
            policy,
            priority: Priority::new(prio).unwrap(),
            nic: NicType::Intranet,
            description: String::new(),
            source: Some(Peer::Cidr(Cidr::parse_v4(cidr).unwrap())),
            dest: None,
        }
    }

    fn group(rules: Vec<Rule>) -> Group {
        let mut set = RuleSet::new(Identity::WithoutPriority);
        for r in rules {
            assert!(set.insert_new(r));
        }
        Group {
            id: "sg-1".into(),
            scope: Scope {
                account: "a".into(),
                namespace: Namespace::Region("r".into()),
            },
            name: String::new(),
            description: String::new(),
            kind: GroupType::Normal,
            vpc_id: Some("vpc".into()),
            resource_group_id: String::new(),
            created: 0,
            inner_policy: Policy::Accept,
            tags: Vec::new(),
            rules: set,
        }
    }

    fn codes(f: &[Finding]) -> Vec<(&'static str, Option<&str>)> {
        f.iter()
            .map(|x| (x.code.as_str(), x.rule.as_deref()))
            .collect()
    }

    #[test]
    fn shadowed_needs_the_union_of_earlier_rules_and_redundant_a_single_one() {
        let s = State::new(Limits::default(), Some(1));
        let g = group(vec![
            // 10.0.0.0/9 and 10.128.0.0/9 together cover 10.0.0.0/8: the accept at 5 never decides.
            rule(
                "sgr-a",
                1,
                Policy::Drop,
                IpProtocol::Tcp,
                "1/65535",
                "10.0.0.0/9",
            ),
            rule(
                "sgr-b",
                1,
                Policy::Drop,
                IpProtocol::Tcp,
                "1/65535",
                "10.128.0.0/9",
            ),
            rule(
                "sgr-c",
                5,
                Policy::Accept,
                IpProtocol::Tcp,
                "22/22",
                "10.0.0.0/8",
            ),
            // Redundant: inside sgr-e, same policy and priority (not evaluated after it: a rule
            // covered by rules evaluated before it is Shadowed instead).
            rule(
                "sgr-d",
                3,
                Policy::Accept,
                IpProtocol::Tcp,
                "443/443",
                "192.168.1.0/24",
            ),
            rule(
                "sgr-e",
                3,
                Policy::Accept,
                IpProtocol::Tcp,
                "400/500",
                "192.168.0.0/16",
            ),
            // Not shadowed: only half of it is covered.
            rule(
                "sgr-f",
                7,
                Policy::Accept,
                IpProtocol::Udp,
                "53/53",
                "10.0.0.0/7",
            ),
            // Covered by sgr-e, which is evaluated first: shadowed.
            rule(
                "sgr-g",
                9,
                Policy::Accept,
                IpProtocol::Tcp,
                "450/450",
                "192.168.7.0/24",
            ),
        ]);
        assert_eq!(
            codes(&lint_group(&s, &g, 200, 1)),
            [
                ("Shadowed", Some("sgr-c")),
                ("Redundant", Some("sgr-d")),
                ("Shadowed", Some("sgr-g"))
            ]
        );
    }

    #[test]
    fn open_to_world_empty_near_limit_and_cross_account() {
        let s = State::new(Limits::default(), Some(1));
        let mut cross = rule(
            "sgr-x",
            1,
            Policy::Accept,
            IpProtocol::Tcp,
            "80/80",
            "1.1.1.1",
        );
        cross.source = Some(Peer::Group(GroupPeer {
            id: "sg-other".into(),
            owner: Some("9999".into()),
        }));
        let g = group(vec![
            rule(
                "sgr-ssh",
                1,
                Policy::Accept,
                IpProtocol::Tcp,
                "20/30",
                "0.0.0.0/0",
            ),
            rule(
                "sgr-all",
                1,
                Policy::Accept,
                IpProtocol::All,
                "-1/-1",
                "0.0.0.0/0",
            ),
            rule(
                "sgr-https",
                1,
                Policy::Accept,
                IpProtocol::Tcp,
                "443/443",
                "0.0.0.0/0",
            ),
            cross,
        ]);
        let f = lint_group(&s, &g, 4, 0);
        let c = codes(&f);
        assert!(c.contains(&("OpenToWorld", Some("sgr-ssh"))), "{c:?}");
        assert!(c.contains(&("OpenToWorld", Some("sgr-all"))), "{c:?}");
        assert!(!c.contains(&("OpenToWorld", Some("sgr-https"))), "{c:?}");
        assert!(c.contains(&("CrossAccountPeer", Some("sgr-x"))), "{c:?}");
        assert!(c.contains(&("NearRuleLimit", None)), "{c:?}");
        assert_eq!(
            codes(&lint_group(&s, &group(vec![]), 200, 0)),
            [("EmptyGroup", None)]
        );
        assert!(lint_group(&s, &group(vec![]), 200, 1).is_empty());
    }
}
