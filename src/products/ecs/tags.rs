//! The ECS resource-tag and resource-group actions, for security groups: TagResources,
//! UntagResources, ListTagResources and JoinResourceGroup. Terraform's `alicloud_security_group` update path calls
//! them (docs/reference/terraform.md §1.3 steps 4–5); other resource types are not emulated.

use serde_json::{json, Value};

use crate::domain::input::{Input, TagInput};
use crate::domain::names::check_tags;
use crate::domain::DomainError;

use super::super::{body, decode_token, encode_token, Ctx, Failure, Reply};
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
        let read = |field: &str| {
            let name = format!("Tag.{n}.{field}");
            let value = p.get(&name).unwrap_or_default().to_string();
            Input {
                name: name.into(),
                value: Some(value),
            }
        };
        tags.push(TagInput {
            key: read("Key"),
            value: read("Value"),
        });
    }
    if tags.is_empty() {
        return Err(crate::rpc::ParamError::Missing { name: "Tag".into() }.into());
    }
    check_tags(&tags)?;
    if !is_group {
        return Err(not_found(&ids));
    }
    let tags: Vec<(String, String)> = tags.iter().map(TagInput::pair).collect();
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

/// Tag-resource pairs per ListTagResources page.
const LIST_PAGE: usize = 50;

/// ListTagResources: the tags of the given security groups and/or the groups carrying the given tags
/// (every `Tag.N` must match: its key, and its value when one is given), as one
/// `{ResourceId, ResourceType, TagKey, TagValue}` per tag; 50 per page with `NextToken`
/// (docs/reference/ecs.md §1.15). Ids that name no group are left out, as in any listing.
pub fn list_tag_resources(ctx: &Ctx) -> Result<Reply, Failure> {
    let p = ctx.params;
    let scope = scope(ctx)?;
    let is_group = resource_type(ctx)?;
    let ids = p.scalar_list("ResourceId", 50)?;
    let mut wanted: Vec<(String, Option<String>)> = Vec::new();
    for n in p.indexes("Tag", 20)? {
        let key = p.required(&format!("Tag.{n}.Key"))?.to_string();
        wanted.push((key, p.get(&format!("Tag.{n}.Value")).map(str::to_string)));
    }
    if ids.is_empty() && wanted.is_empty() {
        // Either names what to list; the gateway's `Missing<Name>` form names the first.
        return Err(crate::rpc::ParamError::Missing {
            name: "ResourceId".into(),
        }
        .into());
    }
    let start = match p.present("NextToken") {
        None => 0,
        Some(t) => decode_token(t)
            .and_then(|s| s.parse::<usize>().ok())
            .ok_or(Failure::BadNextToken)?,
    };
    let pairs: Vec<(String, String, String)> = if !is_group {
        Vec::new()
    } else {
        ctx.app.store.read(|s| {
            let matches = |g: &crate::domain::group::Group| {
                wanted.iter().all(|(k, v)| {
                    g.tags
                        .iter()
                        .any(|(gk, gv)| gk == k && v.as_ref().is_none_or(|v| v == gv))
                })
            };
            let groups: Vec<&crate::domain::group::Group> = if ids.is_empty() {
                let mut all: Vec<_> = s.groups_desc_from(&scope, None).collect();
                all.reverse();
                all
            } else {
                ids.iter()
                    .filter_map(|id| s.group(&scope, id).ok())
                    .collect()
            };
            groups
                .into_iter()
                .filter(|g| matches(g))
                .flat_map(|g| {
                    g.tags
                        .iter()
                        .map(|(k, v)| (g.id.clone(), k.clone(), v.clone()))
                        .collect::<Vec<_>>()
                })
                .collect()
        })
    };
    if start > pairs.len() {
        return Err(Failure::BadNextToken);
    }
    let page: Vec<Value> = pairs
        .iter()
        .skip(start)
        .take(LIST_PAGE)
        .map(|(id, k, v)| {
            json!({"ResourceId": id, "ResourceType": "securitygroup", "TagKey": k, "TagValue": v})
        })
        .collect();
    let next = start + page.len();
    let token = if next < pairs.len() {
        encode_token(&next.to_string())
    } else {
        String::new()
    };
    Ok(body([
        ("NextToken", json!(token)),
        ("TagResources", json!({"TagResource": page})),
    ]))
}

/// A missing group is a missing resource on these actions.
fn resource_error(e: DomainError) -> Failure {
    match e {
        DomainError::GroupNotFound { id } => Failure::ResourceNotFound(id),
        other => other.into(),
    }
}
