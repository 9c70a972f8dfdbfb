//! `sgreliability`: the reliability suite (issue 9), against a real `sgmock` binary on loopback.
//!
//!   sgreliability --bin PATH/TO/sgmock [--long] [--tmpfs DIR] [--seed N]
//!
//! Phases, each bounded in time, each failing the run (exit 1) on a violation:
//! - crash: writers make mixed changes (multi-rule calls included) while sgmock, with frequent
//!   compactions, is killed with SIGKILL at random moments; after every restart each acknowledged
//!   write is there, no call is half applied, no id repeats;
//! - corrupt: a changed byte mid-journal stops the start (file, line, offset; no file changed),
//!   `--recover-journal` starts with the records before it; an unfinished last line is skipped;
//! - disk-full (on a small tmpfs, `--tmpfs DIR`): writes that cannot be journaled answer 500 and are
//!   not visible, reads go on, no temporary file stays behind, writes resume when space is freed,
//!   and a restart has every acknowledged write;
//! - slow: hundreds of slowloris and silent connections are cut off by the header timeout while
//!   others are served, and SIGTERM with half-sent requests open ends within the drain timeout;
//! - soak: signed requests (each nonce remembered) with some megabyte parameters and garbage mixed
//!   in: no 5xx, and the process's memory stays bounded.
//!
//! Short mode (the test command) takes about a minute; `--long` is for releases.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use sgmock::testing::Process;
use sgmock_tools::Res;

// ---------------------------------------------------------------- the server process

/// Start sgmock (`--listen 127.0.0.1:0 ARGS…`) and wait for its ready line.
fn start(bin: &str, args: &[String]) -> Res<Process> {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Process::start(bin, &args)
}

/// Run sgmock expecting it to refuse to start: (exit code, stderr), bounded by 30 s.
fn refused(bin: &str, args: &[String]) -> Res<(Option<i32>, String)> {
    let mut all = vec!["--listen", "127.0.0.1:0"];
    all.extend(args.iter().map(String::as_str));
    sgmock::testing::refused(bin, &all, Duration::from_secs(30))
}

fn rss_mib(server: &Process) -> f64 {
    server.rss_kib() as f64 / 1024.0
}

fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0)
}

// ---------------------------------------------------------------- a blocking keep-alive client

struct Http {
    addr: String,
    stream: Option<BufReader<TcpStream>>,
}

impl Http {
    fn new(addr: &str) -> Http {
        Http {
            addr: addr.to_string(),
            stream: None,
        }
    }

    /// One request; `Err` when the connection fails (the server may be gone).
    fn call(&mut self, method: &str, path: &str, body: &str) -> Res<(u16, Vec<u8>)> {
        if self.stream.is_none() {
            let s = TcpStream::connect(&self.addr).map_err(|e| e.to_string())?;
            s.set_read_timeout(Some(Duration::from_secs(30)))
                .map_err(|e| e.to_string())?;
            let _ = s.set_nodelay(true);
            self.stream = Some(BufReader::new(s));
        }
        let r = self.exchange(method, path, body);
        if r.is_err() {
            self.stream = None;
        }
        r
    }

    fn exchange(&mut self, method: &str, path: &str, body: &str) -> Res<(u16, Vec<u8>)> {
        let s = self.stream.as_mut().ok_or("no connection")?;
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
            self.addr,
            body.len()
        );
        let w = s.get_mut();
        w.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
        w.write_all(body.as_bytes()).map_err(|e| e.to_string())?;
        let mut status_line = String::new();
        if s.read_line(&mut status_line).map_err(|e| e.to_string())? == 0 {
            return Err("connection closed".into());
        }
        let status: u16 = status_line
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| format!("bad status line {status_line:?}"))?;
        let mut len = 0usize;
        let mut close = false;
        loop {
            let mut line = String::new();
            if s.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
                return Err("connection closed in the head".into());
            }
            let l = line.trim_end().to_ascii_lowercase();
            if l.is_empty() {
                break;
            }
            if let Some(v) = l.strip_prefix("content-length:") {
                len = v.trim().parse().map_err(|_| "bad content-length")?;
            }
            if l == "connection: close" {
                close = true;
            }
        }
        let mut body = vec![0u8; len];
        s.read_exact(&mut body).map_err(|e| e.to_string())?;
        if close {
            self.stream = None;
        }
        Ok((status, body))
    }

    /// An ECS call with form parameters; (status, JSON body).
    fn ecs(&mut self, params: &[(&str, &str)]) -> Res<(u16, Value)> {
        let body = form(
            &[
                ("Version", "2014-05-26"),
                ("RegionId", "cn-hangzhou"),
                ("Format", "JSON"),
            ],
            params,
        );
        let (status, bytes) = self.call("POST", "/", &body)?;
        let v = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok((status, v))
    }
}

