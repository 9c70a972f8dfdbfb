//! ENS (API version 2017-11-10): the same groups and rules as ECS behind other names, encodings and
//! error conventions (docs/reference/ens.md). No RegionId; `Permissions` is one parameter holding a JSON
//! array; no rule ids; Priority is part of a rule's identity; an identical rule is refused and removing
//! a rule that does not exist is an error; every error is HTTP 400.

mod actions;
mod errors;
mod instances;
mod render;

use serde_json::Value;

use crate::domain::cidr::Ipv6Text;
use crate::domain::group::{Namespace, Scope};
use crate::domain::policy::{GroupPolicy, Namespacing};
use crate::domain::rule::{
    parse_rule, Dialect, Identity, RuleDraft, RuleField, RuleInput, SideField,
};
use crate::domain::store::{MembershipRules, OnDuplicate, OnMissing};
use crate::domain::values::Direction;
use crate::domain::verdict::Defaults;
use crate::domain::{Attr, DomainError};
use crate::products::rule_fields;
use crate::rpc::ParamError;

use super::{Action, Ctx, Failure, Handler, Product};

pub static PRODUCT: Product = Product {
    name: "Ens",
    host: "ens.aliyuncs.com",
    version: "2017-11-10",
    actions: ACTIONS,
    describe: errors::describe,
    rule_json: render::rule_json,
    policy: GroupPolicy {
        key: "ens",
        namespacing: Namespacing::Global,
        dialect: JSON_RULES,
        // DeleteSecurityGroupPermissions requires Priority to name a rule (seed).
        identity: Identity::WithPriority,
        // `SecurityGroupRuleConflict.Duplicated` and `SecurityGroupRule.NotFound` (ENS seed error list).
        on_duplicate: OnDuplicate::Reject,
        on_missing: OnMissing::Reject,
        // Only the documented status check (docs/reference/membership.md §4).
        defaults: Defaults::InboundDenied,
        // Inbound denied, outbound allowed (docs/reference/verdict.md §2).
        membership: MembershipRules::Lenient,
    },
};

static ACTIONS: &[(Action, Handler)] = &[
    (Action::JoinSecurityGroup, instances::join),
    (Action::LeaveSecurityGroup, instances::leave),
    (Action::DescribeInstances, instances::describe_instances),
    (Action::CreateSecurityGroup, actions::create),
    (Action::DeleteSecurityGroup, actions::delete),
    (Action::DescribeSecurityGroups, actions::describe_groups),
    (
        Action::DescribeSecurityGroupAttribute,
        actions::describe_attribute,
    ),
    (
        Action::ModifySecurityGroupAttribute,
        actions::modify_attribute,
    ),
    (Action::AuthorizeSecurityGroup, actions::authorize_ingress),
    (
        Action::AuthorizeSecurityGroupEgress,
        actions::authorize_egress,
    ),
    (Action::RevokeSecurityGroup, actions::revoke_ingress),
    (Action::RevokeSecurityGroupEgress, actions::revoke_egress),
    (
        Action::CreateSecurityGroupPermissions,
        actions::create_permissions,
    ),
    (
        Action::DeleteSecurityGroupPermissions,
        actions::delete_permissions,
    ),
];

/// ENS rules: CIDRs only, echoed verbatim, IPv6 included (docs/reference/terraform.md D10); Description 2–256
/// characters (CreateSecurityGroupPermissions doc); the same block may be source and destination
/// (docs/reference/terraform.md S4 rule 3).
const JSON_RULES: Dialect = Dialect {
    ipv6_text: Ipv6Text::Verbatim,
    require_peer: false,
    group_peers: false,
    description: Some((2, 256)),
    distinct_sides: false,
};

/// The flat Authorize/Revoke actions: their one CIDR (`SourceCidrIp` inbound, `DestCidrIp` outbound)
/// is required (docs/reference/conflicts.md #24).
const FLAT_RULES: Dialect = Dialect {
    require_peer: true,
    ..JSON_RULES
};

/// At most 200 rules in one `Permissions` (CreateSecurityGroup: "JSON array of 0–200 rules").
const MAX_PERMISSIONS: usize = 200;

fn scope(ctx: &Ctx) -> Scope {
    Scope {
        account: ctx.account.to_string(),
        namespace: Namespace::Edge,
    }
}

fn group_id<'a>(ctx: &'a Ctx) -> Result<&'a str, Failure> {
    Ok(ctx.params.required("SecurityGroupId")?)
}

fn invalid(name: String, expected: &'static str) -> Failure {
    Failure::Param(ParamError::Invalid { name, expected })
}

/// One rule object's field as text. Strings as they are, numbers as their digits (Priority is a JSON
/// number); an empty string is refused — ENS rejects empty attributes (docs/reference/ens.md §2.0).
fn json_field(
    obj: &serde_json::Map<String, Value>,
    field: &str,
    name: &str,
) -> Result<Option<String>, Failure> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => {
            Err(invalid(name.to_string(), "a non-empty value"))
        }
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(invalid(name.to_string(), "a string or a number")),
    }
}

