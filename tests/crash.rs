//! A real `sgmock` process with `--state-file`, killed with SIGKILL while clients write: every write
//! it acknowledged is there after a restart. Also the graceful stop (SIGTERM) and `--health-check`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use sgmock::testing::Process;

/// Start the binary on a free port with `--state-file STATE` and wait for its ready line.
fn start(state: &Path, extra: &[&str]) -> Process {
    let mut args = vec!["--state-file", state.to_str().expect("utf-8 path")];
    args.extend_from_slice(extra);
    Process::start(env!("CARGO_BIN_EXE_sgmock"), &args).expect("sgmock starts")
}

/// One HTTP/1.1 GET; (status, JSON body).
fn get(addr: &str, path_and_query: &str) -> (u16, Value) {
    request(addr, "GET", path_and_query, "")
}

/// One HTTP/1.1 request with a JSON body; (status, JSON body).
fn request(addr: &str, method: &str, path_and_query: &str, body: &str) -> (u16, Value) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        s,
        "{method} {path_and_query} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("write");
    let mut text = String::new();
    s.read_to_string(&mut text).expect("read");
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status");
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or_default();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

fn ecs(addr: &str, query: &str) -> (u16, Value) {
    get(
        addr,
        &format!("/?Version=2014-05-26&RegionId=cn-hangzhou&{query}"),
    )
}

#[test]
fn every_acknowledged_write_survives_sigkill() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state.json");
    let server = start(&state, &[]);
    // Four clients write concurrently; each remembers what was acknowledged.
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let addr = server.addr.clone();
            std::thread::spawn(move || {
                let mut acked = Vec::new();
                for i in 0..25 {
                    let (status, body) = ecs(&addr, &format!("Action=CreateSecurityGroup&VpcId=vpc-1&SecurityGroupName=w{w}n{i}"));
                    assert_eq!(status, 200, "{body}");
                    let sg = body["SecurityGroupId"].as_str().expect("id").to_string();
                    let (status, body) = ecs(
                        &addr,
                        &format!("Action=AuthorizeSecurityGroup&SecurityGroupId={sg}&IpProtocol=tcp&PortRange={p}/{p}&SourceCidrIp=10.0.0.0/8", p = i + 1),
                    );
                    assert_eq!(status, 200, "{body}");
                    acked.push((sg, format!("{}/{}", i + 1, i + 1)));
                }
                acked
            })
        })
        .collect();
    let acked: Vec<(String, String)> = writers
        .into_iter()
        .flat_map(|w| w.join().expect("writer"))
        .collect();
    let mut server = server;
    server.kill();

    let restarted = start(&state, &[]);
    for (sg, port) in &acked {
        let (status, body) = ecs(
            &restarted.addr,
            &format!("Action=DescribeSecurityGroupAttribute&SecurityGroupId={sg}"),
        );
        assert_eq!(status, 200, "{sg}: {body}");
        assert_eq!(
            body["Permissions"]["Permission"][0]["PortRange"],
            port.as_str(),
            "{sg}"
        );
    }
    let (_, listed) = ecs(&restarted.addr, "Action=DescribeSecurityGroups&PageSize=50");
    assert_eq!(listed["TotalCount"], 100);
    let mut restarted = restarted;
    restarted.kill();
}

#[test]
fn sigterm_stops_gracefully_with_a_snapshot_and_health_check_probes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state.json");
    let mut server = start(&state, &[]);
    let (status, body) = get(&server.addr, "/_sgmock/health");
    assert_eq!((status, body), (200, serde_json::json!({"status": "ok"})));
    let probe = Command::new(env!("CARGO_BIN_EXE_sgmock"))
        .args(["--health-check", "--listen", &server.addr])
        .status()
        .expect("probe");
    assert!(probe.success());
    let (_, body) = ecs(
        &server.addr,
        "Action=CreateSecurityGroup&SecurityGroupName=kept",
    );
    let sg = body["SecurityGroupId"].as_str().expect("id").to_string();
    server.terminate();
    let exit = server
        .wait_within(Duration::from_secs(30))
        .expect("stops after SIGTERM");
    assert!(exit.success(), "{exit:?}");
    // The final snapshot holds the group and the journal is empty.
    let snapshot = std::fs::read_to_string(&state).expect("snapshot");
    assert!(snapshot.contains(&sg));
    assert_eq!(
        std::fs::metadata(dir.path().join("state.json.journal"))
            .expect("journal")
            .len(),
        0
    );
    // Nothing listens any more: the probe fails, and says so (captured, so a passing run does not
    // print an alarming line).
    let probe = Command::new(env!("CARGO_BIN_EXE_sgmock"))
        .args(["--health-check", "--listen", &server.addr])
        .output()
        .expect("probe");
    assert!(!probe.status.success());
    assert!(
        String::from_utf8_lossy(&probe.stderr)
            .starts_with(&format!("sgmock: health check of {} failed: ", server.addr)),
        "{}",
        String::from_utf8_lossy(&probe.stderr)
    );
    let mut again = start(&state, &["--fsync"]);
    let (status, _) = ecs(
        &again.addr,
        &format!("Action=DescribeSecurityGroupAttribute&SecurityGroupId={sg}"),
    );
    assert_eq!(status, 200);
    again.kill();
}

