//! ClientToken idempotency: a repeated request with the same token and parameters answers the
//! first outcome and changes nothing; the memory is bounded, oldest dropped.

use super::events::{Event, Undo};
use super::state::State;
use crate::domain::error::DomainError;

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

pub(super) const TOKEN_MEMORY: usize = 10_000;

/// How to take back a recorded ClientToken.
pub(super) struct TokenUndo {
    pub(super) key: (String, String),
    pub(super) previous: Option<TokenRecord>,
    pub(super) pushed: bool,
    pub(super) evicted: Option<((String, String), TokenRecord)>,
}

impl State {
    pub(super) fn record_token(&mut self, record: TokenRecord) {
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
}
