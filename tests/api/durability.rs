//! Nothing acknowledged is ever lost (issue 9): a damaged journal record stops the start; a write
//! the journal could not take is not in memory; a failed snapshot removes its temporary file; one
//! process per state file; ids never repeat, whatever `--seed` says. Disk faults (a full disk, a
//! truncation that fails) come through `Config::disk_faults`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{json, Value};
use sgmock::persist::disk::DiskFaults;
use sgmock::Config;

use crate::support::*;

fn persistent(path: &Path) -> Config {
    Config {
        state_file: Some(path.to_path_buf()),
        seed: Some(7),
        group_quota: 1000,
        ..Default::default()
    }
}

fn with_faults(path: &Path, faults: &Arc<DiskFaults>) -> Config {
    Config {
        disk_faults: Some(faults.clone()),
        ..persistent(path)
    }
}

fn journal(path: &Path) -> PathBuf {
    path.with_file_name("state.json.journal")
}

/// The names of the files in `dir`, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    names
}

/// A journal of 100 acknowledged writes (one group each, named g0…g99).
async fn hundred_writes(path: &Path) -> Vec<u8> {
    let api = Api::with(persistent(path));
    for i in 0..100 {
        api.group(&[("SecurityGroupName", &format!("g{i}"))]).await;
    }
    drop(api);
    std::fs::read(journal(path)).unwrap()
}

/// Byte offset where line `n` (1-based) starts.
fn line_offset(bytes: &[u8], n: usize) -> usize {
    bytes
        .split_inclusive(|b| *b == b'\n')
        .take(n - 1)
        .map(<[u8]>::len)
        .sum()
}

