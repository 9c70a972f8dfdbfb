//! The ECS resource-tag and resource-group actions, for security groups: TagResources,
//! UntagResources and JoinResourceGroup. Terraform's `alicloud_security_group` update path calls
//! them (docs/reference/terraform.md §1.3 steps 4–5); other resource types are not emulated.

use crate::domain::names::check_tags;
use crate::domain::DomainError;

use super::super::{Ctx, Failure, Reply};
use super::scope;

/// ECS resource types (TagResources doc). Only `securitygroup` resources exist here.
const RESOURCE_TYPES: &[&str] = &[
    "instance",
    "disk",
    "snapshot",
    "image",
    "securitygroup",
    "volume",
    "eni",
    "ddh",
    "ddhcluster",
    "keypair",
    "launchtemplate",
    "reservedinstance",
    "snapshotpolicy",
    "elasticityassurance",
    "capacityreservation",
    "command",
    "invocation",
    "activation",
    "managedinstance",
    "prefixlist",
    "portrangelist",
];

/// `ResourceType`: required, a known type. For a type other than `securitygroup` no resource exists,
/// so every id is "not found".
fn resource_type(ctx: &Ctx) -> Result<bool, Failure> {
    let t = ctx.params.required("ResourceType")?;
    if !RESOURCE_TYPES.contains(&t) {
        return Err(Failure::BadValue {
            name: "ResourceType".into(),
            hint: "Use a resource type such as securitygroup.",
        });
    }
    Ok(t == "securitygroup")
}

fn resource_ids(ctx: &Ctx) -> Result<Vec<String>, Failure> {
    let ids = ctx.params.scalar_list("ResourceId", 50)?;
    if ids.is_empty() {
        return Err(crate::rpc::ParamError::Missing {
            name: "ResourceId".into(),
        }
        .into());
    }
    Ok(ids)
}

fn not_found(ids: &[String]) -> Failure {
    Failure::ResourceNotFound(ids.join(","))
}

pub fn tag_resources(ctx: &Ctx) -> Result<Reply, Failure> {
    let p = ctx.params;
    let scope = scope(ctx)?;
    let is_group = resource_type(ctx)?;
    let ids = resource_ids(ctx)?;
    let mut tags = Vec::new();
    for n in p.indexes("Tag", 20)? {
        let at = format!("Tag.{n}");
        let key = p.get(&format!("{at}.Key")).unwrap_or_default().to_string();
        let value = p
            .get(&format!("{at}.Value"))
            .unwrap_or_default()
            .to_string();
        tags.push((at, key, value));
    }
    if tags.is_empty() {
        return Err(crate::rpc::ParamError::Missing { name: "Tag".into() }.into());
    }
    check_tags(&tags)?;
    if !is_group {
        return Err(not_found(&ids));
    }
    let tags: Vec<(String, String)> = tags.into_iter().map(|(_, k, v)| (k, v)).collect();
    ctx.app
        .store
        .write(|s| s.tag_groups(&scope, &ids, &tags))
        .map_err(resource_error)?;
    Ok(Reply::default())
}

pub fn untag_resources(ctx: &Ctx) -> Result<Reply, Failure> {
    let p = ctx.params;
    let scope = scope(ctx)?;
    let is_group = resource_type(ctx)?;
    let ids = resource_ids(ctx)?;
    let keys = p.scalar_list("TagKey", 20)?;
    let all = p.bool("All")?.unwrap_or(false);
    if !is_group {
        return Err(not_found(&ids));
    }
    ctx.app
        .store
        .write(|s| s.untag_groups(&scope, &ids, &keys, all))
        .map_err(resource_error)?;
    Ok(Reply::default())
}

pub fn join_resource_group(ctx: &Ctx) -> Result<Reply, Failure> {
    let p = ctx.params;
    let scope = scope(ctx)?;
    let is_group = resource_type(ctx)?;
    let id = p.required("ResourceId")?.to_string();
    let rg = p.required("ResourceGroupId")?;
    if !is_group {
        return Err(not_found(std::slice::from_ref(&id)));
    }
    ctx.app
        .store
        .write(|s| s.set_resource_group(&scope, &id, rg))
        .map_err(resource_error)?;
    Ok(Reply::default())
}

/// A missing group is a missing resource on these actions.
fn resource_error(e: DomainError) -> Failure {
    match e {
        DomainError::GroupNotFound { id } => Failure::ResourceNotFound(id),
        other => other.into(),
    }
}
