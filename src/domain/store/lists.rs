//! Prefix lists and port range lists: create, modify, delete, lookups, and the association index
//! (which groups' rules reference a list) that DeleteSecurityGroup, Describe…Associations and the
//! delete-in-use check read (docs/reference/lists.md). Each operation validates, then applies.

use std::collections::BTreeSet;
use std::sync::Arc;

use rustc_hash::FxHashMap as HashMap;

use super::events::{Event, Undo};
use super::state::State;
use crate::domain::error::DomainError;
use crate::domain::group::{Group, Scope};
use crate::domain::lists::{canonical_entry, List, ListEntry, ListKind};
use crate::domain::rule::Rule;
use crate::domain::values::Family;

/// Entries added or removed in one call: at most 200 (`Entry.N`, `AddEntry.N`, `RemoveEntry.N`).
pub const ENTRIES_PER_CALL: usize = 200;

/// A prefix list may be referenced by at most 1,000 groups.
pub const PREFIX_LIST_ASSOCIATIONS: usize = 1000;

/// Lists, indexed.
#[derive(Debug, Clone, Default)]
pub(super) struct Lists {
    pub(super) by_id: HashMap<String, Arc<List>>,
    /// (scope, kind) → (creation time, id): the listing order.
    pub(super) by_scope: HashMap<(Scope, ListKind), BTreeSet<(i64, String)>>,
    /// list id → group id → number of the group's rules that reference it.
    pub(super) refs: HashMap<String, HashMap<String, u32>>,
}

/// A list to create, validated by the product for its parameters' syntax.
#[derive(Debug, Clone)]
pub struct NewList {
    pub kind: ListKind,
    pub name: String,
    pub description: String,
    pub family: Option<Family>,
    pub max_entries: u32,
    /// (entry as sent, description)
    pub entries: Vec<(String, String)>,
    pub tags: Vec<(String, String)>,
    pub resource_group_id: String,
}

/// A change to a list: attributes, entries to add (or re-describe) and entries to remove.
#[derive(Debug, Clone, Default)]
pub struct ListChange {
    pub name: Option<String>,
    pub description: Option<String>,
    pub add: Vec<(String, String)>,
    pub remove: Vec<String>,
}

/// Entries as sent → canonical entries; duplicates refused.
fn canonical_entries(
    kind: ListKind,
    family: Option<Family>,
    sent: &[(String, String)],
) -> Result<Vec<ListEntry>, DomainError> {
    if sent.len() > ENTRIES_PER_CALL {
        return Err(DomainError::ListEntriesPerCall {
            kind,
            limit: ENTRIES_PER_CALL,
        });
    }
    let mut out: Vec<ListEntry> = Vec::with_capacity(sent.len());
    for (value, description) in sent {
        let value = canonical_entry(kind, family, value)?;
        if out.iter().any(|e| e.value == value) {
            return Err(DomainError::ListEntryDuplicated { kind, value });
        }
        out.push(ListEntry {
            value,
            description: description.clone(),
        });
    }
    Ok(out)
}

impl State {
    // ---------------------------------------------------------------- lookups

    /// A list of `kind` in `scope`; another region's or account's is not found.
    pub fn list(&self, scope: &Scope, kind: ListKind, id: &str) -> Result<&List, DomainError> {
        self.lists
            .by_id
            .get(id)
            .map(Arc::as_ref)
            .filter(|l| &l.scope == scope && l.kind == kind)
            .ok_or_else(|| not_found(kind, id))
    }

    /// Any list by id, whatever its scope (for rendering a rule's list name).
    pub fn list_any(&self, id: &str) -> Option<&List> {
        self.lists.by_id.get(id).map(Arc::as_ref)
    }

    /// The lists of a scope and kind, oldest first.
    pub fn lists_of(&self, scope: &Scope, kind: ListKind) -> Vec<&List> {
        self.lists
            .by_scope
            .get(&(scope.clone(), kind))
            .into_iter()
            .flatten()
            .filter_map(|(_, id)| self.lists.by_id.get(id).map(Arc::as_ref))
            .collect()
    }

    /// Every list, in no particular order (snapshots sort what they write).
    pub fn all_lists(&self) -> impl Iterator<Item = &List> {
        self.lists.by_id.values().map(Arc::as_ref)
    }

