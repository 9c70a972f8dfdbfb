//! A security group and its indexed rule set. Lookups by rule id and by rule identity are hash
//! lookups; iteration is in creation order (the order Describe lists rules).

use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;

use super::error::{DomainError, Side};
use super::rule::{peer_side, Identity, Peer, Rule, RuleDraft, RuleKey};
use super::values::{GroupType, NicType, Policy};

/// Where a group lives: whose it is, and in which namespace (an ECS region, or ENS's single edge
/// namespace). A group in another scope is "not found" (docs/reference/ecs.md §1.0).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scope {
    pub account: String,
    pub namespace: Namespace,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Namespace {
    /// An ECS region id, e.g. `cn-hangzhou`.
    Region(String),
    /// ENS has no regions on these actions.
    Edge,
}

/// The rules of one group with their indexes.
#[derive(Debug, Clone)]
pub struct RuleSet {
    identity: Identity,
    next_seq: u64,
    rules: BTreeMap<u64, Rule>,
    by_id: HashMap<String, u64>,
    by_key: HashMap<RuleKey, u64>,
    group_peers: usize,
    /// The lists rules reference, as a combination → how many rules reference that combination
    /// (for the weighted rule count, docs/reference/lists.md §5).
    list_rules: HashMap<Vec<String>, usize>,
}

impl RuleSet {
    pub fn new(identity: Identity) -> RuleSet {
        RuleSet {
            identity,
            next_seq: 1,
            rules: BTreeMap::new(),
            by_id: HashMap::default(),
            by_key: HashMap::default(),
            group_peers: 0,
            list_rules: HashMap::default(),
        }
    }

    /// Count a rule in (or out of) the per-kind tallies.
    fn tally(&mut self, rule: &Rule, add: bool) {
        if matches!(rule.peer(), Some(Peer::Group(_))) {
            if add {
                self.group_peers += 1;
            } else {
                self.group_peers -= 1;
            }
        }
        let lists: Vec<String> = rule.lists().map(str::to_string).collect();
        if lists.is_empty() {
            return;
        }
        if add {
            *self.list_rules.entry(lists).or_insert(0) += 1;
        } else if let Some(n) = self.list_rules.get_mut(&lists) {
            *n -= 1;
            if *n == 0 {
                self.list_rules.remove(&lists);
            }
        }
    }

    /// Rules that reference a list.
    pub fn list_rule_count(&self) -> usize {
        self.list_rules.values().sum()
    }

    /// Each combination of referenced lists, with the number of rules referencing it.
    pub fn list_rules(&self) -> impl Iterator<Item = (&Vec<String>, usize)> {
        self.list_rules.iter().map(|(k, n)| (k, *n))
    }

