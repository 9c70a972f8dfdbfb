//! The state document: what `GET`/`PUT /_sgmock/state` exchange, what fixtures and snapshots hold.
//! Versioned (`format`, `version`); loading checks everything and builds a fresh state, so a bad
//! document changes nothing. (The journal's events are `events.rs`.)

use std::collections::BTreeMap;

use compact_str::CompactString;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::error::{DocError, ValueError};
use crate::domain::cidr::{Cidr, Ipv6Text};
use crate::domain::group::{Group, Namespace, RuleSet, Scope};
use crate::domain::instance::{default_nic_id, Instance, InstanceStatus, Nic};
use crate::domain::lists::{canonical_entry, List, ListEntry, ListKind};
use crate::domain::rule::{GroupPeer, Peer, Rule};
use crate::domain::store::{is_rule_id, Frozen, Limits, State, TokenRecord};
use crate::domain::values::{
    Direction, Family, GroupType, IpProtocol, NicType, Policy, PortRange, Priority,
};
use crate::products;
use crate::timefmt;

pub const FORMAT: &str = "sgmock-state";
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateDoc {
    pub format: String,
    pub version: u32,
    /// Seed of the id generator; ids continue from `ids_issued` so they never repeat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_seed: Option<u64>,
    #[serde(default)]
    pub ids_issued: u64,
    /// The last journal record a snapshot includes (snapshots only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal_seq: Option<u64>,
    #[serde(default)]
    pub accounts: BTreeMap<String, AccountDoc>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountDoc {
    /// ECS groups by region.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ecs: BTreeMap<String, Vec<GroupDoc>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ens: Vec<GroupDoc>,
    /// ECS virtual instances by region (docs/reference/membership.md §6).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ecs_instances: BTreeMap<String, Vec<InstanceDoc>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ens_instances: Vec<InstanceDoc>,
    /// ECS prefix lists by region (docs/reference/lists.md §6).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ecs_prefix_lists: BTreeMap<String, Vec<ListDoc>>,
    /// ECS port range lists by region.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ecs_port_range_lists: BTreeMap<String, Vec<ListDoc>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub client_tokens: Vec<TokenDoc>,
}

/// A prefix list or a port range list.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListDoc {
    /// `pl-…` or `prl-…`.
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Prefix lists: `IPv4` or `IPv6`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_family: Option<String>,
    pub max_entries: u32,
    #[serde(default)]
    pub entries: Vec<EntryDoc>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<TagDoc>,
    #[serde(default)]
    pub resource_group_id: String,
    /// `yyyy-MM-ddTHH:mm:ssZ`; the load time when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
}

/// One entry: a CIDR block (prefix lists) or a port range (port range lists).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_range: Option<String>,
    #[serde(default)]
    pub description: String,
}

