//! The wire: transports, encodings, envelopes and gateway errors. A few tests use a real socket.

use axum::body::Body;
use axum::http::Request;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::*;

fn is_request_id(s: &str) -> bool {
    s.len() == 36
        && s.chars()
            .all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c) || c == '-')
        && s.split('-').map(str::len).collect::<Vec<_>>() == vec![8, 4, 4, 4, 12]
}

#[tokio::test]
async fn every_answer_carries_an_upper_case_uuid_request_id_and_json_content_type() {
    let api = Api::new();
    for a in [
        api.ecs("DescribeSecurityGroups", &[]).await,
        api.ecs(
            "DescribeSecurityGroupAttribute",
            &[("SecurityGroupId", "sg-x")],
        )
        .await,
        api.get(&[("Action", "Nope"), ("Version", ECS)]).await,
    ] {
        let raw: serde_json::Value = serde_json::from_str(&a.text).unwrap();
        assert!(
            is_request_id(raw["RequestId"].as_str().unwrap()),
            "{}",
            a.text
        );
        assert_eq!(a.content_type, "application/json;charset=utf-8");
    }
}

#[tokio::test]
async fn success_bodies_never_carry_a_code() {
    // pop-core treats any body with a Code as an error (docs/reference/clients.md §5).
    let api = Api::new();
    let sg = api.group(&[]).await;
    for a in [
        api.ecs("DescribeSecurityGroups", &[]).await,
        api.ecs(
            "DescribeSecurityGroupAttribute",
            &[("SecurityGroupId", &sg)],
        )
        .await,
        api.ecs(
            "ModifySecurityGroupPolicy",
            &[("SecurityGroupId", &sg), ("InnerAccessPolicy", "Drop")],
        )
        .await,
    ] {
        assert_eq!(a.status, 200);
        assert!(a.body.get("Code").is_none(), "{}", a.text);
    }
}

#[tokio::test]
async fn parameters_come_from_the_query_and_a_form_body_together() {
    // tea-rpc: signature parameters in the query, business parameters in the body (docs/reference/terraform.md §0.1).
    let api = Api::new();
    let req = Request::post(
        "/?Action=CreateSecurityGroup&Format=json&Version=2014-05-26&SignatureNonce=abc",
    )
    .header("content-type", "application/x-www-form-urlencoded")
    .body(Body::from(
        "RegionId=cn-hangzhou&SecurityGroupName=from-body&Description=a+b%2Fc",
    ))
    .unwrap();
    let a = api.send(req).await;
    let id = a.get("SecurityGroupId");
    assert_eq!(a.ok(), json!({"RequestId": "<id>", "SecurityGroupId": id}));
    let d = api
        .ecs(
            "DescribeSecurityGroupAttribute",
            &[("SecurityGroupId", &id)],
        )
        .await
        .ok();
    assert_eq!(
        (d["SecurityGroupName"].clone(), d["Description"].clone()),
        (json!("from-body"), json!("a b/c"))
    );
}

#[tokio::test]
async fn action_and_version_may_come_from_the_x_acs_headers_only() {
    // ACS3 clients send Action and Version only as headers (docs/reference/clients.md §1).
    let api = Api::new();
    let req = Request::post("/?RegionId=cn-hangzhou&SecurityGroupName=hdr")
        .header("x-acs-action", "CreateSecurityGroup")
        .header("x-acs-version", "2014-05-26")
        .header("content-type", "application/octet-stream")
        .body(Body::empty())
        .unwrap();
    let a = api.send(req).await;
    assert!(a.get("SecurityGroupId").starts_with("sg-"), "{}", a.text);
}