/// Run the binary expecting it to refuse to start: (exit code, stderr).
fn refused(args: &[&str]) -> (Option<i32>, String) {
    sgmock::testing::refused(env!("CARGO_BIN_EXE_sgmock"), args, Duration::from_secs(30))
        .expect("sgmock ends")
}

#[test]
fn a_second_process_on_the_same_state_file_refuses_to_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state.json");
    let mut first = start(&state, &[]);
    let (code, stderr) = refused(&[
        "--listen",
        "127.0.0.1:0",
        "--state-file",
        state.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(code, Some(1));
    assert_eq!(
        stderr,
        format!(
            "sgmock: state file {} is in use by another sgmock process (it holds {}.lock); one \
             process per state file\n",
            state.display(),
            state.display()
        )
    );
    // The first one is unharmed.
    let (status, _) = ecs(&first.addr, "Action=DescribeSecurityGroups");
    assert_eq!(status, 200);
    first.kill();
}

#[test]
fn a_start_that_cannot_listen_creates_no_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut first = start(&dir.path().join("a.json"), &[]);
    let other = tempfile::tempdir().expect("tempdir");
    let state = other.path().join("state.json");
    let (code, stderr) = refused(&[
        "--listen",
        &first.addr,
        "--state-file",
        state.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.starts_with(&format!("sgmock: cannot listen on {}: ", first.addr)),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_dir(other.path()).expect("dir").count(),
        0,
        "no file before the listener is bound"
    );
    first.kill();
}

#[test]
fn a_damaged_journal_stops_the_process_with_file_line_and_offset() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state.json");
    let mut server = start(&state, &[]);
    for i in 0..20 {
        let (status, _) = ecs(
            &server.addr,
            &format!("Action=CreateSecurityGroup&SecurityGroupName=n{i}"),
        );
        assert_eq!(status, 200);
    }
    server.kill();
    let journal = dir.path().join("state.json.journal");
    let mut bytes = std::fs::read(&journal).expect("journal");
    let line3: usize = bytes
        .split_inclusive(|b| *b == b'\n')
        .take(2)
        .map(<[u8]>::len)
        .sum();
    // Damage the third record's first byte.
    bytes[line3] = b'#';
    std::fs::write(&journal, &bytes).expect("write");
    let (code, stderr) = refused(&[
        "--listen",
        "127.0.0.1:0",
        "--state-file",
        state.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.starts_with(&format!(
            "sgmock: journal {} is damaged at line 3 (byte offset {line3}): ",
            journal.display()
        )),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(&journal).expect("journal"),
        bytes,
        "untouched"
    );
    // --recover-journal starts with the two records before the damage.
    let mut recovered = start(&state, &["--recover-journal"]);
    let (_, listed) = ecs(&recovered.addr, "Action=DescribeSecurityGroups");
    assert_eq!(listed["TotalCount"], 2);
    recovered.kill();
}

#[test]
fn the_version_is_on_the_command_line_in_info_and_in_the_startup_log() {
    let version = env!("CARGO_PKG_VERSION");
    let out = Command::new(env!("CARGO_BIN_EXE_sgmock"))
        .arg("--version")
        .output()
        .expect("run");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("sgmock {version}\n")
    );
    let server = Process::start(env!("CARGO_BIN_EXE_sgmock"), &[]).expect("sgmock starts");
    let (_, info) = get(&server.addr, "/_sgmock/info");
    assert_eq!(info["version"], version);
    let needle = format!("sgmock {version} listening");
    let line = server.logged(&needle, Duration::from_secs(20));
    assert!(line.is_some(), "no {needle:?} in the log");
}

