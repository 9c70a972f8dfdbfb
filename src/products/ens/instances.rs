//! ENS JoinSecurityGroup and LeaveSecurityGroup, lenient where the pages are silent, and the
//! minimal DescribeInstances Terraform's attachment resource polls (docs/reference/membership.md
//! §4, §7, §8).

use serde_json::{json, Value};

use crate::domain::group::Namespace;
use crate::domain::instance::Instance;
use crate::domain::store::Target;
use crate::rpc::ParamError;

use super::super::paging::{page_number_size, page_of};
use super::super::{Ctx, Failure, Reply};
use super::{group_id, scope, PRODUCT};

fn membership(ctx: &Ctx, join: bool) -> Result<Reply, Failure> {
    let p = ctx.params;
    let group = group_id(ctx)?;
    let target = match (p.present("InstanceId"), p.present("NetworkInterfaceId")) {
        (Some(_), Some(_)) => return Err(Failure::Conflict),
        (None, None) => {
            return Err(ParamError::Missing {
                name: "InstanceId".into(),
            }
            .into())
        }
        (Some(i), None) => Target::Instance(i),
        (None, Some(n)) => Target::Nic(n),
    };
    let scope = scope(ctx);
    let edge = |ns: &Namespace| *ns == Namespace::Edge;
    let rules = PRODUCT.policy.membership;
    ctx.app.store.write(|s| {
        // The group first, then the instance (§4).
        s.group(&scope, group)?;
        if join {
            s.join(ctx.account, target, &edge, group, rules)
        } else {
            s.leave(ctx.account, target, &edge, group, rules)
        }
    })?;
    Ok(Reply::default())
}

pub fn join(ctx: &Ctx) -> Result<Reply, Failure> {
    membership(ctx, true)
}

pub fn leave(ctx: &Ctx) -> Result<Reply, Failure> {
    membership(ctx, false)
}

/// One element of `Instances.Instance`; with a group filter, that group first in its list.
fn render(i: &Instance, first: Option<&str>) -> Value {
    let mut groups: Vec<&str> = Vec::new();
    for (_, g) in i.memberships() {
        if !groups.contains(&g) {
            groups.push(g);
        }
    }
    if let Some(f) = first {
        groups.sort_by_key(|g| *g != f);
    }
    json!({
        "InstanceId": i.id,
        "EnsRegionId": i.zone,
        "Status": i.status.as_str(),
        "SecurityGroupIds": {"SecurityGroupId": groups},
    })
}

/// DescribeInstances: the account's ENS instances, filtered by `InstanceId`, `InstanceIds` (a JSON
/// array) and `SecurityGroupId`, by page number (§7).
pub fn describe_instances(ctx: &Ctx) -> Result<Reply, Failure> {
    let p = ctx.params;
    let one = p.present("InstanceId");
    let ids: Option<Vec<String>> = match p.present("InstanceIds") {
        None => None,
        Some(text) => Some(serde_json::from_str(text).map_err(|_| {
            Failure::Param(ParamError::Invalid {
                name: "InstanceIds".into(),
                expected: "a JSON array of instance ids",
            })
        })?),
    };
    let group = p.present("SecurityGroupId");
    let (number, size) = page_number_size(p, 100)?;
    Ok(ctx.app.store.read(|s| {
        let all: Vec<&Instance> = s
            .instances_of(ctx.account, |n| *n == Namespace::Edge)
            .into_iter()
            .filter(|i| one.is_none_or(|id| i.id == id))
            .filter(|i| ids.as_ref().is_none_or(|ids| ids.contains(&i.id)))
            .filter(|i| group.is_none_or(|g| i.memberships().any(|(_, m)| m == g)))
            .collect();
        let total = all.len();
        let items: Vec<Value> = page_of(all, number, size)
            .into_iter()
            .map(|i| render(i, group))
            .collect();
        let mut out = Reply::default();
        out.insert("PageNumber".into(), number.into());
        out.insert("PageSize".into(), size.into());
        out.insert("TotalCount".into(), total.into());
        out.insert("Instances".into(), json!({ "Instance": items }));
        out
    }))
}
