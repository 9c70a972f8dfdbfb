//! ECS group actions: Create/Delete/Describe/Modify security groups, their policy, and references.

use serde_json::{json, Value};

use crate::domain::group::{Group, Namespace, Scope};
use crate::domain::input::{Input, TagInput};
use crate::domain::names::{check_group_description, check_group_name, check_tags};
use crate::domain::store::NewGroup;
use crate::domain::values::{Direction, GroupType, Policy};
use crate::domain::{Attr, DomainError, Problem};

use super::super::paging::Paging;
use super::super::{body, decode_token, encode_token, Ctx, Failure, Reply};
use super::{group_id, render, scope, PRODUCT};

/// The account's default resource group (every account has one; docs/reference/terraform.md S1 step 5
/// expects a non-empty `ResourceGroupId`).
const DEFAULT_RESOURCE_GROUP: &str = "rg-acfmdefault00000";

/// `Tag.N.Key` / `Tag.N.Value`, N 1–20; the older lower-case `Tag.N.key` / `Tag.N.value` too.
pub(super) fn tags(ctx: &Ctx, require_key: bool) -> Result<Vec<TagInput>, Failure> {
    let p = ctx.params;
    let mut out = Vec::new();
    for n in p.indexes("Tag", 20)? {
        let at = format!("Tag.{n}");
        let read = |field: &str| {
            let upper = format!("{at}.{field}");
            let lower = format!("{at}.{}", field.to_ascii_lowercase());
            let value = p.get(&upper).or_else(|| p.get(&lower)).unwrap_or_default();
            Input {
                name: upper.into(),
                value: Some(value.to_string()),
            }
        };
        let tag = TagInput {
            key: read("Key"),
            value: read("Value"),
        };
        if tag.key.present().is_none() && !require_key {
            continue;
        }
        out.push(tag);
    }
    Ok(out)
}

pub fn create(ctx: &Ctx) -> Result<Reply, Failure> {
    let p = ctx.params;
    let scope = scope(ctx)?;
    let name = p.present("SecurityGroupName").unwrap_or_default();
    if !name.is_empty() {
        check_group_name(name, "SecurityGroupName", true)?;
    }
    let description = p.present("Description").unwrap_or_default();
    if !description.is_empty() {
        check_group_description(description, "Description", false)?;
    }
    let kind = match p.present("SecurityGroupType") {
        None => GroupType::Normal,
        Some(t) => t
            .parse()
            .map_err(|pr| DomainError::invalid(Attr::GroupType, "SecurityGroupType", pr))?,
    };
    let vpc_id = p.present("VpcId").map(str::to_string);
    // VPCs are not emulated: any id of VPC shape is accepted, anything else does not exist.
    if vpc_id.as_deref().is_some_and(|v| !v.starts_with("vpc-")) {
        return Err(DomainError::invalid(Attr::VpcId, "VpcId", Problem::Malformed).into());
    }
    let tags = tags(ctx, true)?;
    check_tags(&tags)?;
    let new = NewGroup {
        name: name.to_string(),
        description: description.to_string(),
        kind,
        vpc_id,
        resource_group_id: p
            .present("ResourceGroupId")
            .unwrap_or(DEFAULT_RESOURCE_GROUP)
            .to_string(),
        tags: tags.iter().map(TagInput::pair).collect(),
        identity: PRODUCT.policy.identity,
    };
    let token = ctx.token()?;
    let id = ctx.app.store.write(|s| {
        s.idempotent(ctx.account, token.as_ref(), |s| {
            s.create_group(&scope, new).map(Some)
        })
    })?;
    Ok(body([("SecurityGroupId", id.unwrap_or_default().into())]))
}

pub fn delete(ctx: &Ctx) -> Result<Reply, Failure> {
    let scope = scope(ctx)?;
    let id = group_id(ctx)?;
    ctx.app.store.write(|s| s.delete_group(&scope, id))?;
    Ok(Reply::default())
}

fn bad(name: &str, hint: &'static str) -> Failure {
    Failure::BadValue {
        name: name.to_string(),
        hint,
    }
}