#[tokio::test]
async fn format_xml_answers_in_xml_rooted_at_the_action_response() {
    let api = Api::new();
    let a = api
        .get(&[
            ("Action", "CreateSecurityGroup"),
            ("Version", ECS),
            ("RegionId", REGION),
            ("Format", "xMl"),
        ])
        .await;
    assert_eq!(
        (a.status, a.content_type.as_str()),
        (200, "text/xml;charset=utf-8")
    );
    let rid = a
        .text
        .split("<RequestId>")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_string();
    let sg = a
        .text
        .split("<SecurityGroupId>")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_string();
    assert_eq!(
        a.text,
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><CreateSecurityGroupResponse><RequestId>{rid}</RequestId>\
             <SecurityGroupId>{sg}</SecurityGroupId></CreateSecurityGroupResponse>"
        )
    );
    let e = api
        .get(&[
            ("Action", "DeleteSecurityGroup"),
            ("Version", ECS),
            ("RegionId", REGION),
            ("Format", "XML"),
            ("SecurityGroupId", "sg-x"),
        ])
        .await;
    let rid = e
        .text
        .split("<RequestId>")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_string();
    assert_eq!(e.status, 404);
    assert_eq!(
        e.text,
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><RequestId>{rid}</RequestId><HostId>ecs.aliyuncs.com</HostId>\
             <Code>InvalidSecurityGroup.NotFound</Code><Message>The specified security group is not found: sg-x.</Message>\
             <Recommend>https://api.aliyun.com/troubleshoot?q=InvalidSecurityGroup.NotFound&amp;product=Ecs&amp;requestId={rid}</Recommend></Error>"
        )
    );
}

#[tokio::test]
async fn gateway_errors_for_action_version_method_and_path() {
    let api = Api::new();
    assert_error(
        &api.get(&[("Action", "RunInstances"), ("Version", ECS)])
            .await,
        404,
        "InvalidAction.NotFound",
        "Specified api is not found, please check your url and method: RunInstances.",
    );
    assert_error(
        &api.get(&[("Version", ECS)]).await,
        400,
        "MissingParameter",
        "The input parameter \"Action\" that is mandatory for processing this request is not supplied.",
    );
    assert_error(
        &api.get(&[("Action", "DescribeRegions")]).await,
        400,
        "MissingParameter",
        "The input parameter \"Version\" that is mandatory for processing this request is not supplied.",
    );
    assert_error(
        &api.get(&[("Action", "DescribeRegions"), ("Version", "2099-01-01")])
            .await,
        400,
        "InvalidVersion",
        "Specified parameter Version is not valid: 2099-01-01.",
    );
    let put = api
        .send(
            Request::put("/?Action=DescribeRegions&Version=2014-05-26")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_error(
        &put,
        403,
        "UnsupportedHTTPMethod",
        "This http method is not supported.",
    );
    let path = api
        .send(Request::get("/v1/regions").body(Body::empty()).unwrap())
        .await;
    assert_error(
        &path,
        404,
        "InvalidAction.NotFound",
        "Specified api is not found, please check your url and method: /v1/regions.",
    );
}

#[tokio::test]
async fn parameters_the_sdks_send_but_we_do_not_use_are_ignored() {
    // OwnerId etc. exist on almost every ECS action and can be accepted and ignored (docs/reference/ecs.md §1.0).
    let api = Api::new();
    let a = api
        .ecs(
            "CreateSecurityGroup",
            &[
                ("OwnerId", "123"),
                ("OwnerAccount", "x"),
                ("ResourceOwnerAccount", "y"),
                ("ResourceOwnerId", "456"),
                ("SignatureType", ""),
                ("ServiceManaged", "False"),
                ("SomethingNew", "z"),
            ],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
}

#[tokio::test]
async fn a_parameter_repeated_with_different_values_is_refused() {
    let api = Api::new();
    let a = api
        .get(&[
            ("Action", "DescribeRegions"),
            ("Version", ECS),
            ("AcceptLanguage", "en-US"),
            ("AcceptLanguage", "ja"),
        ])
        .await;
    assert_error(
        &a,
        400,
        "InvalidParameter",
        "The parameter AcceptLanguage is specified more than once with different values.",
    );
    let same = api
        .get(&[
            ("Action", "DescribeRegions"),
            ("Version", ECS),
            ("AcceptLanguage", "en-US"),
            ("AcceptLanguage", "en-US"),
        ])
        .await;
    let once = api
        .get(&[
            ("Action", "DescribeRegions"),
            ("Version", ECS),
            ("AcceptLanguage", "en-US"),
        ])
        .await;
    // Repeated with the same value, it is the parameter given once.
    assert_eq!((same.status, same.body), (200, once.ok()));
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413() {
    let api = Api::new();
    let big = format!(
        "Description={}",
        "a".repeat(sgmock::rpc::MAX_BODY_BYTES + 1)
    );
    let req = Request::post("/?Action=CreateSecurityGroup&Version=2014-05-26&RegionId=cn-hangzhou")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(big))
        .unwrap();
    let a = api.send(req).await;
    assert_error(
        &a,
        413,
        "RequestEntityTooLarge",
        &format!(
            "The request body exceeds the limit of {} bytes.",
            sgmock::rpc::MAX_BODY_BYTES
        ),
    );
}

/// One HTTP/1.1 exchange on an open connection; returns (status, body).
async fn exchange(stream: &mut tokio::net::TcpStream, request: &str) -> (u16, String) {
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed early");
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let head = &text[..end];
            let len: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap();
            if buf.len() >= end + 4 + len {
                let status = head.split(' ').nth(1).unwrap().parse().unwrap();
                return (
                    status,
                    String::from_utf8_lossy(&buf[end + 4..end + 4 + len]).to_string(),
                );
            }
        }
    }
}