fn form(base: &[(&str, &str)], params: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(base.iter().chain(params))
        .finish()
}

// ---------------------------------------------------------------- phase: crash loop

/// A change a writer made (or tried to).
#[derive(Debug, Clone)]
enum Op {
    Create { token: String },
    Authorize { group: String, ports: [u32; 3] },
    Revoke { group: String, port: u32 },
    Delete { group: String },
}

/// What one writer knows: its groups and their ports, as acknowledged.
#[derive(Default)]
struct Model {
    groups: BTreeMap<String, BTreeSet<u32>>,
    next_port: u32,
    next_token: u64,
    /// The call in flight when the server died (applied or not, but never in part).
    pending: Option<Op>,
    /// Every id a create of this writer was answered with.
    created: Vec<String>,
}

fn rule_params(group: &str, port: u32) -> Vec<(String, String)> {
    vec![
        ("SecurityGroupId".into(), group.into()),
        ("IpProtocol".into(), "tcp".into()),
        ("PortRange".into(), format!("{port}/{port}")),
        ("SourceCidrIp".into(), "10.0.0.0/8".into()),
    ]
}

fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// Send one change; (status, JSON body).
fn send(http: &mut Http, op: &Op) -> Res<(u16, Value)> {
    match op {
        Op::Create { token } => http.ecs(&[
            ("Action", "CreateSecurityGroup"),
            ("VpcId", "vpc-1"),
            ("ClientToken", token),
        ]),
        Op::Authorize { group, ports } => {
            let mut p: Vec<(String, String)> = vec![
                ("Action".into(), "AuthorizeSecurityGroup".into()),
                ("SecurityGroupId".into(), group.clone()),
            ];
            for (i, port) in ports.iter().enumerate() {
                let n = i + 1;
                p.push((format!("Permissions.{n}.IpProtocol"), "tcp".into()));
                p.push((
                    format!("Permissions.{n}.PortRange"),
                    format!("{port}/{port}"),
                ));
                p.push((format!("Permissions.{n}.SourceCidrIp"), "10.0.0.0/8".into()));
            }
            http.ecs(&pairs(&p))
        }
        Op::Revoke { group, port } => {
            let mut p = rule_params(group, *port);
            p.push(("Action".into(), "RevokeSecurityGroup".into()));
            http.ecs(&pairs(&p))
        }
        Op::Delete { group } => http.ecs(&[
            ("Action", "DeleteSecurityGroup"),
            ("SecurityGroupId", group),
        ]),
    }
}

/// Make one random change. `Err("transport: …")` when the connection failed (the server was
/// killed: the change stays pending); any other `Err` is an answer that should not have come.
fn step(http: &mut Http, m: &mut Model, w: usize, rng: &mut fastrand::Rng) -> Res<()> {
    let group = if m.groups.is_empty() {
        None
    } else {
        m.groups.keys().nth(rng.usize(..m.groups.len())).cloned()
    };
    let op = match (&group, rng.u32(..100)) {
        (None, _) | (_, 0..=9) if m.groups.len() < 25 => {
            m.next_token += 1;
            Op::Create {
                token: format!("w{w}-t{}", m.next_token),
            }
        }
        (Some(g), 0..=14) => Op::Delete { group: g.clone() },
        (Some(g), n) if n < 40 && !m.groups[g].is_empty() => {
            let ports = &m.groups[g];
            let port = *ports.iter().nth(rng.usize(..ports.len())).unwrap_or(&1);
            Op::Revoke {
                group: g.clone(),
                port,
            }
        }
        (Some(g), _) if m.groups[g].len() < 150 => {
            m.next_port += 3;
            let p = m.next_port;
            Op::Authorize {
                group: g.clone(),
                ports: [p, p + 1, p + 2],
            }
        }
        (Some(g), _) => Op::Delete { group: g.clone() },
        (None, _) => return Ok(()),
    };
    m.pending = Some(op.clone());
    let answer = send(http, &op).map_err(|e| format!("transport: {e}"))?;
    let (status, body) = answer;
    if status != 200 {
        return Err(format!("{op:?} answered {status}: {body}"));
    }
    m.pending = None;
    apply(m, &op, body["SecurityGroupId"].as_str());
    Ok(())
}

