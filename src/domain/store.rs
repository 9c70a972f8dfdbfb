//! The whole emulated state (accounts → scopes → groups → rules) and every mutation on it.
//!
//! Each operation validates everything first and only then changes anything, so a failed request
//! changes nothing. Changes go through a handful of primitives (insert/remove a group or a rule, …);
//! when a [`Sink`] is attached each primitive also emits an [`Event`], which the sink makes durable
//! before the request is answered, and replay applies events through the same primitives — so a
//! replayed state cannot drift from the live one. The [`Store`] wraps the state in one lock: a request
//! looks up, validates and applies under a single write guard, never held across an `.await`.

use std::collections::{BTreeSet, VecDeque};

// A fast non-cryptographic hasher: keys are our own ids and rule keys, not attacker-chosen.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::{Arc, Mutex, RwLock};

use super::error::{DomainError, Side};
use super::group::{Group, RuleSet, Scope};
use super::rule::{
    merge_patch, parse_rule, peer_side, Dialect, GroupPeer, Identity, Peer, Rule, RuleDraft,
    RuleInput,
};
use super::values::{Direction, GroupType, Policy};

/// Configurable limits (docs/reference/ecs.md §1.14).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Rules per group, inbound and outbound together: 200 (docs/reference/conflicts.md #5).
    pub rules_per_group: usize,
    /// Rules whose peer is a group, per basic group: 20.
    pub group_peer_rules: usize,
    /// Groups per account and namespace: "at least 100" (docs/reference/conflicts.md #6).
    pub groups_per_scope: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            rules_per_group: 200,
            group_peer_rules: 20,
            groups_per_scope: 100,
        }
    }
}

/// Attributes of a new group, already validated by the product.
#[derive(Debug, Clone)]
pub struct NewGroup {
    pub name: String,
    pub description: String,
    pub kind: GroupType,
    pub vpc_id: Option<String>,
    pub resource_group_id: String,
    pub tags: Vec<(String, String)>,
    pub identity: Identity,
}

/// A `ClientToken` with the fingerprint of the request's business parameters.
#[derive(Debug, Clone)]
pub struct Token {
    pub value: String,
    pub fingerprint: String,
}

/// A remembered ClientToken: whose, which token, the request it answered, and its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub account: String,
    pub token: String,
    pub fingerprint: String,
    pub outcome: Option<String>,
}

/// What to do when Authorize meets a rule that already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDuplicate {
    /// ECS: succeed and add nothing (every AuthorizeSecurityGroup doc version).
    Ignore,
    /// ENS: `SecurityGroupRuleConflict.Duplicated` (ENS seed error list).
    Reject,
}

/// What to do when a revoke-by-match finds no rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnMissing {
    /// ECS: "the invoke succeeds but no rule is deleted" (seed RevokeSecurityGroupEgress).
    Ignore,
    /// ENS: `SecurityGroupRule.NotFound` (ENS seed error list).
    Reject,
}

/// Unix seconds, replaceable so tests can pin time.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

const TOKEN_MEMORY: usize = 10_000;

/// One change to the state, as the primitives make it. A sink journals these; replay applies them.
#[derive(Debug, Clone)]
pub enum Event {
    GroupInserted(Arc<Group>),
    GroupRemoved {
        id: String,
    },
    /// The group's mutable attributes after a change (name, description, policy, tags, resource group).
    GroupUpdated(Box<GroupAttrs>),
    RuleInserted {
        group: String,
        rule: Box<Rule>,
    },
    RuleRemoved {
        group: String,
        rule: String,
    },
    RuleReplaced {
        group: String,
        rule: Box<Rule>,
    },
    TokenRecorded(TokenRecord),
    /// The id counter after a request that issued ids, and the seed it counts with: ids never repeat,
    /// also across restarts with another `--seed`.
    IdsIssued {
        issued: u64,
        /// Absent in journals written before the seed was journaled.
        seed: Option<u64>,
    },
    /// All state, or one account's, dropped.
    Reset {
        account: Option<String>,
    },
}

/// The attributes of a group that change after creation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupAttrs {
    pub id: String,
    pub name: String,
    pub description: String,
    pub inner_policy: Policy,
    pub tags: Vec<(String, String)>,
    pub resource_group_id: String,
}

/// Where events go to become durable (the journal). Errors are messages: the store answers a request
/// whose events could not be written with an internal error, after taking the change back in memory.
pub trait Sink: Send + Sync {
    /// Make one request's events durable, all or nothing: on an error nothing of them may remain.
    fn append(&mut self, events: &[Event]) -> Result<(), String>;
    /// When the journal has grown enough (and no compaction is running): work that compacts it into a
    /// snapshot of `state`, to run off the lock (it copies what it needs from `state` cheaply).
    fn compaction(&mut self, state: &State) -> Option<Compaction>;
    /// Write `state` as the snapshot now, synchronously (a state import, the final snapshot).
    fn snapshot(&mut self, state: &State) -> Result<(), String>;
}

/// A compaction job, run on a thread of its own.
pub type Compaction = Box<dyn FnOnce() + Send>;

