//! ECS response shapes (docs/reference/ecs.md §1.3, §1.4): list wrappers as objects
//! (`{"Permission": [...]}`), fields that do not apply as `""`, rule Priority a string.
//!
//! Rules are written straight into the answer's bytes ([`Obj`]): a describe of a 1,000-rule group
//! builds no `Value` tree (that tree's allocations were most of its cost) and runs no general
//! serialiser (its escaping loop was most of what remained, issue 18).

use serde_json::{json, Value};

use crate::domain::group::Group;
use crate::domain::rule::{Peer, Rule};
use crate::domain::store::{capacity, State};
use crate::domain::values::Family;
use crate::products::json::{key, permission_list, Obj};
use crate::rpc::envelope::RawJson;
use crate::timefmt::Iso;

/// One element of `SecurityGroups.SecurityGroup` (DescribeSecurityGroups). `EcsCount` is the
/// group's member ENIs (one private IP each), always filled (docs/reference/membership.md §5).
pub fn group(s: &State, g: &Group) -> Value {
    let members = s.member_count(&g.id);
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
        "CreationTime": Iso(g.created).to_string(),
        "ResourceGroupId": g.resource_group_id,
        "ServiceManaged": false,
        "EcsCount": members,
        "AvailableInstanceAmount": capacity(g).saturating_sub(members),
        "RuleCount": g.rules.len(),
        "GroupToGroupRuleCount": g.rules.group_peer_count(),
        "Tags": {"Tag": tags},
    })
}

/// The fields of one rule side.
#[derive(Default)]
struct Side<'a> {
    v4: &'a str,
    v6: &'a str,
    group: &'a str,
    group_name: &'a str,
    owner: &'a str,
    prefix_list: &'a str,
    prefix_list_name: &'a str,
}

fn side<'a>(state: &'a State, holder: &Group, peer: Option<&'a Peer>) -> Side<'a> {
    match peer {
        Some(Peer::Cidr(c)) if c.family() == Family::V4 => Side {
            v4: c.text(),
            ..Side::default()
        },
        Some(Peer::Cidr(c)) => Side {
            v6: c.text(),
            ..Side::default()
        },
        Some(Peer::Group(g)) => match &g.owner {
            // Same-account references report an empty owner (docs/reference/terraform.md S2b, D8).
            None => Side {
                group: &g.id,
                group_name: state
                    .group_any(&g.id)
                    .filter(|o| o.scope == holder.scope)
                    .map_or("", |o| o.name.as_str()),
                ..Side::default()
            },
            Some(owner) => Side {
                group: &g.id,
                owner,
                ..Side::default()
            },
        },
        // The list's id and current name; its entries are not expanded into the rule
        // (docs/reference/lists.md §4).
        Some(Peer::PrefixList(p)) => Side {
            prefix_list: p,
            prefix_list_name: state.list_any(p).map_or("", |l| l.name.as_str()),
            ..Side::default()
        },
        None => Side::default(),
    }
}

/// One element of `Permissions.Permission` (DescribeSecurityGroupAttribute), every documented
/// field, in the documented order. Priority is a string, as the current doc and the SDK model type
/// it (docs/reference/conflicts.md #13); a rule whose ports come from a port range list shows
/// `PortRange` `""`.
fn permission(out: &mut Vec<u8>, state: &State, holder: &Group, r: &Rule) {
    let s = side(state, holder, r.source.as_ref());
    let d = side(state, holder, r.dest.as_ref());
    let mut o = Obj::begin(out);
    o.str(key!("SecurityGroupRuleId"), &r.id)
        .str(key!("Direction"), r.direction.as_str())
        .str(key!("IpProtocol"), r.protocol.as_str())
        .ports(key!("PortRange"), r.port_list.is_none().then_some(r.ports))
        .ports(key!("SourcePortRange"), r.source_ports)
        .str(key!("Policy"), r.policy.as_str())
        .num_str(key!("Priority"), i64::from(r.priority.get()))
        .str(key!("NicType"), r.nic.as_str())
        .str(key!("SourceCidrIp"), s.v4)
        .str(key!("Ipv6SourceCidrIp"), s.v6)
        .str(key!("SourceGroupId"), s.group)
        .str(key!("SourceGroupName"), s.group_name)
        .str(key!("SourceGroupOwnerAccount"), s.owner)
        .str(key!("SourcePrefixListId"), s.prefix_list)
        .str(key!("SourcePrefixListName"), s.prefix_list_name)
        .str(key!("DestCidrIp"), d.v4)
        .str(key!("Ipv6DestCidrIp"), d.v6)
        .str(key!("DestGroupId"), d.group)
        .str(key!("DestGroupName"), d.group_name)
        .str(key!("DestGroupOwnerAccount"), d.owner)
        .str(key!("DestPrefixListId"), d.prefix_list)
        .str(key!("DestPrefixListName"), d.prefix_list_name)
        .str(
            key!("PortRangeListId"),
            r.port_list.as_deref().unwrap_or(""),
        )
        .str(
            key!("PortRangeListName"),
            r.port_list
                .as_deref()
                .and_then(|id| state.list_any(id))
                .map_or("", |l| l.name.as_str()),
        )
        .str(key!("Description"), &r.description)
        .time(key!("CreateTime"), Iso(r.created));
    o.end();
}

/// `{"Permission": [...]}` for these rules, written straight into one buffer.
pub fn permissions<'a>(
    state: &'a State,
    holder: &Group,
    rules: impl Iterator<Item = &'a Rule>,
) -> RawJson {
    permission_list(rules, |out, r| permission(out, state, holder, r))
}

/// One rule as DescribeSecurityGroupAttribute shows it (the verdict API quotes it).
pub fn rule_json(state: &State, holder: &Group, rule: &Rule) -> Value {
    let mut out = Vec::new();
    permission(&mut out, state, holder, rule);
    serde_json::from_slice(&out).unwrap_or(Value::Null)
}
