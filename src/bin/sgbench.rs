//! `sgbench`: the benchmark driver. One load generator, the same workload against sgmock and moto's
//! server (issue 6), all on loopback, every loop bounded by a deadline.
//!
//!   sgbench compare --sgmock ADDR --moto ADDR [--duration S] [--repeat N] [--conns 1,8,64]
//!                   [--phases authorize,describe,revoke,trivial]
//!   sgbench scaling --bin PATH/TO/sgmock [--duration S]
//!   sgbench persistence --bin PATH/TO/sgmock [--groups N]   (N groups of 200 rules; default 5,000)
//!   sgbench tls --bin PATH/TO/sgmock [--duration S] [--conns 1,8,64]
//!
//! Requests are raw HTTP/1.1 over keep-alive connections (POST, form body), one in flight per
//! connection (`tls` also over TLS, and with a new connection per request). A phase runs for a fixed duration; requests/s counts responses completed within it.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

type Res<T> = Result<T, String>;

// ---------------------------------------------------------------- HTTP

/// A connection's byte stream: plain TCP or TLS over TCP.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

struct Conn {
    addr: String,
    stream: Option<Box<dyn Io>>,
    buf: Vec<u8>,
    /// Connect over TLS (verifying the certificate for `localhost`).
    tls: Option<TlsConnector>,
    /// A new connection for every request (`Connection: close`), instead of keep-alive.
    fresh: bool,
}

struct Reply {
    status: u16,
    body: Vec<u8>,
}

impl Conn {
    fn new(addr: &str) -> Conn {
        Conn {
            addr: addr.to_string(),
            stream: None,
            buf: Vec::with_capacity(64 * 1024),
            tls: None,
            fresh: false,
        }
    }

    /// A new connection (`addr` and `tls` borrowed, not `self`: a `Conn` is not `Sync`).
    async fn connect(addr: &str, tls: Option<&TlsConnector>) -> Res<Box<dyn Io>> {
        let s = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect {addr}: {e}"))?;
        let _ = s.set_nodelay(true);
        match tls {
            None => Ok(Box::new(s)),
            Some(connector) => {
                let name = ServerName::try_from("localhost").map_err(|e| e.to_string())?;
                let tls = connector
                    .connect(name, s)
                    .await
                    .map_err(|e| format!("TLS handshake with {addr}: {e}"))?;
                Ok(Box::new(tls))
            }
        }
    }

    async fn request(&mut self, method: &str, path: &str, headers: &str, body: &str) -> Res<Reply> {
        for attempt in 0..2 {
            if self.stream.is_none() {
                self.stream = Some(Conn::connect(&self.addr, self.tls.as_ref()).await?);
                self.buf.clear();
            }
            match self.exchange(method, path, headers, body).await {
                Ok(r) => return Ok(r),
                // A kept-alive connection the server closed: reconnect once.
                Err(e) if attempt == 0 => {
                    self.stream = None;
                    let _ = e;
                }
                Err(e) => return Err(e),
            }
        }
        Err("unreachable".into())
    }