/// A virtual instance: as `PUT /_sgmock/instances` takes it and the state document keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceDoc {
    pub id: String,
    /// ECS: the VPC; absent or empty for a classic instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    /// ECS: the zone (informational).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_id: Option<String>,
    /// ENS: the node (informational).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ens_region_id: Option<String>,
    /// `Pending`, `Running` (default), `Starting`, `Stopping` or `Stopped`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The first is primary unless one says so; none: a primary `eni-<id without i->`.
    #[serde(default)]
    pub network_interfaces: Vec<NicDoc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NicDoc {
    pub id: String,
    #[serde(default)]
    pub primary: bool,
    /// The groups it is in, in join order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_group_ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupDoc {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// `normal` (default) or `enterprise`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    #[serde(default)]
    pub resource_group_id: String,
    /// `yyyy-MM-ddTHH:mm:ssZ`; the load time when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// `Accept` / `Drop`; the group type's default when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inner_access_policy: Option<String>,
    #[serde(default)]
    pub tags: Vec<TagDoc>,
    #[serde(default)]
    pub rules: Vec<RuleDoc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagDoc {
    pub key: String,
    #[serde(default)]
    pub value: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDoc {
    /// `sgr-…`; one is made up from the group id and the rule's position when left out.
    #[serde(default)]
    pub id: String,
    pub direction: String,
    pub protocol: String,
    /// `-1/-1` for a rule whose ports come from `port_range_list`.
    pub port_range: String,
    /// A port range list (`prl-…`) of the group's region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_range_list: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_port_range: Option<String>,
    #[serde(default = "accept")]
    pub policy: String,
    #[serde(default = "one")]
    pub priority: i64,
    /// The group's default when left out (intranet for VPC groups, internet for classic ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nic_type: Option<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<PeerDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dest: Option<PeerDoc>,
}

fn accept() -> String {
    "Accept".into()
}

fn one() -> i64 {
    1
}

/// One rule side: exactly one of `cidr`, `group` (with an optional cross-account `owner`) or
/// `prefix_list`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix_list: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenDoc {
    pub token: String,
    pub fingerprint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

// ---------------------------------------------------------------- state → document

fn peer_doc(p: &Peer) -> PeerDoc {
    match p {
        Peer::Cidr(c) => PeerDoc {
            cidr: Some(c.text().to_string()),
            ..Default::default()
        },
        Peer::Group(g) => PeerDoc {
            group: Some(g.id.clone()),
            owner: g.owner.clone(),
            ..Default::default()
        },
        Peer::PrefixList(id) => PeerDoc {
            prefix_list: Some(id.clone()),
            ..Default::default()
        },
    }
}

pub fn rule_doc(r: &Rule) -> RuleDoc {
    RuleDoc {
        id: r.id.to_string(),
        direction: r.direction.as_str().into(),
        protocol: r.protocol.as_str().into(),
        port_range: r.ports.to_string(),
        port_range_list: r.port_list.clone(),
        source_port_range: r.source_ports.map(|p| p.to_string()),
        policy: r.policy.as_str().into(),
        priority: i64::from(r.priority.get()),
        nic_type: Some(r.nic.as_str().into()),
        description: r.description.clone(),
        created: Some(timefmt::format(r.created)),
        source: r.source.as_ref().map(peer_doc),
        dest: r.dest.as_ref().map(peer_doc),
    }
}

pub(super) fn tag_docs(tags: &[(String, String)]) -> Vec<TagDoc> {
    tags.iter()
        .map(|(k, v)| TagDoc {
            key: k.clone(),
            value: v.clone(),
        })
        .collect()
}

pub fn group_doc(g: &Group) -> GroupDoc {
    GroupDoc {
        id: g.id.clone(),
        name: g.name.clone(),
        description: g.description.clone(),
        kind: Some(g.kind.as_str().into()),
        vpc_id: g.vpc_id.clone(),
        resource_group_id: g.resource_group_id.clone(),
        created: Some(timefmt::format(g.created)),
        inner_access_policy: Some(g.inner_policy.as_str().into()),
        tags: tag_docs(&g.tags),
        rules: g.rules.iter().map(rule_doc).collect(),
    }
}

/// The whole state as a document, groups in id order.
pub fn to_doc(state: &State) -> StateDoc {
    frozen_doc(&state.freeze())
}

/// Write a frozen copy of the state as a state document, group by group: the same JSON as
/// `serde_json::to_writer(w, &frozen_doc(state))` (with `journal_seq`), without first building the
/// whole document in memory (a million rules would double the process's memory while it runs).
pub fn write_doc<W: std::io::Write>(
    w: W,
    state: &Frozen,
    journal_seq: Option<u64>,
) -> serde_json::Result<()> {
    let mut accounts: BTreeMap<&str, AccountOut> = BTreeMap::new();
    let mut groups: Vec<&Group> = state.groups.iter().map(|g| g.as_ref()).collect();
    groups.sort_by(|a, b| a.id.cmp(&b.id));
    for g in groups {
        let acct = accounts.entry(g.scope.account.as_str()).or_default();
        match &g.scope.namespace {
            Namespace::Region(r) => acct.ecs.entry(r.as_str()).or_default().push(GroupOut(g)),
            Namespace::Edge => acct.ens.push(GroupOut(g)),
        }
    }
    for i in sorted_instances(&state.instances) {
        let acct = accounts.entry(i.scope.account.as_str()).or_default();
        match &i.scope.namespace {
            Namespace::Region(r) => acct
                .ecs_instances
                .entry(r.as_str())
                .or_default()
                .push(instance_doc(i)),
            Namespace::Edge => acct.ens_instances.push(instance_doc(i)),
        }
    }
    for l in sorted_lists(&state.lists) {
        if let Namespace::Region(r) = &l.scope.namespace {
            let acct = accounts.entry(l.scope.account.as_str()).or_default();
            let by_region = match l.kind {
                ListKind::Prefix => &mut acct.ecs_prefix_lists,
                ListKind::PortRange => &mut acct.ecs_port_range_lists,
            };
            by_region.entry(r.as_str()).or_default().push(list_doc(l));
        }
    }
    for t in &state.tokens {
        accounts
            .entry(t.account.as_str())
            .or_default()
            .client_tokens
            .push(TokenOut {
                token: &t.token,
                fingerprint: &t.fingerprint,
                outcome: t.outcome.as_deref(),
            });
    }
    serde_json::to_writer(
        w,
        &DocOut {
            format: FORMAT,
            version: VERSION,
            id_seed: Some(state.seed),
            ids_issued: state.issued,
            journal_seq,
            accounts,
        },
    )
}

/// [`StateDoc`]'s layout over borrowed data (field names, order and omissions must stay the same).
#[derive(Serialize)]
struct DocOut<'a> {
    format: &'a str,
    version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_seed: Option<u64>,
    ids_issued: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    journal_seq: Option<u64>,
    accounts: BTreeMap<&'a str, AccountOut<'a>>,
}

#[derive(Serialize, Default)]
struct AccountOut<'a> {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    ecs: BTreeMap<&'a str, Vec<GroupOut<'a>>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ens: Vec<GroupOut<'a>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    ecs_instances: BTreeMap<&'a str, Vec<InstanceDoc>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ens_instances: Vec<InstanceDoc>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    ecs_prefix_lists: BTreeMap<&'a str, Vec<ListDoc>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    ecs_port_range_lists: BTreeMap<&'a str, Vec<ListDoc>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    client_tokens: Vec<TokenOut<'a>>,
}

