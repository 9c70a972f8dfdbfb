//! `POST /_sgmock/evaluate`: would this packet pass? Reads the request (every field checked, each
//! error a 400 naming it; an unknown group, instance or ENI a 404 naming it), resolves the target's
//! groups and the peer, and answers the domain's verdict with the deciding rule and every matching
//! rule in evaluation order. `GET /_sgmock/lint`: the rule linter's findings
//! (docs/reference/verdict.md).

use std::net::IpAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::domain::group::{Group, Namespace, Scope};
use crate::domain::lint::lint_group;
use crate::domain::policy::Namespacing;
use crate::domain::store::State as DomainState;
use crate::domain::values::{Direction, IpProtocol, NicType, Policy};
use crate::domain::verdict::{verdict, Decider, Packet, PacketPeer, VerdictError};
use crate::products::{admin_scope, Product, ScopeProblem};
use crate::App;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    #[serde(default)]
    product: Option<String>,
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    region: Option<String>,
    target: TargetBody,
    direction: String,
    protocol: String,
    #[serde(default)]
    port: Option<u16>,
    #[serde(default)]
    source_port: Option<u16>,
    peer: PeerBody,
    #[serde(default)]
    nic_type: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetBody {
    #[serde(default)]
    security_group_ids: Option<Vec<String>>,
    #[serde(default)]
    instance_id: Option<String>,
    #[serde(default)]
    network_interface_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PeerBody {
    #[serde(default)]
    ip: Option<String>,
    #[serde(default)]
    instance_id: Option<String>,
    #[serde(default)]
    security_group_id: Option<String>,
}

/// An answer that is not a verdict.
struct Refusal(StatusCode, &'static str, String);

fn bad(message: impl Into<String>) -> Refusal {
    Refusal(StatusCode::BAD_REQUEST, "InvalidEvaluation", message.into())
}

fn not_found(message: String) -> Refusal {
    Refusal(StatusCode::NOT_FOUND, "NotFound", message)
}

/// What the body asks, checked: the product, the scope, the packet, and the ids to resolve.
struct Question {
    product: &'static Product,
    scope: Scope,
    target: TargetBody,
    packet: Packet,
    /// The peer when it is an instance or a group (resolved against the state).
    peer_instance: Option<String>,
    peer_group: Option<String>,
}

fn question(body: Body) -> Result<Question, Refusal> {
    let key = body.product.as_deref().unwrap_or("ecs");
    let region = body.region.as_deref();
    let (product, scope) =
        admin_scope(body.product.as_deref(), body.account, region).map_err(|problem| {
            bad(match problem {
                ScopeProblem::UnknownProduct { keys } => {
                    format!("product: {key:?} is not {}", keys.join(" or "))
                }
                ScopeProblem::NoRegion => format!("region: required for {key}"),
                ScopeProblem::UnservedRegion => {
                    format!(
                        "region: {:?} is not one sgmock serves",
                        region.unwrap_or("")
                    )
                }
            })
        })?;
    let direction: Direction = body.direction.parse().map_err(|_| {
        bad(format!(
            "direction: {:?} is not ingress or egress",
            body.direction
        ))
    })?;
    let protocol: IpProtocol = body.protocol.parse().map_err(|_| {
        bad(format!(
            "protocol: {:?} is not tcp, udp, icmp, icmpv6 or gre",
            body.protocol
        ))
    })?;
    if protocol == IpProtocol::All {
        return Err(bad(
            "protocol: a packet has one protocol; \"all\" describes rules, not packets",
        ));
    }
    match (protocol.has_ports(), body.port) {
        (true, None) => {
            return Err(bad(format!(
                "port: required for {} (the destination port)",
                protocol.as_str().to_ascii_lowercase()
            )))
        }
        (false, Some(_)) => return Err(bad("port: only tcp and udp packets have ports")),
        _ => {}
    }
    if body.source_port.is_some() && !protocol.has_ports() {
        return Err(bad("source_port: only tcp and udp packets have ports"));
    }
    let nic = match body.nic_type.as_deref() {
        None => None,
        Some(n) => Some(
            n.parse::<NicType>()
                .map_err(|_| bad(format!("nic_type: {n:?} is not intranet or internet")))?,
        ),
    };
    let targets = [
        body.target.security_group_ids.is_some(),
        body.target.instance_id.is_some(),
        body.target.network_interface_id.is_some(),
    ];
    if targets.iter().filter(|t| **t).count() != 1 {
        return Err(bad(
            "target: give exactly one of security_group_ids, instance_id, network_interface_id",
        ));
    }
    if body
        .target
        .security_group_ids
        .as_ref()
        .is_some_and(Vec::is_empty)
    {
        return Err(bad("target.security_group_ids: empty"));
    }
    let peers = [
        body.peer.ip.is_some(),
        body.peer.instance_id.is_some(),
        body.peer.security_group_id.is_some(),
    ];
    if peers.iter().filter(|p| **p).count() != 1 {
        return Err(bad(
            "peer: give exactly one of ip, instance_id, security_group_id",
        ));
    }
    let peer = match &body.peer.ip {
        Some(ip) => PacketPeer::Ip(
            ip.parse::<IpAddr>()
                .map_err(|_| bad(format!("peer.ip: {ip:?} is not an IPv4 or IPv6 address")))?,
        ),
        None => PacketPeer::Groups(Vec::new()),
    };
    Ok(Question {
        product,
        scope,
        target: body.target,
        packet: Packet {
            direction,
            protocol,
            port: body.port,
            source_port: body.source_port,
            peer,
            nic,
        },
        peer_instance: body.peer.instance_id,
        peer_group: body.peer.security_group_id,
    })
}

/// The target's groups: the ids given, an instance's primary ENI's, or one ENI's.
fn target_groups<'a>(s: &'a DomainState, q: &Question) -> Result<Vec<&'a Group>, Refusal> {
    let group = |id: &str| {
        s.group(&q.scope, id)
            .map_err(|_| not_found(format!("security group {id} not found")))
    };
    let ids: Vec<String> = if let Some(ids) = &q.target.security_group_ids {
        ids.clone()
    } else if let Some(i) = &q.target.instance_id {
        let instance = s
            .instance(i)
            .filter(|x| x.scope == q.scope)
            .ok_or_else(|| not_found(format!("instance {i} not found")))?;
        instance.groups().to_vec()
    } else if let Some(n) = &q.target.network_interface_id {
        let instance = s
            .instance_of_nic(n)
            .filter(|x| x.scope == q.scope)
            .ok_or_else(|| not_found(format!("network interface {n} not found")))?;
        instance
            .nic(n)
            .map(|x| x.groups.clone())
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    ids.iter().map(|id| group(id)).collect()
}

fn rule_entry(q: &Question, s: &DomainState, g: &Group, r: &crate::domain::rule::Rule) -> Value {
    let mut v = json!({
        "security_group_id": g.id,
        "priority": r.priority.get(),
        "policy": r.policy.as_str().to_ascii_lowercase(),
        "rule": (q.product.rule_json)(s, g, r),
    });
    // ENS rules have no ids.
    if !r.id.is_empty() && q.product.policy.namespacing == Namespacing::Regional {
        if let Value::Object(m) = &mut v {
            m.insert("rule_id".into(), r.id.as_str().into());
        }
    }
    v
}

fn answer(s: &DomainState, mut q: Question) -> Result<Value, Refusal> {
    let groups = target_groups(s, &q)?;
    if let Some(i) = &q.peer_instance {
        let instance = s
            .instance(i)
            .filter(|x| x.scope == q.scope)
            .ok_or_else(|| not_found(format!("peer instance {i} not found")))?;
        let mut ids: Vec<String> = Vec::new();
        for (_, g) in instance.memberships() {
            if !ids.iter().any(|x| x == g) {
                ids.push(g.to_string());
            }
        }
        q.packet.peer = PacketPeer::Groups(ids);
    }
    if let Some(g) = &q.peer_group {
        s.group(&q.scope, g)
            .map_err(|_| not_found(format!("peer security group {g} not found")))?;
        q.packet.peer = PacketPeer::Groups(vec![g.clone()]);
    }
    let v = verdict(s, &groups, &q.packet, q.product.policy.defaults).map_err(|e| match e {
        VerdictError::MixedGroupTypes => {
            bad("target: basic and enterprise security groups cannot be evaluated together")
        }
        VerdictError::NoGroups => bad("target: it is in no security group"),
    })?;
    let decided_by = match &v.decided_by {
        Decider::Rule { group, rule } => {
            let mut e = rule_entry(&q, s, group, rule);
            if let Value::Object(m) = &mut e {
                m.insert("kind".into(), "rule".into());
            }
            e
        }
        Decider::InnerAccessPolicy { group, policy } => json!({
            "kind": "inner_access_policy",
            "security_group_id": group.id,
            "policy": policy.as_str().to_ascii_lowercase(),
        }),
        Decider::Default { reason } => json!({"kind": "default", "reason": reason}),
    };
    Ok(json!({
        "verdict": match v.policy { Policy::Accept => "accept", Policy::Drop => "drop" },
        "decided_by": decided_by,
        "evaluated": v.evaluated.iter().map(|(g, r)| rule_entry(&q, s, g, r)).collect::<Vec<_>>(),
    }))
}

pub async fn handler(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let refused = |Refusal(status, code, message)| {
        (status, Json(json!({"code": code, "message": message}))).into_response()
    };
    // Parsed as JSON first, then fitted to the shape, so an error names the field.
    let body: Body = match serde_json::from_slice::<Value>(&body)
        .map_err(|e| e.to_string())
        .and_then(|v| {
            serde_path_to_error::deserialize(v).map_err(|e| format!("{}: {}", e.path(), e.inner()))
        }) {
        Ok(b) => b,
        Err(e) => return refused(bad(e)),
    };
    let q = match question(body) {
        Ok(q) => q,
        Err(r) => return refused(r),
    };
    match app.store.read(|s| answer(s, q)) {
        Ok(v) => Json(v).into_response(),
        Err(r) => refused(r),
    }
}

#[derive(Deserialize)]
pub struct LintQuery {
    account: Option<String>,
    region: Option<String>,
    security_group_id: Option<String>,
}

/// `GET /_sgmock/lint`: findings for every group (or those the filters keep), by group id.
pub async fn lint(
    State(app): State<Arc<App>>,
    q: Result<axum::extract::Query<LintQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = match q {
        Ok(axum::extract::Query(q)) => q,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"code": "InvalidQuery", "message": e.body_text()})),
            )
                .into_response()
        }
    };
    let findings = app.store.read(|s| {
        let limit = s.limits().rules_per_group;
        let mut groups: Vec<&Group> = s
            .all_groups()
            .filter(|g| q.account.as_deref().is_none_or(|a| g.scope.account == a))
            .filter(|g| {
                q.region
                    .as_deref()
                    .is_none_or(|r| matches!(&g.scope.namespace, Namespace::Region(x) if x == r))
            })
            .filter(|g| q.security_group_id.as_deref().is_none_or(|id| g.id == id))
            .collect();
        groups.sort_by(|a, b| a.id.cmp(&b.id));
        groups
            .into_iter()
            .flat_map(|g| lint_group(s, g, limit, s.member_count(&g.id)))
            .map(|f| {
                let mut v = json!({
                    "code": f.code.as_str(),
                    "severity": f.code.severity().as_str(),
                    "security_group_id": f.group,
                    "message": f.message,
                });
                if let (Some(rule), Value::Object(m)) = (f.rule, &mut v) {
                    m.insert("rule_id".into(), rule.into());
                }
                v
            })
            .collect::<Vec<Value>>()
    });
    Json(Value::Array(findings)).into_response()
}
