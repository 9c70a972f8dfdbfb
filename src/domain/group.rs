//! A security group and its indexed rule set. Lookups by rule id and by rule identity are hash
//! lookups; iteration is in creation order (the order Describe lists rules).

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::{FxBuildHasher, FxHashMap as HashMap};

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

/// One place in the listing: the rule's position number and the rule, `None` once removed (until
/// the slots are compacted).
#[derive(Debug, Clone)]
struct Slot {
    seq: u64,
    rule: Option<Rule>,
}

/// The rules of one group with their indexes.
///
/// Each rule is stored once, in listing order; the two indexes hold only slot numbers and read
/// the id and the identity key from the slot. Holding a copy of every id and key in hash maps
/// beside a B-tree of the rules cost ~860 bytes per rule; this layout ~360, group overhead
/// included (1M rules: 824 → 343 MiB, `scripts/bench --memory`, issue 18).
#[derive(Debug, Clone)]
pub struct RuleSet {
    identity: Identity,
    next_seq: u64,
    /// Ascending `seq`; a removed rule leaves a hole until holes outnumber half the rules.
    slots: Vec<Slot>,
    live: usize,
    /// Slot numbers hashed by the rule's id. `u32`: 4 billion rules would need a terabyte.
    by_id: HashTable<u32>,
    /// Slot numbers hashed by the rule's identity key.
    by_key: HashTable<u32>,
    group_peers: usize,
    /// The lists rules reference, as a combination → how many rules reference that combination
    /// (for the weighted rule count, docs/reference/lists.md §5).
    list_rules: HashMap<Vec<String>, usize>,
}

fn hash_id(id: &str) -> u64 {
    FxBuildHasher.hash_one(id)
}

fn hash_key(key: &RuleKey) -> u64 {
    FxBuildHasher.hash_one(key)
}

fn rule_at(slots: &[Slot], i: u32) -> Option<&Rule> {
    slots.get(i as usize).and_then(|s| s.rule.as_ref())
}

