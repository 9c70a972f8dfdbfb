//! `sgbench`: the benchmark driver. One load generator, the same workload against sgmock and moto's
//! server (issue 6), all on loopback, every loop bounded by a deadline. `sgbench --help` lists the
//! subcommands; each prints a table and, with `--json PATH`, writes its figures as JSON (what
//! `tests/bench_smoke.rs` reads).
//!
//! Requests go over HTTP/1.1 keep-alive connections (POST, form body), one in flight per
//! connection (`tls` also over TLS, and with a new connection per request). A phase runs for a fixed
//! duration; requests/s counts responses completed within it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use hyper::Method;
use serde_json::{json, Value};
use sgmock::testing::Process;
use sgmock_tools::http::{trusting, Conn, Reply};
use sgmock_tools::stats::{fmt_us, Stats, Summary};
use sgmock_tools::wrk::{Load, WrkRun};
use sgmock_tools::Res;

fn xml_field(body: &[u8], tag: &str) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let open = format!("<{tag}>");
    let start = text.find(&open)? + open.len();
    let end = text[start..].find('<')? + start;
    Some(text[start..end].to_string())
}

fn json_field(body: &[u8], key: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    v[key].as_str().map(str::to_string)
}

// ---------------------------------------------------------------- the two servers

#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    Sgmock,
    Moto,
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Target::Sgmock => "sgmock",
            Target::Moto => "moto",
        }
    }
}

struct Client {
    target: Target,
    conn: Conn,
}

/// moto routes EC2 by the credential scope of an (unchecked) SigV4 header.
const MOTO_AUTH: (&str, &str) = (
    "authorization",
    "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0",
);

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A distinct rule for connection `c`, call `i`: (port, cidr).
fn rule(c: usize, i: usize) -> (usize, String) {
    (
        1 + i % 65535,
        format!("10.{}.{}.0/24", c % 256, (i / 65535) % 256),
    )
}

impl Client {
    fn new(target: Target, addr: &str) -> Client {
        Client {
            target,
            conn: Conn::new(addr),
        }
    }

    async fn post(&mut self, body: String) -> Res<Reply> {
        let headers: &[(&str, &str)] = if self.target == Target::Moto {
            &[MOTO_AUTH]
        } else {
            &[]
        };
        self.conn.request(Method::POST, "/", headers, body).await
    }

    async fn health(&mut self) -> Res<Reply> {
        self.conn
            .request(Method::GET, "/_sgmock/health", &[], String::new())
            .await
    }

    /// A VPC for moto (sgmock needs none).
    async fn vpc(&mut self) -> Res<String> {
        match self.target {
            Target::Sgmock => Ok("vpc-bench".into()),
            Target::Moto => {
                let r = self
                    .post("Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.0%2F16".into())
                    .await?;
                xml_field(&r.body, "vpcId")
                    .ok_or_else(|| format!("CreateVpc: {}", String::from_utf8_lossy(&r.body)))
            }
        }
    }

    async fn group(&mut self, vpc: &str, name: &str) -> Res<String> {
        let r = match self.target {
            Target::Sgmock => {
                self.post(format!("Action=CreateSecurityGroup&Version=2014-05-26&RegionId=cn-hangzhou&VpcId={vpc}&SecurityGroupName={name}"))
                    .await?
            }
            Target::Moto => {
                self.post(format!("Action=CreateSecurityGroup&Version=2016-11-15&GroupName={name}&GroupDescription=bench&VpcId={vpc}"))
                    .await?
            }
        };
        let id = match self.target {
            Target::Sgmock => json_field(&r.body, "SecurityGroupId"),
            Target::Moto => xml_field(&r.body, "groupId"),
        };
        id.ok_or_else(|| format!("CreateSecurityGroup: {}", String::from_utf8_lossy(&r.body)))
    }

    fn rule_body(&self, action: &str, sg: &str, rules: &[(usize, String)]) -> String {
        let mut b = match self.target {
            Target::Sgmock => format!(
                "Action={action}&Version=2014-05-26&RegionId=cn-hangzhou&SecurityGroupId={sg}"
            ),
            Target::Moto => format!("Action={action}&Version=2016-11-15&GroupId={sg}"),
        };
        for (n, (port, cidr)) in rules.iter().enumerate() {
            let n = n + 1;
            let cidr = enc(cidr);
            match self.target {
                Target::Sgmock => b.push_str(&format!(
                    "&Permissions.{n}.IpProtocol=tcp&Permissions.{n}.PortRange={port}%2F{port}&Permissions.{n}.SourceCidrIp={cidr}"
                )),
                Target::Moto => b.push_str(&format!(
                    "&IpPermissions.{n}.IpProtocol=tcp&IpPermissions.{n}.FromPort={port}&IpPermissions.{n}.ToPort={port}&IpPermissions.{n}.IpRanges.1.CidrIp={cidr}"
                )),
            }
        }
        b
    }

    fn authorize_body(&self, sg: &str, rules: &[(usize, String)]) -> String {
        let action = match self.target {
            Target::Sgmock => "AuthorizeSecurityGroup",
            Target::Moto => "AuthorizeSecurityGroupIngress",
        };
        self.rule_body(action, sg, rules)
    }

    fn revoke_body(&self, sg: &str, rules: &[(usize, String)]) -> String {
        let action = match self.target {
            Target::Sgmock => "RevokeSecurityGroup",
            Target::Moto => "RevokeSecurityGroupIngress",
        };
        self.rule_body(action, sg, rules)
    }

    fn describe_body(&self, sg: &str) -> String {
        match self.target {
            Target::Sgmock => format!("Action=DescribeSecurityGroupAttribute&Version=2014-05-26&RegionId=cn-hangzhou&SecurityGroupId={sg}"),
            Target::Moto => format!("Action=DescribeSecurityGroups&Version=2016-11-15&GroupId.1={sg}"),
        }
    }