    async fn exchange(
        &mut self,
        method: &str,
        path: &str,
        headers: &str,
        body: &str,
    ) -> Res<Reply> {
        let close = if self.fresh {
            "Connection: close\r\n"
        } else {
            ""
        };
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\n{close}{headers}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            self.addr,
            body.len()
        );
        let s = self.stream.as_mut().ok_or("no connection")?;
        s.write_all(req.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        // Read the head.
        let head_end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i;
            }
            read_more(s, &mut self.buf).await?;
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]).to_string();
        let status: u16 = head
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .ok_or("bad status line")?;
        let lower = head.to_ascii_lowercase();
        let header = |name: &str| {
            lower.lines().find_map(|l| {
                l.strip_prefix(name)
                    .map(|v| v.trim_start_matches(':').trim().to_string())
            })
        };
        let close =
            header("connection").is_some_and(|v| v == "close") || head.starts_with("HTTP/1.0");
        let mut rest = self.buf.split_off(head_end + 4);
        self.buf.clear();
        let body = if let Some(len) = header("content-length").and_then(|v| v.parse::<usize>().ok())
        {
            while rest.len() < len {
                read_more(s, &mut rest).await?;
            }
            self.buf = rest.split_off(len);
            rest
        } else if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
            let mut out = Vec::new();
            loop {
                let line_end = loop {
                    if let Some(i) = find(&rest, b"\r\n") {
                        break i;
                    }
                    read_more(s, &mut rest).await?;
                };
                let size =
                    usize::from_str_radix(String::from_utf8_lossy(&rest[..line_end]).trim(), 16)
                        .map_err(|e| e.to_string())?;
                while rest.len() < line_end + 2 + size + 2 {
                    read_more(s, &mut rest).await?;
                }
                out.extend_from_slice(&rest[line_end + 2..line_end + 2 + size]);
                rest.drain(..line_end + 2 + size + 2);
                if size == 0 {
                    break;
                }
            }
            self.buf = rest;
            out
        } else {
            // Until the server closes.
            loop {
                let n = s.read_buf(&mut rest).await.map_err(|e| e.to_string())?;
                if n == 0 {
                    break;
                }
            }
            self.stream = None;
            rest
        };
        if close || self.fresh {
            self.stream = None;
        }
        Ok(Reply { status, body })
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

async fn read_more(s: &mut Box<dyn Io>, buf: &mut Vec<u8>) -> Res<()> {
    buf.reserve(16 * 1024);
    let n = s.read_buf(buf).await.map_err(|e| e.to_string())?;
    if n == 0 {
        return Err("connection closed".into());
    }
    Ok(())
}

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

/// moto routes EC2 by the credential scope of an (unchecked) SigV4 header (bench-notes.md).
const MOTO_AUTH: &str = "Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0\r\n";

struct Client {
    target: Target,
    conn: Conn,
}

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
        let headers = if self.target == Target::Moto {
            MOTO_AUTH
        } else {
            ""
        };
        self.conn.request("POST", "/", headers, &body).await
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

#[derive(Default, Clone)]
struct Stats {
    done: u64,
    errors: u64,
    latencies_us: Vec<u32>,
}

impl Stats {
    /// One measured call: counted if it answered 200 within the phase, its latency kept either way.
    fn record(&mut self, reply: &Res<Reply>, took: Duration, deadline: Instant) {
        match reply {
            Ok(x) if x.status == 200 => {
                if Instant::now() <= deadline {
                    self.done += 1;
                }
                self.latencies_us
                    .push(took.as_micros().min(u128::from(u32::MAX)) as u32);
            }
            _ => self.errors += 1,
        }
    }
}

/// The connections' stats, added up.
async fn gather(tasks: Vec<tokio::task::JoinHandle<Stats>>) -> Res<Stats> {
    let mut all = Stats::default();
    for t in tasks {
        let s = t.await.map_err(|e| e.to_string())?;
        all.done += s.done;
        all.errors += s.errors;
        all.latencies_us.extend(s.latencies_us);
    }
    Ok(all)
}

struct Summary {
    rps: f64,
    p50_us: u32,
    p99_us: u32,
    errors: u64,
}

fn summarize(mut all: Stats, secs: f64) -> Summary {
    all.latencies_us.sort_unstable();
    let pick = |q: f64| -> u32 {
        if all.latencies_us.is_empty() {
            0
        } else {
            let i = ((all.latencies_us.len() as f64 - 1.0) * q).round() as usize;
            all.latencies_us[i.min(all.latencies_us.len() - 1)]
        }
    };
    Summary {
        rps: all.done as f64 / secs,
        p50_us: pick(0.50),
        p99_us: pick(0.99),
        errors: all.errors,
    }
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
                    Phase::Trivial => client.conn.request("GET", "/_sgmock/health", "", "").await,
                };
                stats.record(&reply, t.elapsed(), deadline);
            }
            stats
        }));
    }
    Ok(summarize(gather(tasks).await?, duration.as_secs_f64()))
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn fmt_us(us: u32) -> String {
    if us >= 10_000 {
        format!("{:.0} ms", f64::from(us) / 1000.0)
    } else {
        format!("{:.2} ms", f64::from(us) / 1000.0)
    }
}