#[tokio::test]
async fn a_real_socket_serves_form_posts_and_keeps_the_connection_alive() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            sgmock::app(sgmock::Config::default()).expect("app"),
        )
        .await
    });
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let body =
        "Action=CreateSecurityGroup&Version=2014-05-26&RegionId=cn-hangzhou&SecurityGroupName=sock";
    let (status, text) = exchange(
        &mut stream,
        &format!(
            "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let id = serde_json::from_str::<serde_json::Value>(&text).unwrap()["SecurityGroupId"]
        .as_str()
        .unwrap()
        .to_string();
    // Second request on the same connection.
    let (status, text) = exchange(
        &mut stream,
        &format!("GET /?Action=DescribeSecurityGroups&Version=2014-05-26&RegionId=cn-hangzhou&SecurityGroupId={id} HTTP/1.1\r\nHost: {addr}\r\n\r\n"),
    )
    .await;
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (
            status,
            v["SecurityGroups"]["SecurityGroup"][0]["SecurityGroupName"].clone()
        ),
        (200, json!("sock"))
    );
    server.abort();
}

/// Rule lists are written by a writer of our own (issue 18), not by serde: the text itself — key
/// order, Priority a string in ECS and a number in ENS, escaping — is what clients parse, so it is
/// compared byte for byte.
#[tokio::test]
async fn describe_writes_each_rule_in_the_documented_order_and_escapes_like_json() {
    let api = Api::new();
    let sg = api.group(&[]).await;
    api.ecs(
        "AuthorizeSecurityGroup",
        &[
            ("SecurityGroupId", &sg),
            ("IpProtocol", "tcp"),
            ("PortRange", "22/22"),
            ("SourceCidrIp", "10.0.0.0/8"),
            ("Priority", "7"),
            ("Description", "say \"hi\" \\ 中文"),
        ],
    )
    .await
    .ok();
    let a = api
        .ecs(
            "DescribeSecurityGroupAttribute",
            &[("SecurityGroupId", &sg)],
        )
        .await;
    let rule_id = a.body["Permissions"]["Permission"][0]["SecurityGroupRuleId"]
        .as_str()
        .unwrap()
        .to_string();
    let expected = format!(
        r#""Permissions":{{"Permission":[{{"SecurityGroupRuleId":"{rule_id}","Direction":"ingress","IpProtocol":"TCP","PortRange":"22/22","SourcePortRange":"","Policy":"Accept","Priority":"7","NicType":"intranet","SourceCidrIp":"10.0.0.0/8","Ipv6SourceCidrIp":"","SourceGroupId":"","SourceGroupName":"","SourceGroupOwnerAccount":"","SourcePrefixListId":"","SourcePrefixListName":"","DestCidrIp":"","Ipv6DestCidrIp":"","DestGroupId":"","DestGroupName":"","DestGroupOwnerAccount":"","DestPrefixListId":"","DestPrefixListName":"","PortRangeListId":"","PortRangeListName":"","Description":"say \"hi\" \\ 中文","CreateTime":"{NOW_TEXT}"}}]}}"#
    );
    assert!(a.text.contains(&expected), "{}", a.text);

    let esg = api.ens_group(&[]).await;
    api.ens(
        "AuthorizeSecurityGroup",
        &[
            ("SecurityGroupId", &esg),
            ("IpProtocol", "tcp"),
            ("PortRange", "22/22"),
            ("SourceCidrIp", "10.0.0.0/8"),
            ("Priority", "7"),
        ],
    )
    .await;
    let a = api
        .ens(
            "DescribeSecurityGroupAttribute",
            &[("SecurityGroupId", &esg)],
        )
        .await;
    let expected = format!(
        r#""Permissions":{{"Permission":[{{"Direction":"ingress","IpProtocol":"TCP","PortRange":"22/22","SourcePortRange":"","Policy":"Accept","Priority":7,"SourceCidrIp":"10.0.0.0/8","DestCidrIp":"","Ipv6SourceCidrIp":"","Ipv6DestCidrIp":"","Description":"","CreationTime":"{NOW_TEXT}"}}]}}"#
    );
    assert!(a.text.contains(&expected), "{}", a.text);
}

