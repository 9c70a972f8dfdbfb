//! ENS response shapes (docs/reference/ens.md §2.3, §2.4): no rule ids, `CreationTime` on rules, Priority
//! and InstanceCount as JSON numbers, CIDRs exactly as sent.

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};

use crate::domain::group::Group;
use crate::domain::rule::{Peer, Rule};
use crate::domain::store::State;
use crate::domain::values::{Family, PortRange};
use crate::products::json::{shown, shown_or_empty};
use crate::timefmt::Iso;

/// One element of `SecurityGroups.SecurityGroup`: instances in the group through their primary
/// interface, and secondary interfaces in it (docs/reference/membership.md §5).
pub fn group(s: &State, g: &Group) -> Value {
    let mut instances: Vec<&str> = Vec::new();
    let mut nics: Vec<&str> = Vec::new();
    let mut distinct: Vec<&str> = Vec::new();
    for (nic, instance) in s.members(&g.id) {
        let primary = s
            .instance(instance)
            .and_then(|i| i.primary())
            .is_some_and(|p| p.id == nic);
        if primary {
            instances.push(instance);
        } else {
            nics.push(nic);
        }
        if !distinct.contains(&instance) {
            distinct.push(instance);
        }
    }
    instances.sort_unstable();
    json!({
        "SecurityGroupId": g.id,
        "SecurityGroupName": g.name,
        "Description": g.description,
        "CreationTime": Iso(g.created).to_string(),
        "InstanceCount": distinct.len(),
        "InstanceIds": {"InstanceId": instances},
        "NetworkInterfaceIds": {"NetworkInterfaceId": nics},
    })
}

/// (IPv4, IPv6) text of one side.
fn cidrs(p: Option<&Peer>) -> (&str, &str) {
    match p.and_then(Peer::cidr) {
        Some(c) if c.family() == Family::V4 => (c.text(), ""),
        Some(c) => ("", c.text()),
        None => ("", ""),
    }
}

/// One element of `Permissions.Permission`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Permission<'a> {
    direction: &'static str,
    ip_protocol: &'static str,
    #[serde(serialize_with = "shown")]
    port_range: PortRange,
    /// Left out stays empty (docs/reference/terraform.md §7 decision 5).
    #[serde(serialize_with = "shown_or_empty")]
    source_port_range: Option<PortRange>,
    policy: &'static str,
    /// A JSON number (docs/reference/terraform.md F10).
    priority: u8,
    source_cidr_ip: &'a str,
    dest_cidr_ip: &'a str,
    ipv6_source_cidr_ip: &'a str,
    ipv6_dest_cidr_ip: &'a str,
    description: &'a str,
    creation_time: Iso,
}

#[derive(Serialize)]
struct Permissions<'a> {
    #[serde(rename = "Permission")]
    permission: Vec<Permission<'a>>,
}

/// `{"Permission": [...]}` for these rules, serialised.
pub fn permissions<'a>(rules: impl Iterator<Item = &'a Rule>) -> Box<RawValue> {
    let permission = rules
        .map(|r| {
            let (s4, s6) = cidrs(r.source.as_ref());
            let (d4, d6) = cidrs(r.dest.as_ref());
            Permission {
                direction: r.direction.as_str(),
                ip_protocol: r.protocol.as_str(),
                port_range: r.ports,
                source_port_range: r.source_ports,
                policy: r.policy.as_str(),
                priority: r.priority.get(),
                source_cidr_ip: s4,
                dest_cidr_ip: d4,
                ipv6_source_cidr_ip: s6,
                ipv6_dest_cidr_ip: d6,
                description: &r.description,
                creation_time: Iso(r.created),
            }
        })
        .collect();
    // Plain structs of strings and numbers always serialise.
    serde_json::value::to_raw_value(&Permissions { permission }).unwrap_or_default()
}

/// One rule as DescribeSecurityGroupAttribute shows it (the verdict API quotes it).
pub fn rule_json(_state: &State, _holder: &Group, rule: &Rule) -> Value {
    let list: Value =
        serde_json::from_str(permissions(std::iter::once(rule)).get()).unwrap_or(Value::Null);
    list.get("Permission")
        .and_then(|p| p.get(0))
        .cloned()
        .unwrap_or(Value::Null)
}