    pub fn identity(&self) -> Identity {
        self.identity
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Rules whose peer is another security group (the basic-group limit of 20 counts these).
    pub fn group_peer_count(&self) -> usize {
        self.group_peers
    }

    pub fn iter(&self) -> impl Iterator<Item = &Rule> {
        self.rules.values()
    }

    pub fn by_id(&self, id: &str) -> Option<&Rule> {
        self.by_id.get(id).and_then(|s| self.rules.get(s))
    }

    pub fn find(&self, key: &RuleKey) -> Option<&Rule> {
        self.by_key.get(key).and_then(|s| self.rules.get(s))
    }

    /// Insert a rule unless one with its key is present (then `false`, and the rule is dropped).
    pub fn insert_new(&mut self, rule: Rule) -> bool {
        let key = rule.key(self.identity);
        if self.by_key.contains_key(&key) {
            return false;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.tally(&rule, true);
        self.by_id.insert(rule.id.clone(), seq);
        self.by_key.insert(key, seq);
        self.rules.insert(seq, rule);
        true
    }

    /// Insert a rule whose key is not yet present (callers check first).
    pub fn insert(&mut self, rule: Rule) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.tally(&rule, true);
        self.by_id.insert(rule.id.clone(), seq);
        self.by_key.insert(rule.key(self.identity), seq);
        self.rules.insert(seq, rule);
    }

    pub fn remove(&mut self, id: &str) -> Option<Rule> {
        self.remove_at(id).map(|(_, rule)| rule)
    }

    /// Remove a rule and say where it stood, so [`RuleSet::insert_at`] can put it back.
    pub fn remove_at(&mut self, id: &str) -> Option<(u64, Rule)> {
        let seq = self.by_id.remove(id)?;
        let rule = self.rules.remove(&seq)?;
        self.by_key.remove(&rule.key(self.identity));
        self.tally(&rule, false);
        Some((seq, rule))
    }

    /// Put a removed rule back at its old position (undoing a change that could not be journaled).
    pub fn insert_at(&mut self, seq: u64, rule: Rule) {
        self.tally(&rule, true);
        self.next_seq = self.next_seq.max(seq + 1);
        self.by_id.insert(rule.id.clone(), seq);
        self.by_key.insert(rule.key(self.identity), seq);
        self.rules.insert(seq, rule);
    }

    /// Replace the rule with `new.id` in place (same position in the listing).
    pub fn replace(&mut self, new: Rule) {
        let Some(&seq) = self.by_id.get(&new.id) else {
            return;
        };
        if let Some(old) = self.rules.get(&seq).cloned() {
            self.by_key.remove(&old.key(self.identity));
            self.tally(&old, false);
        }
        self.tally(&new, true);
        self.by_key.insert(new.key(self.identity), seq);
        self.rules.insert(seq, new);
    }

    /// Rules with position ≥ `from`, passing `keep`, at most `limit`; also the position to continue
    /// from when more remain.
    pub fn page(
        &self,
        from: u64,
        limit: usize,
        keep: impl Fn(&Rule) -> bool,
    ) -> (Vec<&Rule>, Option<u64>) {
        let mut out = Vec::new();
        for (seq, rule) in self.rules.range(from..) {
            if !keep(rule) {
                continue;
            }
            if out.len() == limit {
                return (out, Some(*seq));
            }
            out.push(rule);
        }
        (out, None)
    }
}

/// A security group.
#[derive(Debug, Clone)]
pub struct Group {
    pub id: String,
    pub scope: Scope,
    pub name: String,
    pub description: String,
    pub kind: GroupType,
    pub vpc_id: Option<String>,
    pub resource_group_id: String,
    /// Unix seconds.
    pub created: i64,
    pub inner_policy: Policy,
    pub tags: Vec<(String, String)>,
    pub rules: RuleSet,
}

impl Group {
    pub fn is_vpc(&self) -> bool {
        self.vpc_id.is_some()
    }

    /// Place a draft in this group: decide its NIC type and apply the group-type restrictions.
    ///
    /// - VPC groups know only `intranet`; any other value is read as intranet (docs/reference/ecs.md §1.4,
    ///   docs/reference/terraform.md §7 decision 2).
    /// - Classic groups default to `internet`, but a group peer must be `intranet`
    ///   (`InvalidSourceGroupId.Mismatch` "NicType is required or NicType expects intranet").
    /// - Prefix lists are not supported on classic groups (`NotSupported.ClassicNetworkPrefixList`).
    /// - Enterprise groups take only accept rules and no group peers
    ///   (`InvalidGroupParameter.OperationDenied`, `InvalidGroupAuthParameter.OperationDenied`).
    pub fn resolve_nic(&self, draft: &RuleDraft) -> Result<NicType, DomainError> {
        let side = peer_side(draft.direction);
        let peer = match side {
            Side::Source => draft.source.as_ref(),
            Side::Dest => draft.dest.as_ref(),
        };
        let group_peer = matches!(peer, Some(Peer::Group(_)));
        if matches!(peer, Some(Peer::PrefixList(_))) && !self.is_vpc() {
            return Err(DomainError::ClassicPrefixList);
        }
        let nic = if self.is_vpc() {
            NicType::Intranet
        } else if group_peer {
            if draft.nic == Some(NicType::Internet) {
                return Err(DomainError::GroupPeerNicType { side });
            }
            NicType::Intranet
        } else {
            draft.nic.unwrap_or(NicType::Internet)
        };
        Ok(nic)
    }

    /// The restrictions of enterprise (advanced) groups on a rule.
    pub fn check_kind(&self, policy: Policy, peer: Option<&Peer>) -> Result<(), DomainError> {
        if self.kind == GroupType::Enterprise {
            if matches!(peer, Some(Peer::Group(_))) {
                return Err(DomainError::EnterpriseGroupPeer);
            }
            if policy == Policy::Drop {
                return Err(DomainError::EnterpriseDrop);
            }
        }
        Ok(())
    }

    /// NIC type a Describe filter means for this group: a VPC group reads everything as intranet;
    /// a classic group reads an unknown value as the default `internet` (docs/reference/terraform.md §7 decision 2).
    pub fn describe_nic(&self, requested: Option<&str>) -> Option<NicType> {
        if self.is_vpc() {
            return None;
        }
        Some(
            requested
                .and_then(|s| s.parse().ok())
                .unwrap_or(NicType::Internet),
        )
    }
}
