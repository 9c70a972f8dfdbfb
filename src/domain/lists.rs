//! ECS prefix lists and port range lists: named, regional lists of CIDR blocks or port ranges that
//! rules reference by id (docs/reference/lists.md). Both kinds share one shape; the kind decides how
//! an entry is read and which limits apply.

use super::cidr::{Cidr, Ipv6Text};
use super::error::DomainError;
use super::group::Scope;
use super::values::{Family, PortRange};

/// Which kind of list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListKind {
    /// CIDR blocks of one address family (`pl-…`).
    Prefix,
    /// Port ranges (`prl-…`).
    PortRange,
}

impl ListKind {
    /// The id prefix.
    pub fn id_prefix(self) -> &'static str {
        match self {
            ListKind::Prefix => "pl-",
            ListKind::PortRange => "prl-",
        }
    }

    /// `MaxEntries` bounds: 1–200 for prefix lists, 1–2000 for port range lists.
    pub fn max_entries_bound(self) -> u32 {
        match self {
            ListKind::Prefix => 200,
            ListKind::PortRange => 2000,
        }
    }
}

/// One entry: its canonical text (`10.0.0.0/8`, `2001:db8::/32`, `80/80`) and description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEntry {
    pub value: String,
    pub description: String,
}

/// A prefix list or a port range list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List {
    pub id: String,
    pub kind: ListKind,
    pub scope: Scope,
    pub name: String,
    pub description: String,
    /// Prefix lists only: the family of every entry (immutable).
    pub family: Option<Family>,
    /// Immutable; what a referencing rule weighs against its group's rule limit.
    pub max_entries: u32,
    /// In insertion order.
    pub entries: Vec<ListEntry>,
    pub tags: Vec<(String, String)>,
    pub resource_group_id: String,
    /// Unix seconds.
    pub created: i64,
}

impl List {
    pub fn entry(&self, value: &str) -> Option<&ListEntry> {
        self.entries.iter().find(|e| e.value == value)
    }
}

/// Read one entry of a list of `kind` (and, for prefix lists, `family`) into its canonical text.
/// Prefix lists: a bare address is a /32 or /128, IPv6 is written compressed and lower case, and a
/// block with host bits set is refused (`10.0.0.1/8`). Port range lists: `start/end`, 1–65535,
/// start ≤ end.
pub fn canonical_entry(
    kind: ListKind,
    family: Option<Family>,
    text: &str,
) -> Result<String, DomainError> {
    let malformed = || DomainError::ListEntryMalformed {
        kind,
        value: text.to_string(),
    };
    match kind {
        ListKind::Prefix => {
            let cidr = match family {
                Some(Family::V4) => Cidr::parse_v4(text),
                Some(Family::V6) => Cidr::parse_v6(text, Ipv6Text::Compressed),
                None => None,
            }
            .ok_or_else(malformed)?;
            let (network, prefix) = cidr.network().ok_or_else(malformed)?;
            if network != cidr.address() {
                return Err(malformed());
            }
            Ok(format!("{network}/{prefix}"))
        }
        ListKind::PortRange => {
            let range: PortRange = text.parse().map_err(|_| malformed())?;
            if range.from < 1 || range.to > 65535 || range.from > range.to {
                return Err(malformed());
            }
            Ok(range.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_entries_are_canonical_and_host_bits_refused() {
        let v4 = |t| canonical_entry(ListKind::Prefix, Some(Family::V4), t);
        let v6 = |t| canonical_entry(ListKind::Prefix, Some(Family::V6), t);
        assert_eq!(v4("10.0.0.1").as_deref(), Ok("10.0.0.1/32"));
        assert_eq!(v4("10.0.0.0/8").as_deref(), Ok("10.0.0.0/8"));
        assert!(v4("10.0.0.1/8").is_err());
        assert!(v4("2001:db8::/32").is_err());
        assert_eq!(
            v6("2001:0DB8:0000:0000:0000:0000:0000:0000/32").as_deref(),
            Ok("2001:db8::/32")
        );
        assert_eq!(v6("2001:db8::1").as_deref(), Ok("2001:db8::1/128"));
    }

    #[test]
    fn port_entries_are_ranges_from_1() {
        let p = |t| canonical_entry(ListKind::PortRange, None, t);
        assert_eq!(p("80/80").as_deref(), Ok("80/80"));
        assert_eq!(p("8000/8080").as_deref(), Ok("8000/8080"));
        for bad in ["80", "0/80", "90/80", "-1/-1", "1/65536", "a/b"] {
            assert!(p(bad).is_err(), "{bad}");
        }
    }
}