async fn compare(args: &[String]) -> Res<()> {
    let sg = arg(args, "--sgmock").ok_or("--sgmock ADDR")?;
    let moto = arg(args, "--moto");
    let secs: u64 = arg(args, "--duration")
        .and_then(|d| d.parse().ok())
        .unwrap_or(5);
    let repeat: usize = arg(args, "--repeat")
        .and_then(|d| d.parse().ok())
        .unwrap_or(2);
    let conns: Vec<usize> = arg(args, "--conns")
        .unwrap_or_else(|| "1,8,64".into())
        .split(',')
        .filter_map(|c| c.parse().ok())
        .collect();
    let only: Option<Vec<String>> =
        arg(args, "--phases").map(|p| p.split(',').map(str::to_string).collect());
    let duration = Duration::from_secs(secs);
    println!("phase        conns  server    req/s (best of {repeat})      p50        p99   errors   sgmock/moto");
    let mut run = 0usize;
    // (phase, sgmock/moto ratio, sgmock p99) at the largest connection count, for the targets.
    let top = conns.iter().copied().max().unwrap_or(0);
    let mut at_top: Vec<(&str, Option<f64>, u32)> = Vec::new();
    for (phase, rules) in [
        (Phase::Authorize, 0),
        (Phase::Describe, 1000),
        (Phase::Revoke, 0),
        (Phase::Trivial, 0),
    ] {
        let name = format!("{phase:?}");
        if only
            .as_ref()
            .is_some_and(|o| !o.iter().any(|p| p.eq_ignore_ascii_case(&name)))
        {
            continue;
        }
        for &c in &conns {
            let mut best: BTreeMap<&str, Summary> = BTreeMap::new();
            let targets: Vec<(Target, &str)> = match (&moto, phase) {
                (Some(m), p) if p != Phase::Trivial => {
                    vec![(Target::Sgmock, sg.as_str()), (Target::Moto, m.as_str())]
                }
                _ => vec![(Target::Sgmock, sg.as_str())],
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
                    let better = best.get(target.name()).is_none_or(|b| s.rps > b.rps);
                    if better {
                        best.insert(target.name(), s);
                    }
                }
            }
            let ratio = match (best.get("sgmock"), best.get("moto")) {
                (Some(a), Some(b)) if b.rps > 0.0 => format!("{:.0}x", a.rps / b.rps),
                _ => "-".into(),
            };
            let label = match phase {
                Phase::Authorize => "authorize",
                Phase::Describe => "describe-1000",
                Phase::Revoke => "revoke",
                Phase::Trivial => "trivial",
            };
            if c == top {
                if let Some(a) = best.get("sgmock") {
                    let r = best
                        .get("moto")
                        .filter(|b| b.rps > 0.0)
                        .map(|b| a.rps / b.rps);
                    at_top.push((label, r, a.p99_us));
                }
            }
            for (name, s) in &best {
                let r = if *name == "sgmock" {
                    ratio.as_str()
                } else {
                    ""
                };
                println!(
                    "{label:<12} {c:>5}  {name:<7} {:>12.0}  {:>10} {:>10} {:>8}   {r}",
                    s.rps,
                    fmt_us(s.p50_us),
                    fmt_us(s.p99_us),
                    s.errors
                );
            }
        }
    }
    // The targets of issue 6, judged on this run.
    let trivial = at_top.iter().find(|(l, _, _)| *l == "trivial").map(|t| t.2);
    println!();
    println!("targets at {top} connections (>= 100x moto; p99 < 2 ms):");
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
    }
    Ok(())
}

// ---------------------------------------------------------------- scaling

