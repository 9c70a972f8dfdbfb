//! CIDR blocks as rule peers: the text a client sees, and the (address, prefix) pair rules are matched on.
//!
//! ECS echoes IPv4 text verbatim and IPv6 compressed, lower case, host bits kept
//! (docs/reference/terraform.md S2c, F7/F8; docs/reference/rules.md §4.1). ENS echoes both verbatim (docs/reference/terraform.md D10).
//! Matching always uses the parsed pair, so `1.2.3.4` and `1.2.3.4/32`, or two spellings of one IPv6
//! block, are the same peer.

use std::hash::{Hash, Hasher};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use compact_str::{format_compact, CompactString, ToCompactString};
use ipnet::{Ipv4Net, Ipv6Net};

use super::values::Family;

/// How IPv6 text is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ipv6Text {
    /// RFC 5952 compressed, lower case, host bits kept (ECS).
    Compressed,
    /// Exactly as sent (ENS).
    Verbatim,
}

#[derive(Debug, Clone)]
pub struct Cidr {
    /// Inline up to 24 bytes (every IPv4 block): no allocation of its own.
    text: CompactString,
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// An IPv4 address or CIDR block; the text is kept as sent.
    pub fn parse_v4(s: &str) -> Option<Cidr> {
        let (addr, prefix) = if s.contains('/') {
            let net = s.parse::<Ipv4Net>().ok()?;
            (net.addr(), net.prefix_len())
        } else {
            (s.parse::<Ipv4Addr>().ok()?, 32)
        };
        Some(Cidr {
            text: s.into(),
            addr: IpAddr::V4(addr),
            prefix,
        })
    }

    /// An IPv6 address or CIDR block.
    pub fn parse_v6(s: &str, text: Ipv6Text) -> Option<Cidr> {
        let (addr, prefix, has_prefix) = if s.contains('/') {
            let net = s.parse::<Ipv6Net>().ok()?;
            (net.addr(), net.prefix_len(), true)
        } else {
            (s.parse::<Ipv6Addr>().ok()?, 128, false)
        };
        let text = match text {
            Ipv6Text::Verbatim => s.into(),
            // std's Display for Ipv6Addr is RFC 5952: lower case, longest zero run compressed.
            Ipv6Text::Compressed if has_prefix => format_compact!("{addr}/{prefix}"),
            Ipv6Text::Compressed => addr.to_compact_string(),
        };
        Some(Cidr {
            text,
            addr: IpAddr::V6(addr),
            prefix,
        })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn address(&self) -> IpAddr {
        self.addr
    }

    /// Whether `ip` is in the block (host bits of the stored text ignored; never across families).
    pub fn contains(&self, ip: IpAddr) -> bool {
        ipnet::IpNet::new(self.addr, self.prefix).is_ok_and(|n| n.contains(&ip))
    }

    /// The block's network address (host bits cleared) and prefix length.
    pub fn network(&self) -> Option<(IpAddr, u8)> {
        ipnet::IpNet::new(self.addr, self.prefix)
            .ok()
            .map(|n| (n.network(), self.prefix))
    }

    pub fn family(&self) -> Family {
        match self.addr {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }
}

impl PartialEq for Cidr {
    fn eq(&self, other: &Self) -> bool {
        self.addr == other.addr && self.prefix == other.prefix
    }
}

impl Eq for Cidr {}

impl Hash for Cidr {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.addr.hash(state);
        self.prefix.hash(state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_text_is_echoed_verbatim() {
        // docs/reference/terraform.md F7: `10.159.6.18/12` must not become `10.144.0.0/12`.
        let c = Cidr::parse_v4("10.159.6.18/12").unwrap();
        assert_eq!(c.text(), "10.159.6.18/12");
        assert_eq!(Cidr::parse_v4("1.2.3.4").unwrap().text(), "1.2.3.4");
    }

    #[test]
    fn ipv4_bare_address_matches_its_slash_32() {
        assert_eq!(Cidr::parse_v4("1.2.3.4"), Cidr::parse_v4("1.2.3.4/32"));
        assert_ne!(Cidr::parse_v4("10.0.0.1/8"), Cidr::parse_v4("10.0.0.0/8"));
    }

    #[test]
    fn ipv6_is_compressed_lower_case_with_host_bits_kept() {
        // docs/reference/terraform.md S2c: the provider's own acceptance test values.
        let c = Cidr::parse_v6(
            "2001:0db8:3c4d:0015:0000:0000:1a2f:1a2b/0",
            Ipv6Text::Compressed,
        )
        .unwrap();
        assert_eq!(c.text(), "2001:db8:3c4d:15::1a2f:1a2b/0");
        let up = Cidr::parse_v6("2001:DB8::1/64", Ipv6Text::Compressed).unwrap();
        assert_eq!(up.text(), "2001:db8::1/64");
        assert_eq!(
            Cidr::parse_v6("2408:4004:cc:400::/56", Ipv6Text::Compressed)
                .unwrap()
                .text(),
            "2408:4004:cc:400::/56"
        );
        // Both spellings are one peer.
        assert_eq!(
            c,
            Cidr::parse_v6("2001:db8:3c4d:15::1a2f:1a2b/0", Ipv6Text::Verbatim).unwrap()
        );
    }

    #[test]
    fn ipv6_verbatim_keeps_text() {
        let c = Cidr::parse_v6("2001:DB8::/32", Ipv6Text::Verbatim).unwrap();
        assert_eq!(c.text(), "2001:DB8::/32");
    }

    #[test]
    fn malformed_blocks_are_refused() {
        for s in [
            "",
            "1.2.3",
            "1.2.3.4/33",
            "1.2.3.4/",
            "1.2.3.4/x",
            "::/0",
            "300.1.1.1",
            "1.2.3.4/-1",
        ] {
            assert!(Cidr::parse_v4(s).is_none(), "{s}");
        }
        for s in ["", "1.2.3.4", "::/129", "fe80::zz", "::/"] {
            assert!(Cidr::parse_v6(s, Ipv6Text::Compressed).is_none(), "{s}");
        }
    }
}
