//! `POST /_sgmock/evaluate` (docs/reference/verdict.md): a two-tier setup asked about a dozen
//! packets, each answer's verdict and deciding rule checked; instances and groups as peers,
//! inner-access policy, lists, ENS defaults; and each refusal (400 naming the field, 404 naming the
//! resource).

use serde_json::{json, Value};

use crate::support::*;

async fn evaluate(api: &Api, body: Value) -> Answer {
    api.admin("POST", "/_sgmock/evaluate", Some(&body.to_string()))
        .await
}

/// The verdict and what decided it, in short: ("accept", "rule", Some(rule id)) and so on.
fn short(a: &Answer) -> (String, String, Option<String>) {
    assert_eq!(a.status, 200, "{}", a.text);
    let d = &a.body["decided_by"];
    (
        a.body["verdict"].as_str().unwrap().to_string(),
        d["kind"].as_str().unwrap().to_string(),
        d["rule_id"].as_str().map(str::to_string),
    )
}

struct TwoTier {
    api: Api,
    web: String,
    app: String,
    https: String,
    ban: String,
    app_8080: String,
}

/// Web open on 443 to the world, a drop at priority 1 for one CIDR on web; app accepting 8080 only
/// from the web group.
async fn two_tier() -> TwoTier {
    let api = Api::new();
    let web = api.group(&[("SecurityGroupName", "web")]).await;
    let app = api.group(&[("SecurityGroupName", "app")]).await;
    for params in [
        vec![
            ("SecurityGroupId", web.as_str()),
            ("IpProtocol", "tcp"),
            ("PortRange", "443/443"),
            ("SourceCidrIp", "0.0.0.0/0"),
            ("Priority", "10"),
            ("Description", "https"),
        ],
        vec![
            ("SecurityGroupId", web.as_str()),
            ("IpProtocol", "all"),
            ("PortRange", "-1/-1"),
            ("SourceCidrIp", "198.51.100.0/24"),
            ("Priority", "1"),
            ("Policy", "drop"),
            ("Description", "ban"),
        ],
        vec![
            ("SecurityGroupId", app.as_str()),
            ("IpProtocol", "tcp"),
            ("PortRange", "8080/8080"),
            ("SourceGroupId", web.as_str()),
        ],
    ] {
        assert_eq!(api.ecs("AuthorizeSecurityGroup", &params).await.status, 200);
    }
    let id_of = |rules: &[Value], desc: &str| {
        rules
            .iter()
            .find(|r| r["Description"] == desc)
            .map(|r| r["SecurityGroupRuleId"].as_str().unwrap().to_string())
            .unwrap()
    };
    let web_rules = api.rules(&web, &[]).await;
    let app_rules = api.rules(&app, &[]).await;
    let app_8080 = app_rules[0]["SecurityGroupRuleId"]
        .as_str()
        .unwrap()
        .to_string();
    TwoTier {
        https: id_of(&web_rules, "https"),
        ban: id_of(&web_rules, "ban"),
        api,
        web,
        app,
        app_8080,
    }
}

fn packet(target: &str, direction: &str, protocol: &str, port: Option<u16>, peer: Value) -> Value {
    let mut v = json!({"region": REGION, "target": {"security_group_ids": [target]},
        "direction": direction, "protocol": protocol, "peer": peer});
    if let Some(p) = port {
        v["port"] = json!(p);
    }
    v
}

/// (verdict, what decided, the deciding rule's id)
type Expected<'a> = (&'a str, &'a str, Option<&'a String>);

#[tokio::test]
async fn a_dozen_packets_against_a_two_tier_setup() {
    let t = two_tier().await;
    let ip = |a: &str| json!({"ip": a});
    let web_member = json!({"security_group_id": t.web});
    let cases: Vec<(Value, Expected)> = vec![
        (
            packet(&t.web, "ingress", "tcp", Some(443), ip("203.0.113.7")),
            ("accept", "rule", Some(&t.https)),
        ),
        (
            packet(&t.web, "ingress", "tcp", Some(443), ip("2001:db8::1")),
            ("drop", "default", None),
        ),
        (
            packet(&t.web, "ingress", "tcp", Some(22), ip("203.0.113.7")),
            ("drop", "default", None),
        ),
        (
            packet(&t.web, "ingress", "tcp", Some(443), ip("198.51.100.9")),
            ("drop", "rule", Some(&t.ban)),
        ),
        (
            packet(&t.web, "ingress", "icmp", None, ip("198.51.100.9")),
            ("drop", "rule", Some(&t.ban)),
        ),
        (
            packet(&t.web, "ingress", "udp", Some(443), ip("203.0.113.7")),
            ("drop", "default", None),
        ),
        (
            packet(&t.web, "egress", "tcp", Some(5432), ip("10.0.0.5")),
            ("accept", "default", None),
        ),
        (
            packet(&t.app, "ingress", "tcp", Some(8080), web_member.clone()),
            ("accept", "rule", Some(&t.app_8080)),
        ),
        (
            packet(&t.app, "ingress", "tcp", Some(8081), web_member.clone()),
            ("drop", "default", None),
        ),
        (
            packet(&t.app, "ingress", "tcp", Some(8080), ip("203.0.113.7")),
            ("drop", "default", None),
        ),
        // Members of the same basic group (InnerAccessPolicy Accept) reach each other.
        (
            packet(
                &t.app,
                "ingress",
                "tcp",
                Some(22),
                json!({"security_group_id": t.app}),
            ),
            ("accept", "inner_access_policy", None),
        ),
        (
            packet(&t.app, "egress", "udp", Some(53), ip("8.8.8.8")),
            ("accept", "default", None),
        ),
    ];
    for (body, (verdict, kind, rule)) in cases {
        let a = evaluate(&t.api, body.clone()).await;
        assert_eq!(
            short(&a),
            (verdict.to_string(), kind.to_string(), rule.cloned()),
            "{body}"
        );
    }
}

