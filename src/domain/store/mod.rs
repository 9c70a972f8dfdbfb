//! The whole emulated state (accounts → scopes → groups → rules) and every mutation on it.
//!
//! Each operation validates everything first and only then changes anything, so a failed request
//! changes nothing. Changes go through a handful of primitives (insert/remove a group or a rule, …,
//! in `state.rs`); when a [`Sink`] is attached each primitive also records an [`Event`] and its undo
//! step (`events.rs`), which the sink makes durable before the request is answered, and replay applies
//! events through the same primitives — so a replayed state cannot drift from the live one. The
//! [`Store`] (here) wraps the state in one lock and holds the sink: a request looks up, validates and
//! applies under a single write guard, never held across an `.await`. The operations are split by
//! job: `groups.rs`, `rules.rs`, `instances.rs` (instances in groups), `tokens.rs` (idempotency),
//! `ids.rs`.

use std::sync::{Mutex, RwLock};

use super::error::DomainError;

mod events;
mod groups;
mod ids;
mod instances;
mod lists;
mod rules;
mod state;
mod tokens;

pub use events::{Event, GroupAttrs};
pub use groups::NewGroup;
pub use ids::is_rule_id;
pub use instances::{capacity, MembershipRules, Target};
pub use lists::{ListChange, NewList, ENTRIES_PER_CALL, PREFIX_LIST_ASSOCIATIONS};
pub use rules::{OnDuplicate, OnMissing};
pub use state::{Clock, Frozen, Limits, LoadError, State};
pub use tokens::{Token, TokenRecord};

/// A sink's error: the sink's own type (the journal's `PersistError`), which the domain only reports.
pub type SinkError = Box<dyn std::error::Error + Send + Sync>;

/// Where events go to become durable (the journal). The store answers a request whose events could
/// not be written with an internal error, after taking the change back in memory.
pub trait Sink: Send + Sync {
    /// Make one request's events durable, all or nothing: on an error nothing of them may remain.
    fn append(&mut self, events: &[Event]) -> Result<(), SinkError>;
    /// When the journal has grown enough (and no compaction is running): work that compacts it into a
    /// snapshot of `state`, to run off the lock (it copies what it needs from `state` cheaply).
    fn compaction(&mut self, state: &State) -> Option<Compaction>;
    /// Write `state` as the snapshot now, synchronously (a state import, the final snapshot).
    fn snapshot(&mut self, state: &State) -> Result<(), SinkError>;
}

/// A compaction job, run on a thread of its own.
pub type Compaction = Box<dyn FnOnce() + Send>;

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
                return Err(DomainError::Storage(e.to_string()));
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
    pub fn replace(&self, mut state: State) -> Result<(), SinkError> {
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
    pub fn flush(&self) -> Result<(), SinkError> {
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
