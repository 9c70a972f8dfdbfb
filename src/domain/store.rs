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
use std::sync::{Arc, RwLock};

use super::error::{DomainError, Side};
use super::group::{Group, RuleSet, Scope};
use super::rule::{
    parse_rule, peer_side, Dialect, GroupPeer, Identity, Peer, Rule, RuleDraft, RuleInput, FIELDS,
};
use super::values::{Direction, GroupType, Policy};

/// Configurable limits (semantics.md §1.14).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Rules per group, inbound and outbound together: 200 (semantics.md §5 #5).
    pub rules_per_group: usize,
    /// Rules whose peer is a group, per basic group: 20.
    pub group_peer_rules: usize,
    /// Groups per account and namespace: "at least 100" (semantics.md §5 #6).
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
    GroupInserted(Box<Group>),
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
    /// The id counter after a request that issued ids (ids never repeat, also across restarts).
    IdsIssued {
        issued: u64,
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
/// whose events could not be written with an internal error, after rolling back to what the sink holds.
pub trait Sink: Send + Sync {
    fn append(&mut self, events: &[Event]) -> Result<(), String>;
    /// Whether the journal has grown enough to be compacted into a snapshot.
    fn wants_snapshot(&self) -> bool;
    fn snapshot(&mut self, state: &State) -> Result<(), String>;
    /// The state as the sink holds it (to roll back a change that could not be written).
    fn reload(&mut self) -> Result<State, String>;
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
        let unique = mix(self.issued ^ self.seed);
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
    groups: HashMap<String, Group>,
    by_scope: HashMap<Scope, BTreeSet<String>>,
    /// target group id → holder group id → number of the holder's rules that name the target.
    referenced_by: HashMap<String, HashMap<String, u32>>,
    tokens: HashMap<(String, String), TokenRecord>,
    token_order: VecDeque<(String, String)>,
    ids: IdGen,
    clock: Clock,
    /// Events of the current request, when a sink is attached.
    events: Option<Vec<Event>>,
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
            events: None,
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

    fn emit(&mut self, e: impl FnOnce() -> Event) {
        if let Some(events) = self.events.as_mut() {
            events.push(e());
        }
    }

    // ---------------------------------------------------------------- lookups

    pub fn group(&self, scope: &Scope, id: &str) -> Result<&Group, DomainError> {
        self.groups
            .get(id)
            .filter(|g| &g.scope == scope)
            .ok_or_else(|| DomainError::GroupNotFound { id: id.to_string() })
    }

    /// Any group by id, whatever its scope (for rendering a peer group's name).
    pub fn group_any(&self, id: &str) -> Option<&Group> {
        self.groups.get(id)
    }

    /// Every group, in no particular order (snapshots sort what they write).
    pub fn all_groups(&self) -> impl Iterator<Item = &Group> {
        self.groups.values()
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
        ids.filter_map(|id| self.groups.get(id))
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

    fn insert_group(&mut self, group: Group) {
        self.emit(|| Event::GroupInserted(Box::new(group.clone())));
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
        self.emit(|| Event::GroupRemoved { id: id.to_string() });
        let Some(group) = self.groups.remove(id) else {
            return;
        };
        if let Some(ids) = self.by_scope.get_mut(&group.scope) {
            ids.remove(id);
        }
        for rule in group.rules.iter() {
            if let Some(Peer::Group(g)) = rule.peer() {
                self.unref(&g.id, id);
            }
        }
    }

    /// Change a group's mutable attributes through `f`, and emit the result.
    fn update_group(&mut self, id: &str, f: impl FnOnce(&mut Group)) {
        let Some(g) = self.groups.get_mut(id) else {
            return;
        };
        f(g);
        let attrs = GroupAttrs {
            id: g.id.clone(),
            name: g.name.clone(),
            description: g.description.clone(),
            inner_policy: g.inner_policy,
            tags: g.tags.clone(),
            resource_group_id: g.resource_group_id.clone(),
        };
        self.emit(|| Event::GroupUpdated(Box::new(attrs)));
    }

    fn insert_rule(&mut self, group: &str, rule: Rule) {
        self.emit(|| Event::RuleInserted {
            group: group.to_string(),
            rule: Box::new(rule.clone()),
        });
        if let Some(Peer::Group(g)) = rule.peer() {
            let target = g.id.clone();
            self.add_ref(&target, group);
        }
        if let Some(g) = self.groups.get_mut(group) {
            g.rules.insert(rule);
        }
    }

    fn remove_rule(&mut self, group: &str, rule: &str) {
        self.emit(|| Event::RuleRemoved {
            group: group.to_string(),
            rule: rule.to_string(),
        });
        let removed = self
            .groups
            .get_mut(group)
            .and_then(|g| g.rules.remove(rule));
        if let Some(Peer::Group(g)) = removed.as_ref().and_then(Rule::peer) {
            let target = g.id.clone();
            self.unref(&target, group);
        }
    }

    fn replace_rule(&mut self, group: &str, rule: Rule) {
        self.emit(|| Event::RuleReplaced {
            group: group.to_string(),
            rule: Box::new(rule.clone()),
        });
        let old_target = self
            .groups
            .get(group)
            .and_then(|g| g.rules.by_id(&rule.id))
            .and_then(Rule::peer)
            .and_then(Peer::group)
            .map(|g| g.id.clone());
        let new_target = rule.peer().and_then(Peer::group).map(|g| g.id.clone());
        if let Some(g) = self.groups.get_mut(group) {
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
        self.emit(|| Event::TokenRecorded(record.clone()));
        let k = (record.account.clone(), record.token.clone());
        if self.token_order.len() >= TOKEN_MEMORY {
            if let Some(old) = self.token_order.pop_front() {
                self.tokens.remove(&old);
            }
        }
        if self.tokens.insert(k.clone(), record).is_none() {
            self.token_order.push_back(k);
        }
    }

    /// Drop everything, or one account's groups and tokens. The id counter stays: ids never repeat.
    pub fn reset(&mut self, account: Option<&str>) {
        self.emit(|| Event::Reset {
            account: account.map(str::to_string),
        });
        let recording = self.events.take();
        match account {
            None => {
                self.groups.clear();
                self.by_scope.clear();
                self.referenced_by.clear();
                self.tokens.clear();
                self.token_order.clear();
            }
            Some(a) => {
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
            }
        }
        self.events = recording;
    }

    /// Apply a journaled event (replay). Emits nothing.
    pub fn apply(&mut self, event: Event) {
        let recording = self.events.take();
        match event {
            Event::GroupInserted(g) => self.insert_group(*g),
            Event::GroupRemoved { id } => self.remove_group(&id),
            Event::GroupUpdated(a) => self.update_group(&a.id.clone(), |g| {
                g.name = a.name;
                g.description = a.description;
                g.inner_policy = a.inner_policy;
                g.tags = a.tags;
                g.resource_group_id = a.resource_group_id;
            }),
            Event::RuleInserted { group, rule } => self.insert_rule(&group, *rule),
            Event::RuleRemoved { group, rule } => self.remove_rule(&group, &rule),
            Event::RuleReplaced { group, rule } => self.replace_rule(&group, *rule),
            Event::TokenRecorded(t) => self.record_token(t),
            Event::IdsIssued { issued } => self.ids.issued = self.ids.issued.max(issued),
            Event::Reset { account } => self.reset(account.as_deref()),
        }
        self.events = recording;
    }

    /// Load groups and tokens into an empty state (a snapshot or a fixture). Group and rule ids must
    /// be unique, and a same-account group peer must exist in the same scope.
    pub fn load(&mut self, groups: Vec<Group>, tokens: Vec<TokenRecord>) -> Result<(), String> {
        let mut rule_ids = HashSet::default();
        for g in &groups {
            if self.groups.contains_key(&g.id) {
                return Err(format!("group {} appears twice", g.id));
            }
            for r in g.rules.iter() {
                if !rule_ids.insert(r.id.clone()) {
                    return Err(format!("rule {} appears twice", r.id));
                }
            }
            self.groups.insert(g.id.clone(), g.clone());
        }
        for g in &groups {
            for r in g.rules.iter() {
                if let Some(Peer::Group(p)) = r.peer() {
                    let ok = p.owner.is_some()
                        || self.groups.get(&p.id).is_some_and(|o| o.scope == g.scope);
                    if !ok {
                        return Err(format!("rule {} of group {} names group {}, which is not in its account and region", r.id, g.id, p.id));
                    }
                }
            }
        }
        self.groups.clear();
        let recording = self.events.take();
        for g in groups {
            self.insert_group(g);
        }
        for t in tokens {
            self.record_token(t);
        }
        self.events = recording;
        Ok(())
    }

    /// Start (or stop) collecting events for a sink.
    pub fn set_recording(&mut self, on: bool) {
        self.events = if on { Some(Vec::new()) } else { None };
    }

    fn take_events(&mut self) -> Vec<Event> {
        match self.events.as_mut() {
            Some(e) => std::mem::take(e),
            None => Vec::new(),
        }
    }

    // ---------------------------------------------------------------- idempotency

    /// Run `f` once per `ClientToken`: a repeat with the same parameters returns the first outcome and
    /// changes nothing; the same token with other parameters is `IdempotentParameterMismatch`
    /// (semantics.md §1.0 ClientToken). Only successes are remembered, so a failed call may be retried.
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
        self.insert_group(group);
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
    /// reference goes (terraform-flows.md S3 step 7).
    pub fn delete_group(&mut self, scope: &Scope, id: &str) -> Result<(), DomainError> {
        self.group(scope, id)?;
        if !self.referencing(id).is_empty() {
            return Err(DomainError::Referenced);
        }
        self.remove_group(id);
        Ok(())
    }

    /// Change name and/or description. `Some("")` for the description clears it
    /// (terraform-flows.md §7 decision 3).
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
    /// rule whose Priority differs from the draft's is left alone (terraform-flows.md §7 decision 4).
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
        for f in FIELDS {
            let p = patch.get(f);
            if f != "Description"
                && p.is_empty_string()
                && old.field_text(f).is_some_and(|t| !t.is_empty())
            {
                return Err(DomainError::ModifyClear {
                    field: p.name.clone(),
                });
            }
        }
        let touched_source = patch.touches_side(Side::Source);
        let touched_dest = patch.touches_side(Side::Dest);
        let merged = RuleInput::collect(patch.at.clone(), direction, |f| {
            let p = patch.get(f);
            let from_patch =
                if f.starts_with("Source") && f != "SourcePortRange" || f == "Ipv6SourceCidrIp" {
                    touched_source
                } else if f.starts_with("Dest") || f == "Ipv6DestCidrIp" {
                    touched_dest
                } else {
                    p.value.is_some() && (f == "Description" || p.present().is_some())
                };
            if from_patch {
                (p.name.clone(), p.value.clone())
            } else {
                (p.name.clone(), old.field_text(f))
            }
        });
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
}

impl Store {
    pub fn new(state: State) -> Store {
        Store {
            inner: RwLock::new(Inner { state, sink: None }),
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
    /// state is rolled back to what the sink holds and the request fails with `Storage`.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&mut State) -> Result<T, DomainError>,
    ) -> Result<T, DomainError> {
        let mut guard = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let inner = &mut *guard;
        let issued_before = inner.state.ids.issued;
        let result = f(&mut inner.state);
        let mut events = inner.state.take_events();
        let Some(sink) = inner.sink.as_mut() else {
            return result;
        };
        // A failed operation changed nothing (or undid what it did): nothing to write.
        let value = result?;
        if inner.state.ids.issued != issued_before {
            events.push(Event::IdsIssued {
                issued: inner.state.ids.issued,
            });
        }
        if events.is_empty() {
            return Ok(value);
        }
        if let Err(e) = sink.append(&events) {
            tracing::error!(error = %e, "could not write the journal; rolling back");
            match sink.reload() {
                Ok(mut state) => {
                    state.set_clock(inner.state.clock());
                    state.set_recording(true);
                    inner.state = state;
                }
                Err(e2) => tracing::error!(error = %e2, "could not reload the state"),
            }
            return Err(DomainError::Storage(e));
        }
        if sink.wants_snapshot() {
            if let Err(e) = sink.snapshot(&inner.state) {
                // The journal still holds everything; compaction is retried after the next write.
                tracing::warn!(error = %e, "could not write a snapshot");
            }
        }
        Ok(value)
    }

    /// Replace the whole state (PUT /_sgmock/state). With a sink the new state is snapshotted first;
    /// if that fails nothing changes.
    pub fn replace(&self, mut state: State) -> Result<(), String> {
        let mut guard = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let inner = &mut *guard;
        state.set_clock(inner.state.clock());
        if let Some(sink) = inner.sink.as_mut() {
            sink.snapshot(&state)?;
            state.set_recording(true);
        }
        inner.state = state;
        Ok(())
    }

    /// Make the state durable as a snapshot now (shutdown).
    pub fn flush(&self) -> Result<(), String> {
        let mut guard = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let inner = &mut *guard;
        match inner.sink.as_mut() {
            Some(sink) => sink.snapshot(&inner.state),
            None => Ok(()),
        }
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
