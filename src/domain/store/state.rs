//! The state and its indexes: groups by id and by scope, who references whom, the remembered
//! ClientTokens, the id counter and the clock; lookups, and the primitives every change goes through
//! (each records its event and undo step, see `events.rs`).

use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;

// A fast non-cryptographic hasher: keys are our own ids and rule keys, not attacker-chosen.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::events::{Event, GroupAttrs, Recorder, Saved, Undo};
use super::ids::IdGen;
use super::instances::Instances;
use super::lists::Lists;
use super::tokens::TokenRecord;
use crate::domain::error::DomainError;
use crate::domain::group::{Group, Scope};
use crate::domain::instance::Instance;
use crate::domain::lists::List;
use crate::domain::rule::{Peer, Rule};

/// Configurable limits (docs/reference/ecs.md §1.14).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Rules per group, inbound and outbound together: 200 (docs/reference/conflicts.md #5).
    pub rules_per_group: usize,
    /// Rules whose peer is a group, per basic group: 20.
    pub group_peer_rules: usize,
    /// Groups per account and namespace: "at least 100" (docs/reference/conflicts.md #6).
    pub groups_per_scope: usize,
    /// Security groups per ENI (ECS): 5 by default (docs/reference/membership.md §2).
    pub groups_per_nic: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            rules_per_group: 200,
            group_peer_rules: 20,
            groups_per_scope: 100,
            groups_per_nic: 5,
        }
    }
}

/// Unix seconds, replaceable so tests can pin time.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// A cheap copy of everything a snapshot holds: groups are shared, not cloned (a group is copied
/// only when it is next changed, while a copy is alive).
pub struct Frozen {
    pub groups: Vec<Arc<Group>>,
    pub instances: Vec<Arc<Instance>>,
    pub lists: Vec<Arc<List>>,
    pub tokens: Vec<TokenRecord>,
    pub seed: u64,
    pub issued: u64,
}

/// Why groups cannot be loaded into a state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    #[error("group {0} appears twice")]
    GroupTwice(String),
    #[error("rule {0} appears twice")]
    RuleTwice(String),
    #[error(
        "rule {rule} of group {group} names group {peer}, which is not in its account and region"
    )]
    PeerElsewhere {
        rule: String,
        group: String,
        peer: String,
    },
    #[error("instance {0} appears twice")]
    InstanceTwice(String),
    #[error("network interface {0} appears twice")]
    NicTwice(String),
    #[error("network interface {nic} is in group {group}, which is not in its account and region")]
    MemberElsewhere { nic: String, group: String },
    #[error("list {0} appears twice")]
    ListTwice(String),
    #[error("rule {rule} references list {list}, which is not in its account and region")]
    ListElsewhere { rule: String, list: String },
}

