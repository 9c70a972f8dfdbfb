//! Instances in groups: declaring and releasing virtual instances, JoinSecurityGroup and
//! LeaveSecurityGroup, and the membership index every group's counts and DeleteSecurityGroup read
//! (docs/reference/membership.md). Each operation validates everything, then applies all or none.

use std::collections::BTreeMap;
use std::sync::Arc;

use rustc_hash::FxHashMap as HashMap;

use super::events::{Event, Undo};
use super::state::State;
use crate::domain::error::DomainError;
use crate::domain::group::{Group, Namespace};
use crate::domain::instance::{DeclareError, Instance, Nic};
use crate::domain::values::GroupType;

/// Instances, ENIs and memberships, indexed.
#[derive(Debug, Clone, Default)]
pub(super) struct Instances {
    pub(super) by_id: HashMap<String, Arc<Instance>>,
    /// ENI id → instance id.
    pub(super) nics: HashMap<String, String>,
    /// group id → member ENI id → its instance id (ordered, for stable listings).
    pub(super) members: HashMap<String, BTreeMap<String, String>>,
}

impl Instances {
    fn index(&mut self, i: &Instance) {
        for n in &i.nics {
            self.nics.insert(n.id.clone(), i.id.clone());
        }
        for (n, g) in i.memberships() {
            self.members
                .entry(g.to_string())
                .or_default()
                .insert(n.id.clone(), i.id.clone());
        }
    }

    fn unindex(&mut self, i: &Instance) {
        for n in &i.nics {
            self.nics.remove(&n.id);
        }
        for (n, g) in i.memberships() {
            if let Some(m) = self.members.get_mut(g) {
                m.remove(&n.id);
                if m.is_empty() {
                    self.members.remove(g);
                }
            }
        }
    }
}

/// What a Join or Leave acts on: an instance (its primary ENI) or one ENI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    Instance(&'a str),
    Nic(&'a str),
}

/// How strictly a product checks Join and Leave. ECS documents every check; ENS documents none
/// beyond the status, so it is lenient (docs/reference/membership.md §2, §3, §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MembershipRules {
    /// Network and VPC, one group type per ENI, groups per ENI, group capacity; joining twice and
    /// leaving a non-member are errors; the last group cannot be left.
    Strict,
    /// Only the status; joining twice and leaving a non-member change nothing.
    Lenient,
}

/// Private-IP capacity of a group (docs/reference/ecs.md §1.14): basic VPC 2000, classic 1000,
/// enterprise 65536. Every virtual ENI has one private IP.
pub fn capacity(g: &Group) -> usize {
    match (g.kind, g.is_vpc()) {
        (GroupType::Enterprise, _) => 65536,
        (GroupType::Normal, true) => 2000,
        (GroupType::Normal, false) => 1000,
    }
}

impl State {
    // ---------------------------------------------------------------- lookups

    pub fn instance(&self, id: &str) -> Option<&Instance> {
        self.instances.by_id.get(id).map(Arc::as_ref)
    }

    /// The instance an ENI belongs to.
    pub fn instance_of_nic(&self, nic: &str) -> Option<&Instance> {
        self.instances.nics.get(nic).and_then(|i| self.instance(i))
    }

    /// Every instance, in no particular order (snapshots sort what they write).
    pub fn all_instances(&self) -> impl Iterator<Item = &Instance> {
        self.instances.by_id.values().map(Arc::as_ref)
    }