/// The rules of a `Permissions` parameter: one JSON array of objects, whatever its spacing or key
/// order (docs/reference/clients.md §3). A flattened `Permissions.N.Field` list is accepted too (what pop-core sends
/// for a raw array). `with_description`: DeleteSecurityGroupPermissions takes no Description.
fn json_rules(
    ctx: &Ctx,
    required: bool,
    with_description: bool,
) -> Result<Vec<RuleInput>, Failure> {
    let p = ctx.params;
    let objects: Vec<serde_json::Map<String, Value>> = match p.get("Permissions") {
        Some(text) if !text.is_empty() => match serde_json::from_str::<Value>(text) {
            Ok(Value::Array(items)) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::Object(o) => Ok(o),
                    _ => Err(invalid(format!("Permissions.{}", i + 1), "a JSON object")),
                })
                .collect::<Result<_, _>>()?,
            _ => {
                return Err(invalid(
                    "Permissions".into(),
                    "a JSON array of rule objects",
                ))
            }
        },
        _ => {
            let mut out = Vec::new();
            for n in p.indexes("Permissions", MAX_PERMISSIONS)? {
                let prefix = format!("Permissions.{n}.");
                let obj = rule_fields::all()
                    .map(|(_, f)| f)
                    .chain(std::iter::once("Direction"))
                    .filter_map(|f| {
                        p.get(&format!("{prefix}{f}"))
                            .map(|v| (f.to_string(), Value::String(v.into())))
                    })
                    .collect();
                out.push(obj);
            }
            out
        }
    };
    if objects.len() > MAX_PERMISSIONS {
        return Err(ParamError::TooMany {
            name: "Permissions".into(),
            max: MAX_PERMISSIONS,
        }
        .into());
    }
    if required && objects.is_empty() {
        return Err(ParamError::Missing {
            name: "Permissions".into(),
        }
        .into());
    }
    let mut inputs = Vec::with_capacity(objects.len());
    for (i, obj) in objects.iter().enumerate() {
        let at = format!("Permissions.{}", i + 1);
        // Direction, IpProtocol, PortRange, Policy and Priority are required (SDK model).
        for f in ["Direction", "IpProtocol", "PortRange", "Policy", "Priority"] {
            let name = format!("{at}.{f}");
            if json_field(obj, f, &name)?.is_none() {
                return Err(ParamError::Missing { name }.into());
            }
        }
        let dir_name = format!("{at}.Direction");
        let direction: Direction = json_field(obj, "Direction", &dir_name)?
            .unwrap_or_default()
            .parse()
            .map_err(|pr| DomainError::invalid(Attr::Direction, dir_name.clone(), pr))?;
        // The JSON-rule pages list TCP, UDP, ICMP, ICMPv6 and ALL; GRE only the flat actions
        // (docs/reference/ens.md §2.6, §2.8; docs/fidelity.md).
        let proto_name = format!("{at}.IpProtocol");
        let proto = json_field(obj, "IpProtocol", &proto_name)?.unwrap_or_default();
        if proto.parse::<crate::domain::values::IpProtocol>()
            == Ok(crate::domain::values::IpProtocol::Gre)
        {
            return Err(DomainError::invalid(
                Attr::IpProtocol,
                proto_name,
                crate::domain::values::Problem::Malformed,
            )
            .into());
        }
        let read = |f: &str| f != rule_fields::name(RuleField::Description) || with_description;
        for f in rule_fields::all().map(|(_, f)| f).filter(|f| read(f)) {
            json_field(obj, f, &format!("{at}.{f}"))?;
        }
        inputs.push(rule_fields::collect(at.clone(), direction, |f| {
            let name = format!("{at}.{f}");
            // Every field was checked above, so this cannot fail here.
            let v = if read(f) {
                json_field(obj, f, &name).ok().flatten()
            } else {
                None
            };
            (name.into(), v)
        }));
    }
    Ok(inputs)
}

/// The one rule of a flat Authorize/Revoke: only its documented parameters are read.
fn flat_rule(ctx: &Ctx, direction: Direction) -> RuleInput {
    let cidr = match direction {
        Direction::Ingress => RuleField::Source(SideField::Cidr),
        Direction::Egress => RuleField::Dest(SideField::Cidr),
    };
    let allowed = [
        RuleField::IpProtocol,
        RuleField::PortRange,
        RuleField::SourcePortRange,
        RuleField::Policy,
        RuleField::Priority,
        cidr,
    ];
    RuleInput::collect("", direction, |f| {
        let name = rule_fields::name(f);
        let v = allowed.contains(&f).then(|| ctx.params.get(name)).flatten();
        (name.into(), v.map(str::to_string))
    })
}

fn drafts(inputs: &[RuleInput], dialect: &Dialect) -> Result<Vec<RuleDraft>, Failure> {
    inputs
        .iter()
        .map(|i| parse_rule(i, dialect).map_err(Failure::from))
        .collect()
}
