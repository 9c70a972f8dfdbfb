//! Concurrent clients: no lost writes, racing identical authorizes create one rule.

use std::sync::Arc;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_concurrent_clients_writing_to_the_same_groups_lose_nothing() {
    let api = Arc::new(Api::with(sgmock::Config {
        rule_limit: 1000,
        ..Default::default()
    }));
    let groups = Arc::new(vec![api.group(&[]).await, api.group(&[]).await]);
    let mut tasks = Vec::new();
    for client in 0..32u32 {
        let (api, groups) = (api.clone(), groups.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0..10u32 {
                let sg = &groups[(i % 2) as usize];
                let port = (client * 10 + i + 1).to_string();
                let pr = format!("{port}/{port}");
                let a = api
                    .ecs(
                        "AuthorizeSecurityGroup",
                        &[
                            ("SecurityGroupId", sg),
                            ("IpProtocol", "tcp"),
                            ("PortRange", &pr),
                            ("SourceCidrIp", "10.0.0.0/8"),
                        ],
                    )
                    .await;
                assert_eq!(a.status, 200, "{}", a.text);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let total = api.rules(&groups[0], &[]).await.len() + api.rules(&groups[1], &[]).await.len();
    assert_eq!(total, 320);
    let mut ports: Vec<i64> = Vec::new();
    for g in groups.iter() {
        for r in api.rules(g, &[]).await {
            ports.push(
                r["PortRange"]
                    .as_str()
                    .unwrap()
                    .split('/')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap(),
            );
        }
    }
    ports.sort();
    assert_eq!(ports, (1..=320).collect::<Vec<i64>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn identical_authorizes_racing_create_one_rule() {
    let api = Arc::new(Api::new());
    let sg = api.group(&[]).await;
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let (api, sg) = (api.clone(), sg.clone());
        tasks.push(tokio::spawn(async move {
            api.ecs(
                "AuthorizeSecurityGroup",
                &[
                    ("SecurityGroupId", &sg),
                    ("IpProtocol", "tcp"),
                    ("PortRange", "22/22"),
                    ("SourceCidrIp", "0.0.0.0/0"),
                ],
            )
            .await
            .status
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    assert_eq!(api.rules(&sg, &[]).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_creates_with_one_client_token_create_one_group() {
    let api = Arc::new(Api::new());
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let api = api.clone();
        tasks.push(tokio::spawn(async move {
            api.ecs(
                "CreateSecurityGroup",
                &[("ClientToken", "same-token"), ("VpcId", "vpc-1")],
            )
            .await
            .get("SecurityGroupId")
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1);
    assert_eq!(
        api.ecs("DescribeSecurityGroups", &[]).await.ok()["TotalCount"],
        1
    );
}