/// DescribeSecurityGroups: filters, then either token paging (`MaxResults` ≤ 100, default 10;
/// no `TotalCount`) or page paging (`PageNumber`/`PageSize` ≤ 50, default 10, with `TotalCount`),
/// never both. Sorted by group id, descending (docs/reference/ecs.md §1.3).
pub fn describe_groups(ctx: &Ctx) -> Result<Reply, Failure> {
    let p = ctx.params;
    let scope = scope(ctx)?;
    let region = region_of(&scope);
    let one_id = p.present("SecurityGroupId");
    let ids: Option<Vec<String>> = match p.present("SecurityGroupIds") {
        None => None,
        Some(text) => match serde_json::from_str::<Vec<String>>(text) {
            Ok(v) if v.len() <= 100 => Some(v),
            _ => {
                return Err(bad(
                    "SecurityGroupIds",
                    "Use a JSON array of at most 100 security group IDs.",
                ))
            }
        },
    };
    let name = p.present("SecurityGroupName");
    let fuzzy = p.bool("FuzzyQuery")?.unwrap_or(false);
    let vpc = p.present("VpcId");
    let kind: Option<GroupType> = match p.present("SecurityGroupType") {
        None => None,
        Some(t) => Some(
            t.parse()
                .map_err(|_| bad("SecurityGroupType", "Valid values: normal, enterprise."))?,
        ),
    };
    let network: Option<bool> = match p.present("NetworkType") {
        None => None,
        Some(n) if n.eq_ignore_ascii_case("vpc") => Some(true),
        Some(n) if n.eq_ignore_ascii_case("classic") => Some(false),
        Some(_) => return Err(bad("NetworkType", "Valid values: vpc, classic.")),
    };
    let rg = p.present("ResourceGroupId");
    let managed = p.bool("ServiceManaged")?;
    let tag_filter: Vec<(String, String)> = tags(ctx, false)?.iter().map(TagInput::pair).collect();
    let paging = Paging::from_params(p)?;
    if p.bool("DryRun")? == Some(true) {
        return Err(Failure::DryRun);
    }
    ctx.app.store.read(|s| {
        let keep = |g: &Group| {
            one_id.is_none_or(|id| g.id == id)
                && ids.as_ref().is_none_or(|ids| ids.contains(&g.id))
                && name.is_none_or(|n| {
                    if fuzzy {
                        g.name.contains(n)
                    } else {
                        g.name == n
                    }
                })
                && vpc.is_none_or(|v| g.vpc_id.as_deref() == Some(v))
                && kind.is_none_or(|k| g.kind == k)
                && network.is_none_or(|n| g.is_vpc() == n)
                && rg.is_none_or(|r| g.resource_group_id == r)
                && managed.is_none_or(|m| !m)
                && tag_filter.iter().all(|(k, v)| {
                    g.tags
                        .iter()
                        .any(|(tk, tv)| tk == k && (v.is_empty() || tv == v))
                })
        };
        let page = paging.page(s, &scope, keep);
        let groups: Vec<Value> = page
            .items
            .into_iter()
            .map(|g| render::group(s, g))
            .collect();
        let mut out = Reply::default();
        out.insert("RegionId".into(), region.into());
        match paging {
            Paging::Tokens { .. } => {
                out.insert("NextToken".into(), page.next.into());
            }
            Paging::Pages { number, size } => {
                out.insert("TotalCount".into(), page.total.unwrap_or_default().into());
                out.insert("PageNumber".into(), number.into());
                out.insert("PageSize".into(), size.into());
            }
        }
        out.insert("SecurityGroups".into(), json!({ "SecurityGroup": groups }));
        Ok(out)
    })
}

