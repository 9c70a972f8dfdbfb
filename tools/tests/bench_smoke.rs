//! The benchmark driver still works: a one-second run of every phase against a real sgmock (an
//! in-process server on loopback) completes with answers and no errors, read from the JSON it
//! writes. (Speed is measured by `scripts/bench`, never asserted in tests.)

use std::process::Command;

use serde_json::Value;
use sgmock::config::TlsMode;
use sgmock::testing::TestServer;
use sgmock::Config;

/// Run sgbench with `args` plus `--json FILE` (off the async workers); the JSON it wrote.
async fn sgbench(args: Vec<String>) -> Value {
    tokio::task::spawn_blocking(move || {
        let dir = tempfile::tempdir().expect("tempdir");
        let json = dir.path().join("out.json");
        let out = Command::new(env!("CARGO_BIN_EXE_sgbench"))
            .args(&args)
            .arg("--json")
            .arg(&json)
            .output()
            .expect("run sgbench");
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&std::fs::read(&json).expect("the JSON")).expect("JSON")
    })
    .await
    .expect("sgbench ran")
}

fn strings(rows: &Value, key: &str) -> Vec<String> {
    rows.as_array()
        .expect("rows")
        .iter()
        .map(|r| r[key].as_str().expect(key).to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sgbench_runs_every_phase_against_sgmock_without_errors() {
    let server = TestServer::with_config(Config {
        rule_limit: 1_000_000,
        group_quota: 10_000,
        ..Config::default()
    })
    .await;
    let args = ["compare", "--sgmock", &server.endpoint(), "--duration", "1"];
    let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    args.extend(["--repeat", "1", "--conns", "2"].map(String::from));
    let report = sgbench(args).await;
    assert_eq!(report["command"], "compare");
    let rows = &report["rows"];
    assert_eq!(
        strings(rows, "phase"),
        ["authorize", "describe-1000", "revoke", "trivial"],
        "{report:#}"
    );
    for r in rows.as_array().expect("rows") {
        assert_eq!(
            (&r["server"], &r["conns"]),
            (&Value::from("sgmock"), &Value::from(2))
        );
        assert!(r["rps"].as_f64().expect("rps") > 0.0, "{r}");
        assert_eq!(r["errors"], 0, "{r}");
        assert!(r["p50_us"].as_u64().expect("p50") <= r["p99_us"].as_u64().expect("p99"));
    }
    // Without moto, every target says so.
    for t in report["targets"].as_array().expect("targets") {
        assert_eq!(
            (&t["times_moto"], &t["met"]),
            (&Value::Null, &Value::Bool(false))
        );
    }
}

/// `sgbench tls` measures all four ways (plain and TLS, keep-alive and a new connection per
/// request) with answers and no errors.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sgbench_tls_runs_every_transport_without_errors() {
    let server = TestServer::with_config(Config {
        tls: TlsMode::On,
        ..Config::default()
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, server.ca_pem().expect("a CA")).expect("write the CA");
    let args = vec![
        "tls".to_string(),
        "--sgmock".into(),
        server.endpoint(),
        "--ca".into(),
        ca.display().to_string(),
        "--duration".into(),
        "1".into(),
        "--conns".into(),
        "2".into(),
    ];
    let report = sgbench(args).await;
    let rows = &report["rows"];
    let ways: Vec<String> = rows
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["transport"].as_str().expect("transport"),
                r["connections"].as_str().expect("connections")
            )
        })
        .collect();
    assert_eq!(
        ways,
        [
            "plain keep-alive",
            "TLS keep-alive",
            "plain new per request",
            "TLS new per request"
        ],
        "{report:#}"
    );
    for r in rows.as_array().expect("rows") {
        assert!(r["rps"].as_f64().expect("rps") > 0.0, "{r}");
        assert_eq!(r["errors"], 0, "{r}");
    }
    // Each TLS row is compared with the plain row before it.
    assert!(rows[1]["tls_over_plain"].as_f64().expect("ratio") > 0.0);
    assert_eq!(rows[0]["tls_over_plain"], Value::Null);
}

/// `sgbench memory` creates the rules, exports them and loads them back three ways (a state
/// import, a snapshot at start, fixtures), each load reporting its peak.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sgbench_memory_loads_the_same_rules_three_ways() {
    // The server binary is built beside sgbench by the workspace's test run.
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_sgbench")).with_file_name("sgmock");
    assert!(
        bin.is_file(),
        "{} is missing: build it first (cargo build --bin sgmock)",
        bin.display()
    );
    let args = vec![
        "memory".to_string(),
        "--bin".into(),
        bin.display().to_string(),
        "--groups".into(),
        "3".into(),
    ];
    let report = sgbench(args).await;
    assert_eq!(report["command"], "memory");
    assert_eq!(report["rules"], 600, "{report:#}");
    assert!(report["steady_rss_mib"].as_f64().expect("steady") > 0.0);
    for way in ["put", "snapshot", "fixtures"] {
        let ratio = report[format!("{way}_peak_ratio")].as_f64();
        assert!(ratio.is_some_and(|r| r > 0.0), "{way}: {report:#}");
    }
}
