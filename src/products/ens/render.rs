//! ENS response shapes (inventory.md, ENS sections): no rule ids, `CreationTime` on rules, Priority
//! and InstanceCount as JSON numbers, CIDRs exactly as sent.

use serde_json::{json, Value};

use crate::domain::group::Group;
use crate::domain::rule::{Peer, Rule};
use crate::domain::values::Family;
use crate::products::timestamp;

/// One element of `SecurityGroups.SecurityGroup`. No instances are emulated.
pub fn group(g: &Group) -> Value {
    json!({
        "SecurityGroupId": g.id,
        "SecurityGroupName": g.name,
        "Description": g.description,
        "CreationTime": timestamp(g.created),
        "InstanceCount": 0,
        "InstanceIds": {"InstanceId": []},
        "NetworkInterfaceIds": {"NetworkInterfaceId": []},
    })
}

/// (IPv4, IPv6) text of one side.
fn cidrs(p: Option<&Peer>) -> (String, String) {
    match p.and_then(Peer::cidr) {
        Some(c) if c.family() == Family::V4 => (c.text().to_string(), String::new()),
        Some(c) => (String::new(), c.text().to_string()),
        None => (String::new(), String::new()),
    }
}

/// One element of `Permissions.Permission`.
pub fn rule(r: &Rule) -> Value {
    let (s4, s6) = cidrs(r.source.as_ref());
    let (d4, d6) = cidrs(r.dest.as_ref());
    json!({
        "Direction": r.direction.as_str(),
        "IpProtocol": r.protocol.as_str(),
        "PortRange": r.ports.to_string(),
        // Left out stays empty (terraform-flows.md §7 decision 5).
        "SourcePortRange": r.source_ports.map(|p| p.to_string()).unwrap_or_default(),
        "Policy": r.policy.as_str(),
        "Priority": r.priority.get(),
        "SourceCidrIp": s4,
        "DestCidrIp": d4,
        "Ipv6SourceCidrIp": s6,
        "Ipv6DestCidrIp": d6,
        "Description": r.description,
        "CreationTime": timestamp(r.created),
    })
}
