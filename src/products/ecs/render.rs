//! ECS response shapes (docs/reference/ecs.md §1.3, §1.4): list wrappers as objects
//! (`{"Permission": [...]}`), fields that do not apply as `""`, rule Priority a string.
//!
//! Rules are written through borrowed structs straight to JSON: a describe of a 1,000-rule group
//! builds no `Value` tree (that tree's allocations were most of its cost).

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};

use crate::domain::group::Group;
use crate::domain::rule::{Peer, Rule};
use crate::domain::store::{capacity, State};
use crate::domain::values::{Family, PortRange};
use crate::products::json::{shown, shown_or_empty};
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

/// One element of `Permissions.Permission` (DescribeSecurityGroupAttribute), every documented field.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Permission<'a> {
    security_group_rule_id: &'a str,
    direction: &'static str,
    ip_protocol: &'static str,
    /// `""` for a rule whose ports come from a port range list.
    #[serde(serialize_with = "shown_or_empty")]
    port_range: Option<PortRange>,
    #[serde(serialize_with = "shown_or_empty")]
    source_port_range: Option<PortRange>,
    policy: &'static str,
    /// A string, as the current doc and the SDK model type it (docs/reference/conflicts.md #13).
    #[serde(serialize_with = "shown")]
    priority: u8,
    nic_type: &'static str,
    source_cidr_ip: &'a str,
    ipv6_source_cidr_ip: &'a str,
    source_group_id: &'a str,
    source_group_name: &'a str,
    source_group_owner_account: &'a str,
    source_prefix_list_id: &'a str,
    source_prefix_list_name: &'a str,
    dest_cidr_ip: &'a str,
    ipv6_dest_cidr_ip: &'a str,
    dest_group_id: &'a str,
    dest_group_name: &'a str,
    dest_group_owner_account: &'a str,
    dest_prefix_list_id: &'a str,
    dest_prefix_list_name: &'a str,
    port_range_list_id: &'a str,
    port_range_list_name: &'a str,
    description: &'a str,
    create_time: Iso,
}

fn permission<'a>(state: &'a State, holder: &Group, r: &'a Rule) -> Permission<'a> {
    let s = side(state, holder, r.source.as_ref());
    let d = side(state, holder, r.dest.as_ref());
    Permission {
        security_group_rule_id: &r.id,
        direction: r.direction.as_str(),
        ip_protocol: r.protocol.as_str(),
        port_range: r.port_list.is_none().then_some(r.ports),
        source_port_range: r.source_ports,
        policy: r.policy.as_str(),
        priority: r.priority.get(),
        nic_type: r.nic.as_str(),
        source_cidr_ip: s.v4,
        ipv6_source_cidr_ip: s.v6,
        source_group_id: s.group,
        source_group_name: s.group_name,
        source_group_owner_account: s.owner,
        source_prefix_list_id: s.prefix_list,
        source_prefix_list_name: s.prefix_list_name,
        dest_cidr_ip: d.v4,
        ipv6_dest_cidr_ip: d.v6,
        dest_group_id: d.group,
        dest_group_name: d.group_name,
        dest_group_owner_account: d.owner,
        dest_prefix_list_id: d.prefix_list,
        dest_prefix_list_name: d.prefix_list_name,
        port_range_list_id: r.port_list.as_deref().unwrap_or(""),
        port_range_list_name: r
            .port_list
            .as_deref()
            .and_then(|id| state.list_any(id))
            .map_or("", |l| l.name.as_str()),
        description: &r.description,
        create_time: Iso(r.created),
    }
}

#[derive(Serialize)]
struct Permissions<'a> {
    #[serde(rename = "Permission")]
    permission: Vec<Permission<'a>>,
}

/// `{"Permission": [...]}` for these rules, serialised.
pub fn permissions<'a>(
    state: &'a State,
    holder: &Group,
    rules: impl Iterator<Item = &'a Rule>,
) -> Box<RawValue> {
    let list = Permissions {
        permission: rules.map(|r| permission(state, holder, r)).collect(),
    };
    // Plain structs of strings and numbers always serialise.
    serde_json::value::to_raw_value(&list).unwrap_or_default()
}

/// One rule as DescribeSecurityGroupAttribute shows it (the verdict API quotes it).
pub fn rule_json(state: &State, holder: &Group, rule: &Rule) -> Value {
    serde_json::to_value(permission(state, holder, rule)).unwrap_or(Value::Null)
}
