//! ENS response shapes (docs/reference/ens.md §2.3, §2.4): no rule ids, `CreationTime` on rules, Priority
//! and InstanceCount as JSON numbers, CIDRs exactly as sent.

use serde_json::{json, Value};

use crate::domain::group::Group;
use crate::domain::rule::{Peer, Rule};
use crate::domain::store::State;
use crate::domain::values::Family;
use crate::products::json::{key, permission_list, Obj};
use crate::rpc::envelope::RawJson;
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

/// One element of `Permissions.Permission`: Priority a JSON number (docs/reference/terraform.md
/// F10); a left-out SourcePortRange stays empty (§7 decision 5).
fn permission(out: &mut Vec<u8>, r: &Rule) {
    let (s4, s6) = cidrs(r.source.as_ref());
    let (d4, d6) = cidrs(r.dest.as_ref());
    let mut o = Obj::begin(out);
    o.str(key!("Direction"), r.direction.as_str())
        .str(key!("IpProtocol"), r.protocol.as_str())
        .ports(key!("PortRange"), Some(r.ports))
        .ports(key!("SourcePortRange"), r.source_ports)
        .str(key!("Policy"), r.policy.as_str())
        .num(key!("Priority"), i64::from(r.priority.get()))
        .str(key!("SourceCidrIp"), s4)
        .str(key!("DestCidrIp"), d4)
        .str(key!("Ipv6SourceCidrIp"), s6)
        .str(key!("Ipv6DestCidrIp"), d6)
        .str(key!("Description"), &r.description)
        .time(key!("CreationTime"), Iso(r.created));
    o.end();
}

/// `{"Permission": [...]}` for these rules, written straight into one buffer.
pub fn permissions<'a>(rules: impl Iterator<Item = &'a Rule>) -> RawJson {
    permission_list(rules, permission)
}

/// One rule as DescribeSecurityGroupAttribute shows it (the verdict API quotes it).
pub fn rule_json(_state: &State, _holder: &Group, rule: &Rule) -> Value {
    let mut out = Vec::new();
    permission(&mut out, rule);
    serde_json::from_slice(&out).unwrap_or(Value::Null)
}