/// A cheap copy of everything a snapshot holds: groups are shared, not cloned (a group is copied
/// only when it is next changed, while a copy is alive).
pub struct Frozen {
    pub groups: Vec<Arc<Group>>,
    pub tokens: Vec<TokenRecord>,
    pub seed: u64,
    pub issued: u64,
}

/// Resource ids: `prefix` + 20 lower-case letters and digits, like `sg-bp67acfmxazb4p…` in the docs.
/// The first 13 characters are a keyed bijection of a counter, so ids never repeat while the counter
/// only grows (it is journaled); the same seed gives the same ids.
#[derive(Debug, Clone)]
struct IdGen {
    seed: u64,
    issued: u64,
}

/// splitmix64's finaliser: a bijection on u64.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// `n` in lower-case base 36, left-padded with `0` to `width` digits (the low `width` digits if longer).
fn base36(mut n: u64, width: usize, out: &mut String) {
    let mut digits = vec!['0'; width];
    for d in digits.iter_mut().rev() {
        // `n % 36` is always a base-36 digit, so `from_digit` never answers `None`.
        *d = char::from_digit((n % 36) as u32, 36).unwrap_or('0');
        n /= 36;
    }
    out.extend(digits);
}

impl IdGen {
    fn next(&mut self, prefix: &str) -> String {
        self.issued += 1;
        // Both the counter and the seed are mixed before they meet: with `counter ^ seed`, seeds 1 and
        // 2 gave the same ids in another order, so a restart with another `--seed` repeated ids.
        let unique = mix(mix(self.issued) ^ mix(self.seed ^ 0x5851_f42d_4c95_7f2d));
        let mut s = String::with_capacity(prefix.len() + 20);
        s.push_str(prefix);
        // 36^13 > 2^64: the first 13 characters hold `unique` whole.
        base36(unique, 13, &mut s);
        base36(
            mix(unique ^ 0x9e37_79b9_7f4a_7c15) % 78_364_164_096,
            7,
            &mut s,
        );
        s
    }
}

pub struct State {
    limits: Limits,
    groups: HashMap<String, Arc<Group>>,
    by_scope: HashMap<Scope, BTreeSet<String>>,
    /// target group id → holder group id → number of the holder's rules that name the target.
    referenced_by: HashMap<String, HashMap<String, u32>>,
    tokens: HashMap<(String, String), TokenRecord>,
    token_order: VecDeque<(String, String)>,
    ids: IdGen,
    clock: Clock,
    /// The current request's events and undo steps, when a sink is attached.
    rec: Option<Recorder>,
}

/// What the primitives record for one request: the events to journal, and how to take each change
/// back if the journal cannot be written (applied in reverse; an undo step cannot fail).
#[derive(Default)]
struct Recorder {
    events: Vec<Event>,
    undo: Vec<Undo>,
}

/// The inverse of one primitive's change.
enum Undo {
    /// Of `insert_group`.
    RemoveGroup(String),
    /// Of `remove_group`: the group as it was.
    InsertGroup(Arc<Group>),
    /// Of `update_group`: the attributes before.
    Attrs(Box<GroupAttrs>),
    /// Of `insert_rule`.
    RemoveRule { group: String, rule: String },
    /// Of `remove_rule`: the rule and where it stood in the listing.
    RestoreRule {
        group: String,
        position: u64,
        rule: Box<Rule>,
    },
    /// Of `replace_rule`: the rule before.
    ReplaceRule { group: String, rule: Box<Rule> },
    /// Of `record_token`.
    Token(Box<TokenUndo>),
    /// Of `reset`: everything as it was.
    Reset(Box<Saved>),
}

/// How to take back a recorded ClientToken.
struct TokenUndo {
    key: (String, String),
    previous: Option<TokenRecord>,
    pushed: bool,
    evicted: Option<((String, String), TokenRecord)>,
}

/// The whole state's collections, as a reset found them.
struct Saved {
    groups: HashMap<String, Arc<Group>>,
    by_scope: HashMap<Scope, BTreeSet<String>>,
    referenced_by: HashMap<String, HashMap<String, u32>>,
    tokens: HashMap<(String, String), TokenRecord>,
    token_order: VecDeque<(String, String)>,
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

    fn new_id(&mut self, prefix: &str) -> String {
        self.ids.next(prefix)
    }

    /// Record a change: its event (built only when a sink listens) and its undo step.
    fn emit(&mut self, e: impl FnOnce() -> Event, undo: impl FnOnce() -> Undo) {
        if let Some(rec) = self.rec.as_mut() {
            rec.events.push(e());
            rec.undo.push(undo());
        }
    }

    fn recording(&self) -> bool {
        self.rec.is_some()
    }