fn apply(m: &mut Model, op: &Op, created: Option<&str>) {
    match op {
        Op::Create { .. } => {
            if let Some(id) = created {
                if m.groups.insert(id.to_string(), BTreeSet::new()).is_none() {
                    m.created.push(id.to_string());
                }
            }
        }
        Op::Authorize { group, ports } => {
            if let Some(g) = m.groups.get_mut(group) {
                g.extend(ports);
            }
        }
        Op::Revoke { group, port } => {
            if let Some(g) = m.groups.get_mut(group) {
                g.remove(port);
            }
        }
        Op::Delete { group } => {
            m.groups.remove(group);
        }
    }
}

/// The ports of a group after a restart; `None` if it does not exist.
fn ports_of(http: &mut Http, group: &str) -> Res<Option<BTreeSet<u32>>> {
    let (status, body) = http.ecs(&[
        ("Action", "DescribeSecurityGroupAttribute"),
        ("SecurityGroupId", group),
    ])?;
    match status {
        200 => Ok(Some(
            body["Permissions"]["Permission"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|r| r["PortRange"].as_str())
                        .filter_map(|p| p.split('/').next()?.parse().ok())
                        .collect()
                })
                .unwrap_or_default(),
        )),
        404 => Ok(None),
        s => Err(format!("describe {group}: {s} {body}")),
    }
}

/// Check one writer's groups against its model after a restart, settling the pending call.
fn verify(http: &mut Http, m: &mut Model, w: usize) -> Res<()> {
    let pending = m.pending.take();
    // A pending create is settled by repeating it: the same ClientToken answers the group it made,
    // if it made one.
    if let Some(op @ Op::Create { .. }) = &pending {
        let Op::Create { token } = op else {
            return Ok(());
        };
        let (status, body) = http.ecs(&[
            ("Action", "CreateSecurityGroup"),
            ("VpcId", "vpc-1"),
            ("ClientToken", token),
        ])?;
        if status != 200 {
            return Err(format!("writer {w}: retrying a create answered {status}"));
        }
        apply(m, op, body["SecurityGroupId"].as_str());
    }
    let groups: Vec<String> = m.groups.keys().cloned().collect();
    for g in groups {
        let expected = m.groups.get(&g).cloned().unwrap_or_default();
        let actual = ports_of(http, &g)?;
        if actual.as_ref() == Some(&expected) {
            continue;
        }
        // Different: only the pending call, applied whole, may explain it.
        let mut with = Model {
            groups: m.groups.clone(),
            ..Model::default()
        };
        let explained = match &pending {
            Some(
                op
                @ (Op::Authorize { group, .. } | Op::Revoke { group, .. } | Op::Delete { group }),
            ) if *group == g => {
                apply(&mut with, op, None);
                with.groups.get(&g) == actual.as_ref()
            }
            _ => false,
        };
        if !explained {
            return Err(match (&actual, &pending) {
                (None, _) => format!("writer {w}: LOST WRITE: group {g} acknowledged but gone"),
                (Some(a), Some(Op::Authorize { ports, .. })) if ports.iter().any(|p| a.contains(p)) => {
                    format!("writer {w}: HALF APPLIED: group {g} has {a:?}, expected {expected:?} or all of {ports:?} more")
                }
                (Some(a), _) => format!(
                    "writer {w}: LOST WRITE: group {g} has ports {a:?}, acknowledged {expected:?} (pending {pending:?})"
                ),
            });
        }
        m.groups = with.groups;
    }
    Ok(())
}

struct CrashFigures {
    rounds: usize,
    acknowledged: u64,
    pending_applied: u64,
    restart_ms_max: f64,
}

