//! Rule operations: authorize, revoke by match or by id, modify by id or by match. Each validates
//! every rule of the request, then applies all or none.

use crate::domain::error::{DomainError, Side};
use crate::domain::group::{Distinct, Group, Scope};
use crate::domain::lists::ListKind;
use crate::domain::rule::{
    merge_patch, parse_rule, peer_side, Dialect, GroupPeer, Peer, Rule, RuleDraft, RuleInput,
};
use crate::domain::values::{Direction, GroupType, PortRange};
use compact_str::CompactString;
use rustc_hash::FxHashSet as HashSet;

use super::ids::is_rule_id;
use super::lists::PREFIX_LIST_ASSOCIATIONS;
use super::state::State;

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

impl State {
    pub(super) fn place(&self, group: &Group, draft: &RuleDraft) -> Result<Rule, DomainError> {
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
            // A prefix list of the group's region (docs/reference/lists.md §4): its family must be
            // the other side's and the protocol's, and it serves at most 1,000 groups.
            Some(Peer::PrefixList(id)) => {
                let list = self.list(&group.scope, ListKind::Prefix, id)?;
                let other = match side {
                    Side::Source => dest.as_ref(),
                    Side::Dest => source.as_ref(),
                };
                if let Some(c) = other.and_then(Peer::cidr) {
                    if list.family != Some(c.family()) {
                        return Err(DomainError::PrefixListFamily);
                    }
                }
                if draft
                    .protocol
                    .family()
                    .is_some_and(|f| list.family != Some(f))
                {
                    return Err(DomainError::ProtocolListFamily);
                }
                let refs = self.association_count(id);
                let already = self.associations(id).contains(&group.id.as_str());
                if !already && refs >= PREFIX_LIST_ASSOCIATIONS {
                    return Err(DomainError::ListAssociations {
                        limit: PREFIX_LIST_ASSOCIATIONS,
                    });
                }
            }
            _ => {}
        }
        // A `PortRange` wins over a `PortRangeListId` (which is then ignored, not stored).
        let (ports, port_list) = match (draft.ports, &draft.port_range_list) {
            (Some(p), _) => (p, None),
            (None, Some(id)) => {
                if !group.is_vpc() {
                    return Err(DomainError::ClassicPortRangeList);
                }
                self.list(&group.scope, ListKind::PortRange, id)?;
                (PortRange::ANY, Some(id.clone()))
            }
            (None, None) => (PortRange::ANY, None),
        };
        Ok(Rule {
            id: CompactString::default(),
            created: 0,
            direction: draft.direction,
            protocol: draft.protocol,
            ports,
            port_list,
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
        let mut distinct = Distinct::new(identity);
        // Whether each rule of `distinct` is new to the group.
        let mut fresh = Vec::with_capacity(drafts.len());
        for d in drafts {
            let rule = self.place(group, d)?;
            let present = group.rules.find(&rule.key(identity)).is_some();
            if !distinct.push(rule) {
                return Err(DomainError::DuplicateInRequest);
            }
            if present {
                match on_duplicate {
                    OnDuplicate::Ignore => {
                        fresh.push(false);
                        continue;
                    }
                    OnDuplicate::Reject => return Err(DomainError::RuleExists),
                }
            }
            fresh.push(true);
        }
        let new_rules: Vec<Rule> = distinct
            .into_rules()
            .into_iter()
            .zip(fresh)
            .filter_map(|(rule, fresh)| fresh.then_some(rule))
            .collect();
        // Weighted: a rule that references a list counts as the list's MaxEntries
        // (docs/reference/lists.md §5).
        let limit = self.limits.rules_per_group;
        let adding: usize = new_rules.iter().map(|r| self.rule_weight(r)).sum();
        if self.group_weight(group) + adding > limit {
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
            rule.id = CompactString::new(&rid);
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
        let mut distinct = Distinct::new(identity);
        let mut doomed = Vec::new();
        for d in drafts {
            let pattern = self.place(group, d)?;
            let found = group
                .rules
                .find(&pattern.key(identity))
                .filter(|r| r.priority == pattern.priority)
                .map(|r| r.id.clone());
            if !distinct.push(pattern) {
                return Err(DomainError::DuplicateInRequest);
            }
            match found {
                Some(rid) => doomed.push(rid),
                None if on_missing == OnMissing::Reject => return Err(DomainError::RuleNotFound),
                None => {}
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
                .parse::<crate::domain::values::NicType>()
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
        if rule.port_list.is_some() != old.port_list.is_some() {
            return Err(DomainError::ModifyPortRangeType);
        }
        let limit = self.limits.rules_per_group;
        let weight = self
            .group_weight(group)
            .saturating_sub(self.rule_weight(old))
            + self.rule_weight(&rule);
        if weight > limit {
            return Err(DomainError::RuleLimit { limit });
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::cidr::Ipv6Text;
    use crate::domain::group::Namespace;
    use crate::domain::rule::Identity;
    use crate::domain::store::{Limits, NewGroup};

    const ECS: Dialect = Dialect {
        ipv6_text: Ipv6Text::Compressed,
        require_peer: true,
        group_peers: true,
        description: Some((1, 512)),
        distinct_sides: true,
    };

    fn scope() -> Scope {
        Scope {
            account: "a".into(),
            namespace: Namespace::Region("cn-hangzhou".into()),
        }
    }

    fn state(identity: Identity) -> (State, String) {
        let mut s = State::new(Limits::default(), Some(1));
        let id = s
            .create_group(
                &scope(),
                NewGroup {
                    name: String::new(),
                    description: String::new(),
                    kind: GroupType::Normal,
                    vpc_id: Some("vpc-1".into()),
                    resource_group_id: String::new(),
                    tags: Vec::new(),
                    identity,
                },
            )
            .unwrap();
        (s, id)
    }

    /// An inbound TCP rule from `cidr` on `port`, with `priority` and `description`.
    fn draft(cidr: &str, port: u16, priority: &str, description: &str) -> RuleDraft {
        let mut i = RuleInput::new("", Direction::Ingress);
        i.ip_protocol.value = Some("tcp".into());
        i.port_range.value = Some(format!("{port}/{port}"));
        i.source.cidr.value = Some(cidr.into());
        i.priority.value = Some(priority.into());
        i.description.value = Some(description.into());
        parse_rule(&i, &ECS).unwrap()
    }

    fn rules(s: &State, id: &str) -> Vec<Rule> {
        s.group(&scope(), id)
            .unwrap()
            .rules
            .iter()
            .cloned()
            .collect()
    }

    #[test]
    fn authorize_is_all_or_none_and_duplicates_follow_the_policy() {
        let (mut s, id) = state(Identity::WithoutPriority);
        let ok = draft("10.0.0.0/8", 22, "1", "ssh");
        assert_eq!(
            s.authorize(
                &scope(),
                &id,
                std::slice::from_ref(&ok),
                OnDuplicate::Ignore
            ),
            Ok(1)
        );
        // ECS: the same rule again (another description, another priority) adds nothing.
        let again = draft("10.0.0.0/8", 22, "5", "other");
        assert_eq!(
            s.authorize(
                &scope(),
                &id,
                std::slice::from_ref(&again),
                OnDuplicate::Ignore
            ),
            Ok(0)
        );
        assert_eq!(
            s.authorize(&scope(), &id, &[again], OnDuplicate::Reject),
            Err(DomainError::RuleExists)
        );
        // One bad rule (a peer group that does not exist) and nothing of the request is applied.
        let mut bad = draft("10.0.0.0/8", 80, "1", "web");
        bad.source = Some(Peer::Group(GroupPeer {
            id: "sg-missing".into(),
            owner: None,
        }));
        let good = draft("10.0.0.0/8", 443, "1", "tls");
        assert!(matches!(
            s.authorize(&scope(), &id, &[good.clone(), bad], OnDuplicate::Ignore),
            Err(DomainError::PeerGroupNotFound { .. })
        ));
        assert_eq!(
            s.authorize(&scope(), &id, &[good.clone(), good], OnDuplicate::Ignore),
            Err(DomainError::DuplicateInRequest)
        );
        let now = rules(&s, &id);
        assert_eq!(now.len(), 1);
        assert_eq!(
            (now[0].description.as_str(), now[0].priority.to_string()),
            ("ssh", "1".into())
        );
    }

    #[test]
    fn revoke_by_match_ignores_description_and_needs_the_same_priority() {
        let (mut s, id) = state(Identity::WithoutPriority);
        s.authorize(
            &scope(),
            &id,
            &[
                draft("10.0.0.0/8", 22, "3", "ssh"),
                draft("10.0.0.0/8", 80, "1", "web"),
            ],
            OnDuplicate::Ignore,
        )
        .unwrap();
        // Another priority: the rule is left alone (and with Ignore that is a success).
        let other_priority = draft("10.0.0.0/8", 22, "4", "ssh");
        assert_eq!(
            s.revoke_matching(
                &scope(),
                &id,
                std::slice::from_ref(&other_priority),
                OnMissing::Ignore
            ),
            Ok(0)
        );
        assert_eq!(
            s.revoke_matching(&scope(), &id, &[other_priority], OnMissing::Reject),
            Err(DomainError::RuleNotFound)
        );
        // Another description still matches.
        let same = draft("10.0.0.0/8", 22, "3", "anything");
        assert_eq!(
            s.revoke_matching(&scope(), &id, &[same], OnMissing::Reject),
            Ok(1)
        );
        let left: Vec<String> = rules(&s, &id).iter().map(|r| r.ports.to_string()).collect();
        assert_eq!(left, ["80/80"]);
    }

    #[test]
    fn modify_by_id_keeps_id_and_creation_and_refuses_a_duplicate() {
        let (mut s, id) = state(Identity::WithoutPriority);
        s.authorize(
            &scope(),
            &id,
            &[
                draft("10.0.0.0/8", 22, "1", "ssh"),
                draft("10.0.0.0/8", 80, "1", "web"),
            ],
            OnDuplicate::Ignore,
        )
        .unwrap();
        let before = rules(&s, &id);
        let mut patch = RuleInput::new("", Direction::Ingress);
        patch.port_range.value = Some("2222/2222".into());
        s.modify_rule_by_id(
            &scope(),
            &id,
            Direction::Ingress,
            &before[0].id,
            &patch,
            &ECS,
        )
        .unwrap();
        let after = rules(&s, &id);
        assert_eq!(after[0].id, before[0].id);
        assert_eq!(after[0].created, before[0].created);
        assert_eq!(after[0].ports.to_string(), "2222/2222");
        assert_eq!(after[0].description, "ssh");
        // Turning it into the other rule is refused, and nothing changes.
        patch.port_range.value = Some("80/80".into());
        assert_eq!(
            s.modify_rule_by_id(
                &scope(),
                &id,
                Direction::Ingress,
                &before[0].id,
                &patch,
                &ECS
            ),
            Err(DomainError::ModifyDuplicate)
        );
        // The rule id must be of the direction asked for.
        assert_eq!(
            s.modify_rule_by_id(
                &scope(),
                &id,
                Direction::Egress,
                &before[0].id,
                &patch,
                &ECS
            ),
            Err(DomainError::RuleIdNotFound {
                id: before[0].id.to_string()
            })
        );
        assert_eq!(rules(&s, &id)[0].ports.to_string(), "2222/2222");
    }
}
