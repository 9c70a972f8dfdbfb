//! `sgmock::testing::TestServer` from a `#[tokio::test]`: a real server on a free loopback port,
//! reset, seeded and inspected through its handle.

use serde_json::{json, Value};
use sgmock::testing::TestServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One GET over a fresh connection: (status, JSON body).
async fn get(endpoint: &str, query: &str) -> (u16, Value) {
    let mut s = tokio::net::TcpStream::connect(endpoint).await.unwrap();
    let req = format!("GET /?{query} HTTP/1.1\r\nHost: {endpoint}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).await.unwrap();
    let status = text[9..12].parse().unwrap();
    let body = text.split_once("\r\n\r\n").unwrap().1;
    (status, serde_json::from_str(body).unwrap())
}

const ECS: &str = "Version=2014-05-26&RegionId=cn-hangzhou";

#[tokio::test]
async fn a_test_server_serves_resets_seeds_and_records() {
    let server = TestServer::start().await;
    assert!(server.endpoint().starts_with("127.0.0.1:"));
    assert_eq!(server.url(), format!("http://{}", server.endpoint()));

    let (status, body) = get(
        &server.endpoint(),
        &format!("Action=CreateSecurityGroup&{ECS}&VpcId=vpc-1&SecurityGroupName=web"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(server.groups(), 1);
    let log = server.requests(10);
    assert_eq!(
        (log.len(), log[0].action.as_str(), log[0].status),
        (1, "CreateSecurityGroup", 200)
    );

    // The state exports, and a document seeds it.
    let state = server.state();
    assert_eq!(state["format"], "sgmock-state");
    server.reset();
    assert_eq!((server.groups(), server.requests(10).len()), (0, 0));
    server.load_state(&state).unwrap();
    let sg = body["SecurityGroupId"].as_str().unwrap();
    let (status, attr) = get(
        &server.endpoint(),
        &format!("Action=DescribeSecurityGroupAttribute&{ECS}&SecurityGroupId={sg}"),
    )
    .await;
    assert_eq!((status, &attr["SecurityGroupName"]), (200, &json!("web")));
    assert!(server
        .load_state(&json!({"format": "other", "version": 1}))
        .is_err());

    // Faults as through the admin API.
    server
        .set_faults(json!({"action": "DescribeRegions", "error": {"code": "Throttling.User"}}))
        .unwrap();
    let (status, body) = get(&server.endpoint(), &format!("Action=DescribeRegions&{ECS}")).await;
    assert_eq!((status, &body["Code"]), (400, &json!("Throttling.User")));
}

#[tokio::test]
async fn each_test_server_is_its_own() {
    let (a, b) = (TestServer::start().await, TestServer::start().await);
    assert_ne!(a.endpoint(), b.endpoint());
    get(
        &a.endpoint(),
        &format!("Action=CreateSecurityGroup&{ECS}&VpcId=vpc-1"),
    )
    .await;
    assert_eq!((a.groups(), b.groups()), (1, 0));
    let config = sgmock::Config {
        rule_limit: 1,
        ..Default::default()
    };
    let limited = TestServer::with_config(config).await;
    assert_eq!(limited.app().config.rule_limit, 1);
}