#[tokio::test]
async fn the_answer_quotes_the_deciding_rule_and_every_match_in_order() {
    let t = two_tier().await;
    let a = evaluate(
        &t.api,
        packet(
            &t.web,
            "ingress",
            "tcp",
            Some(443),
            json!({"ip": "198.51.100.9"}),
        ),
    )
    .await;
    let rules = t.api.rules(&t.web, &[]).await;
    let quoted = |id: &str| {
        rules
            .iter()
            .find(|r| r["SecurityGroupRuleId"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        a.body,
        json!({"verdict": "drop",
            "decided_by": {"kind": "rule", "security_group_id": t.web, "rule_id": t.ban, "priority": 1, "policy": "drop", "rule": quoted(&t.ban)},
            "evaluated": [
                {"security_group_id": t.web, "rule_id": t.ban, "priority": 1, "policy": "drop", "rule": quoted(&t.ban)},
                {"security_group_id": t.web, "rule_id": t.https, "priority": 10, "policy": "accept", "rule": quoted(&t.https)}]})
    );
    let a = evaluate(
        &t.api,
        packet(
            &t.web,
            "ingress",
            "tcp",
            Some(22),
            json!({"ip": "203.0.113.7"}),
        ),
    )
    .await;
    assert_eq!(
        a.body,
        json!({"verdict": "drop", "decided_by": {"kind": "default", "reason": "no rule matches: a basic group denies inbound traffic by default"}, "evaluated": []})
    );
}

#[tokio::test]
async fn instances_as_targets_and_peers_and_lists_in_rules() {
    let t = two_tier().await;
    let body = json!({"region": REGION, "instances": [
        {"id": "i-web", "vpc_id": "vpc-test", "network_interfaces": [{"id": "eni-web", "security_group_ids": [t.web]}]},
        {"id": "i-app", "vpc_id": "vpc-test", "network_interfaces": [{"id": "eni-app", "security_group_ids": [t.app]}]}]})
    .to_string();
    assert_eq!(
        t.api
            .admin("PUT", "/_sgmock/instances", Some(&body))
            .await
            .status,
        200
    );
    let a = evaluate(
        &t.api,
        json!({"region": REGION, "target": {"instance_id": "i-app"}, "direction": "ingress", "protocol": "tcp", "port": 8080, "peer": {"instance_id": "i-web"}}),
    )
    .await;
    assert_eq!(
        short(&a),
        ("accept".into(), "rule".into(), Some(t.app_8080.clone()))
    );
    let a = evaluate(
        &t.api,
        json!({"region": REGION, "target": {"network_interface_id": "eni-web"}, "direction": "ingress", "protocol": "tcp", "port": 443, "peer": {"ip": "192.0.2.1"}}),
    )
    .await;
    assert_eq!(short(&a).0, "accept");
    // A prefix list of offices and a port range list on the app tier.
    let pl = t
        .api
        .ecs(
            "CreatePrefixList",
            &[
                ("AddressFamily", "IPv4"),
                ("MaxEntries", "5"),
                ("PrefixListName", "offices"),
                ("Entry.1.Cidr", "192.0.2.0/24"),
            ],
        )
        .await
        .get("PrefixListId");
    let prl = t
        .api
        .ecs(
            "CreatePortRangeList",
            &[
                ("MaxEntries", "5"),
                ("PortRangeListName", "admin"),
                ("Entry.1.PortRange", "9000/9010"),
            ],
        )
        .await
        .get("PortRangeListId");
    let d = t
        .api
        .ecs(
            "AuthorizeSecurityGroup",
            &[
                ("SecurityGroupId", &t.app),
                ("IpProtocol", "tcp"),
                ("PortRangeListId", &prl),
                ("SourcePrefixListId", &pl),
            ],
        )
        .await;
    assert_eq!(d.status, 200, "{}", d.text);
    for (ip, port, verdict) in [
        ("192.0.2.77", 9005, "accept"),
        ("192.0.2.77", 9011, "drop"),
        ("192.0.3.1", 9005, "drop"),
    ] {
        let a = evaluate(
            &t.api,
            packet(&t.app, "ingress", "tcp", Some(port), json!({"ip": ip})),
        )
        .await;
        assert_eq!(short(&a).0, verdict, "{ip}:{port}");
    }
}

#[tokio::test]
async fn ens_denies_inbound_and_allows_outbound_by_default_with_the_same_priority_rules() {
    let api = Api::new();
    let sg = api.ens_group(&[]).await;
    api.ens(
        "CreateSecurityGroupPermissions",
        &[("SecurityGroupId", &sg), ("Permissions", r#"[{"Direction":"ingress","IpProtocol":"TCP","PortRange":"80/80","Policy":"Accept","Priority":2,"SourceCidrIp":"0.0.0.0/0"},{"Direction":"ingress","IpProtocol":"TCP","PortRange":"80/80","Policy":"Drop","Priority":2,"SourceCidrIp":"10.0.0.0/8"}]"#)],
    )
    .await
    .ok();
    let ask = |direction: &str, ip: &str| json!({"product": "ens", "target": {"security_group_ids": [sg]}, "direction": direction, "protocol": "tcp", "port": 80, "peer": {"ip": ip}});
    let a = evaluate(&api, ask("ingress", "10.1.1.1")).await;
    assert_eq!(short(&a), ("drop".into(), "rule".into(), None));
    // ENS rules have no ids: the deciding rule is quoted without one.
    assert_eq!(a.body["decided_by"]["rule"]["SourceCidrIp"], "10.0.0.0/8");
    assert_eq!(
        short(&evaluate(&api, ask("ingress", "8.8.8.8")).await).0,
        "accept"
    );
    let a = evaluate(&api, json!({"product": "ens", "target": {"security_group_ids": [sg]}, "direction": "ingress", "protocol": "tcp", "port": 22, "peer": {"ip": "8.8.8.8"}})).await;
    assert_eq!(short(&a), ("drop".into(), "default".into(), None));
    assert_eq!(
        short(&evaluate(&api, ask("egress", "8.8.8.8")).await),
        ("accept".into(), "default".into(), None)
    );
}

#[tokio::test]
async fn bad_questions_are_400s_naming_the_field_and_unknown_ids_404s() {
    let t = two_tier().await;
    let enterprise = t.api.group(&[("SecurityGroupType", "enterprise")]).await;
    let ok = packet(
        &t.web,
        "ingress",
        "tcp",
        Some(443),
        json!({"ip": "1.2.3.4"}),
    );
    let with = |k: &str, v: Value| {
        let mut b = ok.clone();
        b[k] = v;
        b
    };
    let mut no_port = ok.clone();
    no_port.as_object_mut().unwrap().remove("port");
    for (body, status, code, message) in [
        (
            with("protocol", json!("all")),
            400,
            "InvalidEvaluation",
            "protocol: a packet has one protocol; \"all\" describes rules, not packets".to_string(),
        ),
        (
            no_port,
            400,
            "InvalidEvaluation",
            "port: required for tcp (the destination port)".into(),
        ),
        (
            with("protocol", json!("icmp")),
            400,
            "InvalidEvaluation",
            "port: only tcp and udp packets have ports".into(),
        ),
        (
            with("direction", json!("sideways")),
            400,
            "InvalidEvaluation",
            "direction: \"sideways\" is not ingress or egress".into(),
        ),
        (
            with("peer", json!({"ip": "1.2.3"})),
            400,
            "InvalidEvaluation",
            "peer.ip: \"1.2.3\" is not an IPv4 or IPv6 address".into(),
        ),
        (
            with("peer", json!({"ip": "1.2.3.4", "security_group_id": t.app})),
            400,
            "InvalidEvaluation",
            "peer: give exactly one of ip, instance_id, security_group_id".into(),
        ),
        (
            with("port", json!("443")),
            400,
            "InvalidEvaluation",
            "port: invalid type: string \"443\", expected u16".into(),
        ),
        (
            with("target", json!({"security_group_ids": [t.web, enterprise]})),
            400,
            "InvalidEvaluation",
            "target: basic and enterprise security groups cannot be evaluated together".into(),
        ),
        (
            with("product", json!("vpc")),
            400,
            "InvalidEvaluation",
            "product: \"vpc\" is not ecs or ens".into(),
        ),
        (
            with("region", json!("")),
            400,
            "InvalidEvaluation",
            "region: required for ecs".into(),
        ),
        (
            with("region", json!("mars-1")),
            400,
            "InvalidEvaluation",
            "region: \"mars-1\" is not one sgmock serves".into(),
        ),
        (
            with("target", json!({"security_group_ids": ["sg-none"]})),
            404,
            "NotFound",
            "security group sg-none not found".into(),
        ),
        (
            with("target", json!({"instance_id": "i-none"})),
            404,
            "NotFound",
            "instance i-none not found".into(),
        ),
        (
            with("peer", json!({"security_group_id": "sg-none"})),
            404,
            "NotFound",
            "peer security group sg-none not found".into(),
        ),
        (
            with("region", json!("cn-beijing")),
            404,
            "NotFound",
            format!("security group {} not found", t.web),
        ),
    ] {
        let a = evaluate(&t.api, body.clone()).await;
        assert_eq!(
            (a.status, a.body),
            (status, json!({"code": code, "message": message})),
            "{body}"
        );
    }
}

/// `GET /_sgmock/lint` flags what a reviewer would (docs/reference/verdict.md §4).
#[tokio::test]
async fn lint_flags_what_a_reviewer_would() {
    let t = two_tier().await;
    let empty = t.api.group(&[("SecurityGroupName", "unused")]).await;
    for params in [
        // SSH open to the world on web.
        vec![
            ("SecurityGroupId", t.web.as_str()),
            ("IpProtocol", "tcp"),
            ("PortRange", "22/22"),
            ("SourceCidrIp", "0.0.0.0/0"),
            ("Priority", "50"),
            ("Description", "ssh"),
        ],
        // Never decides: the ban (priority 1, drop, all) covers it.
        vec![
            ("SecurityGroupId", t.web.as_str()),
            ("IpProtocol", "tcp"),
            ("PortRange", "443/443"),
            ("SourceCidrIp", "198.51.100.0/25"),
            ("Priority", "20"),
            ("Description", "dead"),
        ],
        // A group in another account.
        vec![
            ("SecurityGroupId", t.app.as_str()),
            ("IpProtocol", "tcp"),
            ("PortRange", "9090/9090"),
            ("SourceGroupId", "sg-partner"),
            ("SourceGroupOwnerAccount", "5555"),
            ("Description", "partner"),
        ],
    ] {
        let a = t.api.ecs("AuthorizeSecurityGroup", &params).await;
        assert_eq!(a.status, 200, "{}", a.text);
    }
    let rules = t.api.rules(&t.web, &[]).await;
    let id = |desc: &str| {
        rules
            .iter()
            .find(|r| r["Description"] == desc)
            .map(|r| r["SecurityGroupRuleId"].as_str().unwrap().to_string())
            .unwrap()
    };
    let partner = {
        let app_rules = t.api.rules(&t.app, &[]).await;
        app_rules
            .iter()
            .find(|r| r["Description"] == "partner")
            .map(|r| r["SecurityGroupRuleId"].as_str().unwrap().to_string())
            .unwrap()
    };
    let mut expected = vec![
        (
            t.web.clone(),
            json!({"code": "OpenToWorld", "severity": "error", "security_group_id": t.web, "rule_id": id("ssh"), "message": "accepts TCP 22/22 from anywhere (0.0.0.0/0)"}),
        ),
        (
            t.web.clone(),
            json!({"code": "Shadowed", "severity": "warning", "security_group_id": t.web, "rule_id": id("dead"), "message": "never decides a packet: the rules evaluated before it cover everything it matches"}),
        ),
        (
            t.app.clone(),
            json!({"code": "CrossAccountPeer", "severity": "info", "security_group_id": t.app, "rule_id": partner, "message": "names group sg-partner of account 5555, which sgmock cannot check"}),
        ),
        (
            empty.clone(),
            json!({"code": "EmptyGroup", "severity": "info", "security_group_id": empty, "message": "the group has no rules and no members"}),
        ),
    ];
    // By group id; within a group, in rule order.
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    let expected: Vec<Value> = expected.into_iter().map(|(_, v)| v).collect();
    let got = t.api.admin("GET", "/_sgmock/lint", None).await.ok();
    assert_eq!(got, json!(expected));
    let one = t
        .api
        .admin(
            "GET",
            &format!("/_sgmock/lint?security_group_id={empty}"),
            None,
        )
        .await
        .ok();
    assert_eq!(one.as_array().unwrap().len(), 1);
    let none = t
        .api
        .admin("GET", "/_sgmock/lint?region=cn-beijing", None)
        .await
        .ok();
    assert_eq!(none, json!([]));
}