/// DescribeSecurityGroupAttribute. Without `MaxResults` every rule comes back in one answer
/// (docs/reference/terraform.md F5; the documented default of 500 would also cover the default limit of 200).
pub fn describe_attribute(ctx: &Ctx) -> Result<Reply, Failure> {
    let p = ctx.params;
    let scope = scope(ctx)?;
    let id = group_id(ctx)?;
    let direction: Option<Direction> = match p.present("Direction") {
        None | Some("all") => None,
        Some("ingress") => Some(Direction::Ingress),
        Some("egress") => Some(Direction::Egress),
        Some(_) => return Err(bad("Direction", "Valid values: ingress, egress, all.")),
    };
    let limit = match p.int("MaxResults")? {
        None => usize::MAX,
        Some(n) if (10..=1000).contains(&n) => n as usize,
        Some(_) => return Err(bad("MaxResults", "Valid values: 10 to 1000.")),
    };
    let from: u64 = match p.present("NextToken") {
        None => 0,
        Some(t) => decode_token(t)
            .and_then(|s| s.strip_prefix("r").and_then(|n| n.parse().ok()))
            .ok_or(Failure::BadNextToken)?,
    };
    let snapshot = match p.present("Attribute") {
        None => false,
        Some("snapshotPolicyIds") => true,
        Some(_) => return Err(bad("Attribute", "Valid value: snapshotPolicyIds.")),
    };
    let nic_param = p.get("NicType");
    ctx.app.store.read(|s| {
        let g = s.group(&scope, id)?;
        let nic = g.describe_nic(nic_param);
        let (rules, next) = g.rules.page(from, limit, |r| {
            direction.is_none_or(|d| r.direction == d) && nic.is_none_or(|n| r.nic == n)
        });
        let mut out = body([
            ("RegionId", region_of(&g.scope).into()),
            ("SecurityGroupId", g.id.clone().into()),
            ("SecurityGroupName", g.name.clone().into()),
            ("Description", g.description.clone().into()),
            ("VpcId", g.vpc_id.clone().unwrap_or_default().into()),
            ("InnerAccessPolicy", g.inner_policy.as_str().into()),
            (
                "NextToken",
                next.map(|n| encode_token(&format!("r{n}")))
                    .unwrap_or_default()
                    .into(),
            ),
        ]);
        out.insert_raw(
            "Permissions".into(),
            render::permissions(s, g, rules.into_iter()),
        );
        if snapshot {
            out.insert(
                "SnapshotPolicyIds".into(),
                json!({ "SnapshotPolicyId": [] }),
            );
        }
        Ok(out)
    })
}

fn region_of(scope: &Scope) -> String {
    match &scope.namespace {
        Namespace::Region(r) => r.clone(),
        Namespace::Edge => String::new(),
    }
}

/// ModifySecurityGroupAttribute: a parameter left out leaves its field alone; an empty
/// `Description=` clears the description (docs/reference/terraform.md §7 decision 3); an empty name is
/// treated as left out (names must be at least 2 characters).
pub fn modify_attribute(ctx: &Ctx) -> Result<Reply, Failure> {
    let p = ctx.params;
    let scope = scope(ctx)?;
    let id = group_id(ctx)?;
    let name = p.present("SecurityGroupName");
    if let Some(n) = name {
        check_group_name(n, "SecurityGroupName", true)?;
    }
    let description = p.get("Description");
    if let Some(d) = description.filter(|d| !d.is_empty()) {
        check_group_description(d, "Description", false)?;
    }
    ctx.app.store.write(|s| {
        s.modify_group(
            &scope,
            id,
            name.map(str::to_string),
            description.map(str::to_string),
        )
    })?;
    Ok(Reply::default())
}

/// ModifySecurityGroupPolicy: `InnerAccessPolicy` Accept/Drop, case-insensitive.
pub fn modify_policy(ctx: &Ctx) -> Result<Reply, Failure> {
    let p = ctx.params;
    let scope = scope(ctx)?;
    let id = group_id(ctx)?;
    let policy: Policy = p
        .required("InnerAccessPolicy")?
        .parse()
        .map_err(|pr| DomainError::invalid(Attr::InnerAccessPolicy, "InnerAccessPolicy", pr))?;
    let token = ctx.token()?;
    ctx.app.store.write(|s| {
        s.idempotent(ctx.account, token.as_ref(), |s| {
            s.set_inner_policy(&scope, id, policy).map(|_| None)
        })
    })?;
    Ok(Reply::default())
}

/// DescribeSecurityGroupReferences: for each of 1–10 groups, the other groups whose rules name it.
pub fn describe_references(ctx: &Ctx) -> Result<Reply, Failure> {
    let scope = scope(ctx)?;
    let hint = "The parameter SecurityGroupId.N is essential and size should less than 10.";
    let ids = ctx
        .params
        .scalar_list("SecurityGroupId", 10)
        .map_err(|_| bad("SecurityGroupId", hint))?;
    if ids.is_empty() {
        return Err(bad("SecurityGroupId", hint));
    }
    ctx.app.store.read(|s| {
        let mut refs = Vec::new();
        for id in &ids {
            s.group(&scope, id)?;
            let referencing: Vec<Value> = s
                .referencing(id)
                .into_iter()
                .map(|(gid, account)| json!({"SecurityGroupId": gid, "AliUid": account}))
                .collect();
            refs.push(json!({
                "SecurityGroupId": id,
                "ReferencingSecurityGroups": {"ReferencingSecurityGroup": referencing},
            }));
        }
        Ok(body([(
            "SecurityGroupReferences",
            json!({ "SecurityGroupReference": refs }),
        )]))
    })
}