fn crash(bin: &str, dir: &Path, rounds: usize, seed: u64) -> Res<CrashFigures> {
    let state = dir.join("crash").join("state.json");
    std::fs::create_dir_all(state.parent().unwrap_or(dir)).map_err(|e| e.to_string())?;
    let args = vec![
        "--state-file".to_string(),
        state.display().to_string(),
        "--group-quota".into(),
        "1000".into(),
        // A compaction every few hundred writes: kills land during compactions too.
        "--compact-bytes".into(),
        "65536".into(),
    ];
    let writers = 6;
    let mut models: Vec<Model> = (0..writers).map(|_| Model::default()).collect();
    let mut rng = fastrand::Rng::with_seed(seed);
    let acknowledged = Arc::new(AtomicU64::new(0));
    let mut pending_applied = 0u64;
    let mut restart_ms_max: f64 = 0.0;
    for round in 0..rounds {
        let t = Instant::now();
        let mut server = start(bin, &args)?;
        restart_ms_max = restart_ms_max.max(t.elapsed().as_secs_f64() * 1000.0);
        // Settle what the last kill left undecided, and check every acknowledged write.
        for (w, m) in models.iter_mut().enumerate() {
            let had = m.pending.is_some();
            let mut http = Http::new(&server.addr);
            verify(&mut http, m, w).map_err(|e| format!("round {round}: {e}"))?;
            if had {
                pending_applied += 1;
            }
        }
        // Write until a random moment, then SIGKILL.
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, rx) = mpsc::channel();
        for (w, mut m) in std::mem::take(&mut models).into_iter().enumerate() {
            let addr = server.addr.clone();
            let stop = stop.clone();
            let acked = acknowledged.clone();
            let tx = tx.clone();
            let mut wrng = fastrand::Rng::with_seed(seed ^ ((round * 64 + w) as u64));
            std::thread::spawn(move || {
                let mut http = Http::new(&addr);
                let mut error = None;
                let deadline = Instant::now() + Duration::from_secs(30);
                while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
                    match step(&mut http, &mut m, w, &mut wrng) {
                        Ok(()) => {
                            acked.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => {
                            // The kill (a connection error) leaves the call pending; anything
                            // else is an answer that should not have come.
                            if !e.starts_with("transport: ") {
                                error = Some(e);
                            }
                            break;
                        }
                    }
                }
                let _ = tx.send((w, m, error));
            });
        }
        drop(tx);
        let run = Duration::from_millis(100 + rng.u64(..900));
        std::thread::sleep(run);
        server.kill();
        stop.store(true, Ordering::SeqCst);
        let mut back: Vec<(usize, Model, Option<String>)> = rx.iter().collect();
        back.sort_by_key(|(w, _, _)| *w);
        for (w, m, error) in back {
            if let Some(e) = error {
                return Err(format!("round {round}, writer {w}: {e}"));
            }
            models.push(m);
        }
        if models.len() != writers {
            return Err(format!("round {round}: a writer did not report back"));
        }
    }
    // A last start: everything verified once more.
    let server = start(bin, &args)?;
    for (w, m) in models.iter_mut().enumerate() {
        let mut http = Http::new(&server.addr);
        verify(&mut http, m, w).map_err(|e| format!("final check: {e}"))?;
    }
    // Ids never repeat: every create, in every round, was answered with an id never seen before
    // (deleted groups' ids included).
    let all: Vec<&String> = models.iter().flat_map(|m| &m.created).collect();
    let distinct: BTreeSet<&String> = all.iter().copied().collect();
    if distinct.len() != all.len() {
        return Err(format!(
            "{} ids repeated among {} creates",
            all.len() - distinct.len(),
            all.len()
        ));
    }
    Ok(CrashFigures {
        rounds,
        acknowledged: acknowledged.load(Ordering::SeqCst),
        pending_applied,
        restart_ms_max,
    })
}

// ---------------------------------------------------------------- phase: damaged journal