#[test]
fn sgmock_fsync_takes_the_usual_boolean_spellings() {
    for (value, expected) in [
        ("1", true),
        ("yes", true),
        ("on", true),
        ("0", false),
        ("off", false),
    ] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sgmock"));
        cmd.args(["--listen", "127.0.0.1:0"])
            .env("SGMOCK_FSYNC", value);
        let server = Process::spawn(cmd).unwrap_or_else(|e| panic!("SGMOCK_FSYNC={value}: {e}"));
        let (_, info) = get(&server.addr, "/_sgmock/info");
        assert_eq!(info["config"]["fsync"], expected, "SGMOCK_FSYNC={value}");
    }
}

#[test]
fn an_empty_state_file_stops_the_start_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state.json");
    std::fs::write(&state, b"").expect("touch");
    let (code, stderr) = refused(&[
        "--listen",
        "127.0.0.1:0",
        "--state-file",
        state.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(code, Some(1));
    assert_eq!(
        stderr,
        format!(
            "sgmock: state file {} is empty: sgmock writes it whole (never empty), so it did not write \
             this one. Remove it and sgmock creates it, or point --state-file elsewhere.\n",
            state.display()
        )
    );
    assert_eq!(std::fs::read(&state).expect("kept").len(), 0, "untouched");
}

/// Instances in groups survive `kill -9` (issue 14): declared instances, their memberships and the
/// counts DescribeSecurityGroups derives from them are all there after a restart.
#[test]
fn memberships_survive_sigkill() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state.json");
    let mut server = start(&state, &[]);
    let (_, a) = ecs(&server.addr, "Action=CreateSecurityGroup&VpcId=vpc-1");
    let (_, b) = ecs(&server.addr, "Action=CreateSecurityGroup&VpcId=vpc-1");
    let (a, b) = (
        a["SecurityGroupId"].as_str().expect("a"),
        b["SecurityGroupId"].as_str().expect("b"),
    );
    let body = serde_json::json!({"region": "cn-hangzhou", "instances": [
        {"id": "i-1", "vpc_id": "vpc-1", "network_interfaces": [{"id": "eni-1", "security_group_ids": [a]}]},
        {"id": "i-2", "vpc_id": "vpc-1"}]})
    .to_string();
    let (status, answer) = request(&server.addr, "PUT", "/_sgmock/instances", &body);
    assert_eq!((status, answer), (200, serde_json::json!({"instances": 2})));
    for q in [
        format!("Action=JoinSecurityGroup&InstanceId=i-1&SecurityGroupId={b}"),
        format!("Action=JoinSecurityGroup&InstanceId=i-2&SecurityGroupId={b}"),
        format!("Action=LeaveSecurityGroup&InstanceId=i-1&SecurityGroupId={a}"),
    ] {
        let (status, body) = ecs(&server.addr, &q);
        assert_eq!(status, 200, "{q}: {body}");
    }
    server.kill();

    let restarted = start(&state, &[]);
    let (_, listed) = ecs(
        &restarted.addr,
        &format!("Action=DescribeSecurityGroups&SecurityGroupIds=%5B%22{a}%22,%22{b}%22%5D"),
    );
    let counts: std::collections::BTreeMap<String, u64> = listed["SecurityGroups"]["SecurityGroup"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| {
            (
                g["SecurityGroupId"].as_str().expect("id").to_string(),
                g["EcsCount"].as_u64().expect("count"),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [(a.to_string(), 0), (b.to_string(), 2)]
            .into_iter()
            .collect()
    );
    let (_, i1) = ecs(
        &restarted.addr,
        "Action=DescribeInstances&InstanceIds=%5B%22i-1%22%5D",
    );
    assert_eq!(
        i1["Instances"]["Instance"][0]["SecurityGroupIds"]["SecurityGroupId"],
        serde_json::json!([b])
    );
    // The last group still cannot be left, and a member's group cannot be deleted.
    let (status, body) = ecs(
        &restarted.addr,
        &format!("Action=LeaveSecurityGroup&InstanceId=i-2&SecurityGroupId={b}"),
    );
    assert_eq!(
        (status, &body["Code"]),
        (403, &serde_json::json!("InstanceLastSecurityGroup"))
    );
    let (status, body) = ecs(
        &restarted.addr,
        &format!("Action=DeleteSecurityGroup&SecurityGroupId={b}"),
    );
    assert_eq!(
        (status, &body["Code"]),
        (403, &serde_json::json!("DependencyViolation"))
    );
}