/// A rule list goes out as its own chunk of the body (issue 18: never copied into one buffer with
/// the rest), through the real connection layer: the answer still has one `content-length` that
/// matches, parses whole, and the connection serves the next request.
#[tokio::test]
async fn a_large_describe_is_one_body_with_its_length_on_a_kept_alive_connection() {
    let server = sgmock::testing::TestServer::start().await;
    let addr = server.endpoint();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let post = |body: String| {
        format!(
            "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    let (status, text) = exchange(
        &mut stream,
        &post("Action=CreateSecurityGroup&Version=2014-05-26&Format=JSON&RegionId=cn-hangzhou&VpcId=vpc-1".into()),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let sg = serde_json::from_str::<serde_json::Value>(&text).unwrap()["SecurityGroupId"]
        .as_str()
        .unwrap()
        .to_string();
    let mut body = format!(
        "Action=AuthorizeSecurityGroup&Version=2014-05-26&Format=JSON&RegionId=cn-hangzhou&SecurityGroupId={sg}"
    );
    for i in 1..=100 {
        body.push_str(&format!("&Permissions.{i}.IpProtocol=tcp&Permissions.{i}.PortRange={i}%2F{i}&Permissions.{i}.SourceCidrIp=10.0.0.0%2F8&Permissions.{i}.Description=r{i}"));
    }
    assert_eq!(exchange(&mut stream, &post(body)).await.0, 200);
    for _ in 0..2 {
        let (status, text) = exchange(
            &mut stream,
            &post(format!("Action=DescribeSecurityGroupAttribute&Version=2014-05-26&Format=JSON&RegionId=cn-hangzhou&SecurityGroupId={sg}")),
        )
        .await;
        assert_eq!(status, 200);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let rules = v["Permissions"]["Permission"].as_array().unwrap();
        assert_eq!(rules.len(), 100);
        assert_eq!(v["SecurityGroupId"], sg.as_str());
        assert_eq!(rules[99]["Description"], "r100");
    }
}
