//! Fault injection: rules that make matching calls fail with a chosen Alibaba error and/or answer
//! late, always, with a probability, on the Nth call, or on the next N calls. A fault answers before
//! the action runs, so it changes no state. With `--seed` the probabilities are reproducible.

use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::rpc::ErrorInfo;

/// The longest latency a fault may add.
const MAX_LATENCY_MS: u64 = 60_000;

/// A fault rule, as `PUT /_sgmock/faults` takes it. Unset matchers match everything; the firing
/// conditions that are set must all hold.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// `ecs` or `ens`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Fire with this probability, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// Fire on the Nth matching call only (from 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nth: Option<u64>,
    /// Fire on the next N matching calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<FaultError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultError {
    pub code: String,
    /// Default 400 for codes containing `Throttling`, 503 for `ServiceUnavailable`, else 500.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl FaultSpec {
    fn check(&self) -> Result<(), String> {
        if self.error.is_none() && self.latency_ms.is_none() {
            return Err("a fault needs an error, a latency_ms, or both".into());
        }
        if let Some(p) = self.probability {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("probability {p} is not between 0 and 1"));
            }
        }
        if self.nth == Some(0) {
            return Err("nth counts from 1".into());
        }
        if self.latency_ms.is_some_and(|l| l > MAX_LATENCY_MS) {
            return Err(format!("latency_ms is at most {MAX_LATENCY_MS}"));
        }
        if let Some(p) = &self.product {
            if crate::products::by_key(p).is_none() {
                let keys: Vec<&str> = crate::products::all().map(|p| p.policy.key).collect();
                return Err(format!("product {p:?} is not {}", keys.join(" or ")));
            }
        }
        if let Some(e) = &self.error {
            if e.code.is_empty() {
                return Err("error.code is empty".into());
            }
            if e.status.is_some_and(|s| !(400..=599).contains(&s)) {
                return Err("error.status must be 400 to 599".into());
            }
        }
        Ok(())
    }

    fn matches(&self, product: &str, action: &str, account: &str) -> bool {
        self.product
            .as_deref()
            .is_none_or(|p| p.eq_ignore_ascii_case(product))
            && self.action.as_deref().is_none_or(|a| a == action)
            && self.account.as_deref().is_none_or(|a| a == account)
    }
}

/// What a firing fault does to a call.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub latency: Option<Duration>,
    pub error: Option<ErrorInfo>,
}

fn error_info(e: &FaultError) -> ErrorInfo {
    let status = e.status.unwrap_or(if e.code.contains("Throttling") {
        400
    } else if e.code == "ServiceUnavailable" {
        503
    } else {
        500
    });
    let message = e.message.clone().unwrap_or_else(|| {
        match e.code.as_str() {
            c if c.contains("Throttling") => "Request was denied due to user flow control.",
            "ServiceUnavailable" => {
                "The request has failed due to a temporary failure of the server."
            }
            "InternalError" => "The request processing has failed due to some unknown error.",
            _ => "The request has failed (a fault injected by sgmock).",
        }
        .to_string()
    });
    ErrorInfo::new(status, e.code.clone(), message)
}

struct Rule {
    spec: FaultSpec,
    seen: u64,
    fired: u64,
}

struct Inner {
    rules: Vec<Rule>,
    rng: fastrand::Rng,
}

pub struct Faults {
    inner: Mutex<Inner>,
}