    /// A cheap copy of what a snapshot holds (groups shared, not cloned).
    pub fn freeze(&self) -> Frozen {
        Frozen {
            groups: self.groups.values().cloned().collect(),
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

    fn add_ref(&mut self, target: &str, holder: &str) {
        *self
            .referenced_by
            .entry(target.to_string())
            .or_default()
            .entry(holder.to_string())
            .or_insert(0) += 1;
    }

    fn unref(&mut self, target: &str, holder: &str) {
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

    /// A group to change in place; copied first if a snapshot still shares it.
    fn group_mut(&mut self, id: &str) -> Option<&mut Group> {
        self.groups.get_mut(id).map(Arc::make_mut)
    }

    fn insert_group(&mut self, group: Arc<Group>) {
        self.emit(
            || Event::GroupInserted(group.clone()),
            || Undo::RemoveGroup(group.id.clone()),
        );
        for rule in group.rules.iter() {
            if let Some(Peer::Group(g)) = rule.peer() {
                let target = g.id.clone();
                self.add_ref(&target, &group.id);
            }
        }
        self.by_scope
            .entry(group.scope.clone())
            .or_default()
            .insert(group.id.clone());
        self.groups.insert(group.id.clone(), group);
    }

    fn remove_group(&mut self, id: &str) {
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
            if let Some(Peer::Group(g)) = rule.peer() {
                self.unref(&g.id, id);
            }
        }
        self.emit(
            || Event::GroupRemoved { id: id.to_string() },
            || Undo::InsertGroup(group),
        );
    }

    fn attrs(g: &Group) -> GroupAttrs {
        GroupAttrs {
            id: g.id.clone(),
            name: g.name.clone(),
            description: g.description.clone(),
            inner_policy: g.inner_policy,
            tags: g.tags.clone(),
            resource_group_id: g.resource_group_id.clone(),
        }
    }

    fn set_attrs(g: &mut Group, a: GroupAttrs) {
        g.name = a.name;
        g.description = a.description;
        g.inner_policy = a.inner_policy;
        g.tags = a.tags;
        g.resource_group_id = a.resource_group_id;
    }

    /// Change a group's mutable attributes through `f`, and emit the result.
    fn update_group(&mut self, id: &str, f: impl FnOnce(&mut Group)) {
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

    fn insert_rule(&mut self, group: &str, rule: Rule) {
        self.emit(
            || Event::RuleInserted {
                group: group.to_string(),
                rule: Box::new(rule.clone()),
            },
            || Undo::RemoveRule {
                group: group.to_string(),
                rule: rule.id.clone(),
            },
        );
        if let Some(Peer::Group(g)) = rule.peer() {
            let target = g.id.clone();
            self.add_ref(&target, group);
        }
        if let Some(g) = self.group_mut(group) {
            g.rules.insert(rule);
        }
    }

    fn remove_rule(&mut self, group: &str, rule: &str) {
        let removed = self.group_mut(group).and_then(|g| g.rules.remove_at(rule));
        let Some((position, removed)) = removed else {
            return;
        };
        if let Some(Peer::Group(g)) = removed.peer() {
            let target = g.id.clone();
            self.unref(&target, group);
        }
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

    fn replace_rule(&mut self, group: &str, rule: Rule) {
        let Some(old) = self
            .groups
            .get(group)
            .and_then(|g| g.rules.by_id(&rule.id))
            .cloned()
        else {
            return;
        };
        let old_target = old.peer().and_then(Peer::group).map(|g| g.id.clone());
        let new_target = rule.peer().and_then(Peer::group).map(|g| g.id.clone());
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
        if old_target != new_target {
            if let Some(t) = old_target {
                self.unref(&t, group);
            }
            if let Some(t) = new_target {
                self.add_ref(&t, group);
            }
        }
    }

    fn record_token(&mut self, record: TokenRecord) {
        let k = (record.account.clone(), record.token.clone());
        let mut evicted = None;
        if self.token_order.len() >= TOKEN_MEMORY && !self.tokens.contains_key(&k) {
            if let Some(old) = self.token_order.pop_front() {
                if let Some(r) = self.tokens.remove(&old) {
                    evicted = Some((old, r));
                }
            }
        }
        let previous = self.tokens.insert(k.clone(), record.clone());
        let pushed = previous.is_none();
        if pushed {
            self.token_order.push_back(k.clone());
        }
        self.emit(
            || Event::TokenRecorded(record),
            || {
                Undo::Token(Box::new(TokenUndo {
                    key: k,
                    previous,
                    pushed,
                    evicted,
                }))
            },
        );
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
            },
            Some(a) => {
                // Groups are shared, so this copy is of the indexes, not of the rules.
                let saved = Saved {
                    groups: self.groups.clone(),
                    by_scope: self.by_scope.clone(),
                    referenced_by: self.referenced_by.clone(),
                    tokens: self.tokens.clone(),
                    token_order: self.token_order.clone(),
                };
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

    /// Take back one change (in reverse order of the changes). Records nothing.
    fn undo(&mut self, step: Undo) {
        match step {
            Undo::RemoveGroup(id) => self.remove_group(&id),
            Undo::InsertGroup(g) => self.insert_group(g),
            Undo::Attrs(a) => {
                if let Some(g) = self.group_mut(&a.id) {
                    Self::set_attrs(g, *a);
                }
            }
            Undo::RemoveRule { group, rule } => self.remove_rule(&group, &rule),
            Undo::RestoreRule {
                group,
                position,
                rule,
            } => {
                if let Some(Peer::Group(g)) = rule.peer() {
                    let target = g.id.clone();
                    self.add_ref(&target, &group);
                }
                if let Some(g) = self.group_mut(&group) {
                    g.rules.insert_at(position, *rule);
                }
            }
            Undo::ReplaceRule { group, rule } => self.replace_rule(&group, *rule),
            Undo::Token(t) => {
                let TokenUndo {
                    key,
                    previous,
                    pushed,
                    evicted,
                } = *t;
                match previous {
                    Some(p) => {
                        self.tokens.insert(key, p);
                    }
                    None => {
                        self.tokens.remove(&key);
                    }
                }
                if pushed {
                    self.token_order.pop_back();
                }
                if let Some((k, r)) = evicted {
                    self.token_order.push_front(k.clone());
                    self.tokens.insert(k, r);
                }
            }
            Undo::Reset(saved) => {
                let Saved {
                    groups,
                    by_scope,
                    referenced_by,
                    tokens,
                    token_order,
                } = *saved;
                self.groups = groups;
                self.by_scope = by_scope;
                self.referenced_by = referenced_by;
                self.tokens = tokens;
                self.token_order = token_order;
            }
        }
    }

    /// Apply a journaled event (replay). Records nothing.
    pub fn apply(&mut self, event: Event) {
        let rec = self.rec.take();
        match event {
            Event::GroupInserted(g) => self.insert_group(g),
            Event::GroupRemoved { id } => self.remove_group(&id),
            Event::GroupUpdated(a) => {
                if let Some(g) = self.group_mut(&a.id) {
                    Self::set_attrs(g, *a);
                }
            }
            Event::RuleInserted { group, rule } => self.insert_rule(&group, *rule),
            Event::RuleRemoved { group, rule } => self.remove_rule(&group, &rule),
            Event::RuleReplaced { group, rule } => self.replace_rule(&group, *rule),
            Event::TokenRecorded(t) => self.record_token(t),
            Event::IdsIssued { issued, seed } => match seed {
                // The journal's seed is the state's: a restart with another `--seed` continues it.
                Some(seed) if seed != self.ids.seed => self.ids = IdGen { seed, issued },
                _ => self.ids.issued = self.ids.issued.max(issued),
            },
            Event::Reset { account } => self.reset(account.as_deref()),
        }
        self.rec = rec;
    }

    /// Load groups and tokens into an empty state (a snapshot or a fixture). Group and rule ids must
    /// be unique, and a same-account group peer must exist in the same scope.
    pub fn load(&mut self, groups: Vec<Group>, tokens: Vec<TokenRecord>) -> Result<(), String> {
        let mut rule_ids = HashSet::default();
        let mut known: HashMap<&str, &Scope> = HashMap::default();
        for g in self.groups.values() {
            known.insert(g.id.as_str(), &g.scope);
        }
        for g in &groups {
            if known.insert(g.id.as_str(), &g.scope).is_some() {
                return Err(format!("group {} appears twice", g.id));
            }
            for r in g.rules.iter() {
                if !rule_ids.insert(r.id.as_str()) {
                    return Err(format!("rule {} appears twice", r.id));
                }
            }
        }
        for g in &groups {
            for r in g.rules.iter() {
                if let Some(Peer::Group(p)) = r.peer() {
                    let ok = p.owner.is_some()
                        || known.get(p.id.as_str()).is_some_and(|s| **s == g.scope);
                    if !ok {
                        return Err(format!("rule {} of group {} names group {}, which is not in its account and region", r.id, g.id, p.id));
                    }
                }
            }
        }
        drop(known);
        drop(rule_ids);
        let rec = self.rec.take();
        for g in groups {
            self.insert_group(Arc::new(g));
        }
        for t in tokens {
            self.record_token(t);
        }
        self.rec = rec;
        Ok(())
    }

    /// Start (or stop) recording events and undo steps for a sink.
    pub fn set_recording(&mut self, on: bool) {
        self.rec = on.then(Recorder::default);
    }

    /// The current request's events and undo steps, leaving recording on with empty lists.
    fn take_recorded(&mut self) -> (Vec<Event>, Vec<Undo>) {
        match self.rec.as_mut() {
            Some(r) => (std::mem::take(&mut r.events), std::mem::take(&mut r.undo)),
            None => (Vec::new(), Vec::new()),
        }
    }

    /// Take a request's changes back, newest first.
    fn roll_back(&mut self, undo: Vec<Undo>, issued_before: u64) {
        let rec = self.rec.take();
        for step in undo.into_iter().rev() {
            self.undo(step);
        }
        self.ids.issued = issued_before;
        self.rec = rec;
    }

    // ---------------------------------------------------------------- idempotency

    /// Run `f` once per `ClientToken`: a repeat with the same parameters returns the first outcome and
    /// changes nothing; the same token with other parameters is `IdempotentParameterMismatch`
    /// (docs/reference/ecs.md §1.0 ClientToken). Only successes are remembered, so a failed call may be retried.
    pub fn idempotent(
        &mut self,
        account: &str,
        token: Option<&Token>,
        f: impl FnOnce(&mut State) -> Result<Option<String>, DomainError>,
    ) -> Result<Option<String>, DomainError> {
        let Some(token) = token else {
            return f(self);
        };
        if let Some(t) = self.tokens.get(&(account.to_string(), token.value.clone())) {
            return if t.fingerprint == token.fingerprint {
                Ok(t.outcome.clone())
            } else {
                Err(DomainError::TokenMismatch)
            };
        }
        let outcome = f(self)?;
        self.record_token(TokenRecord {
            account: account.to_string(),
            token: token.value.clone(),
            fingerprint: token.fingerprint.clone(),
            outcome: outcome.clone(),
        });
        Ok(outcome)
    }

    // ---------------------------------------------------------------- groups

    pub fn create_group(&mut self, scope: &Scope, new: NewGroup) -> Result<String, DomainError> {
        if self.by_scope.get(scope).map_or(0, BTreeSet::len) >= self.limits.groups_per_scope {
            return Err(DomainError::GroupQuota {
                limit: self.limits.groups_per_scope,
            });
        }
        if new.kind == GroupType::Enterprise && new.vpc_id.is_none() {
            return Err(DomainError::EnterpriseNeedsVpc);
        }
        let mut id = self.new_id("sg-");
        while self.groups.contains_key(&id) {
            id = self.new_id("sg-");
        }
        let group = Group {
            id: id.clone(),
            scope: scope.clone(),
            name: new.name,
            description: new.description,
            kind: new.kind,
            vpc_id: new.vpc_id,
            resource_group_id: new.resource_group_id,
            created: (self.clock)(),
            // A basic group starts with Accept, an enterprise group with Drop (CreateSecurityGroup doc).
            inner_policy: match new.kind {
                GroupType::Normal => Policy::Accept,
                GroupType::Enterprise => Policy::Drop,
            },
            tags: new.tags,
            rules: RuleSet::new(new.identity),
        };
        self.insert_group(Arc::new(group));
        Ok(id)
    }

    /// Create a group and its first rules in one step (ENS CreateSecurityGroup with `Permissions`):
    /// if a rule is refused, no group is created.
    pub fn create_group_with_rules(
        &mut self,
        scope: &Scope,
        new: NewGroup,
        drafts: &[RuleDraft],
        on_duplicate: OnDuplicate,
    ) -> Result<String, DomainError> {
        let id = self.create_group(scope, new)?;
        if let Err(e) = self.authorize(scope, &id, drafts, on_duplicate) {
            // Nothing referenced the new group yet, so removing it undoes the creation completely
            // (and the store drops the events of a failed request).
            self.remove_group(&id);
            return Err(e);
        }
        Ok(id)
    }

    /// Delete a group and its rules. Refused with `DependencyViolation` while another group's rule
    /// names it (DeleteSecurityGroup doc); the check is live, so it succeeds the moment the last
    /// reference goes (docs/reference/terraform.md S3 step 7).
    pub fn delete_group(&mut self, scope: &Scope, id: &str) -> Result<(), DomainError> {
        self.group(scope, id)?;
        if !self.referencing(id).is_empty() {
            return Err(DomainError::Referenced);
        }
        self.remove_group(id);
        Ok(())
    }

    /// Change name and/or description. `Some("")` for the description clears it
    /// (docs/reference/terraform.md §7 decision 3).
    pub fn modify_group(
        &mut self,
        scope: &Scope,
        id: &str,
        name: Option<String>,
        description: Option<String>,
    ) -> Result<(), DomainError> {
        self.group(scope, id)?;
        self.update_group(id, |g| {
            if let Some(n) = name {
                g.name = n;
            }
            if let Some(d) = description {
                g.description = d;
            }
        });
        Ok(())
    }

    /// Add or overwrite tags on several groups: all exist, or none is changed; a group keeps at most
    /// 20 tags (TagResources: "If the maximum number of tags is reached, an error message is returned").
    pub fn tag_groups(
        &mut self,
        scope: &Scope,
        ids: &[String],
        tags: &[(String, String)],
    ) -> Result<(), DomainError> {
        const MAX_TAGS: usize = 20;
        for id in ids {
            let g = self.group(scope, id)?;
            let new_keys = tags
                .iter()
                .filter(|(k, _)| !g.tags.iter().any(|(gk, _)| gk == k))
                .count();
            if g.tags.len() + new_keys > MAX_TAGS {
                return Err(DomainError::TagLimit { limit: MAX_TAGS });
            }
        }
        for id in ids {
            self.update_group(id, |g| {
                for (k, v) in tags {
                    match g.tags.iter_mut().find(|(gk, _)| gk == k) {
                        Some(slot) => slot.1 = v.clone(),
                        None => g.tags.push((k.clone(), v.clone())),
                    }
                }
            });
        }
        Ok(())
    }

    /// Remove tags (the given keys, or all of them) from several groups, all of which must exist.
    pub fn untag_groups(
        &mut self,
        scope: &Scope,
        ids: &[String],
        keys: &[String],
        all: bool,
    ) -> Result<(), DomainError> {
        for id in ids {
            self.group(scope, id)?;
        }
        for id in ids {
            self.update_group(id, |g| g.tags.retain(|(k, _)| !all && !keys.contains(k)));
        }
        Ok(())
    }

    pub fn set_resource_group(
        &mut self,
        scope: &Scope,
        id: &str,
        resource_group: &str,
    ) -> Result<(), DomainError> {
        self.group(scope, id)?;
        self.update_group(id, |g| g.resource_group_id = resource_group.to_string());
        Ok(())
    }

    pub fn set_inner_policy(
        &mut self,
        scope: &Scope,
        id: &str,
        policy: Policy,
    ) -> Result<(), DomainError> {
        // "The InnerAccessPolicy attribute of enterprise level security group can't be modified."
        if self.group(scope, id)?.kind == GroupType::Enterprise {
            return Err(DomainError::EnterprisePolicyFixed);
        }
        self.update_group(id, |g| g.inner_policy = policy);
        Ok(())
    }

    // ---------------------------------------------------------------- rules

    fn place(&self, group: &Group, draft: &RuleDraft) -> Result<Rule, DomainError> {
        let nic = group.resolve_nic(draft)?;
        let side = peer_side(draft.direction);
        let normalise = |p: &Option<Peer>| -> Option<Peer> {
            match p {
                Some(Peer::Group(g)) => Some(Peer::Group(GroupPeer {
                    id: g.id.clone(),
                    // Naming one's own account is the same as naming none.
                    owner: g.owner.clone().filter(|o| *o != group.scope.account),
                })),
                other => other.clone(),
            }
        };
        let source = normalise(&draft.source);
        let dest = normalise(&draft.dest);
        let peer = match side {
            Side::Source => source.as_ref(),
            Side::Dest => dest.as_ref(),
        };
        group.check_kind(draft.policy, peer)?;
        match peer {
            Some(Peer::Group(g)) if g.owner.is_none() => {
                if g.id == group.id {
                    return Err(DomainError::SelfReference { side });
                }
                let other = self
                    .groups
                    .get(&g.id)
                    .filter(|o| o.scope == group.scope)
                    .ok_or_else(|| DomainError::PeerGroupNotFound {
                        side,
                        id: g.id.clone(),
                    })?;
                match (&group.vpc_id, &other.vpc_id) {
                    (Some(a), Some(b)) if a != b => {
                        return Err(DomainError::PeerGroupOtherVpc { side })
                    }
                    (Some(_), None) | (None, Some(_)) => return Err(DomainError::PeerNetworkType),
                    _ => {}
                }
            }
            // Prefix lists are not emulated yet, so every id is unknown.
            Some(Peer::PrefixList(id)) => {
                return Err(DomainError::PrefixListNotFound { id: id.clone() })
            }
            _ => {}
        }
        let ports = match (draft.ports, &draft.port_range_list) {
            (Some(p), _) => p,
            // Port range lists are not emulated yet, so every id is unknown.
            (None, Some(id)) => return Err(DomainError::PortRangeListNotFound { id: id.clone() }),
            (None, None) => super::values::PortRange::ANY,
        };
        Ok(Rule {
            id: String::new(),
            created: 0,
            direction: draft.direction,
            protocol: draft.protocol,
            ports,
            source_ports: draft.source_ports,
            policy: draft.policy,
            priority: draft.priority,
            nic,
            description: draft.description.clone().unwrap_or_default(),
            source,
            dest,
        })
    }

    /// Add rules: all or none. Rules already present are skipped (ECS) or refused (ENS); identical
    /// rules within one request are `InvalidParam.DuplicatePermissions`.
    pub fn authorize(
        &mut self,
        scope: &Scope,
        id: &str,
        drafts: &[RuleDraft],
        on_duplicate: OnDuplicate,
    ) -> Result<usize, DomainError> {
        let group = self.group(scope, id)?;
        let identity = group.rules.identity();
        let mut seen = HashSet::default();
        let mut new_rules = Vec::new();
        for d in drafts {
            let rule = self.place(group, d)?;
            let key = rule.key(identity);
            if !seen.insert(key.clone()) {
                return Err(DomainError::DuplicateInRequest);
            }
            if group.rules.find(&key).is_some() {
                match on_duplicate {
                    OnDuplicate::Ignore => continue,
                    OnDuplicate::Reject => return Err(DomainError::RuleExists),
                }
            }
            new_rules.push(rule);
        }
        let limit = self.limits.rules_per_group;
        if group.rules.len() + new_rules.len() > limit {
            return Err(DomainError::RuleLimit { limit });
        }
        let new_group_peers = new_rules
            .iter()
            .filter(|r| matches!(r.peer(), Some(Peer::Group(_))))
            .count();
        let peer_limit = self.limits.group_peer_rules;
        if group.kind == GroupType::Normal
            && new_group_peers > 0
            && group.rules.group_peer_count() + new_group_peers > peer_limit
        {
            return Err(DomainError::GroupPeerLimit { limit: peer_limit });
        }
        // Everything is valid: apply.
        let n = new_rules.len();
        let now = (self.clock)();
        for mut rule in new_rules {
            let mut rid = self.new_id("sgr-");
            while self
                .groups
                .get(id)
                .is_some_and(|g| g.rules.by_id(&rid).is_some())
            {
                rid = self.new_id("sgr-");
            }
            rule.id = rid;
            rule.created = now;
            self.insert_rule(id, rule);
        }
        Ok(n)
    }

    /// Revoke the rules matching the drafts (Description is never compared). With ECS identity a
    /// rule whose Priority differs from the draft's is left alone (docs/reference/terraform.md §7 decision 4).
    pub fn revoke_matching(
        &mut self,
        scope: &Scope,
        id: &str,
        drafts: &[RuleDraft],
        on_missing: OnMissing,
    ) -> Result<usize, DomainError> {
        let group = self.group(scope, id)?;
        let identity = group.rules.identity();
        let mut seen = HashSet::default();
        let mut doomed = Vec::new();
        for d in drafts {
            let pattern = self.place(group, d)?;
            let key = pattern.key(identity);
            if !seen.insert(key.clone()) {
                return Err(DomainError::DuplicateInRequest);
            }
            match group.rules.find(&key) {
                Some(r) if r.priority == pattern.priority => doomed.push(r.id.clone()),
                _ if on_missing == OnMissing::Reject => return Err(DomainError::RuleNotFound),
                _ => {}
            }
        }
        for rid in &doomed {
            self.remove_rule(id, rid);
        }
        Ok(doomed.len())
    }

    /// Revoke rules by id (one direction). Every id must exist; none may repeat.
    pub fn revoke_ids(
        &mut self,
        scope: &Scope,
        id: &str,
        direction: Direction,
        rule_ids: &[String],
    ) -> Result<usize, DomainError> {
        let group = self.group(scope, id)?;
        let mut seen = HashSet::default();
        for rid in rule_ids {
            if !is_rule_id(rid) {
                return Err(DomainError::RuleIdMalformed { id: rid.clone() });
            }
            if !seen.insert(rid.as_str()) {
                return Err(DomainError::RuleIdRepeated { id: rid.clone() });
            }
            if group
                .rules
                .by_id(rid)
                .is_none_or(|r| r.direction != direction)
            {
                return Err(DomainError::RuleIdNotFound { id: rid.clone() });
            }
        }
        for rid in rule_ids {
            self.remove_rule(id, rid);
        }
        Ok(rule_ids.len())
    }

    pub fn modify_rule_by_id(
        &mut self,
        scope: &Scope,
        id: &str,
        direction: Direction,
        rule_id: &str,
        patch: &RuleInput,
        dialect: &Dialect,
    ) -> Result<(), DomainError> {
        let group = self.group(scope, id)?;
        let old = group
            .rules
            .by_id(rule_id)
            .filter(|r| r.direction == direction)
            .ok_or_else(|| DomainError::RuleIdNotFound {
                id: rule_id.to_string(),
            })?;
        // The NIC type cannot change (ModifySecurityGroupEgressRule page): a sent value other than
        // the rule's is refused, even where the group would read it as intranet anyway.
        if let Some(sent) = patch.nic_type.present() {
            if sent
                .parse::<super::values::NicType>()
                .is_ok_and(|nic| nic != old.nic)
            {
                return Err(DomainError::ModifyNicType);
            }
        }
        let merged = merge_patch(old, patch)?;
        let draft = parse_rule(&merged, dialect)?;
        let mut rule = self.place(group, &draft)?;
        if rule.nic != old.nic {
            return Err(DomainError::ModifyNicType);
        }
        if rule.peer().map(Peer::kind) != old.peer().map(Peer::kind) {
            return Err(DomainError::ModifyPeerKind);
        }
        let identity = group.rules.identity();
        if group
            .rules
            .find(&rule.key(identity))
            .is_some_and(|other| other.id != old.id)
        {
            return Err(DomainError::ModifyDuplicate);
        }
        rule.id = old.id.clone();
        rule.created = old.created;
        self.replace_rule(id, rule);
        Ok(())
    }

    /// Change the description of the rule matching `draft` (legacy modify without a rule id). No
    /// match, or a Priority mismatch, is `SecurityGroupRule.NotFound` ("The target security group
    /// rule do not exist or the parameter Priority mismatch", seed ModifySecurityGroupEgressRule).
    pub fn modify_rule_by_match(
        &mut self,
        scope: &Scope,
        id: &str,
        draft: &RuleDraft,
    ) -> Result<(), DomainError> {
        let group = self.group(scope, id)?;
        let pattern = self.place(group, draft)?;
        let rid = match group.rules.find(&pattern.key(group.rules.identity())) {
            Some(r) if r.priority == pattern.priority => r.id.clone(),
            _ => return Err(DomainError::RuleNotFound),
        };
        if let Some(desc) = &draft.description {
            if let Some(mut r) = group.rules.by_id(&rid).cloned() {
                r.description = desc.clone();
                self.replace_rule(id, r);
            }
        }
        Ok(())
    }
}

/// `sgr-` followed by lower-case letters and digits.
pub fn is_rule_id(s: &str) -> bool {
    s.strip_prefix("sgr-").is_some_and(|rest| {
        !rest.is_empty() && rest.len() <= 64 && rest.bytes().all(|c| c.is_ascii_alphanumeric())
    })
}

struct Inner {
    state: State,
    sink: Option<Box<dyn Sink>>,
}

/// The state behind one lock, and the sink that makes its changes durable.
pub struct Store {
    inner: RwLock<Inner>,
    /// The compaction running on its own thread, if any.
    compaction: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Store {
    pub fn new(state: State) -> Store {
        Store {
            inner: RwLock::new(Inner { state, sink: None }),
            compaction: Mutex::new(None),
        }
    }

    /// From now on, every change is handed to `sink` before its request is answered.
    pub fn attach(&self, sink: Box<dyn Sink>) {
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        inner.state.set_recording(true);
        inner.sink = Some(sink);
    }

    pub fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        // A panic while holding the lock would be a bug elsewhere; the state is still consistent
        // because every mutation validates before it changes anything, so keep serving.
        let guard = self.inner.read().unwrap_or_else(|e| e.into_inner());
        f(&guard.state)
    }

    /// Run one request's change. Its events are made durable before this returns; if that fails the
    /// change is taken back in memory (undo steps cannot fail) and the request fails with `Storage`,
    /// so a write answered with an error is never visible, and never built upon.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&mut State) -> Result<T, DomainError>,
    ) -> Result<T, DomainError> {
        let (value, compaction) = {
            let mut guard = self.inner.write().unwrap_or_else(|e| e.into_inner());
            let inner = &mut *guard;
            let issued_before = inner.state.ids.issued;
            let result = f(&mut inner.state);
            let (mut events, undo) = inner.state.take_recorded();
            let Some(sink) = inner.sink.as_mut() else {
                return result;
            };
            let value = match result {
                Ok(v) => v,
                Err(e) => {
                    // Operations validate before they change anything; this also takes back what a
                    // failed one did change (ids it issued included).
                    inner.state.roll_back(undo, issued_before);
                    return Err(e);
                }
            };
            if inner.state.ids.issued != issued_before {
                events.push(Event::IdsIssued {
                    issued: inner.state.ids.issued,
                    seed: Some(inner.state.ids.seed),
                });
            }
            if events.is_empty() {
                return Ok(value);
            }
            if let Err(e) = sink.append(&events) {
                tracing::error!(error = %e, "could not write the journal; the change is taken back");
                inner.state.roll_back(undo, issued_before);
                return Err(DomainError::Storage(e));
            }
            (value, sink.compaction(&inner.state))
        };
        if let Some(job) = compaction {
            self.spawn_compaction(job);
        }
        Ok(value)
    }

    fn spawn_compaction(&self, job: Compaction) {
        let mut slot = self.compaction.lock().unwrap_or_else(|e| e.into_inner());
        // The sink starts one compaction at a time, so a previous thread has finished or is about to.
        if let Some(previous) = slot.take() {
            let _ = previous.join();
        }
        match std::thread::Builder::new()
            .name("sgmock-compaction".into())
            .spawn(job)
        {
            Ok(handle) => *slot = Some(handle),
            Err(e) => tracing::warn!(error = %e, "could not start a compaction thread"),
        }
    }

    /// Wait for a running compaction to finish (tests; a final snapshot).
    pub fn settle(&self) {
        let handle = self
            .compaction
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(h) = handle {
            let _ = h.join();
        }
    }

    /// Replace the whole state (PUT /_sgmock/state). With a sink the new state is snapshotted first;
    /// if that fails nothing changes. Ids keep counting when the new state has the same seed.
    pub fn replace(&self, mut state: State) -> Result<(), String> {
        let mut guard = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let inner = &mut *guard;
        state.set_clock(inner.state.clock());
        if state.ids.seed == inner.state.ids.seed {
            state.ids.issued = state.ids.issued.max(inner.state.ids.issued);
        }
        if let Some(sink) = inner.sink.as_mut() {
            sink.snapshot(&state)?;
            state.set_recording(true);
        }
        inner.state = state;
        Ok(())
    }

    /// Make the state durable as a snapshot now (shutdown).
    pub fn flush(&self) -> Result<(), String> {
        self.settle();
        let mut guard = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let inner = &mut *guard;
        match inner.sink.as_mut() {
            Some(sink) => sink.snapshot(&inner.state),
            None => Ok(()),
        }
    }
}

impl Drop for Store {
    /// A compaction still running finishes (or removes its temporary file) before the state's
    /// files are let go: the next owner of the state file never meets a half-done one.
    fn drop(&mut self) {
        self.settle();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_never_repeat_and_the_same_seed_gives_the_same_ids() {
        let mut a = IdGen { seed: 7, issued: 0 };
        let mut b = IdGen { seed: 7, issued: 0 };
        let mut seen = HashSet::default();
        for _ in 0..10_000 {
            let id = a.next("sg-");
            assert_eq!(id, b.next("sg-"));
            assert_eq!(id.len(), 23);
            assert!(
                id[3..]
                    .bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
                "{id}"
            );
            assert!(seen.insert(id));
        }
        // Continuing a counter continues the sequence.
        let mut c = IdGen {
            seed: 7,
            issued: 10_000,
        };
        assert!(!seen.contains(&c.next("sg-")));
        assert_ne!(
            IdGen { seed: 8, issued: 0 }.next("sg-"),
            IdGen { seed: 7, issued: 0 }.next("sg-")
        );
    }
}
