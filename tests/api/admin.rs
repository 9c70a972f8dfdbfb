//! The admin API: health, info, reset, state export/import, fixtures, faults and the request log.

use serde_json::{json, Value};
use sgmock::Config;
use tower::ServiceExt;

use crate::support::*;

#[tokio::test]
async fn health_answers_get_and_head() {
    let api = Api::new();
    let a = api.admin("GET", "/_sgmock/health", None).await;
    assert_eq!((a.status, a.body), (200, json!({"status": "ok"})));
    let h = api.admin("HEAD", "/_sgmock/health", None).await;
    assert_eq!((h.status, h.text.as_str()), (200, ""));
}

#[tokio::test]
async fn info_shows_config_and_counts_but_never_a_secret() {
    let api = Api::with(Config {
        access_keys: vec!["kid:super-secret-value:acct".parse().unwrap()],
        rule_limit: 300,
        ..Default::default()
    });
    api.group(&[]).await;
    let a = api.admin("GET", "/_sgmock/info", None).await;
    assert!(!a.text.contains("super-secret-value"), "{}", a.text);
    let b = a.ok();
    assert_eq!(
        (
            &b["config"]["access_keys"],
            &b["config"]["rule_limit"],
            &b["config"]["auth"],
            &b["counts"]
        ),
        (
            &json!([{"id": "kid", "account": "acct"}]),
            &json!(300),
            &json!("off"),
            &json!({"accounts": 1, "groups": 1, "rules": 0, "faults": 0})
        )
    );
    assert_eq!(b["version"], env!("CARGO_PKG_VERSION"));
    // Each product by its key, with the API version it answers.
    assert_eq!(
        b["products"],
        json!({"ecs": "2014-05-26", "ens": "2017-11-10"})
    );
}

#[tokio::test]
async fn reset_empties_everything_or_one_account() {
    let api = Api::with(Config {
        access_keys: vec!["a:sa".parse().unwrap(), "b:sb".parse().unwrap()],
        ..Default::default()
    });
    for who in ["a", "b"] {
        api.ecs("CreateSecurityGroup", &[("AccessKeyId", who)])
            .await
            .ok();
        api.ens("CreateSecurityGroup", &[("AccessKeyId", who)])
            .await
            .ok();
    }
    let count = |who: &'static str| {
        let api = &api;
        async move {
            let e = api
                .ecs("DescribeSecurityGroups", &[("AccessKeyId", who)])
                .await
                .ok()["TotalCount"]
                .clone();
            let n = api
                .ens("DescribeSecurityGroups", &[("AccessKeyId", who)])
                .await
                .ok()["TotalCount"]
                .clone();
            (e, n)
        }
    };
    assert_eq!(
        api.admin("POST", "/_sgmock/reset?account=a", None)
            .await
            .ok(),
        json!({"reset": "a"})
    );
    assert_eq!(
        (count("a").await, count("b").await),
        ((json!(0), json!(0)), (json!(1), json!(1)))
    );
    assert_eq!(
        api.admin("POST", "/_sgmock/reset", None).await.ok(),
        json!({"reset": "all"})
    );
    assert_eq!(count("b").await, (json!(0), json!(0)));
}

