//! The whole emulated state (accounts → scopes → groups → rules) and every mutation on it.
//!
//! Each mutation validates everything first and only then changes anything, so a failed request
//! changes nothing. The [`Store`] wraps the state in one lock: a request looks up, validates and
//! applies under a single write guard, and the guard is never held across an `.await` (handlers are
//! synchronous).

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
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

pub struct State {
    limits: Limits,
    groups: HashMap<String, Group>,
    by_scope: HashMap<Scope, BTreeSet<String>>,
    /// target group id → holder group id → number of the holder's rules that name the target.
    referenced_by: HashMap<String, HashMap<String, u32>>,
    tokens: HashMap<(String, String), (String, Option<String>)>,
    token_order: VecDeque<(String, String)>,
    rng: fastrand::Rng,
    clock: Clock,
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

const ID_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

impl State {
    pub fn new(limits: Limits, seed: Option<u64>) -> State {
        State {
            limits,
            groups: HashMap::new(),
            by_scope: HashMap::new(),
            referenced_by: HashMap::new(),
            tokens: HashMap::new(),
            token_order: VecDeque::new(),
            rng: seed.map(fastrand::Rng::with_seed).unwrap_or_default(),
            clock: Arc::new(now_unix),
        }
    }

    /// Replace the clock (tests pin time to compare whole bodies).
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    /// `prefix` + 20 lower-case letters and digits, like `sg-bp67acfmxazb4p…` in the docs.
    fn new_id(&mut self, prefix: &str) -> String {
        let mut s = String::with_capacity(prefix.len() + 20);
        s.push_str(prefix);
        for _ in 0..20 {
            let i = self.rng.usize(..ID_CHARS.len());
            s.push(char::from(ID_CHARS[i]));
        }
        s
    }

    // ---------------------------------------------------------------- lookups

    pub fn group(&self, scope: &Scope, id: &str) -> Result<&Group, DomainError> {
        self.groups
            .get(id)
            .filter(|g| &g.scope == scope)
            .ok_or_else(|| DomainError::GroupNotFound { id: id.to_string() })
    }

    fn group_mut(&mut self, scope: &Scope, id: &str) -> Result<&mut Group, DomainError> {
        self.groups
            .get_mut(id)
            .filter(|g| &g.scope == scope)
            .ok_or_else(|| DomainError::GroupNotFound { id: id.to_string() })
    }

    /// Any group by id, whatever its scope (for rendering a peer group's name).
    pub fn group_any(&self, id: &str) -> Option<&Group> {
        self.groups.get(id)
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
        let k = (account.to_string(), token.value.clone());
        if let Some((fp, outcome)) = self.tokens.get(&k) {
            return if *fp == token.fingerprint {
                Ok(outcome.clone())
            } else {
                Err(DomainError::TokenMismatch)
            };
        }
        let outcome = f(self)?;
        if self.token_order.len() >= TOKEN_MEMORY {
            if let Some(old) = self.token_order.pop_front() {
                self.tokens.remove(&old);
            }
        }
        self.tokens
            .insert(k.clone(), (token.fingerprint.clone(), outcome.clone()));
        self.token_order.push_back(k);
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
        self.by_scope
            .entry(scope.clone())
            .or_default()
            .insert(id.clone());
        self.groups.insert(id.clone(), group);
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
            // Nothing referenced the new group yet, so removing it undoes the creation completely.
            self.groups.remove(&id);
            if let Some(ids) = self.by_scope.get_mut(scope) {
                ids.remove(&id);
            }
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
        let Some(group) = self.groups.remove(id) else {
            return Ok(());
        };
        if let Some(ids) = self.by_scope.get_mut(scope) {
            ids.remove(id);
        }
        for rule in group.rules.iter() {
            if let Some(Peer::Group(g)) = rule.peer() {
                self.unref(&g.id, id);
            }
        }
        self.referenced_by.remove(id);
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
        let g = self.group_mut(scope, id)?;
        if let Some(n) = name {
            g.name = n;
        }
        if let Some(d) = description {
            g.description = d;
        }
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
            if let Some(g) = self.groups.get_mut(id) {
                for (k, v) in tags {
                    match g.tags.iter_mut().find(|(gk, _)| gk == k) {
                        Some(slot) => slot.1 = v.clone(),
                        None => g.tags.push((k.clone(), v.clone())),
                    }
                }
            }
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
            if let Some(g) = self.groups.get_mut(id) {
                g.tags.retain(|(k, _)| !all && !keys.contains(k));
            }
        }
        Ok(())
    }