fn group_names(state: &Value) -> Vec<String> {
    let mut names: Vec<String> = state["accounts"][sgmock::DEFAULT_ACCOUNT]["ecs"][REGION]
        .as_array()
        .map(|gs| {
            gs.iter()
                .map(|g| g["name"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default();
    names.sort_by_key(|n| n[1..].parse::<u32>().unwrap());
    names
}

#[tokio::test]
async fn a_damaged_record_in_the_middle_stops_the_start_and_changes_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let good = hundred_writes(&path).await;
    let at = line_offset(&good, 11);
    // One byte changed in record 11 such that it still parses: the name g10 becomes g70.
    let mut damaged = good.clone();
    let name = at
        + damaged[at..]
            .windows(5)
            .position(|w| w == b"\"g10\"")
            .unwrap()
        + 2;
    damaged[name] = b'7';
    std::fs::write(journal(&path), &damaged).unwrap();
    let listing = files(dir.path());

    let err = sgmock::App::new(persistent(&path))
        .err()
        .unwrap()
        .to_string();
    assert_eq!(
        err,
        format!(
            "journal {} is damaged at line 11 (byte offset {at}): the checksum does not match (a \
             changed byte). Only an unfinished last line is skipped on start; this record is \
             followed by {} more bytes, so acknowledged writes would be lost. No file was changed. \
             To start anyway with the 10 records before it, pass --recover-journal (the journal is \
             first copied to {}.damaged-<time>).",
            journal(&path).display(),
            damaged.len() - at,
            journal(&path).display()
        )
    );
    assert_eq!(std::fs::read(journal(&path)).unwrap(), damaged);
    assert_eq!(files(dir.path()), listing, "no file created or removed");

    // The explicit recovery keeps a copy, then the records before the damage.
    let api = Api::with(Config {
        recover_journal: true,
        ..persistent(&path)
    });
    let names = group_names(&api.state().await);
    assert_eq!(names, (0..10).map(|i| format!("g{i}")).collect::<Vec<_>>());
    let backup = dir.path().join(format!("state.json.journal.damaged-{NOW}"));
    assert_eq!(std::fs::read(&backup).unwrap(), damaged);
    drop(api);
    assert_eq!(std::fs::read(journal(&path)).unwrap(), &good[..at]);
}

#[tokio::test]
async fn every_kind_of_mid_journal_damage_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let good = hundred_writes(&path).await;
    let at = line_offset(&good, 11);
    let next = line_offset(&good, 12);
    let mut not_json = good[..at].to_vec();
    not_json.extend_from_slice(b"garbage\n");
    not_json.extend_from_slice(&good[next..]);
    let mut missing = good[..at].to_vec();
    missing.extend_from_slice(&good[next..]);
    // A record cut short, with whole records after it: not a torn tail.
    let mut cut_short = good[..at + 20].to_vec();
    cut_short.extend_from_slice(&good[next..]);
    let mut reordered = good[..at].to_vec();
    reordered.extend_from_slice(&good[next..line_offset(&good, 13)]);
    reordered.extend_from_slice(&good[at..next]);
    // A whole, checksummed record of a codec version this sgmock does not read (a newer sgmock's).
    let mut newer = good[..at].to_vec();
    let record = &good[at..next - 10];
    let text = String::from_utf8(record.to_vec()).unwrap();
    assert!(text.starts_with(r#"{"v":1,"#), "{text}");
    let json = text.replacen(r#"{"v":1,"#, r#"{"v":2,"#, 1);
    newer
        .extend_from_slice(format!("{json} {:08x}\n", crc32fast::hash(json.as_bytes())).as_bytes());
    newer.extend_from_slice(&good[next..]);
    for (case, bytes, why) in [
        (
            "a record of a newer codec version",
            &newer,
            "record format version 2 is not the one this sgmock reads (1): a newer sgmock wrote it",
        ),
        (
            "a line of garbage",
            &not_json,
            "not a journal record (expected value at line 1 column 1)",
        ),
        (
            "a record missing",
            &missing,
            "record 12 follows record 10: records are missing",
        ),
        (
            "a record cut short",
            &cut_short,
            "the checksum does not match (a changed byte)",
        ),
        (
            "records swapped",
            &reordered,
            "record 12 follows record 10: records are missing",
        ),
    ] {
        std::fs::write(journal(&path), bytes).unwrap();
        let err = sgmock::App::new(persistent(&path))
            .err()
            .unwrap()
            .to_string();
        let expected = format!(
            "journal {} is damaged at line 11 (byte offset {at}): {why}. ",
            journal(&path).display()
        );
        assert!(err.starts_with(&expected), "{case}: {err}");
        assert_eq!(&std::fs::read(journal(&path)).unwrap(), bytes, "{case}");
    }
}

#[tokio::test]
async fn a_write_the_journal_could_not_take_is_not_in_memory_and_reads_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let faults = Arc::new(DiskFaults::default());
    let api = Api::with(with_faults(&path, &faults));
    let sg = api.group(&[]).await;
    let authorize = |port: &'static str| {
        let sg = sg.clone();
        let api = &api;
        async move {
            api.ecs(
                "AuthorizeSecurityGroup",
                &[
                    ("SecurityGroupId", &sg),
                    ("IpProtocol", "tcp"),
                    ("PortRange", port),
                    ("SourceCidrIp", "10.0.0.0/8"),
                ],
            )
            .await
        }
    };
    authorize("22/22").await.ok();
    let before = api.state().await;
    // The disk fills up in the middle of the record, and the partial record cannot be cut off.
    faults.limit_space(10);
    faults.fail_truncate(true);
    let failed = authorize("80/80").await;
    // docs/reference/wire.md §3.7: InternalError, 500; the cause (a path, an OS error) is not answered.
    assert_eq!(failed.status, 500);
    assert_eq!(
        failed.body,
        ecs_error(
            "InternalError",
            "The request processing has failed due to some unknown error."
        )
    );
    assert!(!failed.text.contains(dir.path().to_str().unwrap()));
    // Not in memory: reads answer as before the failed write.
    assert_eq!(api.state().await, before);
    let ports: Vec<Value> = api
        .rules(&sg, &[])
        .await
        .iter()
        .map(|r| r["PortRange"].clone())
        .collect();
    assert_eq!(ports, vec![json!("22/22")]);
    // With room again, the next write is built on what was acknowledged only, and survives.
    faults.unlimited();
    faults.fail_truncate(false);
    authorize("443/443").await.ok();
    let live = api.state().await;
    drop(api);
    let restarted = Api::with(persistent(&path));
    assert_eq!(restarted.state().await, live);
    let ports: Vec<Value> = restarted
        .rules(&sg, &[])
        .await
        .iter()
        .map(|r| r["PortRange"].clone())
        .collect();
    assert_eq!(ports, vec![json!("22/22"), json!("443/443")]);
}

/// The `i`th of one change of each kind the primitives make, through the API; `None` past the last.
async fn change(
    api: &Api,
    i: usize,
    [a, b, c]: [&str; 3],
    ens: &str,
    rid: &str,
) -> Option<(&'static str, Answer)> {
    Some(match i {
        0 => (
            "create with a ClientToken",
            api.ecs(
                "CreateSecurityGroup",
                &[("VpcId", "vpc-1"), ("ClientToken", "t-1")],
            )
            .await,
        ),
        1 => (
            "delete",
            api.ecs("DeleteSecurityGroup", &[("SecurityGroupId", c)])
                .await,
        ),
        2 => (
            "modify attributes",
            api.ecs(
                "ModifySecurityGroupAttribute",
                &[("SecurityGroupId", b), ("SecurityGroupName", "renamed")],
            )
            .await,
        ),
        3 => (
            "modify policy",
            api.ecs(
                "ModifySecurityGroupPolicy",
                &[("SecurityGroupId", b), ("InnerAccessPolicy", "Drop")],
            )
            .await,
        ),
        4 => (
            "authorize several, one naming a group",
            api.ecs(
                "AuthorizeSecurityGroup",
                &[
                    ("SecurityGroupId", b),
                    ("Permissions.1.IpProtocol", "tcp"),
                    ("Permissions.1.PortRange", "1/1"),
                    ("Permissions.1.SourceGroupId", a),
                    ("Permissions.2.IpProtocol", "udp"),
                    ("Permissions.2.PortRange", "2/2"),
                    ("Permissions.2.SourceCidrIp", "10.0.0.0/8"),
                ],
            )
            .await,
        ),
        5 => (
            "modify a rule by id",
            api.ecs(
                "ModifySecurityGroupRule",
                &[
                    ("SecurityGroupId", a),
                    ("SecurityGroupRuleId", rid),
                    ("PortRange", "23/23"),
                ],
            )
            .await,
        ),
        6 => (
            "revoke by id",
            api.ecs(
                "RevokeSecurityGroup",
                &[("SecurityGroupId", a), ("SecurityGroupRuleId.1", rid)],
            )
            .await,
        ),
        7 => (
            "revoke by match",
            api.ecs(
                "RevokeSecurityGroupEgress",
                &[
                    ("SecurityGroupId", b),
                    ("IpProtocol", "all"),
                    ("PortRange", "-1/-1"),
                    ("DestGroupId", a),
                ],
            )
            .await,
        ),
        8 => (
            "tag",
            api.ecs(
                "TagResources",
                &[
                    ("ResourceType", "securitygroup"),
                    ("ResourceId.1", a),
                    ("ResourceId.2", b),
                    ("Tag.1.Key", "k"),
                    ("Tag.1.Value", "v2"),
                ],
            )
            .await,
        ),
        9 => (
            "untag",
            api.ecs(
                "UntagResources",
                &[
                    ("ResourceType", "securitygroup"),
                    ("ResourceId.1", a),
                    ("All", "true"),
                ],
            )
            .await,
        ),
        10 => (
            "ENS rules",
            api.ens(
                "CreateSecurityGroupPermissions",
                &[
                    ("SecurityGroupId", ens),
                    (
                        "Permissions",
                        r#"[{"Direction":"ingress","IpProtocol":"TCP","PortRange":"8/8","Policy":"Accept","Priority":1,"SourceCidrIp":"1.1.1.1"}]"#,
                    ),
                ],
            )
            .await,
        ),
        11 => (
            "reset one account",
            api.admin(
                "POST",
                "/_sgmock/reset?account=other",
                None,
            )
            .await,
        ),
        12 => ("reset all", api.admin("POST", "/_sgmock/reset", None).await),
        _ => return None,
    })
}

#[tokio::test]
async fn every_kind_of_change_is_taken_back_when_its_record_cannot_be_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let faults = Arc::new(DiskFaults::default());
    // A key of its own account, so that resetting one account is a change of its own.
    let api = Api::with(Config {
        access_keys: vec!["other:secret".parse().unwrap()],
        ..with_faults(&path, &faults)
    });
    api.group(&[("AccessKeyId", "other")]).await;
    let a = api.group(&[]).await;
    let b = api.group(&[]).await;
    // Two rules in a: a rule put back must return to its place in the listing.
    for (group, port) in [(&a, "22/22"), (&a, "25/25"), (&b, "80/80")] {
        api.ecs(
            "AuthorizeSecurityGroup",
            &[
                ("SecurityGroupId", group),
                ("IpProtocol", "tcp"),
                ("PortRange", port),
                ("SourceCidrIp", "10.0.0.0/8"),
            ],
        )
        .await
        .ok();
    }
    api.ecs(
        "AuthorizeSecurityGroupEgress",
        &[
            ("SecurityGroupId", &b),
            ("IpProtocol", "all"),
            ("PortRange", "-1/-1"),
            ("DestGroupId", &a),
        ],
    )
    .await
    .ok();
    api.ecs(
        "TagResources",
        &[
            ("ResourceType", "securitygroup"),
            ("ResourceId.1", &a),
            ("Tag.1.Key", "k"),
            ("Tag.1.Value", "v"),
        ],
    )
    .await
    .ok();
    let c = api.group(&[]).await;
    let ens = api.ens_group(&[]).await;
    let start = api.state().await;

    // With a full disk every change fails and leaves the state exactly as it was …
    faults.limit_space(0);
    let rid = ids(&api.rules(&a, &[]).await)[0].clone();
    for i in 0.. {
        let Some((what, answer)) = change(&api, i, [&a, &b, &c], &ens, &rid).await else {
            break;
        };
        assert_eq!(answer.status, 500, "{what}: {}", answer.text);
        assert_eq!(api.state().await, start, "{what} left a trace");
    }
    // … while each of them is a real change when the disk has room (so the test can fail).
    faults.unlimited();
    let mut last = start.clone();
    for i in 0.. {
        let Some((what, answer)) = change(&api, i, [&a, &b, &c], &ens, &rid).await else {
            break;
        };
        let now = api.state().await;
        assert_eq!(answer.status, 200, "{what}: {}", answer.text);
        assert_ne!(now, last, "{what} changed nothing");
        last = now;
    }
}

#[tokio::test]
async fn a_compaction_that_fails_on_a_full_disk_removes_its_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let faults = Arc::new(DiskFaults::default());
    let config = Config {
        compact_bytes: 4096,
        ..with_faults(&path, &faults)
    };
    let api = Api::with(config);
    let sg = api.group(&[]).await;
    let authorize = |port: u32| {
        let sg = sg.clone();
        let api = &api;
        async move {
            let p = format!("{port}/{port}");
            api.ecs(
                "AuthorizeSecurityGroup",
                &[
                    ("SecurityGroupId", &sg),
                    ("IpProtocol", "tcp"),
                    ("PortRange", &p),
                    ("SourceCidrIp", "10.0.0.0/8"),
                ],
            )
            .await
        }
    };
    let size = || std::fs::metadata(journal(&path)).unwrap().len();
    let mut port = 1;
    let mut record = 0;
    // Fill the journal up to just below the compaction threshold.
    loop {
        let before = size();
        authorize(port).await.ok();
        port += 1;
        record = record.max(size() - before);
        if size() + record > 4096 {
            break;
        }
    }
    // Room for one more record (which starts a compaction) and 100 bytes: the snapshot fails.
    faults.limit_space(record + 100);
    authorize(port).await.ok();
    port += 1;
    api.app.store.settle();
    assert_eq!(
        files(dir.path()),
        ["state.json.journal", "state.json.lock"],
        "the partial snapshot was removed"
    );
    // The disk is full now: a write fails and changes nothing; with room again writes go on.
    let failed = authorize(port).await;
    assert_eq!(failed.status, 500);
    faults.unlimited();
    authorize(port + 1).await.ok();
    let live = api.state().await;
    drop(api);
    assert_eq!(Api::with(persistent(&path)).state().await, live);
}

#[tokio::test]
async fn a_state_import_on_a_full_disk_changes_nothing_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let faults = Arc::new(DiskFaults::default());
    let api = Api::with(with_faults(&path, &faults));
    api.group(&[]).await;
    let before = api.state().await;
    let mut other = before.clone();
    other["accounts"] = json!({});
    faults.limit_space(50);
    let a = api
        .admin("PUT", "/_sgmock/state", Some(&other.to_string()))
        .await;
    assert_eq!(a.status, 500);
    assert_eq!(
        a.body,
        json!({"code": "InternalError", "message": "the state could not be made durable; nothing changed"})
    );
    assert_eq!(api.state().await, before);
    assert_eq!(files(dir.path()), ["state.json.journal", "state.json.lock"]);
}

