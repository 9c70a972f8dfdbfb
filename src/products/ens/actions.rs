//! ENS actions. Each is a few lines of intent over the shared domain; the differences from ECS are
//! the dialect, the duplicate/missing-rule policy and the error table.

use serde_json::{json, Value};

use crate::domain::group::Group;
use crate::domain::names::{check_group_description, check_group_name};
use crate::domain::store::NewGroup;
use crate::domain::values::{Direction, GroupType};

use super::super::paging::Paging;
use super::super::{body, Ctx, Failure, Reply};
use super::{drafts, flat_rule, group_id, json_rules, render, scope, FLAT_RULES, PRODUCT};

/// Name: 2–128 characters, a letter first, letters, digits, `:` `_` `-` (no `.` on ENS,
/// docs/reference/ens.md §2.1). Description: 2–256 characters, a letter first, not `http(s)://`.
fn check_name_and_description(
    name: Option<&str>,
    description: Option<&str>,
) -> Result<(), Failure> {
    if let Some(n) = name.filter(|n| !n.is_empty()) {
        check_group_name(n, "SecurityGroupName", false)?;
    }
    if let Some(d) = description.filter(|d| !d.is_empty()) {
        check_group_description(d, "Description", true)?;
    }
    Ok(())
}

/// CreateSecurityGroup, optionally with its first rules: if a rule is refused, no group is created.
pub fn create(ctx: &Ctx) -> Result<Reply, Failure> {
    let p = ctx.params;
    let name = p.present("SecurityGroupName");
    let description = p.present("Description");
    check_name_and_description(name, description)?;
    let rules = drafts(&json_rules(ctx, false, true)?, &PRODUCT.policy.dialect)?;
    let new = NewGroup {
        name: name.unwrap_or_default().to_string(),
        description: description.unwrap_or_default().to_string(),
        kind: GroupType::Normal,
        vpc_id: None,
        resource_group_id: String::new(),
        tags: Vec::new(),
        identity: PRODUCT.policy.identity,
    };
    let scope = scope(ctx);
    let id = ctx
        .app
        .store
        .write(|s| s.create_group_with_rules(&scope, new, &rules, PRODUCT.policy.on_duplicate))?;
    Ok(body([("SecurityGroupId", id.into())]))
}

pub fn delete(ctx: &Ctx) -> Result<Reply, Failure> {
    let id = group_id(ctx)?;
    let scope = scope(ctx);
    ctx.app.store.write(|s| s.delete_group(&scope, id))?;
    Ok(Reply::default())
}

/// DescribeSecurityGroups: `PageNumber`/`PageSize` (≤ 50) with `TotalCount` as documented, and
/// `MaxResults`/`NextToken` as Terraform's data source sends them (docs/reference/terraform.md §7 decision 1);
/// the token always ends empty.
pub fn describe_groups(ctx: &Ctx) -> Result<Reply, Failure> {
    let p = ctx.params;
    let one_id = p.present("SecurityGroupId");
    let name = p.present("SecurityGroupName");
    let paging = Paging::from_params(p)?;
    let scope = scope(ctx);
    Ok(ctx.app.store.read(|s| {
        let keep =
            |g: &Group| one_id.is_none_or(|id| g.id == id) && name.is_none_or(|n| g.name == n);
        let page = paging.page(s, &scope, keep);
        let groups: Vec<Value> = page
            .items
            .into_iter()
            .map(|g| render::group(s, g))
            .collect();
        let mut out = Reply::default();
        match paging {
            Paging::Tokens { .. } => {
                out.insert("NextToken".into(), page.next.into());
            }
            Paging::Pages { number, size } => {
                out.insert("PageNumber".into(), number.into());
                out.insert("PageSize".into(), size.into());
                out.insert("TotalCount".into(), page.total.unwrap_or_default().into());
            }
        }
        out.insert("SecurityGroups".into(), json!({ "SecurityGroup": groups }));
        out
    }))
}

