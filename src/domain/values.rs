//! The small value types of a security-group rule: protocol, port range, policy, priority, NIC type,
//! direction. Syntax lives in `FromStr`; context checks (ICMP needs `-1/-1`) live in `PortRange::check_for`.

use std::fmt;
use std::str::FromStr;

/// Why a value was refused; products turn (attribute, problem) into an error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// Required but absent or empty.
    Missing,
    /// Not of the documented syntax.
    Malformed,
    /// Syntax fine, value outside the documented range.
    OutOfRange,
    /// Valid on its own but not for the rule's protocol (e.g. TCP with `-1/-1`).
    ProtocolMismatch,
}

/// `IpProtocol`. Input is case-insensitive, output upper case (docs/reference/ecs.md §1.0, docs/reference/conflicts.md #1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IpProtocol {
    Tcp,
    Udp,
    Icmp,
    Icmpv6,
    Gre,
    All,
}

impl IpProtocol {
    pub fn as_str(self) -> &'static str {
        match self {
            IpProtocol::Tcp => "TCP",
            IpProtocol::Udp => "UDP",
            IpProtocol::Icmp => "ICMP",
            IpProtocol::Icmpv6 => "ICMPv6",
            IpProtocol::Gre => "GRE",
            IpProtocol::All => "ALL",
        }
    }

    /// TCP and UDP carry ports; every other protocol takes exactly `-1/-1`.
    pub fn has_ports(self) -> bool {
        matches!(self, IpProtocol::Tcp | IpProtocol::Udp)
    }

    /// The address family a protocol is tied to: ICMP is IPv4-only, ICMPv6 IPv6-only
    /// (seed ModifySecurityGroupEgressRule: `InvalidParam.Ipv4ProtocolConflictWithIpv6Address`).
    pub fn family(self) -> Option<Family> {
        match self {
            IpProtocol::Icmp => Some(Family::V4),
            IpProtocol::Icmpv6 => Some(Family::V6),
            _ => None,
        }
    }
}

impl FromStr for IpProtocol {
    type Err = Problem;
    fn from_str(s: &str) -> Result<Self, Problem> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "tcp" => IpProtocol::Tcp,
            "udp" => IpProtocol::Udp,
            "icmp" => IpProtocol::Icmp,
            "icmpv6" => IpProtocol::Icmpv6,
            "gre" => IpProtocol::Gre,
            "all" => IpProtocol::All,
            "" => return Err(Problem::Missing),
            _ => return Err(Problem::Malformed),
        })
    }
}

impl fmt::Display for IpProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// IPv4 or IPv6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    V4,
    V6,
}

/// `a/b`. TCP/UDP: 1 ≤ a ≤ b ≤ 65535; other protocols exactly `-1/-1` (every Authorize/Revoke page).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortRange {
    pub from: i32,
    pub to: i32,
}

impl PortRange {
    pub const ANY: PortRange = PortRange { from: -1, to: -1 };

    /// The context check: is this range valid for `protocol`?
    pub fn check_for(self, protocol: IpProtocol) -> Result<(), Problem> {
        if protocol.has_ports() {
            if self.from == -1 || self.to == -1 {
                return Err(Problem::ProtocolMismatch);
            }
            if self.from < 1 || self.to > 65535 || self.from > self.to {
                return Err(Problem::OutOfRange);
            }
            Ok(())
        } else if self == PortRange::ANY {
            Ok(())
        } else {
            Err(Problem::ProtocolMismatch)
        }
    }
}

impl FromStr for PortRange {
    type Err = Problem;
    fn from_str(s: &str) -> Result<Self, Problem> {
        if s.is_empty() {
            return Err(Problem::Missing);
        }
        let (a, b) = s.split_once('/').ok_or(Problem::Malformed)?;
        let parse = |x: &str| -> Result<i32, Problem> {
            // Only plain decimal integers (an optional minus sign for -1): no '+', no spaces.
            let digits = x.strip_prefix('-').unwrap_or(x);
            if digits.is_empty() || digits.len() > 6 || !digits.bytes().all(|c| c.is_ascii_digit())
            {
                return Err(Problem::Malformed);
            }
            x.parse::<i32>().map_err(|_| Problem::Malformed)
        };
        Ok(PortRange {
            from: parse(a)?,
            to: parse(b)?,
        })
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.from, self.to)
    }
}

/// `Policy` of a rule and `InnerAccessPolicy` of a group: case-insensitive in, `Accept`/`Drop` out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Policy {
    Accept,
    Drop,
}

impl Policy {
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Accept => "Accept",
            Policy::Drop => "Drop",
        }
    }
}