#[tokio::test]
async fn state_exports_and_imports_back_identically() {
    let api = Api::new();
    let a = api
        .group(&[
            ("SecurityGroupName", "alpha"),
            ("Tag.1.Key", "k"),
            ("Tag.1.Value", "v"),
        ])
        .await;
    let b = api.group(&[]).await;
    api.ecs(
        "AuthorizeSecurityGroup",
        &[
            ("SecurityGroupId", &a),
            ("Permissions.1.IpProtocol", "tcp"),
            ("Permissions.1.PortRange", "22/22"),
            ("Permissions.1.SourceGroupId", &b),
            ("Permissions.2.IpProtocol", "icmpv6"),
            ("Permissions.2.PortRange", "-1/-1"),
            ("Permissions.2.Ipv6SourceCidrIp", "2001:DB8::1/64"),
            ("Permissions.2.Policy", "drop"),
            ("Permissions.2.Priority", "9"),
            ("Permissions.2.Description", "v6"),
        ],
    )
    .await
    .ok();
    api.ens("CreateSecurityGroup", &[("Permissions", r#"[{"Direction":"egress","IpProtocol":"UDP","PortRange":"53/53","Policy":"Accept","Priority":2,"DestCidrIp":"8.8.8.8"}]"#)])
        .await
        .ok();
    api.ecs("CreateSecurityGroup", &[("ClientToken", "tok-1")])
        .await
        .ok();
    let exported = api.state().await;
    let rules_before = api.rules(&a, &[]).await;
    // The document carries accounts, regions, groups, rules with ids and times, tokens, id counters.
    assert_eq!(
        (exported["format"].clone(), exported["version"].clone()),
        (json!("sgmock-state"), json!(1))
    );
    let acct = &exported["accounts"][sgmock::DEFAULT_ACCOUNT];
    assert_eq!(acct["ecs"][REGION].as_array().unwrap().len(), 3);
    assert_eq!(acct["ens"].as_array().unwrap().len(), 1);
    assert_eq!(acct["client_tokens"].as_array().unwrap().len(), 1);
    assert!(exported["ids_issued"].as_u64().unwrap() >= 6);
    api.admin("POST", "/_sgmock/reset", None).await.ok();
    assert_eq!(api.state().await["accounts"], json!({}));
    let put = api
        .admin("PUT", "/_sgmock/state", Some(&exported.to_string()))
        .await;
    assert_eq!(put.ok(), json!({"groups": 4, "rules": 3}));
    assert_eq!(api.state().await, exported);
    assert_eq!(api.rules(&a, &[]).await, rules_before);
    // The reference index came back with the rules: b is still referenced.
    assert_error(
        &api.ecs("DeleteSecurityGroup", &[("SecurityGroupId", &b)])
            .await,
        403,
        "DependencyViolation",
        "The specified security group has been authorized in another one.",
    );
    // The client token came back too.
    let again = api
        .ecs("CreateSecurityGroup", &[("ClientToken", "tok-1")])
        .await
        .ok();
    assert!(acct["ecs"][REGION]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["id"] == again["SecurityGroupId"]));
}

#[tokio::test]
async fn a_bad_state_document_is_a_400_that_changes_nothing() {
    let api = Api::new();
    api.group(&[]).await;
    let before = api.state().await;
    let bad_rule = json!({"format": "sgmock-state", "version": 1, "accounts": {"x": {"ecs": {"cn-hangzhou": [
        {"id": "sg-1", "rules": [{"id": "sgr-1", "direction": "ingress", "protocol": "TCP", "port_range": "-1/-1", "source": {"cidr": "1.1.1.1"}}]}
    ]}}}});
    let dangling = json!({"format": "sgmock-state", "version": 1, "accounts": {"x": {"ecs": {"cn-hangzhou": [
        {"id": "sg-1", "rules": [{"id": "sgr-1", "direction": "ingress", "protocol": "TCP", "port_range": "1/1", "source": {"group": "sg-nowhere"}}]}
    ]}}}});
    let cases: Vec<(String, &str)> = vec![
        ("not json".into(), "not a state document: expected ident at line 1 column 2"),
        (json!({"format": "sgmock-state", "version": 2}).to_string(), "version 2 is not supported (this sgmock reads version 1)"),
        (json!({"format": "other", "version": 1}).to_string(), "format must be \"sgmock-state\", not \"other\""),
        (bad_rule.to_string(), "accounts.x.ecs.cn-hangzhou[0].rules[0]: port_range \"-1/-1\" does not fit protocol TCP"),
        (dangling.to_string(), "rule sgr-1 of group sg-1 names group sg-nowhere, which is not in its account and region"),
    ];
    for (doc, message) in cases {
        let a = api.admin("PUT", "/_sgmock/state", Some(&doc)).await;
        assert_eq!(
            (a.status, a.body),
            (400, json!({"code": "InvalidState", "message": message})),
            "{doc}"
        );
    }
    let unknown_field = api
        .admin(
            "PUT",
            "/_sgmock/state",
            Some(r#"{"format":"sgmock-state","version":1,"extra":1}"#),
        )
        .await;
    assert_eq!(
        (unknown_field.status, unknown_field.body["code"].clone()),
        (400, json!("InvalidState"))
    );
    assert_eq!(api.state().await, before);
}

#[tokio::test]
async fn fixtures_seed_the_state_at_start_from_a_file_or_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let one = json!({"format": "sgmock-state", "version": 1, "accounts": {sgmock::DEFAULT_ACCOUNT: {"ecs": {"cn-hangzhou": [
        {"id": "sg-fixtureweb", "name": "web", "vpc_id": "vpc-1", "created": "2026-01-01T00:00:00Z",
         "rules": [{"direction": "ingress", "protocol": "tcp", "port_range": "443/443", "source": {"cidr": "0.0.0.0/0"}, "description": "https"}]}
    ]}}}});
    let two = json!({"format": "sgmock-state", "version": 1, "accounts": {sgmock::DEFAULT_ACCOUNT: {"ens": [{"id": "sg-fixtureedge", "name": "edge"}]}}});
    std::fs::write(dir.path().join("1-ecs.json"), one.to_string()).unwrap();
    std::fs::write(dir.path().join("2-ens.json"), two.to_string()).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a fixture").unwrap();
    let api = Api::with(Config {
        fixtures: Some(dir.path().to_path_buf()),
        ..Default::default()
    });
    assert_eq!(
        api.rules("sg-fixtureweb", &[]).await,
        vec![permission(
            json!({"SecurityGroupRuleId": "sgr-sgfixturewebr0", "PortRange": "443/443", "SourceCidrIp": "0.0.0.0/0", "Description": "https", "CreateTime": NOW_TEXT})
        )]
    );
    assert_eq!(
        api.ens(
            "DescribeSecurityGroupAttribute",
            &[("SecurityGroupId", "sg-fixtureedge")]
        )
        .await
        .ok()["SecurityGroupName"],
        "edge"
    );
    let one_file = Api::with(Config {
        fixtures: Some(dir.path().join("1-ecs.json")),
        ..Default::default()
    });
    assert_eq!(
        one_file.ecs("DescribeSecurityGroups", &[]).await.ok()["TotalCount"],
        1
    );
    // A bad fixture stops the start with a message naming it.
    std::fs::write(dir.path().join("3-bad.json"), r#"{"format":"sgmock-state","version":1,"accounts":{"a":{"ens":[{"id":"sg-fixtureedge"}]}}}"#).unwrap();
    let refusal = || {
        sgmock::App::new(Config {
            fixtures: Some(dir.path().to_path_buf()),
            ..Default::default()
        })
        .err()
        .unwrap()
        .to_string()
    };
    assert_eq!(
        refusal(),
        format!(
            "fixtures {}: group sg-fixtureedge appears twice",
            dir.path().display()
        )
    );
    // A file of the folder that is not a state document is named itself, with where it is wrong.
    let bad = dir.path().join("3-bad.json");
    std::fs::write(&bad, r#"{"format":"sgmock-state","version":1,"accounts":{"a":{"ens":[{"id":"sg-x","rules":[{"direction":"up"}]}]}}}"#).unwrap();
    assert_eq!(
        refusal(),
        format!(
            "fixtures {}: not a state document: missing field `protocol` at line 1 column 101",
            bad.display()
        )
    );
}

#[tokio::test]
async fn the_shipped_example_fixture_loads() {
    let api = Api::with(Config {
        fixtures: Some(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures").into()),
        ..Default::default()
    });
    let d = api.ecs("DescribeSecurityGroups", &[]).await.ok();
    assert!(d["TotalCount"].as_u64().unwrap() >= 2, "{d}");
    assert!(
        api.ens("DescribeSecurityGroups", &[]).await.ok()["TotalCount"]
            .as_u64()
            .unwrap()
            >= 1
    );
}

#[tokio::test]
async fn a_fault_answers_the_chosen_error_on_the_nth_call_and_changes_nothing() {
    let api = Api::new();
    let sg = api.group(&[]).await;
    let fault = json!({"product": "ecs", "action": "AuthorizeSecurityGroup", "nth": 2, "error": {"code": "Throttling.User"}});
    let set = api
        .admin("PUT", "/_sgmock/faults", Some(&fault.to_string()))
        .await
        .ok();
    assert_eq!(set, json!([{"fault": fault, "matched": 0, "fired": 0}]));
    let rule = |port: &'static str| {
        [
            ("SecurityGroupId", sg.clone()),
            ("IpProtocol", "tcp".into()),
            ("PortRange", port.to_string()),
            ("SourceCidrIp", "1.1.1.1".into()),
        ]
    };
    let call = |port: &'static str| {
        let api = &api;
        let r = rule(port);
        async move {
            let p: Vec<(&str, &str)> = r.iter().map(|(k, v)| (*k, v.as_str())).collect();
            api.ecs("AuthorizeSecurityGroup", &p).await
        }
    };
    assert_eq!(call("1/1").await.status, 200);
    assert_error(
        &call("2/2").await,
        400,
        "Throttling.User",
        "Request was denied due to user flow control.",
    );
    assert_eq!(call("3/3").await.status, 200);
    // The faulted call changed nothing.
    let ports: Vec<Value> = api
        .rules(&sg, &[])
        .await
        .iter()
        .map(|r| r["PortRange"].clone())
        .collect();
    assert_eq!(ports, vec![json!("1/1"), json!("3/3")]);
    // Another action or product does not match.
    assert_eq!(api.ens("DescribeSecurityGroups", &[]).await.status, 200);
    assert_eq!(
        api.admin("GET", "/_sgmock/faults", None).await.ok(),
        json!([{"fault": fault, "matched": 3, "fired": 1}])
    );
    assert_eq!(
        api.admin("DELETE", "/_sgmock/faults", None).await.ok(),
        json!([])
    );
}

#[tokio::test]
async fn faults_for_the_next_n_calls_with_a_custom_error_and_account_matching() {
    let api = Api::with(Config {
        access_keys: vec!["a:sa".parse().unwrap()],
        ..Default::default()
    });
    let fault = json!([{"account": "a", "count": 2, "error": {"code": "ServiceUnavailable"}},
                       {"product": "ens", "error": {"code": "ens.interface.error", "status": 400, "message": "Failed to call API."}}]);
    api.admin("PUT", "/_sgmock/faults", Some(&fault.to_string()))
        .await
        .ok();
    for _ in 0..2 {
        assert_error(
            &api.ecs("DescribeRegions", &[("AccessKeyId", "a")]).await,
            503,
            "ServiceUnavailable",
            "The request has failed due to a temporary failure of the server.",
        );
    }
    assert_eq!(
        api.ecs("DescribeRegions", &[("AccessKeyId", "a")])
            .await
            .status,
        200
    );
    assert_eq!(api.ecs("DescribeRegions", &[]).await.status, 200);
    assert_ens_error(
        &api.ens("DescribeSecurityGroups", &[]).await,
        "ens.interface.error",
        "Failed to call API.",
    );
}

#[tokio::test(start_paused = true)]
async fn a_latency_fault_delays_the_answer() {
    let api = Api::new();
    api.admin(
        "PUT",
        "/_sgmock/faults",
        Some(r#"{"action":"DescribeRegions","latency_ms":1500}"#),
    )
    .await
    .ok();
    let before = tokio::time::Instant::now();
    assert_eq!(api.ecs("DescribeRegions", &[]).await.status, 200);
    assert!(before.elapsed() >= std::time::Duration::from_millis(1500));
}

#[tokio::test]
async fn invalid_faults_are_refused() {
    let api = Api::new();
    for (body, message) in [
        (
            r#"{"action":"A"}"#,
            "faults[0]: a fault needs an error, a latency_ms, or both",
        ),
        (
            r#"[{"latency_ms":1},{"probability":1.5,"latency_ms":1}]"#,
            "faults[1]: probability 1.5 is not between 0 and 1",
        ),
        (
            r#"{"error":{"code":"X","status":302}}"#,
            "faults[0]: error.status must be 400 to 599",
        ),
        (
            r#"{"product":"rds","latency_ms":1}"#,
            "faults[0]: product \"rds\" is not ecs or ens",
        ),
        ("3", "expected a fault object or an array of them"),
    ] {
        let a = api.admin("PUT", "/_sgmock/faults", Some(body)).await;
        assert_eq!(
            (a.status, a.body),
            (400, json!({"code": "InvalidFault", "message": message})),
            "{body}"
        );
    }
    assert_eq!(
        api.admin("GET", "/_sgmock/faults", None).await.ok(),
        json!([])
    );
}

#[tokio::test]
async fn the_request_log_lists_recent_calls_without_signatures() {
    let api = Api::new();
    api.ecs(
        "DescribeRegions",
        &[("Signature", "c2VjcmV0"), ("AccessKeyId", "kid")],
    )
    .await
    .ok();
    api.ecs("DeleteSecurityGroup", &[("SecurityGroupId", "sg-x")])
        .await;
    let log = api
        .admin("GET", "/_sgmock/requests?limit=2", None)
        .await
        .ok();
    let entries = log.as_array().unwrap();
    assert_eq!(entries.len(), 2);
    let summary: Vec<Value> = entries
        .iter()
        .map(|e| {
            json!([
                e["product"],
                e["action"],
                e["account"],
                e["status"],
                e["code"],
                e["message"]
            ])
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            json!([
                "Ecs",
                "DescribeRegions",
                sgmock::DEFAULT_ACCOUNT,
                200,
                null,
                null
            ]),
            // A failed call keeps its error's message (the console shows why it failed).
            json!([
                "Ecs",
                "DeleteSecurityGroup",
                sgmock::DEFAULT_ACCOUNT,
                404,
                "InvalidSecurityGroup.NotFound",
                "The specified security group is not found: sg-x."
            ]),
        ]
    );
    assert!(entries[0]["params"]
        .as_array()
        .unwrap()
        .contains(&json!(["Signature", "***"])));
    assert!(!log.to_string().contains("c2VjcmV0"));
    assert_eq!(entries[0]["request_id"].as_str().unwrap().len(), 36);
    api.admin("DELETE", "/_sgmock/requests", None).await.ok();
    assert_eq!(
        api.admin("GET", "/_sgmock/requests", None).await.ok(),
        json!([])
    );
}

#[tokio::test]
async fn an_admin_token_locks_every_admin_route_but_health() {
    let api = Api::with(Config {
        admin_token: Some(sgmock::config::Secret::new("s3cret")),
        ..Default::default()
    });
    let with = |method: &str, path: &str, token: Option<&str>| {
        let mut b = axum::http::Request::builder().method(method).uri(path);
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        b.body(axum::body::Body::empty()).unwrap()
    };
    let missing = json!({"code": "Unauthorized", "message": "the admin API needs `Authorization: Bearer TOKEN` (sgmock runs with --admin-token)"});
    for (method, path) in [
        ("GET", "/_sgmock/info"),
        ("POST", "/_sgmock/reset"),
        ("GET", "/_sgmock/state"),
        ("PUT", "/_sgmock/state"),
        ("GET", "/_sgmock/faults"),
        ("PUT", "/_sgmock/faults"),
        ("DELETE", "/_sgmock/faults"),
        ("GET", "/_sgmock/requests"),
        ("DELETE", "/_sgmock/requests"),
        ("GET", "/_sgmock/no-such-route"),
    ] {
        let a = api.send(with(method, path, None)).await;
        assert_eq!((a.status, &a.body), (401, &missing), "{method} {path}");
        let a = api.send(with(method, path, Some("wrong"))).await;
        assert_eq!(
            (a.status, &a.body),
            (
                401,
                &json!({"code": "Unauthorized", "message": "the admin token does not match"})
            ),
            "{method} {path}"
        );
    }
    let resp = sgmock::router(api.app.clone())
        .oneshot(with("GET", "/_sgmock/state", None))
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["www-authenticate"],
        "Bearer realm=\"sgmock\""
    );
    // The right token opens them; health and the APIs themselves never need it.
    assert_eq!(
        api.send(with("GET", "/_sgmock/info", Some("s3cret")))
            .await
            .body["config"]["admin_token"],
        true
    );
    assert_eq!(
        api.send(with("POST", "/_sgmock/reset", Some("s3cret")))
            .await
            .status,
        200
    );
    assert_eq!(
        api.send(with("GET", "/_sgmock/health", None)).await.status,
        200
    );
    assert_eq!(
        api.send(with("HEAD", "/_sgmock/health", None)).await.status,
        200
    );
    api.group(&[]).await;
}

#[tokio::test]
async fn the_request_log_keeps_at_most_16_kib_of_a_value() {
    // A client sending megabyte parameters (refused ones included) cannot make the log, or its
    // answer, grow with them.
    let api = Api::new();
    let big = "d".repeat(900_000);
    for _ in 0..20 {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("Action", "CreateSecurityGroup"),
                ("Version", "2014-05-26"),
                ("RegionId", "cn-hangzhou"),
                ("Description", big.as_str()),
            ])
            .finish();
        let a = api
            .send(
                axum::http::Request::post("/")
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(axum::body::Body::from(body))
                    .unwrap(),
            )
            .await;
        assert_eq!(a.body["Code"], "InvalidDescription.Malformed");
    }
    let log = api.admin("GET", "/_sgmock/requests", None).await;
    assert!(log.text.len() < 20 * 17 * 1024, "{} bytes", log.text.len());
    let entries = log.body.as_array().unwrap();
    assert_eq!(entries.len(), 20);
    let description = entries[0]["params"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p[0] == "Description")
        .unwrap()[1]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        description,
        format!("{}…[900000 bytes, cut to 16384]", "d".repeat(16384))
    );
    let info = api.admin("GET", "/_sgmock/info", None).await.ok();
    assert_eq!(info["memory"]["request_log_entries"], 20);
    assert!(info["memory"]["request_log_bytes"].as_u64().unwrap() < 20 * 17 * 1024);
}

