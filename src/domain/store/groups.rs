//! Group operations: create (with first rules), delete, modify, tags, resource group, inner policy.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::rules::OnDuplicate;
use super::state::State;
use crate::domain::error::DomainError;
use crate::domain::group::{Group, RuleSet, Scope};
use crate::domain::rule::{Identity, RuleDraft};
use crate::domain::values::{GroupType, Policy};

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

impl State {
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
        // Members first, then references (docs/reference/membership.md §5).
        if self.member_count(id) > 0 {
            return Err(DomainError::HasMembers);
        }
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
}