impl FromStr for Policy {
    type Err = Problem;
    fn from_str(s: &str) -> Result<Self, Problem> {
        if s.eq_ignore_ascii_case("accept") {
            Ok(Policy::Accept)
        } else if s.eq_ignore_ascii_case("drop") {
            Ok(Policy::Drop)
        } else if s.is_empty() {
            Err(Problem::Missing)
        } else {
            Err(Problem::Malformed)
        }
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Rule priority, 1–100, smaller wins; default 1 (every Authorize page).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Priority(u8);

impl Priority {
    pub const DEFAULT: Priority = Priority(1);

    pub fn get(self) -> u8 {
        self.0
    }

    pub fn new(n: i64) -> Result<Priority, Problem> {
        if (1..=100).contains(&n) {
            Ok(Priority(n as u8))
        } else {
            Err(Problem::OutOfRange)
        }
    }
}

impl FromStr for Priority {
    type Err = Problem;
    fn from_str(s: &str) -> Result<Self, Problem> {
        if s.is_empty() {
            return Err(Problem::Missing);
        }
        let digits = s.strip_prefix('-').unwrap_or(s);
        if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
            return Err(Problem::Malformed);
        }
        match s.parse::<i64>() {
            Ok(n) => Priority::new(n),
            // Too many digits to be an i64: certainly out of range.
            Err(_) => Err(Problem::OutOfRange),
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// NIC type of a rule. VPC groups only know `intranet`; classic groups default to `internet`
/// (docs/reference/ecs.md §1.7, §5 #20).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NicType {
    Intranet,
    Internet,
}

impl NicType {
    pub fn as_str(self) -> &'static str {
        match self {
            NicType::Intranet => "intranet",
            NicType::Internet => "internet",
        }
    }
}

impl FromStr for NicType {
    type Err = Problem;
    fn from_str(s: &str) -> Result<Self, Problem> {
        if s.eq_ignore_ascii_case("intranet") {
            Ok(NicType::Intranet)
        } else if s.eq_ignore_ascii_case("internet") {
            Ok(NicType::Internet)
        } else if s.is_empty() {
            Err(Problem::Missing)
        } else {
            Err(Problem::Malformed)
        }
    }
}

/// Rule direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }
}

impl FromStr for Direction {
    type Err = Problem;
    fn from_str(s: &str) -> Result<Self, Problem> {
        match s {
            "ingress" => Ok(Direction::Ingress),
            "egress" => Ok(Direction::Egress),
            "" => Err(Problem::Missing),
            _ => Err(Problem::Malformed),
        }
    }
}

/// Security group type: `normal` (basic) or `enterprise` (advanced).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupType {
    Normal,
    Enterprise,
}

impl GroupType {
    pub fn as_str(self) -> &'static str {
        match self {
            GroupType::Normal => "normal",
            GroupType::Enterprise => "enterprise",
        }
    }
}

impl FromStr for GroupType {
    type Err = Problem;
    fn from_str(s: &str) -> Result<Self, Problem> {
        if s.eq_ignore_ascii_case("normal") {
            Ok(GroupType::Normal)
        } else if s.eq_ignore_ascii_case("enterprise") {
            Ok(GroupType::Enterprise)
        } else {
            Err(Problem::Malformed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_is_case_insensitive_and_renders_upper_case() {
        // docs/reference/conflicts.md #1: accept any case, return upper case.
        for s in ["tcp", "TCP", "Tcp"] {
            assert_eq!(s.parse::<IpProtocol>(), Ok(IpProtocol::Tcp));
        }
        assert_eq!(
            "icmpv6".parse::<IpProtocol>().map(|p| p.as_str()),
            Ok("ICMPv6")
        );
        assert_eq!("sctp".parse::<IpProtocol>(), Err(Problem::Malformed));
        assert_eq!("".parse::<IpProtocol>(), Err(Problem::Missing));
    }

    #[test]
    fn port_range_syntax_and_context() {
        let r: PortRange = "22/22".parse().unwrap();
        assert_eq!(r.check_for(IpProtocol::Tcp), Ok(()));
        assert_eq!(
            r.check_for(IpProtocol::Icmp),
            Err(Problem::ProtocolMismatch)
        );
        assert_eq!(PortRange::ANY.check_for(IpProtocol::All), Ok(()));
        assert_eq!(
            PortRange::ANY.check_for(IpProtocol::Udp),
            Err(Problem::ProtocolMismatch)
        );
        // "Incorrect example: 200/1" (every Authorize page).
        let bad: PortRange = "200/1".parse().unwrap();
        assert_eq!(bad.check_for(IpProtocol::Tcp), Err(Problem::OutOfRange));
        let big: PortRange = "1/65536".parse().unwrap();
        assert_eq!(big.check_for(IpProtocol::Tcp), Err(Problem::OutOfRange));
        for s in [
            "22",
            "22-23",
            "a/b",
            "/",
            "1/",
            "+1/2",
            " 1/2",
            "1/99999999999",
        ] {
            assert_eq!(s.parse::<PortRange>(), Err(Problem::Malformed), "{s}");
        }
        assert_eq!(r.to_string(), "22/22");
    }

    #[test]
    fn priority_bounds() {
        assert_eq!("1".parse::<Priority>().map(Priority::get), Ok(1));
        assert_eq!("100".parse::<Priority>().map(Priority::get), Ok(100));
        assert_eq!("0".parse::<Priority>(), Err(Problem::OutOfRange));
        assert_eq!("101".parse::<Priority>(), Err(Problem::OutOfRange));
        assert_eq!("-5".parse::<Priority>(), Err(Problem::OutOfRange));
        assert_eq!("1.5".parse::<Priority>(), Err(Problem::Malformed));
        assert_eq!("x".parse::<Priority>(), Err(Problem::Malformed));
        assert_eq!(
            "99999999999999999999999".parse::<Priority>(),
            Err(Problem::OutOfRange)
        );
    }

    #[test]
    fn policy_and_nic_type_parse_case_insensitively() {
        assert_eq!("ACCEPT".parse::<Policy>(), Ok(Policy::Accept));
        assert_eq!("drop".parse::<Policy>().map(|p| p.as_str()), Ok("Drop"));
        assert_eq!("deny".parse::<Policy>(), Err(Problem::Malformed));
        assert_eq!("Intranet".parse::<NicType>(), Ok(NicType::Intranet));
        assert_eq!("<nil>".parse::<NicType>(), Err(Problem::Malformed));
    }
}