#[tokio::test]
async fn a_state_in_a_region_sgmock_does_not_serve_is_refused() {
    let api = Api::new();
    let doc = json!({"format": "sgmock-state", "version": 1, "accounts": {"a1": {"ecs": {
        "mars-1": [{"id": "sg-mars000000000000001", "vpc_id": "vpc-1"}]}}}});
    let a = api
        .admin("PUT", "/_sgmock/state", Some(&doc.to_string()))
        .await;
    assert_eq!(a.status, 400, "{}", a.text);
    assert_eq!(a.body["code"], "InvalidState");
    let message = a.body["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            "accounts.a1.ecs.mars-1: region \"mars-1\" is not one sgmock serves (they are: cn-qingdao, cn-beijing,"
        ),
        "{message}"
    );
    assert_eq!(api.state().await["accounts"], json!({}));
    // The same from a fixture file stops the start.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seed.json");
    std::fs::write(&path, doc.to_string()).unwrap();
    let err = sgmock::App::new(Config {
        fixtures: Some(path.clone()),
        ..Default::default()
    })
    .err()
    .unwrap()
    .to_string();
    assert!(
        err.starts_with(&format!(
            "fixtures {}: accounts.a1.ecs.mars-1: region \"mars-1\" is not one sgmock serves",
            path.display()
        )),
        "{err}"
    );
}

