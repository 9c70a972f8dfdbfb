//! `--state-file`: every acknowledged write survives a restart; a torn last record is skipped;
//! compaction loses nothing; replay equals the live state; ids never repeat. (The `kill -9` test with
//! a real process is in `tests/crash.rs`.)

use std::io::Write;
use std::path::Path;

use serde_json::{json, Value};
use sgmock::Config;

use crate::support::*;

fn persistent(path: &Path) -> Config {
    Config {
        state_file: Some(path.to_path_buf()),
        seed: Some(7),
        ..Default::default()
    }
}

/// A mixed workload over both products: groups, rules, modifies, revokes, tags, tokens, deletes.
/// `run` keeps the ClientTokens of separate runs apart (a repeated token would return the first
/// run's group — which is idempotency working, across restarts too).
async fn workload(api: &Api, run: &str, rounds: usize) {
    let mut groups: Vec<String> = Vec::new();
    for i in 0..rounds {
        let name = format!("g{run}{i}");
        let token = format!("tok-{run}-{i}");
        let sg = api
            .ecs(
                "CreateSecurityGroup",
                &[
                    ("VpcId", "vpc-1"),
                    ("SecurityGroupName", &name),
                    ("ClientToken", &token),
                ],
            )
            .await
            .get("SecurityGroupId");
        let port = format!("{}/{}", i + 1, i + 1);
        api.ecs(
            "AuthorizeSecurityGroup",
            &[
                ("SecurityGroupId", &sg),
                ("Permissions.1.IpProtocol", "tcp"),
                ("Permissions.1.PortRange", &port),
                ("Permissions.1.SourceCidrIp", "10.0.0.0/8"),
                ("Permissions.2.IpProtocol", "udp"),
                ("Permissions.2.PortRange", &port),
                ("Permissions.2.Ipv6SourceCidrIp", "2001:DB8::/32"),
            ],
        )
        .await
        .ok();
        if let Some(prev) = groups.last() {
            api.ecs(
                "AuthorizeSecurityGroupEgress",
                &[
                    ("SecurityGroupId", &sg),
                    ("IpProtocol", "all"),
                    ("PortRange", "-1/-1"),
                    ("DestGroupId", prev.as_str()),
                ],
            )
            .await
            .ok();
        }
        let rid = ids(&api.rules(&sg, &[("Direction", "ingress")]).await)[0].clone();
        api.ecs(
            "ModifySecurityGroupRule",
            &[
                ("SecurityGroupId", &sg),
                ("SecurityGroupRuleId", &rid),
                ("Description", "changed"),
            ],
        )
        .await
        .ok();
        api.ecs(
            "ModifySecurityGroupPolicy",
            &[("SecurityGroupId", &sg), ("InnerAccessPolicy", "Drop")],
        )
        .await
        .ok();
        api.ecs(
            "TagResources",
            &[
                ("ResourceType", "securitygroup"),
                ("ResourceId.1", &sg),
                ("Tag.1.Key", "n"),
                ("Tag.1.Value", &name),
            ],
        )
        .await
        .ok();
        if i % 3 == 2 {
            let rid = ids(&api.rules(&sg, &[("Direction", "ingress")]).await)[1].clone();
            api.ecs(
                "RevokeSecurityGroup",
                &[("SecurityGroupId", &sg), ("SecurityGroupRuleId.1", &rid)],
            )
            .await
            .ok();
        }
        let ens = api
            .ens("CreateSecurityGroup", &[("Permissions", r#"[{"Direction":"ingress","IpProtocol":"TCP","PortRange":"80/80","Policy":"Accept","Priority":1,"SourceCidrIp":"1.1.1.1"}]"#)])
            .await
            .get("SecurityGroupId");
        api.ens(
            "ModifySecurityGroupAttribute",
            &[("SecurityGroupId", &ens), ("Description", "Edge group")],
        )
        .await
        .ok();
        if i % 2 == 1 {
            api.ens("DeleteSecurityGroup", &[("SecurityGroupId", &ens)])
                .await
                .ok();
        }
        groups.push(sg);
    }
    // Delete the last ECS group (nothing references it) and the first one's holder chain end.
    let last = groups.pop().unwrap();
    api.ecs("DeleteSecurityGroup", &[("SecurityGroupId", &last)])
        .await
        .ok();
    // Instances in groups: declared, joined, left, re-declared, released (issue 14).
    if groups.len() < 2 {
        return;
    }
    let body = json!({"region": REGION, "instances": [
        {"id": format!("i-{run}1"), "vpc_id": "vpc-1",
         "network_interfaces": [{"id": format!("eni-{run}1"), "security_group_ids": [groups[0]]}, {"id": format!("eni-{run}1b")}]},
        {"id": format!("i-{run}2"), "vpc_id": "vpc-1", "network_interfaces": [{"id": format!("eni-{run}2"), "security_group_ids": [groups[0]]}]}]})
    .to_string();
    assert_eq!(
        api.admin("PUT", "/_sgmock/instances", Some(&body))
            .await
            .status,
        200
    );
    let i1 = format!("i-{run}1");
    let eni = format!("eni-{run}1b");
    for (action, params) in [
        (
            "JoinSecurityGroup",
            vec![
                ("SecurityGroupId", groups[1].as_str()),
                ("InstanceId", i1.as_str()),
            ],
        ),
        (
            "LeaveSecurityGroup",
            vec![
                ("SecurityGroupId", groups[0].as_str()),
                ("InstanceId", i1.as_str()),
            ],
        ),
        (
            "JoinSecurityGroup",
            vec![
                ("SecurityGroupId", groups[0].as_str()),
                ("NetworkInterfaceId", eni.as_str()),
            ],
        ),
    ] {
        assert_eq!(api.ecs(action, &params).await.status, 200);
    }
    let flip =
        json!({"region": REGION, "instances": [{"id": i1, "vpc_id": "vpc-1", "status": "Stopped",
        "network_interfaces": [{"id": format!("eni-{run}1")}, {"id": eni}]}]})
        .to_string();
    assert_eq!(
        api.admin("PUT", "/_sgmock/instances", Some(&flip))
            .await
            .status,
        200
    );
    let gone = format!("/_sgmock/instances/i-{run}2");
    assert_eq!(api.admin("DELETE", &gone, None).await.status, 200);
    // Lists and rules that reference them (issue 15): created, modified, referenced, revoked, deleted.
    let pl = api
        .ecs(
            "CreatePrefixList",
            &[
                ("AddressFamily", "IPv4"),
                ("MaxEntries", "3"),
                ("PrefixListName", "office"),
                ("Entry.1.Cidr", "10.0.0.0/8"),
            ],
        )
        .await
        .get("PrefixListId");
    let prl = api
        .ecs(
            "CreatePortRangeList",
            &[
                ("MaxEntries", "2"),
                ("PortRangeListName", "ports"),
                ("Entry.1.PortRange", "80/80"),
            ],
        )
        .await
        .get("PortRangeListId");
    let steps: Vec<(&str, Vec<(&str, &str)>)> = vec![
        (
            "ModifyPrefixList",
            vec![
                ("PrefixListId", &pl),
                ("AddEntry.1.Cidr", "172.16.0.0/12"),
                ("AddEntry.1.Description", "branch"),
            ],
        ),
        (
            "ModifyPortRangeList",
            vec![
                ("PortRangeListId", &prl),
                ("AddEntry.1.PortRange", "443/443"),
            ],
        ),
        (
            "AuthorizeSecurityGroup",
            vec![
                ("SecurityGroupId", &groups[1]),
                ("IpProtocol", "tcp"),
                ("PortRangeListId", &prl),
                ("SourcePrefixListId", &pl),
            ],
        ),
        (
            "AuthorizeSecurityGroup",
            vec![
                ("SecurityGroupId", &groups[0]),
                ("IpProtocol", "tcp"),
                ("PortRange", "9/9"),
                ("SourcePrefixListId", &pl),
            ],
        ),
        (
            "RevokeSecurityGroup",
            vec![
                ("SecurityGroupId", &groups[0]),
                ("IpProtocol", "tcp"),
                ("PortRange", "9/9"),
                ("SourcePrefixListId", &pl),
            ],
        ),
    ];
    for (action, params) in steps {
        let a = api.ecs(action, &params).await;
        assert_eq!(a.status, 200, "{action}: {}", a.text);
    }
    let spare = api
        .ecs(
            "CreatePortRangeList",
            &[("MaxEntries", "1"), ("PortRangeListName", "spare")],
        )
        .await
        .get("PortRangeListId");
    assert_eq!(
        api.ecs("DeletePortRangeList", &[("PortRangeListId", &spare)])
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn every_write_survives_a_restart_and_replay_equals_the_live_state() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let live = {
        let api = Api::with(persistent(&path));
        workload(&api, "a", 12).await;
        api.state().await
    };
    // Nothing was snapshotted: everything comes from the journal.
    assert!(!path.exists());
    let api = Api::with(persistent(&path));
    assert_eq!(api.state().await, live);
    // And the restarted app keeps working on top of the replayed state.
    workload(&api, "b", 3).await;
    let after = api.state().await;
    drop(api);
    assert_eq!(Api::with(persistent(&path)).state().await, after);
}

#[tokio::test]
async fn compaction_into_a_snapshot_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let config = Config {
        compact_bytes: 4096,
        ..persistent(&path)
    };
    let live = {
        let api = Api::with(config.clone());
        workload(&api, "a", 12).await;
        api.state().await
    };
    assert!(path.exists(), "a snapshot was written");
    // The journal keeps only the records the last snapshot does not hold (compaction runs in the
    // background, so how many that is depends on timing; that none of the older ones stay does not).
    let snapshot: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let covered = snapshot["journal_seq"].as_u64().unwrap();
    assert!(covered > 0);
    let journal = std::fs::read_to_string(dir.path().join("state.json.journal")).unwrap();
    for line in journal.lines() {
        // `JSON CRC32`: the record's JSON is all but the last 9 characters.
        let record: Value = serde_json::from_str(&line[..line.len() - 9]).unwrap();
        assert!(
            record["seq"].as_u64().unwrap() > covered,
            "record {} is in the snapshot (up to {covered}) and still in the journal",
            record["seq"]
        );
    }
    assert_eq!(Api::with(config).state().await, live);
}

#[tokio::test]
async fn a_torn_last_record_is_skipped_and_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let (sg, live) = {
        let api = Api::with(persistent(&path));
        let sg = api.group(&[]).await;
        (sg, api.state().await)
    };
    // A crash in the middle of writing the next record.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.path().join("state.json.journal"))
        .unwrap();
    f.write_all(br#"{"seq":99,"events":[{"type":"group_rem"#)
        .unwrap();
    drop(f);
    let api = Api::with(persistent(&path));
    assert_eq!(api.state().await, live);
    // New records start on a line of their own; the next restart reads them all.
    api.ecs(
        "AuthorizeSecurityGroup",
        &[
            ("SecurityGroupId", &sg),
            ("IpProtocol", "tcp"),
            ("PortRange", "1/1"),
            ("SourceCidrIp", "1.1.1.1"),
        ],
    )
    .await
    .ok();
    let after = api.state().await;
    drop(api);
    assert_eq!(Api::with(persistent(&path)).state().await, after);
}

#[tokio::test]
async fn ids_never_repeat_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let mut seen = Vec::new();
    for _ in 0..3 {
        let api = Api::with(persistent(&path));
        for _ in 0..3 {
            let sg = api.group(&[]).await;
            api.ecs("DeleteSecurityGroup", &[("SecurityGroupId", &sg)])
                .await
                .ok();
            seen.push(sg);
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 9, "{seen:?}");
    // Without persistence the same seed gives the same first id: the counter is what differs.
    let a = Api::with(Config {
        seed: Some(7),
        ..Default::default()
    })
    .group(&[])
    .await;
    assert_eq!(a, seen[0]);
}

#[tokio::test]
async fn reset_and_state_import_are_durable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let exported: Value = {
        let api = Api::with(persistent(&path));
        workload(&api, "a", 2).await;
        let doc = api.state().await;
        api.admin("POST", "/_sgmock/reset", None).await.ok();
        doc
    };
    let api = Api::with(persistent(&path));
    assert_eq!(api.state().await["accounts"], json!({}));
    api.admin("PUT", "/_sgmock/state", Some(&exported.to_string()))
        .await
        .ok();
    drop(api);
    let api = Api::with(persistent(&path));
    let mut back = api.state().await;
    // The id counter never goes back: importing an older document keeps the newer count.
    assert!(back["ids_issued"].as_u64() >= exported["ids_issued"].as_u64());
    back["ids_issued"] = exported["ids_issued"].clone();
    assert_eq!(back, exported);
}

#[tokio::test]
async fn fixtures_seed_an_empty_persistent_state_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let config = Config {
        fixtures: Some(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/example.json").into()),
        ..persistent(&path)
    };
    {
        let api = Api::with(config.clone());
        // Deleting a fixture group must stick: a restart does not bring it back. Its instance
        // (a fixture instance too) is released first: a group with members cannot be deleted.
        api.admin("DELETE", "/_sgmock/instances/i-exampleweb00000000001", None)
            .await
            .ok();
        api.ecs(
            "DeleteSecurityGroup",
            &[("SecurityGroupId", "sg-exampleweb0000000001")],
        )
        .await
        .ok();
    }
    let api = Api::with(config);
    let d = api.ecs("DescribeSecurityGroups", &[]).await.ok();
    let ids: Vec<Value> = d["SecurityGroups"]["SecurityGroup"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["SecurityGroupId"].clone())
        .collect();
    assert_eq!(ids, vec![json!("sg-examplebastion00001")]);
    let instances = api.admin("GET", "/_sgmock/instances", None).await.ok();
    let ids: Vec<&Value> = instances
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["id"])
        .collect();
    assert_eq!(ids, [&json!("i-examplebastion000001")]);
}

#[tokio::test]
async fn an_unreadable_state_file_stops_the_start_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    std::fs::write(&path, "{ not json").unwrap();
    let err = sgmock::App::new(persistent(&path))
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.starts_with(&format!("cannot read snapshot {}: ", path.display())),
        "{err}"
    );
}
