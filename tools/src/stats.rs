//! What one phase measured: calls answered 200 within it, errors, and a latency histogram
//! (HdrHistogram: microseconds, 3 significant digits), so percentiles need no list of samples.

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde::Serialize;

pub struct Stats {
    pub done: u64,
    pub errors: u64,
    latencies_us: Histogram<u64>,
}

impl Default for Stats {
    fn default() -> Stats {
        Stats {
            done: 0,
            errors: 0,
            // 1 µs to 10 min at 3 significant digits; a larger value is clamped (saturating_record).
            // Constant bounds that hdrhistogram accepts (low >= 1, high >= 2 * low, sigfig <= 5).
            latencies_us: Histogram::new_with_bounds(1, 600_000_000, 3)
                .expect("constant, valid histogram bounds"),
        }
    }
}

impl Stats {
    /// One measured call: counted if it answered `ok` within the phase, its latency kept either way
    /// (an error's latency is not kept).
    pub fn record(&mut self, ok: bool, took: Duration, deadline: Instant) {
        if !ok {
            self.errors += 1;
            return;
        }
        if Instant::now() <= deadline {
            self.done += 1;
        }
        let us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX).max(1);
        self.latencies_us.saturating_record(us);
    }

    /// Add another connection's figures.
    pub fn merge(&mut self, other: &Stats) {
        self.done += other.done;
        self.errors += other.errors;
        // Both histograms have the same bounds, so adding cannot fail.
        let _ = self.latencies_us.add(&other.latencies_us);
    }

    /// The figures over a phase of `secs` seconds.
    pub fn summary(&self, secs: f64) -> Summary {
        let q = |q: f64| {
            if self.latencies_us.is_empty() {
                0
            } else {
                self.latencies_us.value_at_quantile(q)
            }
        };
        Summary {
            rps: self.done as f64 / secs,
            p50_us: q(0.50),
            p99_us: q(0.99),
            max_us: self.latencies_us.max(),
            errors: self.errors,
        }
    }
}

/// Requests per second and latency percentiles of one phase, as the drivers print and write them.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Summary {
    pub rps: f64,
    pub p50_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
    pub errors: u64,
}

/// Microseconds as milliseconds for a table: two decimals below 10 ms.
pub fn fmt_us(us: u64) -> String {
    let ms = us as f64 / 1000.0;
    if us >= 10_000 {
        format!("{ms:.0} ms")
    } else {
        format!("{ms:.2} ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_and_counts_over_merged_connections() {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut a = Stats::default();
        let mut b = Stats::default();
        for us in 1..=100u64 {
            a.record(true, Duration::from_micros(us * 10), deadline);
        }
        b.record(true, Duration::from_millis(50), deadline);
        b.record(false, Duration::from_millis(1), deadline);
        a.merge(&b);
        let s = a.summary(2.0);
        assert_eq!((s.rps, s.errors), (50.5, 1));
        // 101 latencies: 10, 20, … 1000 µs and 50 ms. The 51st is 510 µs; the histogram keeps 3
        // significant digits.
        assert!((509..=511).contains(&s.p50_us), "{s:?}");
        assert!((990..=1001).contains(&s.p99_us), "{s:?}");
        assert!((49_950..=50_050).contains(&s.max_us), "{s:?}");
    }

    #[test]
    fn a_call_answered_after_the_deadline_is_not_counted() {
        let mut s = Stats::default();
        s.record(
            true,
            Duration::from_millis(1),
            Instant::now() - Duration::from_secs(1),
        );
        assert_eq!(s.summary(1.0).rps, 0.0);
        assert_eq!(fmt_us(1234), "1.23 ms");
        assert_eq!(fmt_us(12_345), "12 ms");
    }
}