    /// The instances of an account whose namespace `want` accepts, by id.
    pub fn instances_of<'a>(
        &'a self,
        account: &'a str,
        want: impl Fn(&Namespace) -> bool + 'a,
    ) -> Vec<&'a Instance> {
        let mut out: Vec<&Instance> = self
            .all_instances()
            .filter(|i| i.scope.account == account && want(&i.scope.namespace))
            .collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }

    /// The ENIs in group `id`, with their instances, by ENI id.
    pub fn members(&self, group: &str) -> impl Iterator<Item = (&str, &str)> {
        self.instances
            .members
            .get(group)
            .into_iter()
            .flat_map(|m| m.iter().map(|(n, i)| (n.as_str(), i.as_str())))
    }

    /// Number of ENIs in group `id` (ECS `EcsCount`).
    pub fn member_count(&self, group: &str) -> usize {
        self.instances.members.get(group).map_or(0, BTreeMap::len)
    }

    /// The instance and ENI a target names, if `account` owns it and `want` accepts its namespace.
    fn resolve(
        &self,
        account: &str,
        target: Target,
        want: &dyn Fn(&Namespace) -> bool,
    ) -> Result<(&Instance, &Nic), DomainError> {
        let visible = |i: &&Instance| i.scope.account == account && want(&i.scope.namespace);
        match target {
            Target::Instance(id) => {
                let instance = self
                    .instance(id)
                    .filter(visible)
                    .ok_or_else(|| DomainError::InstanceNotFound { id: id.to_string() })?;
                let nic = instance
                    .primary()
                    .ok_or_else(|| DomainError::InstanceNotFound { id: id.to_string() })?;
                Ok((instance, nic))
            }
            Target::Nic(id) => {
                let not_found = || DomainError::NicNotFound { id: id.to_string() };
                let instance = self
                    .instances
                    .nics
                    .get(id)
                    .and_then(|i| self.instance(i))
                    .filter(visible)
                    .ok_or_else(not_found)?;
                let nic = instance.nic(id).ok_or_else(not_found)?;
                Ok((instance, nic))
            }
        }
    }

    // ---------------------------------------------------------------- primitives

    /// Insert or replace an instance (by id), keeping the indexes.
    pub(super) fn put_instance(&mut self, instance: Arc<Instance>) {
        let previous = self.instances.by_id.remove(&instance.id);
        if let Some(p) = &previous {
            self.instances.unindex(p);
        }
        self.instances.index(&instance);
        self.instances
            .by_id
            .insert(instance.id.clone(), instance.clone());
        let id = instance.id.clone();
        self.emit(
            || Event::InstancePut(instance),
            || match previous {
                Some(p) => Undo::PutInstance(p),
                None => Undo::RemoveInstance(id),
            },
        );
    }

    pub(super) fn remove_instance(&mut self, id: &str) {
        let Some(previous) = self.instances.by_id.remove(id) else {
            return;
        };
        self.instances.unindex(&previous);
        self.emit(
            || Event::InstanceRemoved { id: id.to_string() },
            || Undo::PutInstance(previous),
        );
    }

    // ---------------------------------------------------------------- declaring

    /// Declare instances (create, or replace by id), all or none. A replaced instance keeps the
    /// memberships of the ENIs it still declares unless the declaration lists them; a declared
    /// membership is checked like a Join, but for the status (docs/reference/membership.md §6).
    pub fn declare_instances(
        &mut self,
        instances: Vec<Instance>,
        rules: MembershipRules,
    ) -> Result<usize, DeclareError> {
        let groups_per_nic = self.limits.groups_per_nic;
        let mut seen_instances = std::collections::HashSet::new();
        let mut seen_nics: HashMap<&str, &str> = HashMap::default();
        let mut ready = Vec::with_capacity(instances.len());
        for new in &instances {
            if !seen_instances.insert(new.id.as_str()) {
                return Err(DeclareError::InstanceTwice(new.id.clone()));
            }
            if new.nics.iter().filter(|n| n.primary).count() != 1 {
                return Err(DeclareError::Primary(new.id.clone()));
            }
            let old = self.instance(&new.id);
            if let Some(old) = old {
                if old.scope != new.scope {
                    return Err(DeclareError::InstanceElsewhere(new.id.clone()));
                }
            }
            for n in &new.nics {
                if let Some(other) = seen_nics.insert(&n.id, &new.id) {
                    return Err(DeclareError::NicTwice {
                        nic: n.id.clone(),
                        instance: other.to_string(),
                    });
                }
                match self.instances.nics.get(&n.id) {
                    Some(owner) if *owner != new.id => {
                        return Err(DeclareError::NicTwice {
                            nic: n.id.clone(),
                            instance: owner.clone(),
                        })
                    }
                    _ => {}
                }
            }
            // Memberships: declared ones, else those the ENI already had.
            let mut merged = new.clone();
            for n in &mut merged.nics {
                if n.groups.is_empty() {
                    if let Some(kept) = old.and_then(|o| o.nic(&n.id)) {
                        n.groups = kept.groups.clone();
                    }
                }
            }
            if let Some(old) = old {
                if old.vpc_id != merged.vpc_id && old.memberships().next().is_some() {
                    return Err(DeclareError::VpcChange(new.id.clone()));
                }
            }
            for n in &merged.nics {
                self.check_declared_groups(&merged, n, rules, groups_per_nic)?;
            }
            ready.push(merged);
        }
        let count = ready.len();
        for i in ready {
            self.put_instance(Arc::new(i));
        }
        Ok(count)
    }

    fn check_declared_groups(
        &self,
        instance: &Instance,
        nic: &Nic,
        rules: MembershipRules,
        groups_per_nic: usize,
    ) -> Result<(), DeclareError> {
        let strict = rules == MembershipRules::Strict;
        let bad = |why: DomainError| DeclareError::Membership {
            nic: nic.id.clone(),
            why,
        };
        let mut kinds = std::collections::HashSet::new();
        for (i, g) in nic.groups.iter().enumerate() {
            if nic.groups.iter().take(i).any(|o| o == g) {
                return Err(bad(DomainError::AlreadyMember));
            }
            let group = self.group(&instance.scope, g).map_err(bad)?;
            if strict {
                if group.vpc_id != instance.vpc_id {
                    return Err(bad(DomainError::MemberVpcMismatch { by_instance: false }));
                }
                kinds.insert(group.kind);
                if kinds.len() > 1 {
                    return Err(bad(DomainError::MultiGroupType));
                }
            }
        }
        if strict && nic.groups.len() > groups_per_nic {
            return Err(bad(DomainError::GroupsPerNic {
                limit: groups_per_nic,
            }));
        }
        Ok(())
    }

    /// Release an instance: its memberships go with it (DELETE /_sgmock/instances/{id}).
    pub fn release_instance(&mut self, account: Option<&str>, id: &str) -> bool {
        let owned = self
            .instance(id)
            .is_some_and(|i| account.is_none_or(|a| i.scope.account == a));
        if owned {
            self.remove_instance(id);
        }
        owned
    }

    // ---------------------------------------------------------------- Join and Leave

    /// JoinSecurityGroup. `want` says which namespaces the caller's product sees (and, with a
    /// `RegionId`, which region); the group is looked up in the instance's own namespace, after the
    /// instance (docs/reference/membership.md §2 steps 4–5).
    pub fn join(
        &mut self,
        account: &str,
        target: Target,
        want: &dyn Fn(&Namespace) -> bool,
        group_id: &str,
        rules: MembershipRules,
    ) -> Result<(), DomainError> {
        let groups_per_nic = self.limits.groups_per_nic;
        let (instance, nic) = self.resolve(account, target, want)?;
        let group = self.group(&instance.scope, group_id)?;
        if !instance.status.allows_membership_change() {
            return Err(DomainError::IncorrectInstanceStatus);
        }
        if rules == MembershipRules::Strict && group.vpc_id != instance.vpc_id {
            return Err(DomainError::MemberVpcMismatch {
                by_instance: matches!(target, Target::Instance(_)),
            });
        }
        if nic.groups.iter().any(|g| g == group_id) {
            return match rules {
                MembershipRules::Strict => Err(DomainError::AlreadyMember),
                MembershipRules::Lenient => Ok(()),
            };
        }
        if rules == MembershipRules::Strict {
            let other_kind = nic.groups.iter().any(|g| {
                self.group(&instance.scope, g)
                    .is_ok_and(|o| o.kind != group.kind)
            });
            if other_kind {
                return Err(DomainError::MultiGroupType);
            }
            if nic.groups.len() >= groups_per_nic {
                return Err(DomainError::GroupsPerNic {
                    limit: groups_per_nic,
                });
            }
            let limit = capacity(group);
            if self.member_count(group_id) >= limit {
                return Err(DomainError::GroupFull {
                    limit,
                    enterprise: group.kind == GroupType::Enterprise,
                });
            }
        }
        let nic_id = nic.id.clone();
        let mut changed = instance.clone();
        if let Some(n) = changed.nic_mut(&nic_id) {
            n.groups.push(group_id.to_string());
        }
        self.put_instance(Arc::new(changed));
        Ok(())
    }

    /// LeaveSecurityGroup (docs/reference/membership.md §3).
    pub fn leave(
        &mut self,
        account: &str,
        target: Target,
        want: &dyn Fn(&Namespace) -> bool,
        group_id: &str,
        rules: MembershipRules,
    ) -> Result<(), DomainError> {
        let (instance, nic) = self.resolve(account, target, want)?;
        self.group(&instance.scope, group_id)?;
        if !instance.status.allows_membership_change() {
            return Err(DomainError::IncorrectInstanceStatus);
        }
        if !nic.groups.iter().any(|g| g == group_id) {
            return match rules {
                MembershipRules::Strict => Err(DomainError::NotMember {
                    member: nic_or_instance(target),
                    group: group_id.to_string(),
                }),
                MembershipRules::Lenient => Ok(()),
            };
        }
        if rules == MembershipRules::Strict && nic.groups.len() == 1 {
            return Err(DomainError::LastGroup {
                by_instance: matches!(target, Target::Instance(_)),
            });
        }
        let nic_id = nic.id.clone();
        let mut changed = instance.clone();
        if let Some(n) = changed.nic_mut(&nic_id) {
            n.groups.retain(|g| g != group_id);
        }
        self.put_instance(Arc::new(changed));
        Ok(())
    }
}