fn corrupt(bin: &str, dir: &Path) -> Res<()> {
    let base = dir.join("corrupt");
    std::fs::create_dir_all(&base).map_err(|e| e.to_string())?;
    let state = base.join("state.json");
    let journal = base.join("state.json.journal");
    let args = vec!["--state-file".to_string(), state.display().to_string()];
    let mut server = start(bin, &args)?;
    let mut http = Http::new(&server.addr);
    for i in 0..100 {
        let name = format!("g{i}");
        let (s, b) = http.ecs(&[
            ("Action", "CreateSecurityGroup"),
            ("SecurityGroupName", &name),
        ])?;
        if s != 200 {
            return Err(format!("create {i}: {s} {b}"));
        }
    }
    server.kill();
    let good = std::fs::read(&journal).map_err(|e| e.to_string())?;
    let offset: usize = good
        .split_inclusive(|b| *b == b'\n')
        .take(10)
        .map(<[u8]>::len)
        .sum();
    // One byte of record 11 changed, so that it still parses: only the checksum can tell.
    let mut damaged = good.clone();
    let at = damaged
        .get(offset..)
        .and_then(|r| r.windows(5).position(|w| w == b"\"g10\""))
        .ok_or("record 11 does not name g10")?
        + offset
        + 2;
    damaged[at] = b'7';
    std::fs::write(&journal, &damaged).map_err(|e| e.to_string())?;
    let (code, stderr) = refused(bin, &args)?;
    let expected = format!(
        "journal {} is damaged at line 11 (byte offset {offset})",
        journal.display()
    );
    if code != Some(1) || !stderr.contains(&expected) {
        return Err(format!(
            "a damaged record did not stop the start: {code:?} {stderr}"
        ));
    }
    if std::fs::read(&journal).map_err(|e| e.to_string())? != damaged || state.exists() {
        return Err("a refused start changed the files".into());
    }
    let mut recovered = args.clone();
    recovered.push("--recover-journal".into());
    let server = start(bin, &recovered)?;
    let (_, listed) = Http::new(&server.addr).ecs(&[("Action", "DescribeSecurityGroups")])?;
    if listed["TotalCount"] != 10 {
        return Err(format!(
            "--recover-journal kept {} groups, not 10",
            listed["TotalCount"]
        ));
    }
    drop(server);
    // An unfinished last line (a crash while it was written) is skipped, not refused.
    let torn = good.get(..good.len() - 40).ok_or("short journal")?;
    std::fs::write(&journal, torn).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&state);
    let server = start(bin, &args)?;
    let (_, listed) = Http::new(&server.addr).ecs(&[("Action", "DescribeSecurityGroups")])?;
    if listed["TotalCount"] != 99 {
        return Err(format!(
            "a torn tail: {} groups, not 99",
            listed["TotalCount"]
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------- phase: disk full

struct DiskFigures {
    acknowledged: usize,
    refused: usize,
}

fn disk_full(bin: &str, tmpfs: &Path) -> Res<DiskFigures> {
    let base = tmpfs.join("diskfull");
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).map_err(|e| e.to_string())?;
    let state = base.join("state.json");
    let args = vec![
        "--state-file".to_string(),
        state.display().to_string(),
        "--compact-bytes".into(),
        "262144".into(),
        "--rule-limit".into(),
        "100000".into(),
    ];
    let mut server = start(bin, &args)?;
    let mut http = Http::new(&server.addr);
    let (_, b) = http.ecs(&[("Action", "CreateSecurityGroup"), ("VpcId", "vpc-1")])?;
    let sg = b["SecurityGroupId"].as_str().ok_or("no group")?.to_string();
    // Fill what is left of the filesystem but ~1.5 MiB.
    let filler = base.join("filler");
    {
        let mut f = std::fs::File::create(&filler).map_err(|e| e.to_string())?;
        let chunk = vec![0u8; 64 * 1024];
        while f.write_all(&chunk).is_ok() {}
        let len = f.metadata().map_err(|e| e.to_string())?.len();
        f.set_len(len.saturating_sub(1536 * 1024))
            .map_err(|e| e.to_string())?;
    }
    let mut acked: Vec<u32> = Vec::new();
    let mut refused_ports: Vec<u32> = Vec::new();
    let mut port = 1u32;
    while refused_ports.len() < 20 && port < 60_000 {
        let mut p = rule_params(&sg, port);
        p.push(("Action".into(), "AuthorizeSecurityGroup".into()));
        p.push(("Description".into(), "x".repeat(400)));
        let (status, body) = http.ecs(&pairs(&p))?;
        match status {
            200 => acked.push(port),
            500 => {
                if body["Code"] != "InternalError"
                    || body.to_string().contains(&base.display().to_string())
                {
                    return Err(format!("the storage error: {body}"));
                }
                refused_ports.push(port);
            }
            s => return Err(format!("authorize {port}: {s} {body}")),
        }
        port += 1;
    }
    if refused_ports.is_empty() {
        return Err("the disk never filled up".into());
    }
    // Reads go on, and show the acknowledged rules only.
    let seen = ports_of(&mut http, &sg)?.ok_or("the group is gone")?;
    let want: BTreeSet<u32> = acked.iter().copied().collect();
    if seen != want {
        return Err(format!(
            "with a full disk the group shows {} rules, {} were acknowledged",
            seen.len(),
            want.len()
        ));
    }
    let leftovers: Vec<String> = std::fs::read_dir(&base)
        .map_err(|e| e.to_string())?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    if !leftovers.is_empty() {
        return Err(format!(
            "temporary files left on the full disk: {leftovers:?}"
        ));
    }
    // Space again: writes resume.
    std::fs::remove_file(&filler).map_err(|e| e.to_string())?;
    let mut resumed = false;
    for _ in 0..3 {
        let mut p = rule_params(&sg, port);
        p.push(("Action".into(), "AuthorizeSecurityGroup".into()));
        let (status, _) = http.ecs(&pairs(&p))?;
        if status == 200 {
            acked.push(port);
            resumed = true;
            break;
        }
        port += 1;
    }
    if !resumed {
        return Err("writes did not resume once space was freed".into());
    }
    server.kill();
    let server = start(bin, &args)?;
    let seen =
        ports_of(&mut Http::new(&server.addr), &sg)?.ok_or("the group is gone after a restart")?;
    let want: BTreeSet<u32> = acked.iter().copied().collect();
    if seen != want {
        let lost: Vec<&u32> = want.difference(&seen).collect();
        let ghost: Vec<&u32> = seen.difference(&want).collect();
        return Err(format!(
            "after a restart: lost {lost:?}, refused but present {ghost:?}"
        ));
    }
    Ok(DiskFigures {
        acknowledged: acked.len(),
        refused: refused_ports.len(),
    })
}

// ---------------------------------------------------------------- phase: slow clients

struct SlowFigures {
    connections: usize,
    health_p99_ms: f64,
    cut_off_s: f64,
    stop_s: f64,
}

fn slow(bin: &str, connections: usize) -> Res<SlowFigures> {
    let args = vec![
        "--header-timeout".to_string(),
        "2".into(),
        "--drain-timeout".into(),
        "2".into(),
    ];
    let server = start(bin, &args)?;
    let pid = server.pid();
    let baseline = open_fds(pid);
    let mut held = Vec::new();
    for i in 0..connections {
        let mut s = TcpStream::connect(&server.addr).map_err(|e| format!("connect {i}: {e}"))?;
        s.set_read_timeout(Some(Duration::from_secs(30)))
            .map_err(|e| e.to_string())?;
        if i % 2 == 0 {
            // Slowloris: a head that never ends.
            s.write_all(b"GET /_sgmock/health HTTP/1.1\r\nHost: x\r\nX-A: ")
                .map_err(|e| e.to_string())?;
        }
        held.push(s);
    }
    // Others are served meanwhile.
    let mut http = Http::new(&server.addr);
    let mut lat = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let (status, _) = http.call("GET", "/_sgmock/health", "")?;
        if status != 200 {
            return Err(format!("health: {status}"));
        }
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    lat.sort_by(f64::total_cmp);
    let health_p99_ms = lat.get(lat.len() * 99 / 100).copied().unwrap_or(0.0);
    // All of them are cut off by the header timeout.
    let t = Instant::now();
    for (i, s) in held.iter_mut().enumerate() {
        let mut buf = [0u8; 256];
        match s.read(&mut buf) {
            Ok(0) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
            other => return Err(format!("slow connection {i} was not cut off: {other:?}")),
        }
    }
    let cut_off_s = t.elapsed().as_secs_f64();
    drop(held);
    drop(http);
    // Descriptors come back (the server closed its ends).
    let deadline = Instant::now() + Duration::from_secs(10);
    while open_fds(pid) > baseline + 2 {
        if Instant::now() > deadline {
            return Err(format!(
                "descriptors: {} open, {baseline} at start",
                open_fds(pid)
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // SIGTERM with half-sent requests open ends within the drain timeout.
    let mut half = Vec::new();
    for _ in 0..100 {
        let mut s = TcpStream::connect(&server.addr).map_err(|e| e.to_string())?;
        s.write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nAction=")
            .map_err(|e| e.to_string())?;
        half.push(s);
    }
    let mut server = server;
    let t = Instant::now();
    server.terminate();
    let code = server.wait_within(Duration::from_secs(20))?.code();
    let stop_s = t.elapsed().as_secs_f64();
    if code != Some(0) {
        return Err(format!("the stop exited with {code:?}"));
    }
    Ok(SlowFigures {
        connections,
        health_p99_ms,
        cut_off_s,
        stop_s,
    })
}

// ---------------------------------------------------------------- phase: soak

struct SoakFigures {
    requests: u64,
    rps: f64,
    rss_start: f64,
    rss_peak: f64,
    nonces: u64,
    log_bytes: u64,
}

fn signed(params: &[(&str, &str)], nonce: &str, now: i64) -> String {
    let stamp = sgmock::timefmt::format(now);
    let mut all: Vec<(String, String)> = [
        ("Version", "2014-05-26"),
        ("RegionId", "cn-hangzhou"),
        ("Format", "JSON"),
        ("AccessKeyId", "soak"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("SignatureNonce", nonce),
        ("Timestamp", &stamp),
    ]
    .iter()
    .chain(params)
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let sts = sgmock::rpc::signature::rpc_string_to_sign("POST", &all);
    all.push((
        "Signature".into(),
        sgmock::rpc::signature::rpc_sign("secret", &sts),
    ));
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(all)
        .finish()
}

fn soak(bin: &str, total: u64) -> Res<SoakFigures> {
    let args = vec![
        "--auth".to_string(),
        "verify".into(),
        "--access-key".into(),
        "soak:secret".into(),
        "--rule-limit".into(),
        "100000".into(),
    ];
    let server = start(bin, &args)?;
    let rss_start = rss_mib(&server);
    let threads = 4u64;
    let done = Arc::new(AtomicU64::new(0));
    let failure: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(900);
    let mut handles = Vec::new();
    for t in 0..threads {
        let addr = server.addr.clone();
        let done = done.clone();
        let failure = failure.clone();
        handles.push(std::thread::spawn(move || {
            let mut http = Http::new(&addr);
            let mut rng = fastrand::Rng::with_seed(t);
            let now = || {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs() as i64)
                    .unwrap_or(0)
            };
            let mut run = || -> Res<()> {
                let body = signed(&[("Action", "CreateSecurityGroup"), ("VpcId", "vpc-1")], &format!("c{t}"), now());
                let (_, b) = http.call("POST", "/", &body)?;
                let v: Value = serde_json::from_slice(&b).unwrap_or(Value::Null);
                let sg = v["SecurityGroupId"].as_str().ok_or(format!("create: {v}"))?.to_string();
                let big = "x".repeat(900_000);
                let mut n = 0u64;
                let mut port = 0u32;
                let mut live = std::collections::VecDeque::new();
                while n < total / threads && Instant::now() < deadline {
                    n += 1;
                    let nonce = format!("{t}-{n}");
                    // Revoke the oldest rule: as many revokes as authorizations keep the group
                    // small, so describing it stays cheap.
                    let oldest = live.front().copied().unwrap_or(1);
                    let range = format!("{oldest}/{oldest}");
                    let body = match rng.u32(..100) {
                        0..=44 => signed(&[("Action", "DescribeSecurityGroupAttribute"), ("SecurityGroupId", &sg)], &nonce, now()),
                        45..=69 => {
                            port += 1;
                            let p = port % 60_000 + 1;
                            live.push_back(p);
                            let range = format!("{p}/{p}");
                            signed(&[("Action", "AuthorizeSecurityGroup"), ("SecurityGroupId", &sg), ("IpProtocol", "tcp"), ("PortRange", &range), ("SourceCidrIp", "10.0.0.0/8")], &nonce, now())
                        }
                        70..=94 => {
                            live.pop_front();
                            signed(&[("Action", "RevokeSecurityGroup"), ("SecurityGroupId", &sg), ("IpProtocol", "tcp"), ("PortRange", &range), ("SourceCidrIp", "10.0.0.0/8")], &nonce, now())
                        }
                        95..=97 => signed(&[("Action", "DescribeSecurityGroups"), ("PageSize", "10")], &nonce, now()),
                        // A 900 KB parameter (refused: too long); the request log keeps 16 KiB of it.
                        98 => signed(&[("Action", "ModifySecurityGroupAttribute"), ("SecurityGroupId", &sg), ("Description", &big)], &nonce, now()),
                        _ => {
                            // Garbage: random parameters, unsigned.
                            let junk: String = (0..rng.usize(1..40)).map(|_| rng.alphanumeric()).collect();
                            format!("Action={junk}&Version=2014-05-26&{junk}=%ZZ%00&Permissions.1.PortRange={junk}")
                        }
                    };
                    let (status, b) = http.call("POST", "/", &body)?;
                    if status >= 500 {
                        return Err(format!("{status}: {}", String::from_utf8_lossy(&b)));
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
                Ok(())
            };
            if let Err(e) = run() {
                if let Ok(mut f) = failure.lock() {
                    f.get_or_insert(e);
                }
            }
        }));
    }
    let mut rss_peak = rss_start;
    while handles.iter().any(|h| !h.is_finished()) {
        rss_peak = rss_peak.max(rss_mib(&server));
        std::thread::sleep(Duration::from_millis(200));
    }
    for h in handles {
        let _ = h.join();
    }
    if let Some(e) = failure.lock().ok().and_then(|f| f.clone()) {
        return Err(format!("soak: {e}"));
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut http = Http::new(&server.addr);
    let (_, info) = http.call("GET", "/_sgmock/info", "")?;
    let info: Value = serde_json::from_slice(&info).unwrap_or(Value::Null);
    rss_peak = rss_peak.max(rss_mib(&server));
    let requests = done.load(Ordering::SeqCst);
    // Every nonce is remembered for 15 minutes or more (~25 bytes each) and the request log is
    // capped at 16 MiB: the process stays well under a few hundred MB.
    if rss_peak > 400.0 {
        return Err(format!("RSS reached {rss_peak:.0} MiB"));
    }
    Ok(SoakFigures {
        requests,
        rps: requests as f64 / elapsed,
        rss_start,
        rss_peak,
        nonces: info["memory"]["nonces"].as_u64().unwrap_or(0),
        log_bytes: info["memory"]["request_log_bytes"].as_u64().unwrap_or(0),
    })
}

// ---------------------------------------------------------------- main

#[derive(clap::Parser)]
#[command(
    name = "sgreliability",
    about = "sgmock's reliability suite (loopback only, every phase bounded)"
)]
struct Cli {
    /// The sgmock binary to test.
    #[arg(long)]
    bin: String,
    /// The release mode: more rounds, connections and requests (about 8 minutes).
    #[arg(long)]
    long: bool,
    /// A small mounted filesystem for the disk-full phase (skipped without one).
    #[arg(long)]
    tmpfs: Option<PathBuf>,
    /// Repeat a run.
    #[arg(long)]
    seed: Option<u64>,
}

fn main() -> std::process::ExitCode {
    let cli = <Cli as clap::Parser>::parse();
    let (bin, long, tmpfs) = (cli.bin, cli.long, cli.tmpfs);
    let seed = cli.seed.unwrap_or_else(|| fastrand::u64(..));
    let dir = std::env::temp_dir().join(format!("sgreliability-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let (rounds, slow_conns, soak_total) = if long {
        (30, 1000, 1_500_000)
    } else {
        (6, 200, 100_000)
    };
    println!(
        "sgreliability: {} mode, seed {seed} (rerun with --seed {seed})",
        if long { "long" } else { "short" }
    );
    let mut failed = false;
    let mut report = |name: &str, r: Res<String>| match r {
        Ok(line) => println!("  {name:<10} ok    {line}"),
        Err(e) => {
            println!("  {name:<10} FAIL  {e}");
            failed = true;
        }
    };
    let t = Instant::now();
    report(
        "crash",
        crash(&bin, &dir, rounds, seed).map(|f| {
            format!(
                "{} SIGKILL rounds under 6 concurrent writers, {} acknowledged writes all there after every restart, the {} calls in flight at the kills each applied whole or not at all, no id repeated; slowest restart {:.0} ms ({:.0} s)",
                f.rounds, f.acknowledged, f.pending_applied, f.restart_ms_max, t.elapsed().as_secs_f64()
            )
        }),
    );
    let t = Instant::now();
    report(
        "corrupt",
        corrupt(&bin, &dir).map(|()| {
            format!(
                "a changed byte in record 11 of 100 stops the start naming file, line and offset, changing nothing; --recover-journal keeps 10; a torn last line is skipped ({:.1} s)",
                t.elapsed().as_secs_f64()
            )
        }),
    );
    let t = Instant::now();
    match &tmpfs {
        Some(fs) => report(
            "disk-full",
            disk_full(&bin, fs).map(|f| {
                format!(
                    "on a full tmpfs {} writes answered 500 and are not visible, {} acknowledged ones all survive a restart, reads went on, no temporary file left, writes resumed when space was freed ({:.1} s)",
                    f.refused, f.acknowledged, t.elapsed().as_secs_f64()
                )
            }),
        ),
        None => println!("  disk-full  skip  no --tmpfs DIR (needs root to mount one; tests/api/durability.rs fills a disk through an I/O seam)"),
    }
    let t = Instant::now();
    report(
        "slow",
        slow(&bin, slow_conns).map(|f| {
            format!(
                "{} slowloris and silent connections cut off by the 2 s header timeout within {:.1} s, others served meanwhile (health p99 {:.2} ms), descriptors back to baseline; SIGTERM with 100 half-sent requests exits in {:.1} s (drain 2 s) ({:.1} s)",
                f.connections, f.cut_off_s, f.health_p99_ms, f.stop_s, t.elapsed().as_secs_f64()
            )
        }),
    );
    let t = Instant::now();
    report(
        "soak",
        soak(&bin, soak_total).map(|f| {
            format!(
                "{} signed requests at {:.0}/s (1% 900 KB parameters, 1% garbage), no 5xx; RSS {:.0} MiB at start, {:.0} MiB peak; {} nonces remembered; request log {} KiB ({:.0} s)",
                f.requests, f.rps, f.rss_start, f.rss_peak, f.nonces, f.log_bytes / 1024, t.elapsed().as_secs_f64()
            )
        }),
    );
    let _ = std::fs::remove_dir_all(&dir);
    if failed {
        println!("sgreliability: FAILED (seed {seed})");
        std::process::ExitCode::FAILURE
    } else {
        println!("sgreliability: all phases passed");
        std::process::ExitCode::SUCCESS
    }
}
