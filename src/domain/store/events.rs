//! Events and undo steps: what each primitive records for one request (the events the sink
//! journals, the steps that take the change back if the journal cannot be written), replay of a
//! journaled event, and the roll-back.

use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;

use rustc_hash::FxHashMap as HashMap;

use super::ids::IdGen;
use super::instances::Instances;
use super::lists::Lists;
use super::state::State;
use super::tokens::{TokenRecord, TokenUndo};
use crate::domain::group::{Group, Scope};
use crate::domain::instance::Instance;
use crate::domain::lists::List;
use crate::domain::rule::Rule;
use crate::domain::values::Policy;

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
    /// An instance declared, replaced, or its memberships changed: the whole instance after.
    InstancePut(Arc<Instance>),
    InstanceRemoved {
        id: String,
    },
    /// A list created or changed: the whole list after.
    ListPut(Arc<List>),
    ListRemoved {
        id: String,
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

/// What the primitives record for one request: the events to journal, and how to take each change
/// back if the journal cannot be written (applied in reverse; an undo step cannot fail).
#[derive(Default)]
pub(super) struct Recorder {
    pub(super) events: Vec<Event>,
    pub(super) undo: Vec<Undo>,
}

/// The inverse of one primitive's change.
pub(super) enum Undo {
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
    /// Of `put_instance` over an older one, or of `remove_instance`: the instance before.
    PutInstance(Arc<Instance>),
    /// Of `put_instance` of a new one.
    RemoveInstance(String),
    /// Of `put_list` over an older one, or of `remove_list`: the list before.
    PutList(Arc<List>),
    /// Of `put_list` of a new one.
    RemoveList(String),
}

/// The whole state's collections, as a reset found them.
pub(super) struct Saved {
    pub(super) groups: HashMap<String, Arc<Group>>,
    pub(super) by_scope: HashMap<Scope, BTreeSet<String>>,
    pub(super) referenced_by: HashMap<String, HashMap<String, u32>>,
    pub(super) tokens: HashMap<(String, String), TokenRecord>,
    pub(super) token_order: VecDeque<(String, String)>,
    pub(super) instances: Instances,
    pub(super) lists: Lists,
}

impl State {
    /// Record a change: its event (built only when a sink listens) and its undo step.
    pub(super) fn emit(&mut self, e: impl FnOnce() -> Event, undo: impl FnOnce() -> Undo) {
        if let Some(rec) = self.rec.as_mut() {
            rec.events.push(e());
            rec.undo.push(undo());
        }
    }

    pub(super) fn recording(&self) -> bool {
        self.rec.is_some()
    }
    /// Take back one change (in reverse order of the changes). Records nothing.
    pub(super) fn undo(&mut self, step: Undo) {
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
                self.index_rule(&group, &rule, true);
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
                    instances,
                    lists,
                } = *saved;
                self.groups = groups;
                self.by_scope = by_scope;
                self.referenced_by = referenced_by;
                self.tokens = tokens;
                self.token_order = token_order;
                self.instances = instances;
                self.lists = lists;
            }
            Undo::PutInstance(i) => self.put_instance(i),
            Undo::RemoveInstance(id) => self.remove_instance(&id),
            Undo::PutList(l) => self.put_list(l),
            Undo::RemoveList(id) => self.remove_list(&id),
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
            Event::InstancePut(i) => self.put_instance(i),
            Event::InstanceRemoved { id } => self.remove_instance(&id),
            Event::ListPut(l) => self.put_list(l),
            Event::ListRemoved { id } => self.remove_list(&id),
        }
        self.rec = rec;
    }
    /// Start (or stop) recording events and undo steps for a sink.
    pub fn set_recording(&mut self, on: bool) {
        self.rec = on.then(Recorder::default);
    }

    /// The current request's events and undo steps, leaving recording on with empty lists.
    pub(super) fn take_recorded(&mut self) -> (Vec<Event>, Vec<Undo>) {
        match self.rec.as_mut() {
            Some(r) => (std::mem::take(&mut r.events), std::mem::take(&mut r.undo)),
            None => (Vec::new(), Vec::new()),
        }
    }

    /// Take a request's changes back, newest first.
    pub(super) fn roll_back(&mut self, undo: Vec<Undo>, issued_before: u64) {
        let rec = self.rec.take();
        for step in undo.into_iter().rev() {
            self.undo(step);
        }
        self.ids.issued = issued_before;
        self.rec = rec;
    }
}