#[tokio::test]
async fn temporary_files_left_by_a_crash_are_removed_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let live = {
        let api = Api::with(persistent(&path));
        api.group(&[]).await;
        api.state().await
    };
    for tmp in [
        "state.json.tmp",
        "state.json.compact.tmp",
        "state.json.journal.tmp",
    ] {
        std::fs::write(dir.path().join(tmp), b"{\"partial").unwrap();
    }
    let api = Api::with(persistent(&path));
    assert_eq!(api.state().await, live);
    assert_eq!(files(dir.path()), ["state.json.journal", "state.json.lock"]);
}

#[tokio::test]
async fn one_process_per_state_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let first = sgmock::App::new(persistent(&path)).unwrap();
    let err = sgmock::App::new(persistent(&path))
        .err()
        .unwrap()
        .to_string();
    assert_eq!(
        err,
        format!(
            "state file {} is in use by another sgmock process (it holds {}.lock); one process per \
             state file",
            path.display(),
            path.display()
        )
    );
    drop(first);
    assert!(sgmock::App::new(persistent(&path)).is_ok());
}

#[tokio::test]
async fn ids_never_repeat_when_the_seed_changes() {
    // Restarted from the journal alone, and from a snapshot.
    for compact_bytes in [u64::MAX, 1] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let run = |seed: u64| Config {
            seed: Some(seed),
            compact_bytes,
            ..persistent(&path)
        };
        let mut first = Vec::new();
        {
            let api = Api::with(run(1));
            for _ in 0..30 {
                let sg = api.group(&[]).await;
                api.ecs("DeleteSecurityGroup", &[("SecurityGroupId", &sg)])
                    .await
                    .ok();
                first.push(sg);
            }
        }
        let api = Api::with(run(2));
        for _ in 0..30 {
            let sg = api.group(&[]).await;
            assert!(
                !first.contains(&sg),
                "{sg} repeated (compact_bytes {compact_bytes})"
            );
        }
        // The state keeps its own seed: it goes on with the first run's sequence.
        assert_eq!(api.state().await["id_seed"], 1);
    }
}

