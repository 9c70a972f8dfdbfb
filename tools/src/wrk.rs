//! Driving `wrk` (a C load generator, Debian's package) pinned to one core and reading what it
//! prints: requests/s, the latency percentiles of `--latency`, and every kind of failure it counts.
//! Used by `sgbench pinned`, where the load generator must cost less than the server it measures.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::Res;

/// What one wrk run measured.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct WrkRun {
    pub rps: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    /// Non-2xx/3xx answers, and connect/read/write/timeout errors.
    pub errors: u64,
}

/// One wrk run: `conns` connections on one thread pinned to `cpu`, for `duration`.
pub struct Load<'a> {
    pub wrk: &'a Path,
    pub cpu: usize,
    pub conns: usize,
    pub duration: Duration,
    /// A Lua script (`-s`), with its environment.
    pub script: Option<&'a Path>,
    pub env: &'a [(&'a str, String)],
    /// Extra request headers (`-H`), e.g. `Connection: close` for one connection per request.
    pub headers: &'a [&'a str],
}

impl Load<'_> {
    pub fn run(&self, url: &str) -> Res<WrkRun> {
        let mut cmd = Command::new("taskset");
        cmd.args(["-c", &self.cpu.to_string()])
            .arg(self.wrk)
            .args(["-t1", "--latency", "--timeout", "10s"])
            .arg(format!("-c{}", self.conns))
            .arg(format!("-d{}s", self.duration.as_secs().max(1)));
        for h in self.headers {
            cmd.args(["-H", h]);
        }
        if let Some(s) = self.script {
            cmd.arg("-s").arg(s);
        }
        cmd.arg(url);
        for (k, v) in self.env {
            cmd.env(k, v);
        }
        let out = cmd
            .output()
            .map_err(|e| format!("taskset {}: {e}", self.wrk.display()))?;
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            return Err(format!(
                "wrk failed ({}): {text}{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        parse(&text).ok_or_else(|| format!("could not read wrk's output:\n{text}"))
    }
}

/// `850.00us`, `1.20ms`, `2.00s` → microseconds.
fn duration_us(s: &str) -> Option<f64> {
    let split = s.find(|c: char| c.is_ascii_alphabetic())?;
    let (n, unit) = s.split_at(split);
    let n: f64 = n.parse().ok()?;
    Some(match unit {
        "us" => n,
        "ms" => n * 1e3,
        "s" => n * 1e6,
        "m" => n * 60e6,
        _ => return None,
    })
}

/// wrk's report (with `--latency`).
pub fn parse(text: &str) -> Option<WrkRun> {
    let mut run = WrkRun::default();
    let mut rps = None;
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", n] => rps = n.parse().ok(),
            ["50%", v] => run.p50_us = duration_us(v)?,
            ["99%", v] => run.p99_us = duration_us(v)?,
            ["Non-2xx", "or", "3xx", "responses:", n] => run.errors += n.parse::<u64>().ok()?,
            ["Socket", "errors:", rest @ ..] => {
                // "Socket errors: connect 0, read 0, write 0, timeout 0"
                for pair in rest.chunks(2) {
                    if let [_, n] = pair {
                        run.errors += n.trim_end_matches(',').parse::<u64>().ok()?;
                    }
                }
            }
            _ => {}
        }
    }
    run.rps = rps?;
    Some(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "Running 5s test @ http://127.0.0.1:8080/_sgmock/health
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   650.12us  120.00us   3.10ms   90.00%
    Req/Sec    98.10k     1.20k  100.00k    70.00%
  Latency Distribution
     50%  620.00us
     75%  700.00us
     90%  800.00us
     99%    1.25ms
  488123 requests in 5.00s, 50.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:  97624.60
Transfer/sec:     10.00MB
";

    #[test]
    fn reads_rate_percentiles_and_every_failure() {
        let r = parse(REPORT).unwrap();
        assert_eq!(
            r,
            WrkRun {
                rps: 97624.60,
                p50_us: 620.0,
                p99_us: 1250.0,
                errors: 7
            }
        );
    }

    #[test]
    fn a_report_without_a_rate_is_unreadable() {
        assert_eq!(parse("Running 5s test\n"), None);
        assert_eq!(duration_us("2.5s"), Some(2.5e6));
        assert_eq!(duration_us("12parsecs"), None);
    }
}