    /// The groups whose rules reference list `id`, by id.
    pub fn associations(&self, id: &str) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .lists
            .refs
            .get(id)
            .into_iter()
            .flat_map(|m| m.keys().map(String::as_str))
            .collect();
        out.sort_unstable();
        out
    }

    pub fn association_count(&self, id: &str) -> usize {
        self.lists.refs.get(id).map_or(0, HashMap::len)
    }

    /// What one rule weighs against its group's rule limit: 1, or the `MaxEntries` of the lists it
    /// references (both: their product) (docs/reference/lists.md §5).
    pub fn rule_weight(&self, rule: &Rule) -> usize {
        rule.lists()
            .map(|id| {
                self.lists
                    .by_id
                    .get(id)
                    .map_or(1, |l| l.max_entries as usize)
            })
            .product::<usize>()
            .max(1)
    }

    /// The weighted number of rules of a group.
    pub fn group_weight(&self, group: &Group) -> usize {
        let plain = group.rules.len() - group.rules.list_rule_count();
        plain
            + group
                .rules
                .list_rules()
                .map(|(lists, n)| {
                    let w: usize = lists
                        .iter()
                        .map(|id| {
                            self.lists
                                .by_id
                                .get(id.as_str())
                                .map_or(1, |l| l.max_entries as usize)
                        })
                        .product();
                    w.max(1) * n
                })
                .sum::<usize>()
    }

    // ---------------------------------------------------------------- primitives

    pub(super) fn add_list_ref(&mut self, list: &str, group: &str) {
        *self
            .lists
            .refs
            .entry(list.to_string())
            .or_default()
            .entry(group.to_string())
            .or_insert(0) += 1;
    }

    pub(super) fn list_unref(&mut self, list: &str, group: &str) {
        if let Some(m) = self.lists.refs.get_mut(list) {
            if let Some(n) = m.get_mut(group) {
                *n -= 1;
                if *n == 0 {
                    m.remove(group);
                }
            }
            if m.is_empty() {
                self.lists.refs.remove(list);
            }
        }
    }

    /// Insert or replace a list (by id).
    pub(super) fn put_list(&mut self, list: Arc<List>) {
        let previous = self.lists.by_id.remove(&list.id);
        if let Some(p) = &previous {
            if let Some(ids) = self.lists.by_scope.get_mut(&(p.scope.clone(), p.kind)) {
                ids.remove(&(p.created, p.id.clone()));
            }
        }
        self.lists
            .by_scope
            .entry((list.scope.clone(), list.kind))
            .or_default()
            .insert((list.created, list.id.clone()));
        self.lists.by_id.insert(list.id.clone(), list.clone());
        let id = list.id.clone();
        self.emit(
            || Event::ListPut(list),
            || match previous {
                Some(p) => Undo::PutList(p),
                None => Undo::RemoveList(id),
            },
        );
    }

    pub(super) fn remove_list(&mut self, id: &str) {
        let Some(previous) = self.lists.by_id.remove(id) else {
            return;
        };
        let key = (previous.scope.clone(), previous.kind);
        if let Some(ids) = self.lists.by_scope.get_mut(&key) {
            ids.remove(&(previous.created, previous.id.clone()));
            if ids.is_empty() {
                self.lists.by_scope.remove(&key);
            }
        }
        self.emit(
            || Event::ListRemoved { id: id.to_string() },
            || Undo::PutList(previous),
        );
    }

    // ---------------------------------------------------------------- operations

    /// Create a list: entries read, de-duplicated and counted against `MaxEntries`, then the
    /// region's quota (docs/reference/lists.md §1, §2).
    pub fn create_list(
        &mut self,
        scope: &Scope,
        new: NewList,
        quota: usize,
    ) -> Result<String, DomainError> {
        let kind = new.kind;
        let entries = canonical_entries(kind, new.family, &new.entries)?;
        if entries.len() > new.max_entries as usize {
            return Err(DomainError::ListFull {
                kind,
                on_create: true,
            });
        }
        let held = self
            .lists
            .by_scope
            .get(&(scope.clone(), kind))
            .map_or(0, BTreeSet::len);
        if held >= quota {
            return Err(DomainError::ListQuota { kind, limit: quota });
        }
        let mut id = self.new_id(kind.id_prefix());
        while self.lists.by_id.contains_key(&id) {
            id = self.new_id(kind.id_prefix());
        }
        let list = List {
            id: id.clone(),
            kind,
            scope: scope.clone(),
            name: new.name,
            description: new.description,
            family: new.family,
            max_entries: new.max_entries,
            entries,
            tags: new.tags,
            resource_group_id: new.resource_group_id,
            created: (self.clock)(),
        };
        self.put_list(Arc::new(list));
        Ok(id)
    }

    /// Change a list: name, description, then removals, then additions (an added entry that is
    /// already there gets the new description in place). All or nothing (docs/reference/lists.md
    /// §1, §2).
    pub fn modify_list(
        &mut self,
        scope: &Scope,
        kind: ListKind,
        id: &str,
        change: ListChange,
    ) -> Result<(), DomainError> {
        let list = self.list(scope, kind, id)?;
        let add = canonical_entries(kind, list.family, &change.add)?;
        let remove_sent: Vec<(String, String)> = change
            .remove
            .iter()
            .map(|v| (v.clone(), String::new()))
            .collect();
        let remove = canonical_entries(kind, list.family, &remove_sent)?;
        if let Some(both) = add
            .iter()
            .find(|a| remove.iter().any(|r| r.value == a.value))
        {
            return Err(DomainError::ListEntryDuplicated {
                kind,
                value: both.value.clone(),
            });
        }
        let mut changed = list.clone();
        for r in &remove {
            let before = changed.entries.len();
            changed.entries.retain(|e| e.value != r.value);
            if changed.entries.len() == before {
                return Err(DomainError::ListEntryMissing {
                    kind,
                    value: r.value.clone(),
                });
            }
        }
        for a in add {
            match changed.entries.iter_mut().find(|e| e.value == a.value) {
                Some(e) => e.description = a.description,
                None => changed.entries.push(a),
            }
        }
        if changed.entries.len() > changed.max_entries as usize {
            return Err(DomainError::ListFull {
                kind,
                on_create: false,
            });
        }
        if let Some(name) = change.name {
            changed.name = name;
        }
        if let Some(description) = change.description {
            changed.description = description;
        }
        if changed != *list {
            self.put_list(Arc::new(changed));
        }
        Ok(())
    }

    /// Delete a list no rule references.
    pub fn delete_list(
        &mut self,
        scope: &Scope,
        kind: ListKind,
        id: &str,
    ) -> Result<(), DomainError> {
        self.list(scope, kind, id)?;
        if self.association_count(id) > 0 {
            return Err(DomainError::ListInUse { kind });
        }
        self.remove_list(id);
        Ok(())
    }
}

pub(super) fn not_found(kind: ListKind, id: &str) -> DomainError {
    match kind {
        ListKind::Prefix => DomainError::PrefixListNotFound { id: id.to_string() },
        ListKind::PortRange => DomainError::PortRangeListNotFound { id: id.to_string() },
    }
}
