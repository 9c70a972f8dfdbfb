//! The last requests, for tests that assert on the calls they made (`GET /_sgmock/requests`).
//! A bounded ring — by count and by bytes: a parameter value is kept up to 16 KiB, an entry's
//! parameters up to 64 KiB, all entries together up to 16 MiB (a client sending megabyte parameters
//! cannot make the server hold, or answer, gigabytes). Signatures and security tokens are never kept.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::Serialize;

/// How many requests are kept.
pub const CAPACITY: usize = 1000;
/// Longest parameter value kept; longer ones are cut and marked.
pub const MAX_VALUE_BYTES: usize = 16 * 1024;
/// Most parameter bytes (names and values) kept per request; further parameters are summarised.
pub const MAX_ENTRY_BYTES: usize = 64 * 1024;
/// Most parameter bytes kept over all requests; the oldest go first.
pub const MAX_TOTAL_BYTES: usize = 16 * 1024 * 1024;

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
    /// The error's message (cut to [`MAX_VALUE_BYTES`]), for failed calls only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub latency_us: u64,
    pub params: Vec<(String, String)>,
}

impl Entry {
    /// Bytes an entry holds, roughly (what the total budget counts).
    fn weight(&self) -> usize {
        256 + self.action.len()
            + self.message.as_ref().map_or(0, String::len)
            + self
                .params
                .iter()
                .map(|(k, v)| k.len() + v.len())
                .sum::<usize>()
    }
}

/// `s` cut to at most `max` bytes at a character boundary.
pub fn cut(s: &str, max: usize) -> &str {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default()
}

/// Parameters as the log keeps them: credentials blanked, long values cut, at most
/// [`MAX_ENTRY_BYTES`] in all (the rest summarised as one `…` parameter).
pub fn redact(params: &[(String, String)]) -> Vec<(String, String)> {
    redact_owned(params.to_vec())
}

/// [`redact`], taking the request's own pairs once it is answered: the strings that are kept as
/// they are move into the log instead of being copied (issue 18: the copy was ~6 % of an Authorize).
pub fn redact_owned(params: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut out = Vec::with_capacity(params.len().min(64));
    let mut used = 0usize;
    let mut rest = params.into_iter();
    while let Some((k, v)) = rest.next() {
        let sent = k.len() + v.len();
        let value = if REDACTED.contains(&k.as_str()) {
            "***".to_string()
        } else if v.len() > MAX_VALUE_BYTES {
            format!(
                "{}…[{} bytes, cut to {MAX_VALUE_BYTES}]",
                cut(&v, MAX_VALUE_BYTES),
                v.len()
            )
        } else {
            v
        };
        let name = if k.len() > MAX_VALUE_BYTES {
            cut(&k, MAX_VALUE_BYTES).to_string()
        } else {
            k
        };
        if used + name.len() + value.len() > MAX_ENTRY_BYTES {
            let left = rest.len();
            let bytes: usize = sent + rest.map(|(k, v)| k.len() + v.len()).sum::<usize>();
            out.push((
                "…".to_string(),
                format!("{} more parameters ({bytes} bytes) not kept", left + 1),
            ));
            break;
        }
        used += name.len() + value.len();
        out.push((name, value));
    }
    out
}

#[derive(Default)]
struct Ring {
    entries: VecDeque<Entry>,
    bytes: usize,
}

#[derive(Default)]
pub struct RequestLog {
    ring: Mutex<Ring>,
}

impl RequestLog {
    pub fn push(&self, entry: Entry) {
        let mut r = self.ring.lock().unwrap_or_else(|p| p.into_inner());
        r.bytes += entry.weight();
        r.entries.push_back(entry);
        while r.entries.len() > CAPACITY || (r.bytes > MAX_TOTAL_BYTES && r.entries.len() > 1) {
            if let Some(old) = r.entries.pop_front() {
                r.bytes -= old.weight();
            }
        }
    }

    /// The newest `limit` requests, oldest first.
    pub fn recent(&self, limit: usize) -> Vec<Entry> {
        let r = self.ring.lock().unwrap_or_else(|p| p.into_inner());
        r.entries
            .iter()
            .skip(r.entries.len().saturating_sub(limit))
            .cloned()
            .collect()
    }

    /// (entries, bytes) held.
    pub fn size(&self) -> (usize, usize) {
        let r = self.ring.lock().unwrap_or_else(|p| p.into_inner());
        (r.entries.len(), r.bytes)
    }

    pub fn clear(&self) {
        let mut r = self.ring.lock().unwrap_or_else(|p| p.into_inner());
        r.entries.clear();
        r.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(params: Vec<(String, String)>) -> Entry {
        Entry {
            time: String::new(),
            request_id: String::new(),
            method: "GET".into(),
            product: "Ecs".into(),
            action: "A".into(),
            account: String::new(),
            status: 200,
            code: None,
            message: None,
            latency_us: 0,
            params,
        }
    }

    #[test]
    fn long_values_are_cut_and_marked_and_an_entry_has_a_ceiling() {
        let big = "é".repeat(600_000); // 1.2 MB, two bytes a character
        let kept = redact(&[
            ("Description".into(), big.clone()),
            ("Signature".into(), "secret".into()),
        ]);
        assert_eq!(kept[0].0, "Description");
        assert!(kept[0].1.starts_with(&"é".repeat(MAX_VALUE_BYTES / 2)));
        assert!(kept[0].1.ends_with("…[1200000 bytes, cut to 16384]"));
        assert!(kept[0].1.len() < MAX_VALUE_BYTES + 64);
        assert_eq!(kept[1], ("Signature".into(), "***".into()));

        let many: Vec<(String, String)> = (0..100)
            .map(|i| (format!("Tag.{i}.Value"), "x".repeat(10_000)))
            .collect();
        let kept = redact(&many);
        let bytes: usize = kept.iter().map(|(k, v)| k.len() + v.len()).sum();
        assert!(bytes <= MAX_ENTRY_BYTES + 100, "{bytes}");
        assert_eq!(
            kept.last().unwrap(),
            &(
                "…".to_string(),
                "94 more parameters (941124 bytes) not kept".to_string()
            )
        );
    }

    #[test]
    fn the_ring_is_bounded_by_bytes_as_well_as_by_count() {
        let log = RequestLog::default();
        let huge: Vec<(String, String)> = (0..10)
            .map(|i| (format!("Tag.{i}.Value"), "x".repeat(1 << 20)))
            .collect();
        for _ in 0..CAPACITY {
            log.push(entry(redact(&huge)));
        }
        let (n, bytes) = log.size();
        assert!(bytes <= MAX_TOTAL_BYTES, "{bytes}");
        assert!(n < CAPACITY && n > 100, "{n}");
        // Small entries: the count is the bound.
        log.clear();
        for _ in 0..CAPACITY + 10 {
            log.push(entry(vec![("a".into(), "b".into())]));
        }
        assert_eq!(log.size().0, CAPACITY);
    }
}