#[tokio::test]
async fn a_fault_naming_no_action_is_refused_with_the_names_meant() {
    let api = Api::new();
    let a = api
        .admin(
            "PUT",
            "/_sgmock/faults",
            Some(r#"{"action":"AuthoriseSecurityGroup","error":{"code":"Throttling.User"}}"#),
        )
        .await;
    assert_eq!(
        (a.status, a.body.clone()),
        (
            400,
            json!({"code": "InvalidFault", "message": "faults[0]: there is no action \"AuthoriseSecurityGroup\"; did you mean AuthorizeSecurityGroup?"})
        )
    );
    // An action of the other product.
    let a = api
        .admin(
            "PUT",
            "/_sgmock/faults",
            Some(r#"[{"latency_ms":1},{"product":"ens","action":"ListTagResources","latency_ms":5}]"#),
        )
        .await;
    assert_eq!(a.status, 400);
    assert_eq!(
        a.body["message"],
        "faults[1]: there is no action \"ListTagResources\" in product ens"
    );
    assert_eq!(
        api.admin("GET", "/_sgmock/faults", None).await.body,
        json!([])
    );
}

#[tokio::test]
async fn admin_errors_are_json() {
    let api = Api::new();
    let a = api.admin("GET", "/_sgmock/requests?limit=abc", None).await;
    assert_eq!(a.status, 400);
    assert_eq!(a.body["code"], "InvalidQuery", "{}", a.text);
    assert!(
        a.body["message"].as_str().unwrap().contains("limit"),
        "{}",
        a.text
    );
    let a = api.admin("DELETE", "/_sgmock/health", None).await;
    assert_eq!(
        (a.status, a.body),
        (
            405,
            json!({"code": "MethodNotAllowed", "message": "DELETE is not a method of /_sgmock/health"})
        )
    );
}

#[tokio::test]
async fn the_console_is_served_from_the_binary_without_the_token_and_its_data_with_it() {
    let api = Api::with(Config {
        admin_token: Some(sgmock::config::Secret::new("s3cret")),
        ..Default::default()
    });
    let get = |path: &str, token: Option<&str>| {
        let mut b = axum::http::Request::builder().uri(path);
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        sgmock::router(api.app.clone()).oneshot(b.body(axum::body::Body::empty()).unwrap())
    };
    // The files hold no data: open, with their types, never cached stale.
    for (path, kind, marker) in [
        (
            "/_sgmock/ui/",
            "text/html; charset=utf-8",
            "<title>sgmock console</title>",
        ),
        (
            "/_sgmock/ui/app.js",
            "text/javascript; charset=utf-8",
            "function route()",
        ),
        ("/_sgmock/ui/app.css", "text/css; charset=utf-8", "table{"),
    ] {
        let resp = get(path, None).await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        assert_eq!(resp.headers()["content-type"], kind, "{path}");
        assert_eq!(resp.headers()["cache-control"], "no-cache", "{path}");
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        assert!(String::from_utf8_lossy(&body).contains(marker), "{path}");
        // Nothing is fetched from elsewhere at run time.
        assert!(
            !String::from_utf8_lossy(&body).contains("https://"),
            "{path}"
        );
    }
    let resp = get("/_sgmock/ui", None).await.unwrap();
    assert_eq!(resp.status(), 308);
    assert_eq!(resp.headers()["location"], "/_sgmock/ui/");
    // What it reads still needs the token; with it, info says what the console may offer.
    assert_eq!(get("/_sgmock/state", None).await.unwrap().status(), 401);
    let resp = get("/_sgmock/info", Some("s3cret")).await.unwrap();
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let info: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        info["features"],
        json!([
            "instances",
            "prefix_lists",
            "port_range_lists",
            "evaluate",
            "lint",
            "ui"
        ])
    );
}