/// One group, turned into its [`GroupDoc`] only while it is written.
struct GroupOut<'a>(&'a Group);

impl Serialize for GroupOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        group_doc(self.0).serialize(s)
    }
}

#[derive(Serialize)]
struct TokenOut<'a> {
    token: &'a str,
    fingerprint: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: Option<&'a str>,
}

fn sorted_lists(lists: &[Arc<List>]) -> Vec<&List> {
    let mut out: Vec<&List> = lists.iter().map(|l| l.as_ref()).collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// A list as the document keeps it.
pub fn list_doc(l: &List) -> ListDoc {
    ListDoc {
        id: l.id.clone(),
        name: l.name.clone(),
        description: l.description.clone(),
        address_family: l.family.map(|f| family_text(f).to_string()),
        max_entries: l.max_entries,
        entries: l
            .entries
            .iter()
            .map(|e| {
                let (cidr, port_range) = match l.kind {
                    ListKind::Prefix => (Some(e.value.clone()), None),
                    ListKind::PortRange => (None, Some(e.value.clone())),
                };
                EntryDoc {
                    cidr,
                    port_range,
                    description: e.description.clone(),
                }
            })
            .collect(),
        tags: tag_docs(&l.tags),
        resource_group_id: l.resource_group_id.clone(),
        created: Some(timefmt::format(l.created)),
    }
}

/// `IPv4` / `IPv6`, as prefix lists spell a family.
pub fn family_text(f: Family) -> &'static str {
    match f {
        Family::V4 => "IPv4",
        Family::V6 => "IPv6",
    }
}

