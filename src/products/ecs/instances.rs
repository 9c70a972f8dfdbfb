//! ECS JoinSecurityGroup and LeaveSecurityGroup, on an instance (its primary ENI) or one ENI, and a
//! minimal DescribeInstances to read membership back (docs/reference/membership.md §2, §3, §7).

use serde_json::{json, Value};

use crate::domain::group::Namespace;
use crate::domain::instance::Instance;
use crate::domain::store::Target;
use crate::rpc::ParamError;

use super::super::paging::{page_number_size, page_of};
use super::super::{Ctx, Failure, Reply};
use super::{group_id, region, regions, PRODUCT};

/// The target and the namespaces it may be found in: `RegionId` is optional for the instance form
/// (any region of the account) and required for the ENI form (§2 steps 2–3).
fn target<'a>(ctx: &'a Ctx) -> Result<(Target<'a>, Option<String>), Failure> {
    let p = ctx.params;
    let t = match (p.present("InstanceId"), p.present("NetworkInterfaceId")) {
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
    let region = match (t, p.present("RegionId")) {
        (Target::Nic(_), None) => {
            return Err(ParamError::Missing {
                name: "RegionId".into(),
            }
            .into())
        }
        (_, None) => None,
        (_, Some(r)) if regions::is_known(r) => Some(r.to_string()),
        (_, Some(r)) => return Err(Failure::UnknownRegion(r.to_string())),
    };
    Ok((t, region))
}

fn membership(ctx: &Ctx, join: bool) -> Result<Reply, Failure> {
    let group = group_id(ctx)?;
    let (target, region) = target(ctx)?;
    let want = |ns: &Namespace| match (&region, ns) {
        (Some(r), Namespace::Region(n)) => r == n,
        (None, Namespace::Region(_)) => true,
        (_, Namespace::Edge) => false,
    };
    let rules = PRODUCT.policy.membership;
    // The pages list no ClientToken, but one sent is honoured as on every other ECS write: a
    // retry with it answers the first outcome instead of `InvalidInstanceId.AlreadyExists`.
    let token = ctx.token()?;
    ctx.app.store.write(|s| {
        s.idempotent(ctx.account, token.as_ref(), |s| {
            if join {
                s.join(ctx.account, target, &want, group, rules)?;
            } else {
                s.leave(ctx.account, target, &want, group, rules)?;
            }
            Ok(None)
        })
    })?;
    Ok(Reply::default())
}

pub fn join(ctx: &Ctx) -> Result<Reply, Failure> {
    membership(ctx, true)
}

pub fn leave(ctx: &Ctx) -> Result<Reply, Failure> {
    membership(ctx, false)
}

/// One element of `Instances.Instance`.
fn render(i: &Instance, region: &str) -> Value {
    let nics: Vec<Value> = i
        .nics
        .iter()
        .map(|n| {
            json!({
                "NetworkInterfaceId": n.id,
                "Type": if n.primary { "Primary" } else { "Secondary" },
                "SecurityGroupIds": {"SecurityGroupId": n.groups},
            })
        })
        .collect();
    json!({
        "InstanceId": i.id,
        "RegionId": region,
        "ZoneId": i.zone,
        "Status": i.status.as_str(),
        "InstanceNetworkType": if i.vpc_id.is_some() { "vpc" } else { "classic" },
        "VpcAttributes": {"VpcId": i.vpc_id.as_deref().unwrap_or("")},
        "SecurityGroupIds": {"SecurityGroupId": i.groups()},
        "NetworkInterfaces": {"NetworkInterface": nics},
    })
}

/// DescribeInstances: the region's declared instances, filtered by `InstanceIds` (a JSON array),
/// `SecurityGroupId` (any of the instance's ENIs in it) and `VpcId`, by page number (§7).
pub fn describe_instances(ctx: &Ctx) -> Result<Reply, Failure> {
    let p = ctx.params;
    let region = region(ctx)?;
    let ids: Option<Vec<String>> = match p.present("InstanceIds") {
        None => None,
        Some(text) => Some(serde_json::from_str(text).map_err(|_| Failure::BadValue {
            name: "InstanceIds".into(),
            hint: "A JSON array of instance ids, e.g. [\"i-1\",\"i-2\"].",
        })?),
    };
    let group = p.present("SecurityGroupId");
    let vpc = p.present("VpcId");
    let (number, size) = page_number_size(p, 100)?;
    let ns = Namespace::Region(region.clone());
    Ok(ctx.app.store.read(|s| {
        let all: Vec<&Instance> = s
            .instances_of(ctx.account, |n| *n == ns)
            .into_iter()
            .filter(|i| ids.as_ref().is_none_or(|ids| ids.contains(&i.id)))
            .filter(|i| group.is_none_or(|g| i.memberships().any(|(_, m)| m == g)))
            .filter(|i| vpc.is_none_or(|v| i.vpc_id.as_deref() == Some(v)))
            .collect();
        let total = all.len();
        let items: Vec<Value> = page_of(all, number, size)
            .into_iter()
            .map(|i| render(i, &region))
            .collect();
        let mut out = Reply::default();
        out.insert("PageNumber".into(), number.into());
        out.insert("PageSize".into(), size.into());
        out.insert("TotalCount".into(), total.into());
        out.insert("Instances".into(), json!({ "Instance": items }));
        out
    }))
}