fn nic_or_instance(target: Target) -> String {
    match target {
        Target::Instance(id) | Target::Nic(id) => id.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::group::Scope;
    use crate::domain::instance::InstanceStatus;
    use crate::domain::rule::Identity;
    use crate::domain::store::{Limits, NewGroup};

    fn scope() -> Scope {
        Scope {
            account: "a".into(),
            namespace: Namespace::Region("cn-hangzhou".into()),
        }
    }

    fn group(s: &mut State, vpc: Option<&str>, kind: GroupType) -> String {
        s.create_group(
            &scope(),
            NewGroup {
                name: String::new(),
                description: String::new(),
                kind,
                vpc_id: vpc.map(str::to_string),
                resource_group_id: String::new(),
                tags: Vec::new(),
                identity: Identity::WithoutPriority,
            },
        )
        .unwrap()
    }

    fn instance(id: &str, vpc: Option<&str>, groups: &[&str]) -> Instance {
        Instance {
            id: id.into(),
            scope: scope(),
            vpc_id: vpc.map(str::to_string),
            zone: String::new(),
            status: InstanceStatus::Running,
            nics: vec![
                Nic {
                    id: format!("eni-{id}"),
                    primary: true,
                    groups: groups.iter().map(|g| g.to_string()).collect(),
                },
                Nic {
                    id: format!("eni-{id}-2"),
                    primary: false,
                    groups: Vec::new(),
                },
            ],
        }
    }

    fn any(_: &Namespace) -> bool {
        true
    }

    const STRICT: MembershipRules = MembershipRules::Strict;

    #[test]
    fn join_checks_in_the_documented_order_and_leave_keeps_one_group() {
        let mut s = State::new(Limits::default(), Some(1));
        let a = group(&mut s, Some("vpc-1"), GroupType::Normal);
        let b = group(&mut s, Some("vpc-1"), GroupType::Normal);
        let other_vpc = group(&mut s, Some("vpc-2"), GroupType::Normal);
        let enterprise = group(&mut s, Some("vpc-1"), GroupType::Enterprise);
        s.declare_instances(vec![instance("i-1", Some("vpc-1"), &[&a])], STRICT)
            .unwrap();
        let strict = MembershipRules::Strict;
        let join = |s: &mut State, t, g: &str| s.join("a", t, &any, g, strict);
        assert_eq!(
            join(&mut s, Target::Instance("i-9"), &a),
            Err(DomainError::InstanceNotFound { id: "i-9".into() })
        );
        assert!(matches!(
            join(&mut s, Target::Instance("i-1"), "sg-none"),
            Err(DomainError::GroupNotFound { .. })
        ));
        assert_eq!(
            join(&mut s, Target::Instance("i-1"), &other_vpc),
            Err(DomainError::MemberVpcMismatch { by_instance: true })
        );
        assert_eq!(
            join(&mut s, Target::Nic("eni-i-1"), &a),
            Err(DomainError::AlreadyMember)
        );
        assert_eq!(
            join(&mut s, Target::Instance("i-1"), &enterprise),
            Err(DomainError::MultiGroupType)
        );
        assert_eq!(join(&mut s, Target::Instance("i-1"), &b), Ok(()));
        // The secondary ENI has its own set.
        assert_eq!(join(&mut s, Target::Nic("eni-i-1-2"), &enterprise), Ok(()));
        assert_eq!(s.member_count(&a), 1);
        assert_eq!(s.member_count(&enterprise), 1);
        assert_eq!(s.instance("i-1").unwrap().groups(), [a.clone(), b.clone()]);

        let leave = |s: &mut State, t, g: &str| s.leave("a", t, &any, g, strict);
        assert_eq!(
            leave(&mut s, Target::Instance("i-1"), &other_vpc),
            Err(DomainError::NotMember {
                member: "i-1".into(),
                group: other_vpc.clone()
            })
        );
        assert_eq!(leave(&mut s, Target::Instance("i-1"), &a), Ok(()));
        assert_eq!(
            leave(&mut s, Target::Instance("i-1"), &b),
            Err(DomainError::LastGroup { by_instance: true })
        );
        assert_eq!(
            leave(&mut s, Target::Nic("eni-i-1-2"), &enterprise),
            Err(DomainError::LastGroup { by_instance: false })
        );
        assert_eq!(s.member_count(&a), 0);
        assert_eq!(s.instance("i-1").unwrap().groups(), [b]);
    }

    #[test]
    fn limits_status_and_the_lenient_rules() {
        let limits = Limits {
            groups_per_nic: 2,
            ..Limits::default()
        };
        let mut s = State::new(limits, Some(1));
        let groups: Vec<String> = (0..3)
            .map(|_| group(&mut s, Some("vpc-1"), GroupType::Normal))
            .collect();
        let mut stopped = instance("i-2", Some("vpc-1"), &[&groups[0]]);
        stopped.status = InstanceStatus::Stopping;
        s.declare_instances(vec![instance("i-1", None, &[]), stopped], STRICT)
            .unwrap();
        let strict = MembershipRules::Strict;
        assert_eq!(
            s.join("a", Target::Instance("i-2"), &any, &groups[1], strict),
            Err(DomainError::IncorrectInstanceStatus)
        );
        // Lenient (ENS): no network check; joining twice and leaving a non-member change nothing.
        let lenient = MembershipRules::Lenient;
        for _ in 0..2 {
            s.join("a", Target::Instance("i-1"), &any, &groups[0], lenient)
                .unwrap();
        }
        assert_eq!(s.instance("i-1").unwrap().groups(), [groups[0].clone()]);
        s.leave("a", Target::Instance("i-1"), &any, &groups[1], lenient)
            .unwrap();
        s.leave("a", Target::Instance("i-1"), &any, &groups[0], lenient)
            .unwrap();
        assert!(s.instance("i-1").unwrap().groups().is_empty());
        // Strict: at most `groups_per_nic`.
        let mut three = instance("i-3", Some("vpc-1"), &[&groups[0], &groups[1]]);
        three.status = InstanceStatus::Stopped;
        s.declare_instances(vec![three], STRICT).unwrap();
        assert_eq!(
            s.join("a", Target::Instance("i-3"), &any, &groups[2], strict),
            Err(DomainError::GroupsPerNic { limit: 2 })
        );
        // Another account does not see the instance.
        assert_eq!(
            s.join("b", Target::Instance("i-3"), &any, &groups[2], strict),
            Err(DomainError::InstanceNotFound { id: "i-3".into() })
        );
    }

    #[test]
    fn declaring_is_all_or_none_and_a_replace_keeps_memberships() {
        let mut s = State::new(Limits::default(), Some(1));
        let a = group(&mut s, Some("vpc-1"), GroupType::Normal);
        s.declare_instances(vec![instance("i-1", Some("vpc-1"), &[&a])], STRICT)
            .unwrap();
        // A second instance reusing an ENI id, declared with a good one: neither is taken.
        let mut thief = instance("i-2", Some("vpc-1"), &[]);
        thief.nics[1].id = "eni-i-1".into();
        let good = instance("i-3", Some("vpc-1"), &[]);
        assert_eq!(
            s.declare_instances(vec![good, thief], STRICT),
            Err(DeclareError::NicTwice {
                nic: "eni-i-1".into(),
                instance: "i-1".into()
            })
        );
        assert!(s.instance("i-3").is_none());
        // Re-declared with another status and no groups: the membership stays.
        let mut again = instance("i-1", Some("vpc-1"), &[]);
        again.status = InstanceStatus::Stopped;
        s.declare_instances(vec![again.clone()], STRICT).unwrap();
        assert_eq!(
            s.instance("i-1").unwrap().groups(),
            std::slice::from_ref(&a)
        );
        assert_eq!(s.instance("i-1").unwrap().status, InstanceStatus::Stopped);
        // Moving a member to another VPC is refused; releasing drops the membership.
        again.vpc_id = Some("vpc-2".into());
        assert_eq!(
            s.declare_instances(vec![again], STRICT),
            Err(DeclareError::VpcChange("i-1".into()))
        );
        assert_eq!(s.delete_group(&scope(), &a), Err(DomainError::HasMembers));
        assert!(s.release_instance(Some("a"), "i-1"));
        assert_eq!(s.member_count(&a), 0);
        assert_eq!(s.delete_group(&scope(), &a), Ok(()));
    }
}