    /// Fill a group with `n` distinct rules, 100 per call.
    async fn fill(&mut self, sg: &str, c: usize, n: usize) -> Res<()> {
        let mut i = 0;
        while i < n {
            let batch: Vec<(usize, String)> = (i..(i + 100).min(n)).map(|k| rule(c, k)).collect();
            let body = self.authorize_body(sg, &batch);
            let r = self.post(body).await?;
            if r.status != 200 {
                return Err(format!(
                    "fill: {} {}",
                    r.status,
                    String::from_utf8_lossy(&r.body)
                ));
            }
            i += batch.len();
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- phases

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    /// One distinct new rule per call.
    Authorize,
    /// DescribeSecurityGroupAttribute (moto: DescribeSecurityGroups) of one group of `rules` rules.
    Describe,
    /// Revoke by match of a rule authorized just before on the same connection (only the revokes
    /// are measured; the group keeps its size).
    Revoke,
    /// GET /_sgmock/health: the ceiling of a trivial handler on this machine.
    Trivial,
}

/// The connections' stats, added up.
async fn gather(tasks: Vec<tokio::task::JoinHandle<Stats>>) -> Res<Stats> {
    let mut all = Stats::default();
    for t in tasks {
        all.merge(&t.await.map_err(|e| e.to_string())?);
    }
    Ok(all)
}

fn ok(reply: &Res<Reply>) -> bool {
    matches!(reply, Ok(r) if r.status == 200)
}

/// Run one phase with `conns` connections for `duration` against a target.
async fn run_phase(
    target: Target,
    addr: &str,
    phase: Phase,
    conns: usize,
    duration: Duration,
    rules: usize,
    tag: &str,
) -> Res<Summary> {
    // Setup: a VPC, a group per connection (or one shared group to describe).
    let mut setup = Client::new(target, addr);
    let vpc = setup.vpc().await?;
    let shared = if phase == Phase::Describe {
        let sg = setup.group(&vpc, &format!("d{tag}")).await?;
        setup.fill(&sg, 200, rules).await?;
        Some(sg)
    } else {
        None
    };
    let mut groups = Vec::new();
    for c in 0..conns {
        groups.push(match (&shared, phase) {
            (Some(sg), _) => sg.clone(),
            (None, Phase::Trivial) => String::new(),
            (None, _) => {
                let sg = setup.group(&vpc, &format!("g{tag}c{c}")).await?;
                if rules > 0 && phase != Phase::Describe {
                    setup.fill(&sg, 250, rules).await?;
                }
                sg
            }
        });
    }
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::new();
    for (c, sg) in groups.into_iter().enumerate() {
        let addr = addr.to_string();
        tasks.push(tokio::spawn(async move {
            let mut client = Client::new(target, &addr);
            let mut stats = Stats::default();
            let mut i = 0usize;
            while Instant::now() < deadline {
                let r = rule(c, i);
                i += 1;
                if phase == Phase::Revoke {
                    // Put the rule in place, unmeasured.
                    let body = client.authorize_body(&sg, std::slice::from_ref(&r));
                    if client.post(body).await.map(|x| x.status) != Ok(200) {
                        stats.errors += 1;
                        continue;
                    }
                }
                let t = Instant::now();
                let reply = match phase {
                    Phase::Authorize => {
                        let body = client.authorize_body(&sg, &[r]);
                        client.post(body).await
                    }
                    Phase::Revoke => {
                        let body = client.revoke_body(&sg, &[r]);
                        client.post(body).await
                    }
                    Phase::Describe => {
                        let body = client.describe_body(&sg);
                        client.post(body).await
                    }
                    Phase::Trivial => client.health().await,
                };
                stats.record(ok(&reply), t.elapsed(), deadline);
            }
            stats
        }));
    }
    Ok(gather(tasks).await?.summary(duration.as_secs_f64()))
}

// ---------------------------------------------------------------- command line

#[derive(Parser)]
#[command(
    name = "sgbench",
    about = "sgmock's benchmark driver (loopback only, every phase bounded)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Also write the figures as JSON to this file.
    #[arg(long, global = true)]
    json: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// The same workload against sgmock and (optionally) moto's server.
    Compare {
        /// sgmock's address (IP:PORT).
        #[arg(long)]
        sgmock: String,
        /// moto's server (IP:PORT).
        #[arg(long)]
        moto: Option<String>,
        /// Seconds per run.
        #[arg(long, default_value_t = 5)]
        duration: u64,
        /// Runs per phase and connection count; the best is kept.
        #[arg(long, default_value_t = 2)]
        repeat: usize,
        /// Connection counts.
        #[arg(long, value_delimiter = ',', default_value = "1,8,64")]
        conns: Vec<usize>,
        /// Only these phases (authorize, describe, revoke, trivial).
        #[arg(long, value_delimiter = ',')]
        phases: Option<Vec<String>>,
    },
    /// Start time, idle memory, per-call cost against group size, persistence cost (1M rules:
    /// `memory`).
    Scaling {
        /// The sgmock binary to start.
        #[arg(long)]
        bin: PathBuf,
        #[arg(long, default_value_t = 3)]
        duration: u64,
    },
    /// Compaction and restarts with a large state (N groups of 200 rules).
    Persistence {
        #[arg(long)]
        bin: PathBuf,
        #[arg(long, default_value_t = 5000)]
        groups: usize,
    },
    /// Memory: N groups of 200 rules created through the API (steady RSS), then the peak RSS while
    /// the same rules load as one state document: `PUT /_sgmock/state`, `--fixtures`, and a
    /// snapshot at start (the targets of issue 18: 1M rules in 400 MiB, a load at most 2x that).
    Memory {
        #[arg(long)]
        bin: PathBuf,
        #[arg(long, default_value_t = 5000)]
        groups: usize,
    },
    /// The server pinned to one core and wrk to the other: Authorize and Describe against the
    /// trivial handler, as ratios measured in one run (the targets of issue 18).
    Pinned {
        #[arg(long)]
        bin: PathBuf,
        /// The wrk binary (Debian: apt-get install wrk).
        #[arg(long, default_value = "wrk")]
        wrk: PathBuf,
        /// The folder of the wrk Lua scripts (authorize.lua).
        #[arg(long, default_value = "scripts/wrk")]
        scripts: PathBuf,
        #[arg(long, default_value_t = 5)]
        duration: u64,
        /// Runs per phase; the best is kept.
        #[arg(long, default_value_t = 2)]
        repeat: usize,
        #[arg(long, default_value_t = 64)]
        conns: usize,
        /// Only the plain, kept-alive table the targets are read from (quicker iterations).
        #[arg(long)]
        plain_only: bool,
    },
    /// TLS against plain HTTP on the same port, kept-alive and a new connection per request.
    Tls {
        /// The sgmock binary to start (with `--tls on`)...
        #[arg(long, required_unless_present = "sgmock")]
        bin: Option<PathBuf>,
        /// ...or a running sgmock serving TLS (IP:PORT), with the CA certificate it uses.
        #[arg(long, requires = "ca")]
        sgmock: Option<String>,
        /// The CA certificate (PEM) of `--sgmock`.
        #[arg(long)]
        ca: Option<PathBuf>,
        #[arg(long, default_value_t = 3)]
        duration: u64,
        #[arg(long, value_delimiter = ',', default_value = "1,8,64")]
        conns: Vec<usize>,
    },
}

/// The JSON a subcommand writes with `--json`.
#[derive(Default)]
struct Report {
    rows: Vec<Value>,
    extra: serde_json::Map<String, Value>,
}

impl Report {
    fn write(self, command: &str, path: &Path) -> Res<()> {
        let mut doc = serde_json::Map::new();
        doc.insert("command".into(), command.into());
        doc.insert("rows".into(), Value::Array(self.rows));
        doc.extend(self.extra);
        let text = serde_json::to_string_pretty(&Value::Object(doc)).map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

fn summary_json(s: &Summary) -> Value {
    serde_json::to_value(s).unwrap_or(Value::Null)
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "MISSED"
    }
}

/// Start `bin` on a free loopback port; how long it took to print its ready line.
fn spawn(bin: &Path, extra: &[&str]) -> Res<(Process, Duration)> {
    let t = Instant::now();
    let p = Process::start(bin, extra)?;
    Ok((p, t.elapsed()))
}

// ---------------------------------------------------------------- compare

async fn compare(
    report: &mut Report,
    sg: &str,
    moto: Option<&str>,
    duration: Duration,
    repeat: usize,
    conns: &[usize],
    only: Option<&[String]>,
) -> Res<()> {
    println!("phase        conns  server    req/s (best of {repeat})      p50        p99   errors   sgmock/moto");
    let mut run = 0usize;
    // (phase, sgmock/moto ratio, sgmock p99) at the largest connection count, for the targets.
    let top = conns.iter().copied().max().unwrap_or(0);
    let mut at_top: Vec<(&str, Option<f64>, u64)> = Vec::new();
    for (phase, rules, label) in [
        (Phase::Authorize, 0, "authorize"),
        (Phase::Describe, 1000, "describe-1000"),
        (Phase::Revoke, 0, "revoke"),
        (Phase::Trivial, 0, "trivial"),
    ] {
        let name = format!("{phase:?}");
        if only.is_some_and(|o| !o.iter().any(|p| p.eq_ignore_ascii_case(&name))) {
            continue;
        }
        for &c in conns {
            let mut best: BTreeMap<&str, Summary> = BTreeMap::new();
            let targets: Vec<(Target, &str)> = match (moto, phase) {
                (Some(m), p) if p != Phase::Trivial => {
                    vec![(Target::Sgmock, sg), (Target::Moto, m)]
                }
                _ => vec![(Target::Sgmock, sg)],
            };
            for (target, addr) in targets {
                for _ in 0..repeat {
                    run += 1;
                    let s = run_phase(target, addr, phase, c, duration, rules, &format!("r{run}"))
                        .await?;
                    if target == Target::Moto {
                        // moto serialises requests; give it a moment to finish anything pending.
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    if best.get(target.name()).is_none_or(|b| s.rps > b.rps) {
                        best.insert(target.name(), s);
                    }
                }
            }
            let ratio = match (best.get("sgmock"), best.get("moto")) {
                (Some(a), Some(b)) if b.rps > 0.0 => Some(a.rps / b.rps),
                _ => None,
            };
            if c == top {
                if let Some(a) = best.get("sgmock") {
                    at_top.push((label, ratio, a.p99_us));
                }
            }
            for (name, s) in &best {
                let r = match (*name, ratio) {
                    ("sgmock", Some(r)) => format!("{r:.0}x"),
                    ("sgmock", None) => "-".into(),
                    _ => String::new(),
                };
                println!(
                    "{label:<12} {c:>5}  {name:<7} {:>12.0}  {:>10} {:>10} {:>8}   {r}",
                    s.rps,
                    fmt_us(s.p50_us),
                    fmt_us(s.p99_us),
                    s.errors
                );
                let mut row = json!({"phase": label, "conns": c, "server": name});
                if let (Value::Object(row), Value::Object(fig)) = (&mut row, summary_json(s)) {
                    row.extend(fig);
                }
                report.rows.push(row);
            }
        }
    }
    // The targets of issue 6, judged on this run.
    let trivial = at_top.iter().find(|(l, _, _)| *l == "trivial").map(|t| t.2);
    println!();
    println!("targets at {top} connections (>= 100x moto; p99 < 2 ms):");
    let mut targets = Vec::new();
    for (label, ratio, p99) in at_top.iter().filter(|(l, _, _)| *l != "trivial") {
        let r = match ratio {
            Some(r) if *r >= 100.0 => format!("{r:.0}x moto: met"),
            Some(r) => format!("{r:.0}x moto: MISSED"),
            None => "no moto run".into(),
        };
        let p = if *p99 < 2000 {
            format!("p99 {}: met", fmt_us(*p99))
        } else {
            let why = trivial
                .map(|t| format!(" (a trivial handler's p99 here: {})", fmt_us(t)))
                .unwrap_or_default();
            format!("p99 {}: MISSED{why}", fmt_us(*p99))
        };
        println!("  {label:<14} {r:<22} {p}");
        targets.push(json!({
            "phase": label,
            "conns": top,
            "times_moto": ratio,
            "p99_us": p99,
            "met": ratio.is_some_and(|r| r >= 100.0) && *p99 < 2000,
        }));
    }
    report.extra.insert("targets".into(), Value::Array(targets));
    Ok(())
}

// ---------------------------------------------------------------- scaling

async fn scaling(report: &mut Report, bin: &Path, duration: Duration) -> Res<()> {
    // Start to healthy: spawn until /_sgmock/health answers 200.
    let mut starts = Vec::new();
    let mut idle = 0;
    for _ in 0..10 {
        let t = Instant::now();
        let (p, _) = spawn(bin, &[])?;
        let mut c = Client::new(Target::Sgmock, &p.addr);
        if c.health().await?.status != 200 {
            return Err("health".into());
        }
        starts.push(t.elapsed());
        idle = p.rss_kib();
    }
    starts.sort();
    let start_ms = starts.get(5).map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    let idle_mib = idle as f64 / 1024.0;
    println!(
        "start to healthy: {start_ms:.1} ms (median of 10; target < 50 ms: {})   idle RSS: {idle_mib:.1} MiB (target < 20 MB: {})",
        verdict(start_ms < 50.0),
        verdict(idle_mib * 1.048_576 < 20.0)
    );
    report.extra.insert("start_ms".into(), json!(start_ms));
    report.extra.insert("idle_rss_mib".into(), json!(idle_mib));

    // Per-call cost against the size of the group.
    println!("rules in group   authorize p50   revoke p50   describe p50 (1 connection)");
    let mut per_call: Vec<(u64, u64)> = Vec::new();
    for n in [10usize, 1000, 10_000] {
        let limit = (n + 1_000_000).to_string();
        let (p, _) = spawn(bin, &["--rule-limit", &limit])?;
        let sg = Target::Sgmock;
        let auth = run_phase(sg, &p.addr, Phase::Authorize, 1, duration, n, "a").await?;
        let rev = run_phase(sg, &p.addr, Phase::Revoke, 1, duration, n, "v").await?;
        let desc = run_phase(sg, &p.addr, Phase::Describe, 1, duration, n, "d").await?;
        println!(
            "{n:>15}   {:>13} {:>12} {:>14}",
            fmt_us(auth.p50_us),
            fmt_us(rev.p50_us),
            fmt_us(desc.p50_us)
        );
        report.rows.push(json!({
            "rules": n,
            "authorize": summary_json(&auth),
            "revoke": summary_json(&rev),
            "describe": summary_json(&desc),
        }));
        per_call.push((auth.p50_us, rev.p50_us));
    }
    if let (Some(small), Some(big)) = (per_call.first(), per_call.last()) {
        let ratio = |a: u64, b: u64| b as f64 / a.max(1) as f64;
        let (ra, rr) = (ratio(small.0, big.0), ratio(small.1, big.1));
        println!(
            "authorize / revoke at 10,000 rules vs 10: {ra:.2}x / {rr:.2}x (target < 1.5x: {})",
            verdict(ra < 1.5 && rr < 1.5)
        );
    }

    // What persistence costs: authorize at 8 connections, in memory, with a journal, with fsync.
    let dir = std::env::temp_dir().join(format!("sgbench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    println!("persistence (authorize, 8 connections)       req/s        p50        p99");
    let mut persistence = Vec::new();
    for (label, extra) in [
        ("memory only", vec![]),
        (
            "--state-file",
            vec![
                "--state-file".to_string(),
                dir.join("a.json").display().to_string(),
            ],
        ),
        (
            "--state-file --fsync",
            vec![
                "--state-file".to_string(),
                dir.join("b.json").display().to_string(),
                "--fsync".to_string(),
            ],
        ),
    ] {
        let mut e: Vec<&str> = vec!["--rule-limit", "100000000"];
        e.extend(extra.iter().map(String::as_str));
        let (p, _) = spawn(bin, &e)?;
        let s = run_phase(
            Target::Sgmock,
            &p.addr,
            Phase::Authorize,
            8,
            duration,
            0,
            "p",
        )
        .await?;
        println!(
            "{label:<40} {:>9.0} {:>10} {:>10}",
            s.rps,
            fmt_us(s.p50_us),
            fmt_us(s.p99_us)
        );
        persistence.push(json!({"mode": label, "authorize": summary_json(&s)}));
    }
    report
        .extra
        .insert("persistence".into(), Value::Array(persistence));
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

// ---------------------------------------------------------------- persistence at scale

/// Load `groups` groups of 200 rules over 8 connections.
async fn load_rules(addr: &str, groups: usize) -> Res<()> {
    let mut tasks = Vec::new();
    for w in 0..8usize {
        let addr = addr.to_string();
        tasks.push(tokio::spawn(async move {
            let mut c = Client::new(Target::Sgmock, &addr);
            for g in (w..groups).step_by(8) {
                let sg = c.group("vpc-bench", &format!("p{g}")).await?;
                c.fill(&sg, g, 200).await?;
            }
            Ok::<(), String>(())
        }));
    }
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    Ok(())
}

/// Steady memory of `groups` × 200 rules, and the peak of each way of loading them as a document.
async fn memory(report: &mut Report, bin: &Path, groups: usize) -> Res<()> {
    let dir = std::env::temp_dir().join(format!("sgbench-m-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let result = memory_in(report, bin, groups, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn memory_in(report: &mut Report, bin: &Path, groups: usize, dir: &Path) -> Res<()> {
    let mib = |kib: u64| kib as f64 / 1024.0;
    let quota = ["--group-quota", "1000000"];
    let rules = groups * 200;
    let figures = &mut report.extra;

    let (p, _) = spawn(bin, &quota)?;
    let idle = p.rss_kib();
    let t = Instant::now();
    load_rules(&p.addr, groups).await?;
    let steady = p.rss_kib();
    // Scaled to a million, idle excluded: the target is per million rules.
    let per_million = mib(steady.saturating_sub(idle)) * 1_000_000.0 / rules.max(1) as f64;
    println!(
        "{rules} rules in {groups} groups of 200, created through the API in {:.1} s: RSS {:.0} -> {:.0} MiB, {per_million:.0} MiB per 1M rules (target <= 400 MiB: {})",
        t.elapsed().as_secs_f64(),
        mib(idle),
        mib(steady),
        verdict(per_million <= 400.0)
    );
    figures.insert("rules".into(), json!(rules));
    figures.insert("steady_rss_mib".into(), json!(mib(steady)));
    figures.insert("mib_per_million_rules".into(), json!(per_million));
    let r = Conn::new(&p.addr)
        .request(Method::GET, "/_sgmock/state", &[], String::new())
        .await?;
    if r.status != 200 {
        return Err(format!("GET /_sgmock/state: {}", r.status));
    }
    let doc = String::from_utf8(r.body.to_vec()).map_err(|e| e.to_string())?;
    drop(p);
    let doc_path = dir.join("doc.json");
    std::fs::write(&doc_path, &doc).map_err(|e| e.to_string())?;
    println!(
        "the state document: {:.0} MiB",
        doc.len() as f64 / 1048576.0
    );

    // Each way of loading: the peak against the steady state of the same rules.
    let mut report_load = |what: &str, key: &str, took: f64, p: &Process| {
        let (now, peak) = (p.rss_kib(), p.peak_rss_kib());
        let ratio = peak as f64 / steady.max(1) as f64;
        println!(
            "{what}: {took:.1} s, RSS after {:.0} MiB, peak {:.0} MiB = {ratio:.2}x the steady state (target <= 2x: {})",
            mib(now),
            mib(peak),
            verdict(ratio <= 2.0)
        );
        figures.insert(format!("{key}_peak_mib"), json!(mib(peak)));
        figures.insert(format!("{key}_peak_ratio"), json!(ratio));
    };

    let state = dir.join("state.json");
    let state_arg = state.display().to_string();
    let (mut p, _) = spawn(bin, &[&quota[..], &["--state-file", &state_arg]].concat())?;
    let t = Instant::now();
    let r = Conn::new(&p.addr)
        .request(Method::PUT, "/_sgmock/state", &[], doc)
        .await?;
    if r.status != 200 {
        return Err(format!(
            "PUT /_sgmock/state: {} {}",
            r.status,
            String::from_utf8_lossy(&r.body)
        ));
    }
    report_load("PUT /_sgmock/state", "put", t.elapsed().as_secs_f64(), &p);
    p.terminate();
    p.wait_within(Duration::from_secs(120))?;

    let (p, took) = spawn(bin, &[&quota[..], &["--state-file", &state_arg]].concat())?;
    report_load("a snapshot at start", "snapshot", took.as_secs_f64(), &p);
    drop(p);

    let doc_arg = doc_path.display().to_string();
    let (p, took) = spawn(bin, &[&quota[..], &["--fixtures", &doc_arg]].concat())?;
    report_load("--fixtures at start", "fixtures", took.as_secs_f64(), &p);
    drop(p);
    Ok(())
}

/// What a compaction and a restart cost with a large state: restart from the journal alone, a
/// compaction of everything while a client reads (`DescribeSecurityGroups`) back to back (the
/// longest answer is the stall), the graceful stop (final snapshot), and the restart from the
/// snapshot.
async fn persistence(report: &mut Report, bin: &Path, groups: usize) -> Res<()> {
    let dir = std::env::temp_dir().join(format!("sgbench-p-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let state = dir.join("state.json");
    let state_arg = state.display().to_string();
    let base = ["--group-quota", "1000000", "--state-file", &state_arg];
    let rules = groups * 200;
    let figures = &mut report.extra;

    let (p, _) = spawn(
        bin,
        &[&base[..], &["--compact-bytes", "1000000000000"]].concat(),
    )?;
    let t = Instant::now();
    load_rules(&p.addr, groups).await?;
    let journal = std::fs::metadata(dir.join("state.json.journal"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "{rules} rules in {groups} groups loaded in {:.1} s; journal {:.0} MiB",
        t.elapsed().as_secs_f64(),
        journal as f64 / 1048576.0
    );
    figures.insert("rules".into(), json!(rules));
    figures.insert("journal_bytes".into(), json!(journal));
    drop(p); // SIGKILL: nothing but the journal

    // Every write may now start a compaction (one at a time).
    let (p, took) = spawn(bin, &[&base[..], &["--compact-bytes", "1"]].concat())?;
    println!(
        "restart from the journal alone: {:.2} s to ready, RSS {:.0} MiB",
        took.as_secs_f64(),
        p.rss_kib() as f64 / 1024.0
    );
    figures.insert("restart_from_journal_s".into(), json!(took.as_secs_f64()));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let prober = {
        let addr = p.addr.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut c = Client::new(Target::Sgmock, &addr);
            let mut lat = Stats::default();
            let deadline = Instant::now() + Duration::from_secs(120);
            while !stop.load(std::sync::atomic::Ordering::SeqCst) && Instant::now() < deadline {
                let t = Instant::now();
                let r = c
                    .post("Action=DescribeSecurityGroups&Version=2014-05-26&RegionId=cn-hangzhou&PageSize=1".into())
                    .await?;
                if r.status != 200 {
                    return Err(format!("DescribeSecurityGroups: {}", r.status));
                }
                lat.record(true, t.elapsed(), deadline);
            }
            Ok::<Stats, String>(lat)
        })
    };
    let snapshot_before = std::fs::metadata(&state)
        .ok()
        .and_then(|m| m.modified().ok());
    let t = Instant::now();
    let mut c = Client::new(Target::Sgmock, &p.addr);
    c.group("vpc-bench", "trigger").await?;
    let write_ms = t.elapsed().as_secs_f64() * 1000.0;
    // Wait (bounded) for the snapshot to be replaced.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let now = std::fs::metadata(&state)
            .ok()
            .and_then(|m| m.modified().ok());
        let journal = std::fs::metadata(dir.join("state.json.journal"))
            .map(|m| m.len())
            .unwrap_or(u64::MAX);
        if now.is_some() && now != snapshot_before && journal < 1 << 20 {
            break;
        }
        if Instant::now() > deadline {
            return Err("the compaction did not finish within 120 s".into());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let compaction = t.elapsed();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let lat = prober.await.map_err(|e| e.to_string())??;
    let reads = lat.summary(compaction.as_secs_f64());
    println!(
        "compaction of everything: {:.2} s (the write that started it: {write_ms:.1} ms); DescribeSecurityGroups meanwhile: {} answers, p50 {}, p99 {}, max {}",
        compaction.as_secs_f64(),
        lat.done,
        fmt_us(reads.p50_us),
        fmt_us(reads.p99_us),
        fmt_us(reads.max_us)
    );
    figures.insert("compaction_s".into(), json!(compaction.as_secs_f64()));
    figures.insert("reads_during_compaction".into(), summary_json(&reads));
    let snapshot = std::fs::metadata(&state).map(|m| m.len()).unwrap_or(0);

    let t = Instant::now();
    let mut p = p;
    p.terminate();
    p.wait_within(Duration::from_secs(120))?;
    let stop_s = t.elapsed().as_secs_f64();
    println!(
        "graceful stop (final snapshot, {:.0} MiB): {stop_s:.2} s",
        snapshot as f64 / 1048576.0,
    );
    figures.insert("graceful_stop_s".into(), json!(stop_s));
    let (p, took) = spawn(bin, &base)?;
    println!(
        "restart from the snapshot: {:.2} s to ready, RSS {:.0} MiB",
        took.as_secs_f64(),
        p.rss_kib() as f64 / 1024.0
    );
    figures.insert("restart_from_snapshot_s".into(), json!(took.as_secs_f64()));
    drop(p);
    if std::env::var_os("SGBENCH_KEEP").is_some() {
        println!("(state kept in {})", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}

// ---------------------------------------------------------------- pinned

/// Linux reports a process's CPU time in `/proc` in units of USER_HZ, 100 per second on every
/// architecture the kernel's ABI fixes it for.
const TICKS_PER_SECOND: f64 = 100.0;

/// The CPU time (user + system) process `pid` has used, in ticks; 0 where `/proc` does not tell.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name (field 2) may hold spaces: fields are counted after its closing parenthesis,
    // where utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let field = |n: usize| -> u64 {
        rest.split_whitespace()
            .nth(n)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    field(11) + field(12)
}

/// Groups the pinned Authorize phase spreads its rules over (their ids go to wrk in one
/// environment variable: 2,048 × 21 bytes stays well under Linux's 128 KiB per string).
const AUTHORIZE_GROUPS: usize = 2048;

/// What `sgbench pinned` was asked for.
struct PinnedArgs<'a> {
    bin: &'a Path,
    wrk: &'a Path,
    scripts: &'a Path,
    duration: Duration,
    repeat: usize,
    conns: usize,
    plain_only: bool,
}

/// The server on CPU 0, wrk on CPU 1: each phase's best of `repeat` runs, then the targets as
/// ratios to the trivial handler measured in the same run.
async fn pinned(report: &mut Report, args: &PinnedArgs<'_>) -> Res<()> {
    let &PinnedArgs {
        bin,
        wrk,
        scripts,
        duration,
        repeat,
        conns,
        plain_only,
    } = args;
    // CPUs 0 and 1 must exist (this process itself may be pinned to one of them).
    if !Path::new("/sys/devices/system/cpu/cpu1").exists() {
        return Err("pinned needs two CPUs (0 for the server, 1 for wrk)".into());
    }
    for tool in ["taskset", &wrk.to_string_lossy()] {
        let found = std::process::Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !found {
            return Err(format!(
                "pinned needs {tool} (Debian: apt-get install util-linux wrk)"
            ));
        }
    }
    let authorize_lua = scripts.join("authorize.lua");
    if !authorize_lua.is_file() {
        return Err(format!("no {}", authorize_lua.display()));
    }
    // The server's log goes to a file, as a service's would: read back through a pipe by this
    // process (unpinned, competing for a core) it would stall the server whenever the pipe fills.
    let log = std::env::temp_dir().join(format!("sgbench-pinned-{}.log", std::process::id()));
    let mut cmd = std::process::Command::new("bash");
    cmd.args([
        "-c",
        "log=$1; shift; exec taskset -c 0 \"$@\" 2>\"$log\"",
        "_",
    ])
    .arg(&log)
    .arg(bin)
    .args([
        "--listen",
        "127.0.0.1:0",
        "--rule-limit",
        "100000000",
        "--group-quota",
        "1000000",
    ]);
    let server = Process::spawn(cmd)?;
    let pid = server.pid();
    let addr = server.addr.clone();
    let mut setup = Client::new(Target::Sgmock, &addr);
    // Authorize spreads its rules over 2,048 groups, so groups stay near the size real ones have
    // (the default limit is 200) instead of growing to thousands of rules, whose index rebuilds —
    // all groups crossing the same size together — would be measured instead of a call.
    let mut authorize_groups = Vec::new();
    for i in 0..AUTHORIZE_GROUPS {
        authorize_groups.push(setup.group("vpc-bench", &format!("pinned-{i}")).await?);
    }
    let d200 = setup.group("vpc-bench", "describe-200").await?;
    setup.fill(&d200, 1, 200).await?;
    let d1000 = setup.group("vpc-bench", "describe-1000").await?;
    setup.fill(&d1000, 2, 1000).await?;
    let describe = |scheme: &str, sg: &str| {
        format!("{scheme}://{addr}/?Action=DescribeSecurityGroupAttribute&Version=2014-05-26&Format=JSON&RegionId=cn-hangzhou&SecurityGroupId={sg}")
    };
    let phases = |scheme: &str| -> [(&'static str, String, Option<&Path>); 4] {
        [
            ("trivial", format!("{scheme}://{addr}/_sgmock/health"), None),
            (
                "authorize",
                format!("{scheme}://{addr}/"),
                Some(&authorize_lua),
            ),
            ("describe-200", describe(scheme, &d200), None),
            ("describe-1000", describe(scheme, &d1000), None),
        ]
    };
    println!(
        "server on CPU 0, wrk (1 thread, {conns} connections) on CPU 1; {}s per run, best of {repeat}",
        duration.as_secs()
    );
    // Each run's rules start past every earlier run's (authorize.lua), across tables too.
    let mut runs = 0;
    let mut table = |title: &str,
                     scheme: &str,
                     headers: &[&str]|
     -> Res<BTreeMap<&'static str, (WrkRun, f64)>> {
        println!();
        println!("{title}");
        println!("phase              req/s        p50        p99   errors   req/s vs trivial   server CPU per call");
        let mut best: BTreeMap<&str, (WrkRun, f64)> = BTreeMap::new();
        for (name, url, script) in phases(scheme) {
            // (the run, the server's CPU time per call in µs)
            let mut top: Option<(WrkRun, f64)> = None;
            for _ in 0..repeat.max(1) {
                let env = [
                    ("SGMOCK_GROUPS", authorize_groups.join(",")),
                    ("SGMOCK_FIRST", (runs * 10_000_000).to_string()),
                ];
                runs += 1;
                let load = Load {
                    wrk,
                    cpu: 1,
                    conns,
                    duration,
                    script,
                    env: &env,
                    headers,
                };
                let before = cpu_ticks(pid);
                let r = load.run(&url)?;
                let used = cpu_ticks(pid).saturating_sub(before);
                let calls = r.rps * duration.as_secs_f64();
                let cpu_us = used as f64 * 1e6 / TICKS_PER_SECOND / calls.max(1.0);
                if top.is_none_or(|(t, _)| r.rps > t.rps) {
                    top = Some((r, cpu_us));
                }
            }
            let (r, cpu_us) = top.unwrap_or_default();
            let trivial = best.get("trivial").map_or(r.rps, |(t, _)| t.rps);
            println!(
                "{name:<14} {:>9.0} {:>10} {:>10} {:>8}   {:>14.0} %   {cpu_us:>14.1} µs",
                r.rps,
                fmt_us(r.p50_us as u64),
                fmt_us(r.p99_us as u64),
                r.errors,
                100.0 * r.rps / trivial.max(1.0)
            );
            report.rows.push(json!({"table": title, "phase": name, "conns": conns, "wrk": r, "server_cpu_us_per_call": cpu_us}));
            best.insert(name, (r, cpu_us));
        }
        Ok(best)
    };
    let best = table("plain HTTP, kept-alive connections", "http", &[])?;
    // The same over TLS (the port serves both), and with a connection (and a handshake) per call.
    let mut tls_errors = 0;
    let others = [
        ("TLS, kept-alive connections", "https", &[][..]),
        (
            "TLS, a new connection per request",
            "https",
            &["Connection: close"][..],
        ),
        (
            "plain HTTP, a new connection per request",
            "http",
            &["Connection: close"][..],
        ),
    ];
    for (title, scheme, headers) in others.into_iter().filter(|_| !plain_only) {
        tls_errors += table(title, scheme, headers)?
            .values()
            .map(|(r, _)| r.errors)
            .sum::<u64>();
    }
    let get = |k: &str| best.get(k).copied().unwrap_or_default();
    let ((t, t_cpu), (a, a_cpu), (d2, d2_cpu), (d10, _)) = (
        get("trivial"),
        get("authorize"),
        get("describe-200"),
        get("describe-1000"),
    );
    // Little's law: with every connection waiting for its answer, the mean wait is conns / rate.
    let mean_ms = |r: &WrkRun| conns as f64 * 1000.0 / r.rps.max(1.0);
    let errors = t.errors + a.errors + d2.errors + d10.errors + tls_errors;
    let targets = [
        (
            format!(
                "Authorize req/s ≥ 80 % of the trivial handler's: {:.0} %",
                100.0 * a.rps / t.rps.max(1.0)
            ),
            a.rps >= 0.8 * t.rps,
            format!(
                "Authorize takes {a_cpu:.1} µs of the server's core per call, the trivial handler {t_cpu:.1} µs: 80 % of its rate needs at most {:.1} µs (./scripts/profile says where the instructions go)",
                t_cpu * 1.25
            ),
        ),
        (
            format!(
                "Authorize p99 ≤ 2 × the trivial handler's: {} vs {} ({:.1} ×)",
                fmt_us(a.p99_us as u64),
                fmt_us(t.p99_us as u64),
                a.p99_us / t.p99_us.max(1.0)
            ),
            a.p99_us <= 2.0 * t.p99_us,
            format!(
                "{conns} connections at {:.0} req/s wait {:.2} ms on average (Little's law: connections / rate), {:.1} × the trivial handler's mean of {:.2} ms, before any tail",
                a.rps,
                mean_ms(&a),
                mean_ms(&a) / mean_ms(&t).max(1e-9),
                mean_ms(&t)
            ),
        ),
        (
            format!("Describe-200 ≥ 10,000 req/s: {:.0}", d2.rps),
            d2.rps >= 10_000.0,
            format!(
                "a call takes {d2_cpu:.1} µs of the server's core; 10,000 a second need at most 100 µs"
            ),
        ),
        (
            // Linear: five times the rules, a fifth of the calls (rules served per second kept).
            format!(
                "Describe-1000 linear from Describe-200 (rules/s at 1000 ≥ 80 % of at 200): {:.0} %",
                100.0 * d10.rps * 1000.0 / (d2.rps * 200.0).max(1.0)
            ),
            d10.rps * 1000.0 >= 0.8 * d2.rps * 200.0,
            "the larger answer costs more than its size: see ./scripts/profile".to_string(),
        ),
        (
            format!("no failed call: {errors}"),
            errors == 0,
            "wrk counted non-2xx answers or socket errors: the server's log says which".to_string(),
        ),
    ];
    println!();
    let mut out = Vec::new();
    for (text, ok, why) in &targets {
        println!("target: {text} — {}", verdict(*ok));
        if !ok {
            println!("        why: {why}");
        }
        out.push(json!({"target": text, "met": ok, "why": (!ok).then_some(why)}));
    }
    report.extra.insert("targets".into(), Value::Array(out));
    drop(server);
    let _ = std::fs::remove_file(&log);
    Ok(())
}

// ---------------------------------------------------------------- TLS

/// What TLS costs: one small read (DescribeSecurityGroupAttribute of a 10-rule group) over plain
/// HTTP and over TLS on the same port, with keep-alive and with a new connection per request.
async fn tls(
    report: &mut Report,
    addr: &str,
    ca: &[u8],
    duration: Duration,
    conns: &[usize],
) -> Res<()> {
    let connector = trusting(ca)?;
    let mut setup = Client::new(Target::Sgmock, addr);
    let sg = setup.group("vpc-bench", "tls").await?;
    setup.fill(&sg, 7, 10).await?;
    let body = setup.describe_body(&sg);

    println!(
        "transport  connections       conns     req/s      p50        p99   errors   TLS/plain"
    );
    for fresh in [false, true] {
        for &c in conns {
            let mut plain_rps = None;
            for over_tls in [false, true] {
                let deadline = Instant::now() + duration;
                let mut tasks = Vec::new();
                for _ in 0..c {
                    let mut client = Client::new(Target::Sgmock, addr);
                    client.conn = Conn::new(addr)
                        .fresh(fresh)
                        .with_tls(over_tls.then(|| connector.clone()));
                    let body = body.clone();
                    tasks.push(tokio::spawn(async move {
                        let mut stats = Stats::default();
                        while Instant::now() < deadline {
                            let t = Instant::now();
                            let reply = client.post(body.clone()).await;
                            stats.record(ok(&reply), t.elapsed(), deadline);
                        }
                        stats
                    }));
                }
                let s = gather(tasks).await?.summary(duration.as_secs_f64());
                let ratio = plain_rps.filter(|p| *p > 0.0).map(|p| s.rps / p);
                if !over_tls {
                    plain_rps = Some(s.rps);
                }
                let transport = if over_tls { "TLS" } else { "plain" };
                let connections = if fresh {
                    "new per request"
                } else {
                    "keep-alive"
                };
                println!(
                    "{transport:<10} {connections:<16} {c:>6} {:>9.0} {:>8} {:>10} {:>8}   {}",
                    s.rps,
                    fmt_us(s.p50_us),
                    fmt_us(s.p99_us),
                    s.errors,
                    ratio.map_or("-".into(), |r| format!("{r:.2}"))
                );
                let mut row = json!({
                    "transport": transport,
                    "connections": connections,
                    "conns": c,
                    "tls_over_plain": ratio,
                });
                if let (Value::Object(row), Value::Object(fig)) = (&mut row, summary_json(&s)) {
                    row.extend(fig);
                }
                report.rows.push(row);
            }
        }
    }
    Ok(())
}

async fn run(cli: Cli) -> Res<()> {
    let mut report = Report::default();
    let name = match cli.command {
        Command::Compare {
            sgmock,
            moto,
            duration,
            repeat,
            conns,
            phases,
        } => {
            compare(
                &mut report,
                &sgmock,
                moto.as_deref(),
                Duration::from_secs(duration),
                repeat,
                &conns,
                phases.as_deref(),
            )
            .await?;
            "compare"
        }
        Command::Scaling { bin, duration } => {
            scaling(&mut report, &bin, Duration::from_secs(duration)).await?;
            "scaling"
        }
        Command::Pinned {
            bin,
            wrk,
            scripts,
            duration,
            repeat,
            conns,
            plain_only,
        } => {
            let args = PinnedArgs {
                bin: &bin,
                wrk: &wrk,
                scripts: &scripts,
                duration: Duration::from_secs(duration),
                repeat,
                conns,
                plain_only,
            };
            pinned(&mut report, &args).await?;
            "pinned"
        }
        Command::Memory { bin, groups } => {
            memory(&mut report, &bin, groups).await?;
            "memory"
        }
        Command::Persistence { bin, groups } => {
            persistence(&mut report, &bin, groups).await?;
            "persistence"
        }
        Command::Tls {
            bin,
            sgmock,
            ca,
            duration,
            conns,
        } => {
            let duration = Duration::from_secs(duration);
            match (sgmock, ca, bin) {
                (Some(addr), Some(ca), _) => {
                    let pem = std::fs::read(&ca).map_err(|e| format!("{}: {e}", ca.display()))?;
                    tls(&mut report, &addr, &pem, duration, &conns).await?;
                }
                (_, _, Some(bin)) => {
                    let dir =
                        std::env::temp_dir().join(format!("sgbench-tls-{}", std::process::id()));
                    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
                    let ca_path = dir.join("ca.pem");
                    let ca_arg = ca_path.to_string_lossy().to_string();
                    let (proc, _) = spawn(&bin, &["--tls", "on", "--tls-ca-out", &ca_arg])?;
                    let pem =
                        std::fs::read(&ca_path).map_err(|e| format!("{}: {e}", ca_path.display()));
                    let _ = std::fs::remove_dir_all(&dir);
                    tls(&mut report, &proc.addr, &pem?, duration, &conns).await?;
                }
                _ => return Err("give --bin, or --sgmock with --ca".into()),
            }
            "tls"
        }
    };
    match &cli.json {
        Some(path) => report.write(name, path),
        None => Ok(()),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sgbench: {e}");
            ExitCode::FAILURE
        }
    }
}