impl Faults {
    pub fn new(seed: Option<u64>) -> Faults {
        Faults {
            inner: Mutex::new(Inner {
                rules: Vec::new(),
                rng: seed.map(fastrand::Rng::with_seed).unwrap_or_default(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Check rules without setting them: the first problem, as `faults[i]: …`.
    pub fn validate(specs: &[FaultSpec]) -> Result<(), String> {
        for (i, s) in specs.iter().enumerate() {
            s.check().map_err(|e| format!("faults[{i}]: {e}"))?;
        }
        Ok(())
    }

    /// Replace the rules (all valid, or nothing changes).
    pub fn set(&self, specs: Vec<FaultSpec>) -> Result<(), String> {
        Self::validate(&specs)?;
        self.lock().rules = specs
            .into_iter()
            .map(|spec| Rule {
                spec,
                seen: 0,
                fired: 0,
            })
            .collect();
        Ok(())
    }

    pub fn clear(&self) {
        self.lock().rules.clear();
    }

    pub fn len(&self) -> usize {
        self.lock().rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The rules with how many calls each has matched and fired on.
    pub fn list(&self) -> Value {
        let inner = self.lock();
        Value::Array(
            inner
                .rules
                .iter()
                .map(|r| json!({"fault": r.spec, "matched": r.seen, "fired": r.fired}))
                .collect(),
        )
    }

    /// Whether a call fires a fault; the first rule that fires decides.
    pub fn check(&self, product: &str, action: &str, account: &str) -> Option<Hit> {
        let mut inner = self.lock();
        let Inner { rules, rng } = &mut *inner;
        let mut hit = None;
        for r in rules.iter_mut() {
            if !r.spec.matches(product, action, account) {
                continue;
            }
            r.seen += 1;
            let fires = r.spec.nth.is_none_or(|n| r.seen == n)
                && r.spec.count.is_none_or(|n| r.fired < n)
                && r.spec.probability.is_none_or(|p| rng.f64() < p);
            if fires && hit.is_none() {
                r.fired += 1;
                hit = Some(Hit {
                    latency: r.spec.latency_ms.map(Duration::from_millis),
                    error: r.spec.error.as_ref().map(error_info),
                });
            }
        }
        hit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(v: Value) -> FaultSpec {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn nth_count_and_always() {
        let f = Faults::new(Some(1));
        f.set(vec![spec(
            json!({"action": "A", "nth": 2, "error": {"code": "Throttling.User"}}),
        )])
        .unwrap();
        let fired: Vec<bool> = (0..4).map(|_| f.check("Ecs", "A", "x").is_some()).collect();
        assert_eq!(fired, [false, true, false, false]);
        f.set(vec![spec(
            json!({"count": 2, "error": {"code": "ServiceUnavailable"}}),
        )])
        .unwrap();
        let hits: Vec<Option<u16>> = (0..3)
            .map(|_| {
                f.check("Ens", "B", "x")
                    .and_then(|h| h.error)
                    .map(|e| e.status)
            })
            .collect();
        assert_eq!(hits, [Some(503), Some(503), None]);
        f.set(vec![spec(json!({"product": "ens", "latency_ms": 5}))])
            .unwrap();
        assert_eq!(f.check("Ecs", "B", "x"), None);
        assert_eq!(
            f.check("Ens", "B", "x"),
            Some(Hit {
                latency: Some(Duration::from_millis(5)),
                error: None
            })
        );
    }

    #[test]
    fn probabilities_are_reproducible_with_a_seed() {
        let run = || {
            let f = Faults::new(Some(42));
            f.set(vec![spec(
                json!({"probability": 0.5, "error": {"code": "InternalError"}}),
            )])
            .unwrap();
            (0..64)
                .map(|_| f.check("Ecs", "A", "x").is_some())
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        let n = a.iter().filter(|x| **x).count();
        assert!((16..=48).contains(&n), "{n}");
    }

    #[test]
    fn invalid_rules_change_nothing() {
        let f = Faults::new(None);
        f.set(vec![spec(json!({"latency_ms": 1}))]).unwrap();
        for bad in [
            json!({"action": "A"}),
            json!({"probability": 2.0, "latency_ms": 1}),
            json!({"nth": 0, "latency_ms": 1}),
            json!({"product": "vpc", "latency_ms": 1}),
            json!({"error": {"code": "X", "status": 200}}),
            json!({"latency_ms": 600000}),
        ] {
            assert!(f.set(vec![spec(bad.clone())]).is_err(), "{bad}");
        }
        assert_eq!(f.len(), 1);
        assert!(serde_json::from_value::<FaultSpec>(json!({"latency": 1})).is_err());
    }
}