pub struct State {
    pub(super) limits: Limits,
    pub(super) groups: HashMap<String, Arc<Group>>,
    pub(super) by_scope: HashMap<Scope, BTreeSet<String>>,
    /// target group id → holder group id → number of the holder's rules that name the target.
    pub(super) referenced_by: HashMap<String, HashMap<String, u32>>,
    pub(super) tokens: HashMap<(String, String), TokenRecord>,
    pub(super) token_order: VecDeque<(String, String)>,
    /// Virtual instances, their ENIs and the groups those are in.
    pub(super) instances: Instances,
    /// Prefix lists and port range lists, and which groups reference them.
    pub(super) lists: Lists,
    pub(super) ids: IdGen,
    pub(super) clock: Clock,
    /// The current request's events and undo steps, when a sink is attached.
    pub(super) rec: Option<Recorder>,
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl State {
    pub fn new(limits: Limits, seed: Option<u64>) -> State {
        State {
            limits,
            groups: HashMap::default(),
            by_scope: HashMap::default(),
            referenced_by: HashMap::default(),
            tokens: HashMap::default(),
            token_order: VecDeque::new(),
            instances: Instances::default(),
            lists: Lists::default(),
            ids: IdGen {
                seed: seed.unwrap_or_else(|| fastrand::u64(..)),
                issued: 0,
            },
            clock: Arc::new(now_unix),
            rec: None,
        }
    }

    /// Replace the clock (tests pin time to compare whole bodies).
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    pub fn clock(&self) -> Clock {
        self.clock.clone()
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The id generator's seed and how many ids it has issued.
    pub fn id_state(&self) -> (u64, u64) {
        (self.ids.seed, self.ids.issued)
    }

    /// Continue an id sequence (after loading a snapshot).
    pub fn set_id_state(&mut self, seed: u64, issued: u64) {
        self.ids = IdGen { seed, issued };
    }

    pub(super) fn new_id(&mut self, prefix: &str) -> String {
        self.ids.next(prefix)
    }

    /// A cheap copy of what a snapshot holds (groups shared, not cloned).
    pub fn freeze(&self) -> Frozen {
        Frozen {
            groups: self.groups.values().cloned().collect(),
            instances: self.instances.by_id.values().cloned().collect(),
            lists: self.lists.by_id.values().cloned().collect(),
            tokens: self.tokens().cloned().collect(),
            seed: self.ids.seed,
            issued: self.ids.issued,
        }
    }

    // ---------------------------------------------------------------- lookups

    pub fn group(&self, scope: &Scope, id: &str) -> Result<&Group, DomainError> {
        self.groups
            .get(id)
            .map(Arc::as_ref)
            .filter(|g| &g.scope == scope)
            .ok_or_else(|| DomainError::GroupNotFound { id: id.to_string() })
    }

    /// Any group by id, whatever its scope (for rendering a peer group's name).
    pub fn group_any(&self, id: &str) -> Option<&Group> {
        self.groups.get(id).map(Arc::as_ref)
    }

    /// Every group, in no particular order (snapshots sort what they write).
    pub fn all_groups(&self) -> impl Iterator<Item = &Group> {
        self.groups.values().map(Arc::as_ref)
    }

    /// The remembered ClientTokens, oldest first.
    pub fn tokens(&self) -> impl Iterator<Item = &TokenRecord> {
        self.token_order.iter().filter_map(|k| self.tokens.get(k))
    }

    /// Groups of a scope in descending id order, starting at `start` (inclusive) when given: the
    /// order DescribeSecurityGroups lists and pages in.
    pub fn groups_desc_from<'a>(
        &'a self,
        scope: &Scope,
        start: Option<&str>,
    ) -> impl Iterator<Item = &'a Group> + 'a {
        let ids: Box<dyn Iterator<Item = &'a String> + 'a> = match (self.by_scope.get(scope), start)
        {
            (None, _) => Box::new(std::iter::empty()),
            (Some(ids), None) => Box::new(ids.iter().rev()),
            (Some(ids), Some(s)) => Box::new(
                ids.range::<str, _>((std::ops::Bound::Unbounded, std::ops::Bound::Included(s)))
                    .rev(),
            ),
        };
        ids.filter_map(|id| self.groups.get(id).map(Arc::as_ref))
    }

    /// The groups whose rules name group `id` (other than itself), with their accounts, by id.
    pub fn referencing(&self, id: &str) -> Vec<(&str, &str)> {
        let mut out: Vec<(&str, &str)> = self
            .referenced_by
            .get(id)
            .into_iter()
            .flat_map(|m| m.keys())
            .filter(|h| h.as_str() != id)
            .filter_map(|h| {
                self.groups
                    .get(h)
                    .map(|g| (g.id.as_str(), g.scope.account.as_str()))
            })
            .collect();
        out.sort_unstable();
        out
    }

    /// (accounts, groups, rules) held.
    pub fn counts(&self) -> (usize, usize, usize) {
        let accounts: HashSet<&str> = self
            .groups
            .values()
            .map(|g| g.scope.account.as_str())
            .collect();
        let rules = self.groups.values().map(|g| g.rules.len()).sum();
        (accounts.len(), self.groups.len(), rules)
    }

    // ---------------------------------------------------------------- primitives

    pub(super) fn add_ref(&mut self, target: &str, holder: &str) {
        *self
            .referenced_by
            .entry(target.to_string())
            .or_default()
            .entry(holder.to_string())
            .or_insert(0) += 1;
    }

    pub(super) fn unref(&mut self, target: &str, holder: &str) {
        if let Some(m) = self.referenced_by.get_mut(target) {
            if let Some(n) = m.get_mut(holder) {
                *n -= 1;
                if *n == 0 {
                    m.remove(holder);
                }
            }
            if m.is_empty() {
                self.referenced_by.remove(target);
            }
        }
    }

    /// Count a rule's references (to a peer group, to lists) in or out of the indexes.
    pub(super) fn index_rule(&mut self, group: &str, rule: &Rule, add: bool) {
        if let Some(Peer::Group(g)) = rule.peer() {
            let target = g.id.clone();
            if add {
                self.add_ref(&target, group);
            } else {
                self.unref(&target, group);
            }
        }
        let lists: Vec<String> = rule.lists().map(str::to_string).collect();
        for list in lists {
            if add {
                self.add_list_ref(&list, group);
            } else {
                self.list_unref(&list, group);
            }
        }
    }

    /// A group to change in place; copied first if a snapshot still shares it.
    pub(super) fn group_mut(&mut self, id: &str) -> Option<&mut Group> {
        self.groups.get_mut(id).map(Arc::make_mut)
    }

    pub(super) fn insert_group(&mut self, group: Arc<Group>) {
        self.emit(
            || Event::GroupInserted(group.clone()),
            || Undo::RemoveGroup(group.id.clone()),
        );
        let rules: Vec<Rule> = group.rules.iter().cloned().collect();
        for rule in &rules {
            self.index_rule(&group.id, rule, true);
        }
        self.by_scope
            .entry(group.scope.clone())
            .or_default()
            .insert(group.id.clone());
        self.groups.insert(group.id.clone(), group);
    }

    pub(super) fn remove_group(&mut self, id: &str) {
        let Some(group) = self.groups.remove(id) else {
            return;
        };
        if let Some(ids) = self.by_scope.get_mut(&group.scope) {
            ids.remove(id);
            if ids.is_empty() {
                self.by_scope.remove(&group.scope);
            }
        }
        for rule in group.rules.iter() {
            self.index_rule(id, rule, false);
        }
        self.emit(
            || Event::GroupRemoved { id: id.to_string() },
            || Undo::InsertGroup(group),
        );
    }

    pub(super) fn attrs(g: &Group) -> GroupAttrs {
        GroupAttrs {
            id: g.id.clone(),
            name: g.name.clone(),
            description: g.description.clone(),
            inner_policy: g.inner_policy,
            tags: g.tags.clone(),
            resource_group_id: g.resource_group_id.clone(),
        }
    }

    pub(super) fn set_attrs(g: &mut Group, a: GroupAttrs) {
        g.name = a.name;
        g.description = a.description;
        g.inner_policy = a.inner_policy;
        g.tags = a.tags;
        g.resource_group_id = a.resource_group_id;
    }

    /// Change a group's mutable attributes through `f`, and emit the result.
    pub(super) fn update_group(&mut self, id: &str, f: impl FnOnce(&mut Group)) {
        let recording = self.recording();
        let Some(g) = self.group_mut(id) else {
            return;
        };
        let before = recording.then(|| Self::attrs(g));
        f(g);
        let after = recording.then(|| Self::attrs(g));
        if let (Some(before), Some(after)) = (before, after) {
            self.emit(
                || Event::GroupUpdated(Box::new(after)),
                || Undo::Attrs(Box::new(before)),
            );
        }
    }

    pub(super) fn insert_rule(&mut self, group: &str, rule: Rule) {
        self.emit(
            || Event::RuleInserted {
                group: group.to_string(),
                rule: Box::new(rule.clone()),
            },
            || Undo::RemoveRule {
                group: group.to_string(),
                rule: rule.id.to_string(),
            },
        );
        self.index_rule(group, &rule, true);
        if let Some(g) = self.group_mut(group) {
            g.rules.insert(rule);
        }
    }

    pub(super) fn remove_rule(&mut self, group: &str, rule: &str) {
        let removed = self.group_mut(group).and_then(|g| g.rules.remove_at(rule));
        let Some((position, removed)) = removed else {
            return;
        };
        self.index_rule(group, &removed, false);
        self.emit(
            || Event::RuleRemoved {
                group: group.to_string(),
                rule: rule.to_string(),
            },
            || Undo::RestoreRule {
                group: group.to_string(),
                position,
                rule: Box::new(removed),
            },
        );
    }

    pub(super) fn replace_rule(&mut self, group: &str, rule: Rule) {
        let Some(old) = self
            .groups
            .get(group)
            .and_then(|g| g.rules.by_id(&rule.id))
            .cloned()
        else {
            return;
        };
        self.index_rule(group, &old, false);
        self.index_rule(group, &rule, true);
        self.emit(
            || Event::RuleReplaced {
                group: group.to_string(),
                rule: Box::new(rule.clone()),
            },
            || Undo::ReplaceRule {
                group: group.to_string(),
                rule: Box::new(old),
            },
        );
        if let Some(g) = self.group_mut(group) {
            g.rules.replace(rule);
        }
    }

    /// Drop everything, or one account's groups and tokens. The id counter stays: ids never repeat.
    pub fn reset(&mut self, account: Option<&str>) {
        let rec = self.rec.take();
        let saved = match account {
            None => Saved {
                groups: std::mem::take(&mut self.groups),
                by_scope: std::mem::take(&mut self.by_scope),
                referenced_by: std::mem::take(&mut self.referenced_by),
                tokens: std::mem::take(&mut self.tokens),
                token_order: std::mem::take(&mut self.token_order),
                instances: std::mem::take(&mut self.instances),
                lists: std::mem::take(&mut self.lists),
            },
            Some(a) => {
                // Groups are shared, so this copy is of the indexes, not of the rules.
                let saved = Saved {
                    groups: self.groups.clone(),
                    by_scope: self.by_scope.clone(),
                    referenced_by: self.referenced_by.clone(),
                    tokens: self.tokens.clone(),
                    token_order: self.token_order.clone(),
                    instances: self.instances.clone(),
                    lists: self.lists.clone(),
                };
                let dropped: Vec<String> = self
                    .lists
                    .by_id
                    .values()
                    .filter(|l| l.scope.account == a)
                    .map(|l| l.id.clone())
                    .collect();
                for id in dropped {
                    self.remove_list(&id);
                }
                let released: Vec<String> = self
                    .instances
                    .by_id
                    .values()
                    .filter(|i| i.scope.account == a)
                    .map(|i| i.id.clone())
                    .collect();
                for id in released {
                    self.remove_instance(&id);
                }
                let doomed: Vec<String> = self
                    .groups
                    .values()
                    .filter(|g| g.scope.account == a)
                    .map(|g| g.id.clone())
                    .collect();
                for id in doomed {
                    self.remove_group(&id);
                }
                self.referenced_by
                    .retain(|target, _| self.groups.contains_key(target));
                self.tokens.retain(|(acct, _), _| acct != a);
                self.token_order.retain(|(acct, _)| acct != a);
                saved
            }
        };
        self.rec = rec;
        self.emit(
            || Event::Reset {
                account: account.map(str::to_string),
            },
            || Undo::Reset(Box::new(saved)),
        );
    }

    /// Load groups, instances and tokens into an empty state (a snapshot or a fixture). Group and
    /// rule ids must be unique, a same-account group peer must exist in the same scope, and an
    /// instance's groups must exist in its scope.
    pub fn load(
        &mut self,
        groups: Vec<Group>,
        instances: Vec<Instance>,
        lists: Vec<List>,
        tokens: Vec<TokenRecord>,
    ) -> Result<(), LoadError> {
        let mut list_scopes: HashMap<&str, (&Scope, crate::domain::lists::ListKind)> =
            HashMap::default();
        for l in self.lists.by_id.values() {
            list_scopes.insert(l.id.as_str(), (&l.scope, l.kind));
        }
        for l in &lists {
            if list_scopes
                .insert(l.id.as_str(), (&l.scope, l.kind))
                .is_some()
            {
                return Err(LoadError::ListTwice(l.id.clone()));
            }
        }
        for g in &groups {
            for r in g.rules.iter() {
                let prefix = match r.peer() {
                    Some(Peer::PrefixList(id)) => {
                        Some((id.as_str(), crate::domain::lists::ListKind::Prefix))
                    }
                    _ => None,
                };
                let port = r
                    .port_list
                    .as_deref()
                    .map(|id| (id, crate::domain::lists::ListKind::PortRange));
                for (id, kind) in prefix.into_iter().chain(port) {
                    if list_scopes
                        .get(id)
                        .is_none_or(|(s, k)| **s != g.scope || *k != kind)
                    {
                        return Err(LoadError::ListElsewhere {
                            rule: r.id.to_string(),
                            list: id.to_string(),
                        });
                    }
                }
            }
        }
        drop(list_scopes);
        let mut rule_ids = HashSet::default();
        let mut known: HashMap<&str, &Scope> = HashMap::default();
        for g in self.groups.values() {
            known.insert(g.id.as_str(), &g.scope);
        }
        for g in &groups {
            if known.insert(g.id.as_str(), &g.scope).is_some() {
                return Err(LoadError::GroupTwice(g.id.clone()));
            }
            for r in g.rules.iter() {
                if !rule_ids.insert(r.id.as_str()) {
                    return Err(LoadError::RuleTwice(r.id.to_string()));
                }
            }
        }
        for g in &groups {
            for r in g.rules.iter() {
                if let Some(Peer::Group(p)) = r.peer() {
                    let ok = p.owner.is_some()
                        || known.get(p.id.as_str()).is_some_and(|s| **s == g.scope);
                    if !ok {
                        return Err(LoadError::PeerElsewhere {
                            rule: r.id.to_string(),
                            group: g.id.clone(),
                            peer: p.id.clone(),
                        });
                    }
                }
            }
        }
        let mut nics = HashSet::default();
        let mut instance_ids = HashSet::default();
        for i in &instances {
            if !instance_ids.insert(i.id.as_str()) || self.instance(&i.id).is_some() {
                return Err(LoadError::InstanceTwice(i.id.clone()));
            }
            for n in &i.nics {
                if !nics.insert(n.id.as_str()) || self.instances.nics.contains_key(&n.id) {
                    return Err(LoadError::NicTwice(n.id.clone()));
                }
            }
            for (n, g) in i.memberships() {
                if known.get(g).is_none_or(|s| **s != i.scope) {
                    return Err(LoadError::MemberElsewhere {
                        nic: n.id.clone(),
                        group: g.to_string(),
                    });
                }
            }
        }
        drop(known);
        drop(rule_ids);
        drop(nics);
        drop(instance_ids);
        let rec = self.rec.take();
        for l in lists {
            self.put_list(Arc::new(l));
        }
        for g in groups {
            self.insert_group(Arc::new(g));
        }
        for i in instances {
            self.put_instance(Arc::new(i));
        }
        for t in tokens {
            self.record_token(t);
        }
        self.rec = rec;
        Ok(())
    }
}