    pub fn set_resource_group(
        &mut self,
        scope: &Scope,
        id: &str,
        resource_group: &str,
    ) -> Result<(), DomainError> {
        self.group_mut(scope, id)?.resource_group_id = resource_group.to_string();
        Ok(())
    }

    pub fn set_inner_policy(
        &mut self,
        scope: &Scope,
        id: &str,
        policy: Policy,
    ) -> Result<(), DomainError> {
        let g = self.group_mut(scope, id)?;
        // "The InnerAccessPolicy attribute of enterprise level security group can't be modified."
        if g.kind == GroupType::Enterprise {
            return Err(DomainError::EnterprisePolicyFixed);
        }
        g.inner_policy = policy;
        Ok(())
    }

    // ---------------------------------------------------------------- rules

    /// Turn a draft into a rule of `group` (id and time still empty), checking everything that
    /// needs state: NIC type, group type, the peer group, prefix and port lists.
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
        let mut seen = HashSet::new();
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
            if let Some(Peer::Group(g)) = rule.peer() {
                let target = g.id.clone();
                self.add_ref(&target, id);
            }
            if let Some(g) = self.groups.get_mut(id) {
                g.rules.insert(rule);
            }
        }
        Ok(n)
    }

    fn remove_rules(&mut self, id: &str, rule_ids: &[String]) {
        for rid in rule_ids {
            let removed = self.groups.get_mut(id).and_then(|g| g.rules.remove(rid));
            if let Some(Peer::Group(g)) = removed.as_ref().and_then(Rule::peer) {
                let target = g.id.clone();
                self.unref(&target, id);
            }
        }
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
        let mut seen = HashSet::new();
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
        let n = doomed.len();
        self.remove_rules(id, &doomed);
        Ok(n)
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
        let mut seen = HashSet::new();
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
        self.remove_rules(id, rule_ids);
        Ok(rule_ids.len())
    }

    /// Modify a rule in place by id (ModifySecurityGroupRule / EgressRule with `SecurityGroupRuleId`).
    ///
    /// Seed ModifySecurityGroupEgressRule: the peer's kind and address family cannot change, nor the
    /// NIC type; a set field cannot be cleared; the result may not equal another rule.
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
        let old_target = old.peer().and_then(Peer::group).map(|g| g.id.clone());
        let new_target = rule.peer().and_then(Peer::group).map(|g| g.id.clone());
        if let Some(g) = self.groups.get_mut(id) {
            g.rules.replace(rule);
        }
        if old_target != new_target {
            if let Some(t) = old_target {
                self.unref(&t, id);
            }
            if let Some(t) = new_target {
                self.add_ref(&t, id);
            }
        }
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
            if let Some(g) = self.groups.get_mut(id) {
                if let Some(mut r) = g.rules.by_id(&rid).cloned() {
                    r.description = desc.clone();
                    g.rules.replace(r);
                }
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

/// The state behind one lock.
pub struct Store {
    state: RwLock<State>,
}

impl Store {
    pub fn new(limits: Limits, seed: Option<u64>) -> Store {
        Store {
            state: RwLock::new(State::new(limits, seed)),
        }
    }

    pub fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        // A panic while holding the lock would be a bug elsewhere; the state is still consistent
        // because every mutation validates before it changes anything, so keep serving.
        let guard = self.state.read().unwrap_or_else(|e| e.into_inner());
        f(&guard)
    }

    pub fn write<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let mut guard = self.state.write().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }
}
