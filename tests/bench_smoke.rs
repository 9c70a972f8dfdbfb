//! The benchmark driver still works: a one-second run of every phase against a real sgmock completes
//! with answers and no errors. (Speed is measured by `scripts/bench`, never asserted in tests.)

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn sgbench_runs_every_phase_against_sgmock_without_errors() {
    let mut server = Command::new(env!("CARGO_BIN_EXE_sgmock"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--rule-limit",
            "1000000",
            "--group-quota",
            "10000",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn sgmock");
    let mut line = String::new();
    BufReader::new(server.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("ready");
    let addr = line
        .trim()
        .strip_prefix("sgmock listening on ")
        .expect("ready line")
        .to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_sgbench"))
        .args([
            "compare",
            "--sgmock",
            &addr,
            "--duration",
            "1",
            "--repeat",
            "1",
            "--conns",
            "2",
        ])
        .output()
        .expect("run sgbench");
    let _ = server.kill();
    let _ = server.wait();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The table, up to the blank line before the targets summary.
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert!(text.contains("targets at 2 connections"), "{text}");
    let phases: Vec<&str> = rows.iter().map(|r| r[0]).collect();
    assert_eq!(
        phases,
        ["authorize", "describe-1000", "revoke", "trivial"],
        "{text}"
    );
    for r in &rows {
        let rps: f64 = r[3].parse().expect("req/s");
        let errors: u64 = r[8].parse().expect("errors");
        assert!(rps > 0.0 && errors == 0, "{text}");
    }
}

/// `sgbench tls` measures all four ways (plain and TLS, keep-alive and a new connection per
/// request) with answers and no errors.
#[test]
fn sgbench_tls_runs_every_transport_without_errors() {
    let out = Command::new(env!("CARGO_BIN_EXE_sgbench"))
        .args([
            "tls",
            "--bin",
            env!("CARGO_BIN_EXE_sgmock"),
            "--duration",
            "1",
            "--conns",
            "2",
        ])
        .output()
        .expect("run sgbench");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().collect())
        .collect();
    // transport, connections (1–3 words), then conns, req/s, p50 (2), p99 (2), errors, TLS/plain.
    let ways: Vec<String> = rows.iter().map(|r| r[..r.len() - 8].join(" ")).collect();
    assert_eq!(
        ways,
        [
            "plain keep-alive",
            "TLS keep-alive",
            "plain new per request",
            "TLS new per request"
        ],
        "{text}"
    );
    for r in &rows {
        let n = r.len();
        let rps: f64 = r[n - 7].parse().expect("req/s");
        let errors: u64 = r[n - 2].parse().expect("errors");
        assert!(rps > 0.0 && errors == 0, "{text}");
    }
}
