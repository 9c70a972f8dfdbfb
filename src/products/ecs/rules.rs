//! ECS rule actions: Authorize, Revoke and Modify, inbound and outbound.

use crate::domain::rule::{parse_rule, RuleField};
use crate::domain::store::is_rule_id;
use crate::domain::values::Direction;
use crate::domain::DomainError;
use crate::products::rule_fields;

use super::super::{Ctx, Failure, Reply};
use super::{drafts, group_id, rule_inputs, scope, PRODUCT};

/// At most 100 rule ids per Revoke (`SecurityGroupRuleId.N`, array length 0–100).
const MAX_RULE_IDS: usize = 100;

/// AuthorizeSecurityGroup[Egress]: all rules valid or none applied; a rule that already exists is
/// a silent success (every doc version, docs/reference/ecs.md §1.7).
fn authorize(ctx: &Ctx, direction: Direction) -> Result<Reply, Failure> {
    let scope = scope(ctx)?;
    let id = group_id(ctx)?;
    let rules = drafts(&rule_inputs(ctx, direction)?, &PRODUCT.policy.dialect)?;
    let token = ctx.token()?;
    ctx.app.store.write(|s| {
        s.idempotent(ctx.account, token.as_ref(), |s| {
            s.authorize(&scope, id, &rules, PRODUCT.policy.on_duplicate)
                .map(|_| None)
        })
    })?;
    Ok(Reply::default())
}

pub fn authorize_ingress(ctx: &Ctx) -> Result<Reply, Failure> {
    authorize(ctx, Direction::Ingress)
}

pub fn authorize_egress(ctx: &Ctx) -> Result<Reply, Failure> {
    authorize(ctx, Direction::Egress)
}

/// RevokeSecurityGroup[Egress] (seeds RevokeSecurityGroupEgress, RevokeSecurityGroup.zh): by
/// `SecurityGroupRuleId.N` (an unknown id is an error) or by match, through `Permissions.N` or the
/// flat parameters (no match: success, nothing deleted). Ids and rules cannot be mixed.
fn revoke(ctx: &Ctx, direction: Direction) -> Result<Reply, Failure> {
    let p = ctx.params;
    let scope = scope(ctx)?;
    let id = group_id(ctx)?;
    let rule_ids = p.scalar_list("SecurityGroupRuleId", MAX_RULE_IDS)?;
    let token = ctx.token()?;
    if !rule_ids.is_empty() {
        if p.has_list("Permissions")
            || rule_fields::all()
                .any(|(f, name)| f != RuleField::Description && p.present(name).is_some())
        {
            return Err(Failure::Conflict);
        }
        ctx.app.store.write(|s| {
            s.idempotent(ctx.account, token.as_ref(), |s| {
                s.revoke_ids(&scope, id, direction, &rule_ids).map(|_| None)
            })
        })?;
        return Ok(Reply::default());
    }
    let rules = drafts(&rule_inputs(ctx, direction)?, &PRODUCT.policy.dialect)?;
    ctx.app.store.write(|s| {
        s.idempotent(ctx.account, token.as_ref(), |s| {
            s.revoke_matching(&scope, id, &rules, PRODUCT.policy.on_missing)
                .map(|_| None)
        })
    })?;
    Ok(Reply::default())
}

pub fn revoke_ingress(ctx: &Ctx) -> Result<Reply, Failure> {
    revoke(ctx, Direction::Ingress)
}

pub fn revoke_egress(ctx: &Ctx) -> Result<Reply, Failure> {
    revoke(ctx, Direction::Egress)
}

/// ModifySecurityGroupRule / ModifySecurityGroupEgressRule (seed ModifySecurityGroupEgressRule):
/// with `SecurityGroupRuleId` the rule changes in place under the documented limits; without it the
/// rule is found by its identity (IpProtocol and PortRange then required) and only its Description
/// changes — the call Terraform sends (docs/reference/terraform.md §2.3).
fn modify(ctx: &Ctx, direction: Direction) -> Result<Reply, Failure> {
    let p = ctx.params;
    let scope = scope(ctx)?;
    let id = group_id(ctx)?;
    let patch = rule_fields::collect("", direction, |f| (f.into(), p.get(f).map(str::to_string)));
    let token = ctx.token()?;
    match p.present("SecurityGroupRuleId") {
        Some(rule_id) => {
            if !is_rule_id(rule_id) {
                return Err(DomainError::RuleIdMalformed {
                    id: rule_id.to_string(),
                }
                .into());
            }
            ctx.app.store.write(|s| {
                s.idempotent(ctx.account, token.as_ref(), |s| {
                    s.modify_rule_by_id(
                        &scope,
                        id,
                        direction,
                        rule_id,
                        &patch,
                        &PRODUCT.policy.dialect,
                    )
                    .map(|_| None)
                })
            })?;
        }
        None => {
            let draft = parse_rule(&patch, &PRODUCT.policy.dialect)?;
            ctx.app.store.write(|s| {
                s.idempotent(ctx.account, token.as_ref(), |s| {
                    s.modify_rule_by_match(&scope, id, &draft).map(|_| None)
                })
            })?;
        }
    }
    Ok(Reply::default())
}

pub fn modify_ingress(ctx: &Ctx) -> Result<Reply, Failure> {
    modify(ctx, Direction::Ingress)
}

pub fn modify_egress(ctx: &Ctx) -> Result<Reply, Failure> {
    modify(ctx, Direction::Egress)
}
