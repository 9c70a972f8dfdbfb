//! ECS (API version 2014-05-26): the action table and what all ECS handlers share (region, scope,
//! rule parameters in their two encodings).

mod errors;
mod groups;
mod regions;

pub use regions::{ids as served_regions, is_known as is_served_region};
mod instances;
mod lists;
mod render;
mod rules;
mod tags;

use crate::domain::cidr::Ipv6Text;
use crate::domain::group::{Namespace, Scope};
use crate::domain::policy::{GroupPolicy, Namespacing};
use crate::domain::rule::{parse_rule, Dialect, Identity, RuleDraft, RuleInput};
use crate::domain::store::{MembershipRules, OnDuplicate, OnMissing};
use crate::domain::values::Direction;
use crate::domain::verdict::Defaults;
use crate::domain::{Attr, DomainError, Problem};
use crate::products::rule_fields;

use super::{Action, Ctx, Failure, Handler, Product};

pub static PRODUCT: Product = Product {
    name: "Ecs",
    host: "ecs.aliyuncs.com",
    version: "2014-05-26",
    actions: ACTIONS,
    describe: errors::describe,
    rule_json: render::rule_json,
    policy: GroupPolicy {
        key: "ecs",
        namespacing: Namespacing::Regional,
        dialect: RULES,
        // Priority is not part of "the same rule" (docs/reference/terraform.md §7 decision 4).
        identity: Identity::WithoutPriority,
        // A rule that exists is a silent success (every AuthorizeSecurityGroup doc version); a
        // revoke that matches nothing succeeds and deletes nothing (seed RevokeSecurityGroupEgress).
        on_duplicate: OnDuplicate::Ignore,
        on_missing: OnMissing::Ignore,
        // Every documented Join/Leave check (docs/reference/membership.md §2, §3).
        defaults: Defaults::ByGroupType,
        // By group type, and a basic group's InnerAccessPolicy (docs/reference/rules.md §4.3).
        membership: MembershipRules::Strict,
    },
};

static ACTIONS: &[(Action, Handler)] = &[
    (Action::CreateSecurityGroup, groups::create),
    (Action::DeleteSecurityGroup, groups::delete),
    (Action::DescribeSecurityGroups, groups::describe_groups),
    (
        Action::DescribeSecurityGroupAttribute,
        groups::describe_attribute,
    ),
    (
        Action::ModifySecurityGroupAttribute,
        groups::modify_attribute,
    ),
    (Action::ModifySecurityGroupPolicy, groups::modify_policy),
    (
        Action::DescribeSecurityGroupReferences,
        groups::describe_references,
    ),
    (Action::DescribeRegions, regions::describe_regions),
    (Action::AuthorizeSecurityGroup, rules::authorize_ingress),
    (
        Action::AuthorizeSecurityGroupEgress,
        rules::authorize_egress,
    ),
    (Action::RevokeSecurityGroup, rules::revoke_ingress),
    (Action::RevokeSecurityGroupEgress, rules::revoke_egress),
    (Action::ModifySecurityGroupRule, rules::modify_ingress),
    (Action::ModifySecurityGroupEgressRule, rules::modify_egress),
    (Action::TagResources, tags::tag_resources),
    (Action::JoinSecurityGroup, instances::join),
    (Action::LeaveSecurityGroup, instances::leave),
    (Action::DescribeInstances, instances::describe_instances),
    (Action::CreatePrefixList, lists::create_prefix_list),
    (Action::DescribePrefixLists, lists::describe_prefix_lists),
    (
        Action::DescribePrefixListAttributes,
        lists::describe_prefix_list_attributes,
    ),
    (
        Action::DescribePrefixListAssociations,
        lists::describe_prefix_list_associations,
    ),
    (Action::ModifyPrefixList, lists::modify_prefix_list),
    (Action::DeletePrefixList, lists::delete_prefix_list),
    (Action::CreatePortRangeList, lists::create_port_range_list),
    (
        Action::DescribePortRangeLists,
        lists::describe_port_range_lists,
    ),
    (
        Action::DescribePortRangeListEntries,
        lists::describe_port_range_list_entries,
    ),
    (
        Action::DescribePortRangeListAssociations,
        lists::describe_port_range_list_associations,
    ),
    (Action::ModifyPortRangeList, lists::modify_port_range_list),
    (Action::DeletePortRangeList, lists::delete_port_range_list),
    (Action::UntagResources, tags::untag_resources),
    (Action::ListTagResources, tags::list_tag_resources),
    (Action::JoinResourceGroup, tags::join_resource_group),
];

/// ECS rules: IPv6 compressed, a peer required, groups and prefix lists as peers, Description 1–512
/// characters when sent. An empty `Description=` counts as not sent, so a revoke that carries one is
/// never refused for it (docs/reference/terraform.md S2a step 9); Description is never part of a match.
const RULES: Dialect = Dialect {
    ipv6_text: Ipv6Text::Compressed,
    require_peer: true,
    group_peers: true,
    description: Some((1, 512)),
    distinct_sides: true,
};

/// At most 100 rules per call (`Permissions.N`, N 1–100, docs/reference/ecs.md §1.14).
const MAX_PERMISSIONS: usize = 100;

/// `RegionId`: required on every action but DescribeRegions; must be a known region.
fn region(ctx: &Ctx) -> Result<String, Failure> {
    let r = ctx.params.required("RegionId")?;
    if regions::is_known(r) {
        Ok(r.to_string())
    } else {
        Err(Failure::UnknownRegion(r.to_string()))
    }
}

fn scope(ctx: &Ctx) -> Result<Scope, Failure> {
    Ok(Scope {
        account: ctx.account.to_string(),
        namespace: Namespace::Region(region(ctx)?),
    })
}

/// `SecurityGroupId`: required; letters, digits, `-` and `_`, at most 100 characters
/// (`InvalidSecurityGroupId.Malformed`, ModifySecurityGroupPolicy page).
fn group_id<'a>(ctx: &'a Ctx) -> Result<&'a str, Failure> {
    let id = ctx.params.required("SecurityGroupId")?;
    if id.len() > 100
        || !id
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    {
        return Err(DomainError::invalid(
            Attr::SecurityGroupId,
            "SecurityGroupId",
            Problem::Malformed,
        )
        .into());
    }
    Ok(id)
}

/// The rules of a call: `Permissions.N.*` or the deprecated flat parameters describing one rule,
/// never both (`InvalidParam.Permissions`, AuthorizeSecurityGroup doc).
fn rule_inputs(ctx: &Ctx, direction: Direction) -> Result<Vec<RuleInput>, Failure> {
    let p = ctx.params;
    let indexes = p.indexes("Permissions", MAX_PERMISSIONS)?;
    if indexes.is_empty() {
        return Ok(vec![rule_fields::collect("", direction, |f| {
            (f.into(), p.get(f).map(str::to_string))
        })]);
    }
    let flat = rule_fields::all()
        .map(|(_, f)| f)
        .any(|f| p.present(f).is_some());
    if flat {
        return Err(Failure::Conflict);
    }
    Ok(indexes
        .into_iter()
        .map(|n| {
            let at = format!("Permissions.{n}");
            rule_fields::collect(at.clone(), direction, |f| {
                let name = format!("{at}.{f}");
                let v = p.get(&name).map(str::to_string);
                (name.into(), v)
            })
        })
        .collect())
}

fn drafts(inputs: &[RuleInput], dialect: &Dialect) -> Result<Vec<RuleDraft>, Failure> {
    inputs
        .iter()
        .map(|i| parse_rule(i, dialect).map_err(Failure::from))
        .collect()
}