impl RuleSet {
    pub fn new(identity: Identity) -> RuleSet {
        RuleSet {
            identity,
            next_seq: 1,
            slots: Vec::new(),
            live: 0,
            by_id: HashTable::new(),
            by_key: HashTable::new(),
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

    /// Enter slot `i`'s rule in both indexes.
    fn index(&mut self, i: u32) {
        let RuleSet {
            identity,
            slots,
            by_id,
            by_key,
            ..
        } = self;
        let identity = *identity;
        let Some(rule) = rule_at(slots, i) else {
            return;
        };
        by_id.insert_unique(hash_id(&rule.id), i, |&j| {
            rule_at(slots, j).map_or(0, |r| hash_id(&r.id))
        });
        by_key.insert_unique(hash_key(&rule.key(identity)), i, |&j| {
            rule_at(slots, j).map_or(0, |r| hash_key(&r.key(identity)))
        });
    }

    /// Take slot `i`'s rule out of both indexes.
    fn unindex(&mut self, i: u32) {
        let Some(rule) = rule_at(&self.slots, i) else {
            return;
        };
        let (id_hash, key_hash) = (hash_id(&rule.id), hash_key(&rule.key(self.identity)));
        if let Ok(e) = self.by_id.find_entry(id_hash, |&j| j == i) {
            e.remove();
        }
        if let Ok(e) = self.by_key.find_entry(key_hash, |&j| j == i) {
            e.remove();
        }
    }

    /// Rebuild both indexes (after slots moved).
    fn reindex(&mut self) {
        self.by_id.clear();
        self.by_key.clear();
        for i in 0..self.slots.len() {
            self.index(i as u32);
        }
    }

    /// Drop the holes once they outnumber half the rules (amortised O(1) per removal; positions,
    /// and so paging tokens, do not change).
    fn compact(&mut self) {
        let holes = self.slots.len() - self.live;
        if holes > self.live / 2 {
            self.slots.retain(|s| s.rule.is_some());
            self.reindex();
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
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Rules whose peer is another security group (the basic-group limit of 20 counts these).
    pub fn group_peer_count(&self) -> usize {
        self.group_peers
    }

    pub fn iter(&self) -> impl Iterator<Item = &Rule> {
        self.slots.iter().filter_map(|s| s.rule.as_ref())
    }

    fn slot_of(&self, id: &str) -> Option<u32> {
        self.by_id
            .find(hash_id(id), |&j| {
                rule_at(&self.slots, j).is_some_and(|r| r.id == id)
            })
            .copied()
    }

    pub fn by_id(&self, id: &str) -> Option<&Rule> {
        self.slot_of(id).and_then(|i| rule_at(&self.slots, i))
    }

    pub fn find(&self, key: &RuleKey) -> Option<&Rule> {
        let i = self.by_key.find(hash_key(key), |&j| {
            rule_at(&self.slots, j).is_some_and(|r| r.key(self.identity) == *key)
        })?;
        rule_at(&self.slots, *i)
    }

    /// Insert a rule unless one with its key is present (then `false`, and the rule is dropped).
    pub fn insert_new(&mut self, rule: Rule) -> bool {
        if self.find(&rule.key(self.identity)).is_some() {
            return false;
        }
        self.insert(rule);
        true
    }

    /// Insert a rule whose key is not yet present (callers check first).
    pub fn insert(&mut self, rule: Rule) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.tally(&rule, true);
        self.slots.push(Slot {
            seq,
            rule: Some(rule),
        });
        self.live += 1;
        self.index((self.slots.len() - 1) as u32);
    }

    pub fn remove(&mut self, id: &str) -> Option<Rule> {
        self.remove_at(id).map(|(_, rule)| rule)
    }

    /// Remove a rule and say where it stood, so [`RuleSet::insert_at`] can put it back.
    pub fn remove_at(&mut self, id: &str) -> Option<(u64, Rule)> {
        let i = self.slot_of(id)?;
        self.unindex(i);
        let slot = self.slots.get_mut(i as usize)?;
        let rule = slot.rule.take()?;
        let seq = slot.seq;
        self.live -= 1;
        self.tally(&rule, false);
        self.compact();
        Some((seq, rule))
    }

    /// Put a removed rule back at its old position (undoing a change that could not be journaled).
    pub fn insert_at(&mut self, seq: u64, rule: Rule) {
        self.tally(&rule, true);
        self.next_seq = self.next_seq.max(seq + 1);
        self.live += 1;
        match self.slots.binary_search_by_key(&seq, |s| s.seq) {
            Ok(i) => {
                // Its hole is still there (an occupied slot cannot have a removed rule's seq).
                if let Some(slot) = self.slots.get_mut(i) {
                    slot.rule = Some(rule);
                }
                self.index(i as u32);
            }
            Err(i) => {
                // The hole was compacted away: later slots move, so the indexes are rebuilt.
                self.slots.insert(
                    i,
                    Slot {
                        seq,
                        rule: Some(rule),
                    },
                );
                self.reindex();
            }
        }
    }

    /// Replace the rule with `new.id` in place (same position in the listing).
    pub fn replace(&mut self, new: Rule) {
        let Some(i) = self.slot_of(&new.id) else {
            return;
        };
        self.unindex(i);
        let old = self.slots.get_mut(i as usize).and_then(|s| s.rule.take());
        if let Some(old) = old {
            self.tally(&old, false);
        }
        self.tally(&new, true);
        if let Some(slot) = self.slots.get_mut(i as usize) {
            slot.rule = Some(new);
        }
        self.index(i);
    }

    /// Rules with position ≥ `from`, passing `keep`, at most `limit`; also the position to continue
    /// from when more remain.
    pub fn page(
        &self,
        from: u64,
        limit: usize,
        keep: impl Fn(&Rule) -> bool,
    ) -> (Vec<&Rule>, Option<u64>) {
        let start = self.slots.partition_point(|s| s.seq < from);
        let mut out = Vec::new();
        for slot in self.slots.get(start..).unwrap_or_default() {
            let Some(rule) = &slot.rule else { continue };
            if !keep(rule) {
                continue;
            }
            if out.len() == limit {
                return (out, Some(slot.seq));
            }
            out.push(rule);
        }
        (out, None)
    }
}

/// The rules of one request, refusing a second rule with the same identity key.
pub struct Distinct {
    identity: Identity,
    rules: Vec<Rule>,
    /// Positions in `rules`, hashed by their key.
    table: HashTable<usize>,
}

impl Distinct {
    pub fn new(identity: Identity) -> Distinct {
        Distinct {
            identity,
            rules: Vec::new(),
            table: HashTable::new(),
        }
    }

    /// Keep `rule`, unless one with its key is kept already (then `false`, and it is dropped).
    pub fn push(&mut self, rule: Rule) -> bool {
        let Distinct {
            identity,
            rules,
            table,
        } = self;
        let identity = *identity;
        let key = rule.key(identity);
        let hash = hash_key(&key);
        let same = |j: &usize| rules.get(*j).is_some_and(|r| r.key(identity) == key);
        if table.find(hash, same).is_some() {
            return false;
        }
        table.insert_unique(hash, rules.len(), |&j| {
            rules.get(j).map_or(0, |r| hash_key(&r.key(identity)))
        });
        rules.push(rule);
        true
    }

    /// The rules kept, in the order they came.
    pub fn into_rules(self) -> Vec<Rule> {
        self.rules
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::cidr::Cidr;
    use crate::domain::values::{Direction, IpProtocol, Priority};

    /// Rule `n`: port `n % 7` from 10.0.0.`n % 5` — so keys repeat across `n`.
    fn rule(n: u64) -> Rule {
        Rule {
            id: format!("sgr-{n}").into(),
            created: 0,
            direction: Direction::Ingress,
            protocol: IpProtocol::Tcp,
            ports: format!("{0}/{0}", 1 + n % 7).parse().unwrap(),
            port_list: None,
            source_ports: None,
            policy: Policy::Accept,
            priority: Priority::DEFAULT,
            nic: NicType::Intranet,
            description: format!("rule {n}"),
            source: Some(Peer::Cidr(
                Cidr::parse_v4(&format!("10.0.0.{}", n % 5)).unwrap(),
            )),
            dest: None,
        }
    }

    /// Check everything a set answers against a plain list of (position, rule).
    fn same(set: &RuleSet, model: &[(u64, Rule)]) {
        let ids = |rules: Vec<&Rule>| rules.iter().map(|r| r.id.to_string()).collect::<Vec<_>>();
        let want: Vec<&Rule> = model.iter().map(|(_, r)| r).collect();
        assert_eq!(ids(set.iter().collect()), ids(want.clone()));
        assert_eq!(set.len(), model.len());
        for (seq, r) in model {
            assert_eq!(
                set.by_id(&r.id).map(|x| x.description.clone()),
                Some(r.description.clone())
            );
            assert_eq!(set.find(&r.key(set.identity())).map(|x| &x.id), Some(&r.id));
            // A page from each position starts at that rule and says where the next one is.
            let (page, next) = set.page(*seq, 2, |_| true);
            assert_eq!(page.first().map(|x| &x.id), Some(&r.id));
            let after: Vec<&(u64, Rule)> = model.iter().filter(|(s, _)| s > seq).collect();
            assert_eq!(next, after.get(1).map(|(s, _)| *s));
        }
    }

    /// A seeded walk of inserts, removals, undone removals and replacements, checked after each step
    /// against a plain list: holes, their compaction and the rebuilt indexes never change an answer.
    #[test]
    fn the_slots_and_their_indexes_answer_like_a_plain_list() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut set = RuleSet::new(Identity::WithoutPriority);
        let mut model: Vec<(u64, Rule)> = Vec::new();
        let mut seq = 0;
        for step in 0..3000u64 {
            match next() % 4 {
                0 | 1 => {
                    let r = rule(step);
                    let taken = model.iter().any(|(_, m)| {
                        m.key(Identity::WithoutPriority) == r.key(Identity::WithoutPriority)
                    });
                    assert_eq!(set.insert_new(r.clone()), !taken);
                    seq += 1; // a refused rule uses no position…
                    if taken {
                        seq -= 1;
                    } else {
                        model.push((seq, r));
                    }
                }
                2 if !model.is_empty() => {
                    let i = (next() % model.len() as u64) as usize;
                    let (s, r) = model.remove(i);
                    assert_eq!(
                        set.remove_at(&r.id).map(|(p, x)| (p, x.id)),
                        Some((s, r.id.clone()))
                    );
                    // Half the time the removal is undone, as a failed journal write undoes it.
                    if next() % 2 == 0 {
                        set.insert_at(s, r.clone());
                        model.insert(i, (s, r));
                    }
                }
                3 if !model.is_empty() => {
                    let i = (next() % model.len() as u64) as usize;
                    let mut r = model[i].1.clone();
                    r.description = format!("changed at {step}");
                    set.replace(r.clone());
                    model[i].1 = r;
                }
                _ => {}
            }
            same(&set, &model);
        }
        assert!(set.remove("sgr-nothing").is_none());
    }
}
