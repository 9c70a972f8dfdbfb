//! The last requests, for tests that assert on the calls they made (`GET /_sgmock/requests`).
//! A bounded ring; signatures and security tokens are never kept.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::Serialize;

/// How many requests are kept.
pub const CAPACITY: usize = 1000;

/// Parameters whose values are credentials of a sort: kept as `***`.
const REDACTED: &[&str] = &["Signature", "SecurityToken"];

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub time: String,
    pub request_id: String,
    pub method: String,
    pub product: String,
    pub action: String,
    pub account: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub latency_us: u64,
    pub params: Vec<(String, String)>,
}

/// Parameters with credentials blanked.
pub fn redact(params: &[(String, String)]) -> Vec<(String, String)> {
    params
        .iter()
        .map(|(k, v)| {
            let v = if REDACTED.contains(&k.as_str()) {
                "***".to_string()
            } else {
                v.clone()
            };
            (k.clone(), v)
        })
        .collect()
}

#[derive(Default)]
pub struct RequestLog {
    entries: Mutex<VecDeque<Entry>>,
}

impl RequestLog {
    pub fn push(&self, entry: Entry) {
        let mut e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if e.len() == CAPACITY {
            e.pop_front();
        }
        e.push_back(entry);
    }

    /// The newest `limit` requests, oldest first.
    pub fn recent(&self, limit: usize) -> Vec<Entry> {
        let e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        e.iter()
            .skip(e.len().saturating_sub(limit))
            .cloned()
            .collect()
    }

    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}