struct Proc {
    child: Child,
    addr: String,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(bin: &str, extra: &[&str]) -> Res<(Proc, Duration)> {
    let t = Instant::now();
    let mut child = Command::new(bin)
        .args(["--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("spawn {bin}: {e}"))?;
    let mut line = String::new();
    let stdout = child.stdout.take().ok_or("no stdout")?;
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let addr = line
        .trim()
        .strip_prefix("sgmock listening on ")
        .ok_or("no ready line")?
        .to_string();
    Ok((Proc { child, addr }, t.elapsed()))
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

async fn scaling(args: &[String]) -> Res<()> {
    let bin = arg(args, "--bin").ok_or("--bin PATH")?;
    let secs: u64 = arg(args, "--duration")
        .and_then(|d| d.parse().ok())
        .unwrap_or(3);
    let duration = Duration::from_secs(secs);

    // Start to healthy: spawn until /_sgmock/health answers 200.
    let mut starts = Vec::new();
    let mut idle = 0;
    for _ in 0..10 {
        let t = Instant::now();
        let (p, _) = spawn(&bin, &[])?;
        let mut c = Conn::new(&p.addr);
        let r = c.request("GET", "/_sgmock/health", "", "").await?;
        if r.status != 200 {
            return Err("health".into());
        }
        starts.push(t.elapsed());
        idle = rss_kib(p.child.id());
    }
    starts.sort();
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    let start_ms = starts[5].as_secs_f64() * 1000.0;
    let idle_mib = idle as f64 / 1024.0;
    println!(
        "start to healthy: {start_ms:.1} ms (median of 10; target < 50 ms: {})   idle RSS: {idle_mib:.1} MiB (target < 20 MB: {})",
        verdict(start_ms < 50.0),
        verdict(idle_mib * 1.048_576 < 20.0)
    );

    // Per-call cost against the size of the group.
    println!("rules in group   authorize p50   revoke p50   describe p50 (1 connection)");
    let mut per_call: Vec<(u32, u32)> = Vec::new();
    for n in [10usize, 1000, 10_000] {
        let limit = (n + 1_000_000).to_string();
        let (p, _) = spawn(&bin, &["--rule-limit", &limit])?;
        let auth = run_phase(
            Target::Sgmock,
            &p.addr,
            Phase::Authorize,
            1,
            duration,
            n,
            "a",
        )
        .await?;
        let rev = run_phase(Target::Sgmock, &p.addr, Phase::Revoke, 1, duration, n, "v").await?;
        let desc = run_phase(
            Target::Sgmock,
            &p.addr,
            Phase::Describe,
            1,
            duration,
            n,
            "d",
        )
        .await?;
        println!(
            "{n:>15}   {:>13} {:>12} {:>14}",
            fmt_us(auth.p50_us),
            fmt_us(rev.p50_us),
            fmt_us(desc.p50_us)
        );
        per_call.push((auth.p50_us, rev.p50_us));
    }
    if let (Some(small), Some(big)) = (per_call.first(), per_call.last()) {
        let ratio = |a: u32, b: u32| f64::from(b) / f64::from(a.max(1));
        let (ra, rr) = (ratio(small.0, big.0), ratio(small.1, big.1));
        println!(
            "authorize / revoke at 10,000 rules vs 10: {ra:.2}x / {rr:.2}x (target < 1.5x: {})",
            verdict(ra < 1.5 && rr < 1.5)
        );
    }

    // Memory for 1M rules spread over 5,000 groups of 200.
    let (p, _) = spawn(&bin, &["--group-quota", "100000"])?;
    let before = rss_kib(p.child.id());
    let t = Instant::now();
    let addr = p.addr.clone();
    let mut tasks = Vec::new();
    for w in 0..8usize {
        let addr = addr.clone();
        tasks.push(tokio::spawn(async move {
            let mut c = Client::new(Target::Sgmock, &addr);
            for g in 0..625 {
                let sg = c.group("vpc-bench", &format!("m{w}x{g}")).await?;
                c.fill(&sg, w * 625 + g, 200).await?;
            }
            Ok::<(), String>(())
        }));
    }
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    let after = rss_kib(p.child.id());
    let per_million = (after - before) as f64 / 1024.0;
    println!(
        "1M rules (5,000 groups x 200): loaded in {:.1} s, RSS {:.0} MiB -> {:.0} MiB ({per_million:.0} MiB per 1M rules; target < 1 GiB: {})",
        t.elapsed().as_secs_f64(),
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        verdict(per_million < 1024.0)
    );
    drop(p);

    // What persistence costs: authorize at 8 connections, in memory, with a journal, with fsync.
    let dir = std::env::temp_dir().join(format!("sgbench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    println!("persistence (authorize, 8 connections)       req/s        p50        p99");
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
        let (p, _) = spawn(&bin, &e)?;
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
    }
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

/// What a compaction and a restart cost with a large state: restart from the journal alone, a
/// compaction of everything while a client reads (`DescribeSecurityGroups`) back to back (the longest answer
/// is the stall), the graceful stop (final snapshot), and the restart from the snapshot.
async fn persistence(args: &[String]) -> Res<()> {
    let bin = arg(args, "--bin").ok_or("--bin PATH")?;
    let groups: usize = arg(args, "--groups")
        .and_then(|d| d.parse().ok())
        .unwrap_or(5000);
    let dir = std::env::temp_dir().join(format!("sgbench-p-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let state = dir.join("state.json");
    let state_arg = state.display().to_string();
    let base = ["--group-quota", "1000000", "--state-file", &state_arg];
    let rules = groups * 200;

    let (p, _) = spawn(
        &bin,
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
    drop(p); // SIGKILL: nothing but the journal

    // Every write may now start a compaction (one at a time).
    let (p, took) = spawn(&bin, &[&base[..], &["--compact-bytes", "1"]].concat())?;
    println!(
        "restart from the journal alone: {:.2} s to ready, RSS {:.0} MiB",
        took.as_secs_f64(),
        rss_kib(p.child.id()) as f64 / 1024.0
    );
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let prober = {
        let addr = p.addr.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut c = Client::new(Target::Sgmock, &addr);
            let mut lat = Vec::new();
            let deadline = Instant::now() + Duration::from_secs(120);
            while !stop.load(std::sync::atomic::Ordering::SeqCst) && Instant::now() < deadline {
                let t = Instant::now();
                // A read of the state (DescribeRegions does not touch it).
                let r = c
                    .post("Action=DescribeSecurityGroups&Version=2014-05-26&RegionId=cn-hangzhou&PageSize=1".into())
                    .await?;
                if r.status != 200 {
                    return Err(format!("DescribeSecurityGroups: {}", r.status));
                }
                lat.push(t.elapsed());
            }
            Ok::<Vec<Duration>, String>(lat)
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
    let mut lat = prober.await.map_err(|e| e.to_string())??;
    lat.sort();
    let q = |f: f64| {
        lat.get(((lat.len() as f64 * f) as usize).min(lat.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "compaction of everything: {:.2} s (the write that started it: {write_ms:.1} ms); DescribeSecurityGroups meanwhile: {} answers, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        compaction.as_secs_f64(),
        lat.len(),
        q(0.5),
        q(0.99),
        q(1.0)
    );
    let snapshot = std::fs::metadata(&state).map(|m| m.len()).unwrap_or(0);

    let t = Instant::now();
    let mut p = p;
    let _ = Command::new("kill")
        .args(["-TERM", &p.child.id().to_string()])
        .status();
    let _ = p.child.wait();
    println!(
        "graceful stop (final snapshot, {:.0} MiB): {:.2} s",
        snapshot as f64 / 1048576.0,
        t.elapsed().as_secs_f64()
    );
    let (p, took) = spawn(&bin, &base)?;
    println!(
        "restart from the snapshot: {:.2} s to ready, RSS {:.0} MiB",
        took.as_secs_f64(),
        rss_kib(p.child.id()) as f64 / 1024.0
    );
    drop(p);
    if std::env::var_os("SGBENCH_KEEP").is_some() {
        println!("(state kept in {})", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}

// ---------------------------------------------------------------- TLS

/// What TLS costs: one small read (DescribeSecurityGroupAttribute of a 10-rule group) over plain
/// HTTP and over TLS on the same port, with keep-alive and with a new connection per request.
async fn tls(args: &[String]) -> Res<()> {
    let bin = arg(args, "--bin").ok_or("--bin PATH")?;
    let secs: u64 = arg(args, "--duration")
        .and_then(|d| d.parse().ok())
        .unwrap_or(3);
    let conns: Vec<usize> = arg(args, "--conns")
        .unwrap_or_else(|| "1,8,64".into())
        .split(',')
        .filter_map(|c| c.parse().ok())
        .collect();
    let duration = Duration::from_secs(secs);
    let dir = std::env::temp_dir().join(format!("sgbench-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let ca_path = dir.join("ca.pem");
    let ca_arg = ca_path.to_string_lossy().to_string();
    let (proc, _) = spawn(&bin, &["--tls", "on", "--tls-ca-out", &ca_arg])?;
    let ca = std::fs::read(&ca_path).map_err(|e| format!("{}: {e}", ca_path.display()))?;
    let _ = std::fs::remove_dir_all(&dir);
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&ca) {
        roots
            .add(cert.map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = TlsConnector::from(std::sync::Arc::new(config));

    let mut setup = Client::new(Target::Sgmock, &proc.addr);
    let sg = setup.group("vpc-bench", "tls").await?;
    setup.fill(&sg, 7, 10).await?;
    let body = setup.describe_body(&sg);

    println!(
        "transport  connections       conns     req/s      p50        p99   errors   TLS/plain"
    );
    for fresh in [false, true] {
        for &c in &conns {
            let mut plain_rps = None;
            for over_tls in [false, true] {
                let deadline = Instant::now() + duration;
                let mut tasks = Vec::new();
                for _ in 0..c {
                    let mut client = Client::new(Target::Sgmock, &proc.addr);
                    client.conn.fresh = fresh;
                    client.conn.tls = over_tls.then(|| connector.clone());
                    let body = body.clone();
                    tasks.push(tokio::spawn(async move {
                        let mut stats = Stats::default();
                        while Instant::now() < deadline {
                            let t = Instant::now();
                            let reply = client.post(body.clone()).await;
                            stats.record(&reply, t.elapsed(), deadline);
                        }
                        stats
                    }));
                }
                let s = summarize(gather(tasks).await?, duration.as_secs_f64());
                let ratio = match plain_rps {
                    Some(p) if p > 0.0 => format!("{:.2}", s.rps / p),
                    _ => "-".into(),
                };
                if !over_tls {
                    plain_rps = Some(s.rps);
                }
                println!(
                    "{:<10} {:<16} {c:>6} {:>9.0} {:>8} {:>10} {:>8}   {ratio}",
                    if over_tls { "TLS" } else { "plain" },
                    if fresh {
                        "new per request"
                    } else {
                        "keep-alive"
                    },
                    s.rps,
                    fmt_us(s.p50_us),
                    fmt_us(s.p99_us),
                    s.errors
                );
            }
        }
    }
    drop(proc);
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.get(1).map(String::as_str) {
        Some("compare") => compare(&args).await,
        Some("scaling") => scaling(&args).await,
        Some("persistence") => persistence(&args).await,
        Some("tls") => tls(&args).await,
        _ => Err("usage: sgbench compare --sgmock ADDR [--moto ADDR] [--duration S] [--repeat N] [--conns 1,8,64]\n       sgbench scaling --bin PATH [--duration S]\n       sgbench persistence --bin PATH [--groups N]\n       sgbench tls --bin PATH [--duration S] [--conns 1,8,64]".into()),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sgbench: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