/// DescribeSecurityGroupAttribute: the group and all its rules, readable the moment it is created
/// and not found the moment it is deleted (docs/reference/terraform.md H7, H8).
pub fn describe_attribute(ctx: &Ctx) -> Result<Reply, Failure> {
    let id = group_id(ctx)?;
    let scope = scope(ctx);
    ctx.app.store.read(|s| {
        let g = s.group(&scope, id)?;
        let mut out = body([
            ("SecurityGroupId", g.id.clone().into()),
            ("SecurityGroupName", g.name.clone().into()),
            ("Description", g.description.clone().into()),
        ]);
        out.insert_raw("Permissions".into(), render::permissions(g.rules.iter()));
        Ok(out)
    })
}

/// ModifySecurityGroupAttribute: a parameter left out leaves its field alone; an empty one clears it
/// (Terraform sends `""` for a removed name or description, docs/reference/terraform.md §3.3, §7 decision 3).
pub fn modify_attribute(ctx: &Ctx) -> Result<Reply, Failure> {
    let p = ctx.params;
    let id = group_id(ctx)?;
    let name = p.get("SecurityGroupName");
    let description = p.get("Description");
    check_name_and_description(name, description)?;
    let scope = scope(ctx);
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

fn authorize(ctx: &Ctx, direction: Direction) -> Result<Reply, Failure> {
    let id = group_id(ctx)?;
    let rules = drafts(&[flat_rule(ctx, direction)], &FLAT_RULES)?;
    let scope = scope(ctx);
    ctx.app
        .store
        .write(|s| s.authorize(&scope, id, &rules, PRODUCT.policy.on_duplicate))?;
    Ok(Reply::default())
}

pub fn authorize_ingress(ctx: &Ctx) -> Result<Reply, Failure> {
    authorize(ctx, Direction::Ingress)
}

pub fn authorize_egress(ctx: &Ctx) -> Result<Reply, Failure> {
    authorize(ctx, Direction::Egress)
}

fn revoke(ctx: &Ctx, direction: Direction) -> Result<Reply, Failure> {
    let id = group_id(ctx)?;
    let rules = drafts(&[flat_rule(ctx, direction)], &FLAT_RULES)?;
    let scope = scope(ctx);
    ctx.app
        .store
        .write(|s| s.revoke_matching(&scope, id, &rules, PRODUCT.policy.on_missing))?;
    Ok(Reply::default())
}

pub fn revoke_ingress(ctx: &Ctx) -> Result<Reply, Failure> {
    revoke(ctx, Direction::Ingress)
}

pub fn revoke_egress(ctx: &Ctx) -> Result<Reply, Failure> {
    revoke(ctx, Direction::Egress)
}

/// CreateSecurityGroupPermissions: every rule new and valid, or none added.
pub fn create_permissions(ctx: &Ctx) -> Result<Reply, Failure> {
    let id = group_id(ctx)?;
    let rules = drafts(&json_rules(ctx, true, true)?, &PRODUCT.policy.dialect)?;
    let scope = scope(ctx);
    ctx.app
        .store
        .write(|s| s.authorize(&scope, id, &rules, PRODUCT.policy.on_duplicate))?;
    Ok(Reply::default())
}

/// DeleteSecurityGroupPermissions (seed): every rule must exist, or none is removed. Rules match on
/// Direction, IpProtocol, PortRange, SourcePortRange, Policy, Priority and the CIDRs; a Description
/// is not part of the request.
pub fn delete_permissions(ctx: &Ctx) -> Result<Reply, Failure> {
    let id = group_id(ctx)?;
    let rules = drafts(&json_rules(ctx, true, false)?, &PRODUCT.policy.dialect)?;
    let scope = scope(ctx);
    ctx.app
        .store
        .write(|s| s.revoke_matching(&scope, id, &rules, PRODUCT.policy.on_missing))?;
    Ok(Reply::default())
}