/// A list of `kind` in `scope`: its entries read as on Create (canonical, no duplicates, at most
/// `MaxEntries`).
pub fn list_from(
    d: &ListDoc,
    kind: ListKind,
    scope: Scope,
    now: i64,
    at: At,
) -> Result<List, DocError> {
    if !d.id.starts_with(kind.id_prefix()) || d.id.len() <= kind.id_prefix().len() {
        return Err(bad(at, ValueError::ListId(d.id.clone())));
    }
    let family = match (kind, d.address_family.as_deref()) {
        (ListKind::Prefix, Some(f)) if f.eq_ignore_ascii_case("IPv4") => Some(Family::V4),
        (ListKind::Prefix, Some(f)) if f.eq_ignore_ascii_case("IPv6") => Some(Family::V6),
        (ListKind::Prefix, other) => {
            return Err(bad(
                at,
                ValueError::Invalid {
                    what: "address_family",
                    text: other.unwrap_or_default().to_string(),
                },
            ))
        }
        (ListKind::PortRange, _) => None,
    };
    if d.max_entries < 1 || d.max_entries > kind.max_entries_bound() {
        return Err(bad(
            at,
            ValueError::Invalid {
                what: "max_entries",
                text: d.max_entries.to_string(),
            },
        ));
    }
    let mut entries: Vec<ListEntry> = Vec::with_capacity(d.entries.len());
    for e in &d.entries {
        let sent = match kind {
            ListKind::Prefix => e.cidr.as_deref(),
            ListKind::PortRange => e.port_range.as_deref(),
        }
        .unwrap_or_default();
        let value = canonical_entry(kind, family, sent).map_err(|_| {
            bad(
                at,
                ValueError::Invalid {
                    what: "entry",
                    text: sent.to_string(),
                },
            )
        })?;
        if entries.iter().any(|x| x.value == value) {
            return Err(bad(at, ValueError::DuplicateEntry(value)));
        }
        entries.push(ListEntry {
            value,
            description: e.description.clone(),
        });
    }
    if entries.len() > d.max_entries as usize {
        return Err(bad(at, ValueError::TooManyEntries));
    }
    Ok(List {
        id: d.id.clone(),
        kind,
        scope,
        name: d.name.clone(),
        description: d.description.clone(),
        family,
        max_entries: d.max_entries,
        entries,
        tags: tags_from(&d.tags),
        resource_group_id: d.resource_group_id.clone(),
        created: time_or(&d.created, now, at)?,
    })
}