#[tokio::test]
async fn a_snapshot_is_the_state_document_with_its_journal_position() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let api = Api::with(Config {
        access_keys: vec!["other:secret".parse().unwrap()],
        ..persistent(&path)
    });
    let sg = api.group(&[("ClientToken", "tok")]).await;
    api.group(&[("AccessKeyId", "other"), ("Tag.1.Key", "k")])
        .await;
    api.ecs(
        "AuthorizeSecurityGroup",
        &[
            ("SecurityGroupId", &sg),
            ("IpProtocol", "udp"),
            ("PortRange", "53/53"),
            ("Ipv6SourceCidrIp", "2001:db8::/32"),
            ("Description", "dns"),
        ],
    )
    .await
    .ok();
    api.ens_group(&[]).await;
    api.app.store.flush().unwrap();
    let mut snapshot: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(snapshot["journal_seq"], 4);
    snapshot.as_object_mut().unwrap().remove("journal_seq");
    assert_eq!(snapshot, api.state().await);
    // The streamed document is the `StateDoc` the state converts to (the type imports read).
    let built = api.app.store.read(sgmock::persist::doc::to_doc);
    assert_eq!(serde_json::to_value(built).unwrap(), snapshot);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writes_during_background_compactions_all_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    // A compaction after nearly every write, each running while other writers go on.
    let config = Config {
        compact_bytes: 2048,
        ..persistent(&path)
    };
    let api = Arc::new(Api::with(config.clone()));
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let api = api.clone();
            tokio::spawn(async move {
                let sg = api.group(&[("SecurityGroupName", &format!("w{w}"))]).await;
                for i in 1..=40 {
                    let port = format!("{i}/{i}");
                    api.ecs(
                        "AuthorizeSecurityGroup",
                        &[
                            ("SecurityGroupId", &sg),
                            ("IpProtocol", "tcp"),
                            ("PortRange", &port),
                            ("SourceCidrIp", "10.0.0.0/8"),
                        ],
                    )
                    .await
                    .ok();
                    if i % 3 == 0 {
                        api.ecs(
                            "RevokeSecurityGroup",
                            &[
                                ("SecurityGroupId", &sg),
                                ("IpProtocol", "tcp"),
                                ("PortRange", &port),
                                ("SourceCidrIp", "10.0.0.0/8"),
                            ],
                        )
                        .await
                        .ok();
                    }
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    let live = api.state().await;
    let rules: usize = live["accounts"][sgmock::DEFAULT_ACCOUNT]["ecs"][REGION]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["rules"].as_array().unwrap().len())
        .sum();
    assert_eq!(rules, 8 * (40 - 13));
    drop(api);
    assert!(path.exists(), "compactions ran");
    assert_eq!(Api::with(config).state().await, live);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_and_writes_go_on_while_a_compaction_is_writing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let faults = Arc::new(DiskFaults::default());
    let config = Config {
        compact_bytes: 1024,
        ..with_faults(&path, &faults)
    };
    let api = Api::with(config);
    let sg = api.group(&[]).await;
    // Catch the next compaction in the middle of writing its snapshot.
    faults.hold_snapshots(true);
    let mut port = 1;
    // The write that takes the journal past 1,024 bytes starts a compaction.
    while std::fs::metadata(journal(&path)).unwrap().len() <= 1024 {
        let p = format!("{port}/{port}");
        api.ecs(
            "AuthorizeSecurityGroup",
            &[
                ("SecurityGroupId", &sg),
                ("IpProtocol", "tcp"),
                ("PortRange", &p),
                ("SourceCidrIp", "10.0.0.0/8"),
            ],
        )
        .await
        .ok();
        port += 1;
        assert!(port < 100, "no compaction started");
    }
    let held = faults.clone();
    let waiting = tokio::task::spawn_blocking(move || held.wait_for_held_snapshot());
    tokio::time::timeout(std::time::Duration::from_secs(20), waiting)
        .await
        .expect("the compaction reached its snapshot write")
        .unwrap();
    // The compaction holds no lock the requests need: they complete while it waits. (A compaction
    // under the state lock would hang them; the timeout turns that into a failure.)
    let during = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        for q in 200..220 {
            let p = format!("{q}/{q}");
            api.ecs(
                "AuthorizeSecurityGroup",
                &[
                    ("SecurityGroupId", &sg),
                    ("IpProtocol", "udp"),
                    ("PortRange", &p),
                    ("SourceCidrIp", "10.0.0.0/8"),
                ],
            )
            .await
            .ok();
        }
        api.rules(&sg, &[]).await.len()
    })
    .await
    .expect("requests were held up by the compaction");
    assert_eq!(during, port - 1 + 20);
    faults.hold_snapshots(false);
    api.app.store.settle();
    let live = api.state().await;
    drop(api);
    assert_eq!(Api::with(persistent(&path)).state().await, live);
}
