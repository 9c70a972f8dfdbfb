//! ECS response shapes (inventory.md; semantics.md §1.3, §1.4): list wrappers as objects
//! (`{"Permission": [...]}`), fields that do not apply as `""`, rule Priority a string.

use serde_json::{json, Value};

use crate::domain::group::Group;
use crate::domain::rule::{Peer, Rule};
use crate::domain::store::State;
use crate::domain::values::GroupType;
use crate::products::timestamp;

/// Private-IP capacity of a group (semantics.md §1.14): basic VPC 2000, classic 1000, enterprise 65536.
fn capacity(g: &Group) -> i64 {
    match (g.kind, g.is_vpc()) {
        (GroupType::Enterprise, _) => 65536,
        (GroupType::Normal, true) => 2000,
        (GroupType::Normal, false) => 1000,
    }
}

/// One element of `SecurityGroups.SecurityGroup` (DescribeSecurityGroups).
pub fn group(g: &Group) -> Value {
    let tags: Vec<Value> = g
        .tags
        .iter()
        .map(|(k, v)| json!({"TagKey": k, "TagValue": v}))
        .collect();
    json!({
        "SecurityGroupId": g.id,
        "SecurityGroupName": g.name,
        "Description": g.description,
        "SecurityGroupType": g.kind.as_str(),
        "VpcId": g.vpc_id.as_deref().unwrap_or(""),
        "CreationTime": timestamp(g.created),
        "ResourceGroupId": g.resource_group_id,
        "ServiceManaged": false,
        "EcsCount": 0,
        "AvailableInstanceAmount": capacity(g),
        "RuleCount": g.rules.len(),
        "GroupToGroupRuleCount": g.rules.group_peer_count(),
        "Tags": {"Tag": tags},
    })
}

/// The fields of one rule side: (IPv4 CIDR, IPv6 CIDR, group id, group name, owner, prefix list).
fn side(state: &State, holder: &Group, peer: Option<&Peer>) -> [String; 6] {
    let mut out: [String; 6] = Default::default();
    match peer {
        Some(Peer::Cidr(c)) if c.family() == crate::domain::values::Family::V4 => {
            out[0] = c.text().to_string()
        }
        Some(Peer::Cidr(c)) => out[1] = c.text().to_string(),
        Some(Peer::Group(g)) => {
            out[2] = g.id.clone();
            match &g.owner {
                // Same-account references report an empty owner (terraform-flows.md S2b, D8).
                None => {
                    out[3] = state
                        .group_any(&g.id)
                        .filter(|o| o.scope == holder.scope)
                        .map(|o| o.name.clone())
                        .unwrap_or_default()
                }
                Some(owner) => out[4] = owner.clone(),
            }
        }
        Some(Peer::PrefixList(p)) => out[5] = p.clone(),
        None => {}
    }
    out
}

/// One element of `Permissions.Permission` (DescribeSecurityGroupAttribute).
pub fn rule(state: &State, holder: &Group, r: &Rule) -> Value {
    let [s4, s6, sg, sgn, sgo, spl] = side(state, holder, r.source.as_ref());
    let [d4, d6, dg, dgn, dgo, dpl] = side(state, holder, r.dest.as_ref());
    json!({
        "SecurityGroupRuleId": r.id,
        "Direction": r.direction.as_str(),
        "IpProtocol": r.protocol.as_str(),
        "PortRange": r.ports.to_string(),
        "SourcePortRange": r.source_ports.map(|p| p.to_string()).unwrap_or_default(),
        "Policy": r.policy.as_str(),
        // A string, as the current doc and the SDK model type it (semantics.md §5 #13).
        "Priority": r.priority.to_string(),
        "NicType": r.nic.as_str(),
        "SourceCidrIp": s4,
        "Ipv6SourceCidrIp": s6,
        "SourceGroupId": sg,
        "SourceGroupName": sgn,
        "SourceGroupOwnerAccount": sgo,
        "SourcePrefixListId": spl,
        "SourcePrefixListName": "",
        "DestCidrIp": d4,
        "Ipv6DestCidrIp": d6,
        "DestGroupId": dg,
        "DestGroupName": dgn,
        "DestGroupOwnerAccount": dgo,
        "DestPrefixListId": dpl,
        "DestPrefixListName": "",
        "PortRangeListId": "",
        "PortRangeListName": "",
        "Description": r.description,
        "CreateTime": timestamp(r.created),
    })
}