fn sorted_instances(instances: &[Arc<Instance>]) -> Vec<&Instance> {
    let mut out: Vec<&Instance> = instances.iter().map(|i| i.as_ref()).collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// An instance as the document keeps it. The zone is written under the product's field name.
pub fn instance_doc(i: &Instance) -> InstanceDoc {
    let zone = (!i.zone.is_empty()).then(|| i.zone.clone());
    let ens = i.scope.namespace == Namespace::Edge;
    InstanceDoc {
        id: i.id.clone(),
        vpc_id: i.vpc_id.clone(),
        zone_id: if ens { None } else { zone.clone() },
        ens_region_id: if ens { zone } else { None },
        status: Some(i.status.as_str().to_string()),
        network_interfaces: i
            .nics
            .iter()
            .map(|n| NicDoc {
                id: n.id.clone(),
                primary: n.primary,
                security_group_ids: n.groups.clone(),
            })
            .collect(),
    }
}

/// A declared instance of `scope`. The first interface is primary unless one is marked; with none,
/// the instance gets a primary `eni-<id without i->` (docs/reference/membership.md §6).
pub fn instance_from(d: &InstanceDoc, scope: Scope, at: At) -> Result<Instance, DocError> {
    if d.id.is_empty() {
        return Err(bad(at, ValueError::InstanceId));
    }
    let status = match &d.status {
        None => InstanceStatus::Running,
        Some(s) => parse(s, "status", at)?,
    };
    let marked = d.network_interfaces.iter().filter(|n| n.primary).count();
    if marked > 1 {
        return Err(bad(at, ValueError::Primary));
    }
    let mut nics: Vec<Nic> = d
        .network_interfaces
        .iter()
        .enumerate()
        .map(|(k, n)| Nic {
            id: n.id.clone(),
            primary: n.primary || (marked == 0 && k == 0),
            groups: n.security_group_ids.clone(),
        })
        .collect();
    if nics.iter().any(|n| n.id.is_empty()) {
        return Err(bad(at, ValueError::NicId));
    }
    if nics.is_empty() {
        nics.push(Nic {
            id: default_nic_id(&d.id),
            primary: true,
            groups: Vec::new(),
        });
    }
    // The primary first.
    nics.sort_by_key(|n| !n.primary);
    Ok(Instance {
        id: d.id.clone(),
        scope,
        vpc_id: d.vpc_id.clone().filter(|v| !v.is_empty()),
        zone: d
            .zone_id
            .clone()
            .or_else(|| d.ens_region_id.clone())
            .unwrap_or_default(),
        status,
        nics,
    })
}

/// A frozen copy of the state as a document (built off the state's lock).
pub fn frozen_doc(state: &Frozen) -> StateDoc {
    let mut accounts: BTreeMap<String, AccountDoc> = BTreeMap::new();
    let mut groups: Vec<&Group> = state.groups.iter().map(|g| g.as_ref()).collect();
    groups.sort_by(|a, b| a.id.cmp(&b.id));
    for g in groups {
        let acct = accounts.entry(g.scope.account.clone()).or_default();
        match &g.scope.namespace {
            Namespace::Region(r) => acct.ecs.entry(r.clone()).or_default().push(group_doc(g)),
            Namespace::Edge => acct.ens.push(group_doc(g)),
        }
    }
    for i in sorted_instances(&state.instances) {
        let acct = accounts.entry(i.scope.account.clone()).or_default();
        match &i.scope.namespace {
            Namespace::Region(r) => acct
                .ecs_instances
                .entry(r.clone())
                .or_default()
                .push(instance_doc(i)),
            Namespace::Edge => acct.ens_instances.push(instance_doc(i)),
        }
    }
    for l in sorted_lists(&state.lists) {
        if let Namespace::Region(r) = &l.scope.namespace {
            let acct = accounts.entry(l.scope.account.clone()).or_default();
            let by_region = match l.kind {
                ListKind::Prefix => &mut acct.ecs_prefix_lists,
                ListKind::PortRange => &mut acct.ecs_port_range_lists,
            };
            by_region.entry(r.clone()).or_default().push(list_doc(l));
        }
    }
    for t in &state.tokens {
        accounts
            .entry(t.account.clone())
            .or_default()
            .client_tokens
            .push(TokenDoc {
                token: t.token.clone(),
                fingerprint: t.fingerprint.clone(),
                outcome: t.outcome.clone(),
            });
    }
    StateDoc {
        format: FORMAT.into(),
        version: VERSION,
        id_seed: Some(state.seed),
        ids_issued: state.issued,
        journal_seq: None,
        accounts,
    }
}

// ---------------------------------------------------------------- document → state

/// Where in a document a value is: built only for an error message (a million rules would otherwise
/// format a million paths on every start).
pub type At<'a> = &'a dyn Fn() -> String;

/// A value error at `at`.
fn bad(at: At, problem: ValueError) -> DocError {
    DocError::Value { at: at(), problem }
}

pub(super) fn parse<T: std::str::FromStr>(
    text: &str,
    what: &'static str,
    at: At,
) -> Result<T, DocError> {
    text.parse().map_err(|_| {
        bad(
            at,
            ValueError::Invalid {
                what,
                text: text.to_string(),
            },
        )
    })
}

fn time_or(text: &Option<String>, now: i64, at: At) -> Result<i64, DocError> {
    match text {
        None => Ok(now),
        Some(t) => timefmt::parse(t).ok_or_else(|| bad(at, ValueError::Time(t.clone()))),
    }
}

fn peer_from(p: &PeerDoc, v6: Ipv6Text, at: At) -> Result<Peer, DocError> {
    match (&p.cidr, &p.group, &p.prefix_list) {
        (Some(c), None, None) => {
            let cidr = if c.contains(':') {
                Cidr::parse_v6(c, v6)
            } else {
                Cidr::parse_v4(c)
            };
            cidr.map(Peer::Cidr)
                .ok_or_else(|| bad(at, ValueError::Cidr(c.clone())))
        }
        (None, Some(g), None) => Ok(Peer::Group(GroupPeer {
            id: g.clone(),
            owner: p.owner.clone(),
        })),
        (None, None, Some(pl)) => Ok(Peer::PrefixList(pl.clone())),
        _ => Err(bad(at, ValueError::PeerKind)),
    }
}

/// A rule of a group. `v6` is how its product keeps IPv6 text; `default_nic` fills a missing NIC type.
pub fn rule_from(
    d: &RuleDoc,
    v6: Ipv6Text,
    default_nic: NicType,
    now: i64,
    at: At,
) -> Result<Rule, DocError> {
    let protocol: IpProtocol = parse(&d.protocol, "protocol", at)?;
    let ports: PortRange = parse(&d.port_range, "port_range", at)?;
    let listed = d.port_range_list.is_some() && ports == PortRange::ANY;
    ports
        .check_for(protocol)
        .or_else(|e| if listed { Ok(()) } else { Err(e) })
        .map_err(|_| {
            bad(
                at,
                ValueError::PortsForProtocol {
                    range: d.port_range.clone(),
                    protocol: protocol.to_string(),
                },
            )
        })?;
    let source_ports = match &d.source_port_range {
        None => None,
        Some(s) => Some(parse::<PortRange>(s, "source_port_range", at)?),
    };
    let nic = match &d.nic_type {
        None => default_nic,
        Some(n) => parse(n, "nic_type", at)?,
    };
    if !is_rule_id(&d.id) {
        return Err(bad(at, ValueError::RuleId(d.id.clone())));
    }
    Ok(Rule {
        id: CompactString::new(&d.id),
        created: time_or(&d.created, now, at)?,
        direction: parse::<Direction>(&d.direction, "direction", at)?,
        protocol,
        ports,
        port_list: d.port_range_list.clone(),
        source_ports,
        policy: parse::<Policy>(&d.policy, "policy", at)?,
        priority: Priority::new(d.priority)
            .map_err(|_| bad(at, ValueError::Priority(d.priority)))?,
        nic,
        description: d.description.clone(),
        source: d
            .source
            .as_ref()
            .map(|p| peer_from(p, v6, &|| format!("{}.source", at())))
            .transpose()?,
        dest: d
            .dest
            .as_ref()
            .map(|p| peer_from(p, v6, &|| format!("{}.dest", at())))
            .transpose()?,
    })
}

pub(super) fn tags_from(tags: &[TagDoc]) -> Vec<(String, String)> {
    tags.iter()
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect()
}

pub fn group_from(d: &GroupDoc, scope: Scope, now: i64, at: At) -> Result<Group, DocError> {
    if d.id.is_empty() {
        return Err(bad(at, ValueError::GroupId));
    }
    let kind = match &d.kind {
        None => GroupType::Normal,
        Some(k) => parse::<GroupType>(k, "type", at)?,
    };
    let policy = products::policy_of(&scope.namespace);
    let inner_policy = match &d.inner_access_policy {
        None if kind == GroupType::Enterprise => Policy::Drop,
        None => Policy::Accept,
        Some(p) => parse(p, "inner_access_policy", at)?,
    };
    // As the live path decides it: VPC groups are intranet; classic groups, and ENS groups (which
    // have no NIC types and no VPC), default to internet.
    let default_nic = if d.vpc_id.is_some() {
        NicType::Intranet
    } else {
        NicType::Internet
    };
    let mut rules = RuleSet::new(policy.identity);
    for (i, r) in d.rules.iter().enumerate() {
        let named;
        let r = if r.id.is_empty() {
            let base: String = d.id.chars().filter(char::is_ascii_alphanumeric).collect();
            named = RuleDoc {
                id: format!("sgr-{base}r{i}"),
                ..r.clone()
            };
            &named
        } else {
            r
        };
        let rule_at = || format!("{}.rules[{i}]", at());
        let rule = rule_from(r, policy.dialect.ipv6_text, default_nic, now, &rule_at)?;
        if !rules.insert_new(rule) {
            return Err(bad(&rule_at, ValueError::DuplicateRule));
        }
    }
    Ok(Group {
        id: d.id.clone(),
        scope,
        name: d.name.clone(),
        description: d.description.clone(),
        kind,
        vpc_id: d.vpc_id.clone(),
        resource_group_id: d.resource_group_id.clone(),
        created: time_or(&d.created, now, at)?,
        inner_policy,
        tags: tags_from(&d.tags),
        rules,
    })
}

/// Check a document's format and version, and turn it into groups and tokens.
/// What a document holds, converted: groups, instances, ClientTokens.
type Contents = (Vec<Group>, Vec<Instance>, Vec<List>, Vec<TokenRecord>);

fn contents(doc: &StateDoc, now: i64) -> Result<Contents, DocError> {
    if doc.format != FORMAT {
        return Err(DocError::Format(doc.format.clone()));
    }
    if doc.version != VERSION {
        return Err(DocError::Version(doc.version));
    }
    // (group, its scope, the document path's parts for messages)
    let mut jobs: Vec<(&GroupDoc, Scope, &str, Option<&str>, usize)> = Vec::new();
    let mut tokens = Vec::new();
    let mut instances = Vec::new();
    let mut lists = Vec::new();
    for (account, a) in &doc.accounts {
        if account.is_empty() {
            return Err(DocError::EmptyAccount);
        }
        instances.extend(account_instances(account, a)?);
        lists.extend(account_lists(account, a, now)?);
        for (region, gs) in &a.ecs {
            for (i, g) in gs.iter().enumerate() {
                let scope = Scope {
                    account: account.clone(),
                    namespace: Namespace::Region(region.clone()),
                };
                jobs.push((g, scope, account, Some(region), i));
            }
        }
        for (i, g) in a.ens.iter().enumerate() {
            let scope = Scope {
                account: account.clone(),
                namespace: Namespace::Edge,
            };
            jobs.push((g, scope, account, None, i));
        }
        for t in &a.client_tokens {
            tokens.push(TokenRecord {
                account: account.clone(),
                token: t.token.clone(),
                fingerprint: t.fingerprint.clone(),
                outcome: t.outcome.clone(),
            });
        }
    }
    // Groups are independent: convert them on every core (a snapshot of a million rules is mostly
    // this conversion).
    let convert = |jobs: Vec<(&GroupDoc, Scope, &str, Option<&str>, usize)>| {
        jobs.into_iter()
            .map(|(g, scope, account, region, i)| {
                let at = || match region {
                    Some(r) => format!("accounts.{account}.ecs.{r}[{i}]"),
                    None => format!("accounts.{account}.ens[{i}]"),
                };
                group_from(g, scope, now, &at)
            })
            .collect::<Result<Vec<Group>, DocError>>()
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let groups = if threads < 2 || jobs.len() < 64 {
        convert(jobs)?
    } else {
        let per = jobs.len().div_ceil(threads);
        let mut chunks = Vec::new();
        while jobs.len() > per {
            let rest = jobs.split_off(per);
            chunks.push(std::mem::replace(&mut jobs, rest));
        }
        chunks.push(jobs);
        let results: Vec<Result<Vec<Group>, DocError>> = std::thread::scope(|s| {
            let handles: Vec<_> = chunks
                .into_iter()
                .map(|c| s.spawn(move || convert(c)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or(Err(DocError::Converter)))
                .collect()
        });
        let mut groups = Vec::new();
        for r in results {
            groups.extend(r?);
        }
        groups
    };
    Ok((groups, instances, lists, tokens))
}

/// The lists of one account's document, converted.
pub fn account_lists(account: &str, a: &AccountDoc, now: i64) -> Result<Vec<List>, DocError> {
    let mut out = Vec::new();
    for (kind, field, by_region) in [
        (ListKind::Prefix, "ecs_prefix_lists", &a.ecs_prefix_lists),
        (
            ListKind::PortRange,
            "ecs_port_range_lists",
            &a.ecs_port_range_lists,
        ),
    ] {
        for (region, ls) in by_region {
            for (i, d) in ls.iter().enumerate() {
                let scope = Scope {
                    account: account.to_string(),
                    namespace: Namespace::Region(region.clone()),
                };
                let at = || format!("accounts.{account}.{field}.{region}[{i}]");
                out.push(list_from(d, kind, scope, now, &at)?);
            }
        }
    }
    Ok(out)
}

/// The instances of one account's document, converted.
pub fn account_instances(account: &str, a: &AccountDoc) -> Result<Vec<Instance>, DocError> {
    let mut out = Vec::new();
    for (region, is) in &a.ecs_instances {
        for (i, d) in is.iter().enumerate() {
            let scope = Scope {
                account: account.to_string(),
                namespace: Namespace::Region(region.clone()),
            };
            let at = || format!("accounts.{account}.ecs_instances.{region}[{i}]");
            out.push(instance_from(d, scope, &at)?);
        }
    }
    for (i, d) in a.ens_instances.iter().enumerate() {
        let scope = Scope {
            account: account.to_string(),
            namespace: Namespace::Edge,
        };
        let at = || format!("accounts.{account}.ens_instances[{i}]");
        out.push(instance_from(d, scope, &at)?);
    }
    Ok(out)
}

/// Build a fresh state from a document. The document's id seed wins over `seed` (the `--seed` flag):
/// a state keeps counting with the seed its ids were made with, so ids never repeat.
pub fn from_doc(
    doc: &StateDoc,
    limits: Limits,
    seed: Option<u64>,
    now: i64,
) -> Result<State, DocError> {
    let mut state = State::new(limits, doc.id_seed.or(seed));
    load_into(&mut state, doc, now)?;
    Ok(state)
}

/// Load a document's groups and tokens into an empty state (fixtures). The id counter only grows.
pub fn load_into(state: &mut State, doc: &StateDoc, now: i64) -> Result<(), DocError> {
    let (groups, instances, lists, tokens) = contents(doc, now)?;
    let (seed, issued) = state.id_state();
    state.set_id_state(seed, issued.max(doc.ids_issued));
    Ok(state.load(groups, instances, lists, tokens)?)
}
