//! Any input, no crash: random parameters against every action never produce a 5xx, and every
//! refusal carries a Code and a Message. Seeded, so a failure reproduces.

use crate::support::*;

const ACTIONS: &[&str] = &[
    "CreateSecurityGroup",
    "DeleteSecurityGroup",
    "DescribeSecurityGroups",
    "DescribeSecurityGroupAttribute",
    "ModifySecurityGroupAttribute",
    "ModifySecurityGroupPolicy",
    "AuthorizeSecurityGroup",
    "AuthorizeSecurityGroupEgress",
    "RevokeSecurityGroup",
    "RevokeSecurityGroupEgress",
    "ModifySecurityGroupRule",
    "ModifySecurityGroupEgressRule",
    "DescribeSecurityGroupReferences",
    "DescribeRegions",
    "TagResources",
    "UntagResources",
    "JoinResourceGroup",
    "CreateSecurityGroupPermissions",
    "DeleteSecurityGroupPermissions",
];

const NAMES: &[&str] = &[
    "RegionId",
    "SecurityGroupId",
    "SecurityGroupIds",
    "SecurityGroupName",
    "Description",
    "VpcId",
    "SecurityGroupType",
    "InnerAccessPolicy",
    "IpProtocol",
    "PortRange",
    "SourcePortRange",
    "Policy",
    "Priority",
    "NicType",
    "SourceCidrIp",
    "Ipv6SourceCidrIp",
    "SourceGroupId",
    "SourceGroupOwnerId",
    "SourcePrefixListId",
    "DestCidrIp",
    "Ipv6DestCidrIp",
    "DestGroupId",
    "DestPrefixListId",
    "PortRangeListId",
    "Permissions.1.IpProtocol",
    "Permissions.1.PortRange",
    "Permissions.1.SourceCidrIp",
    "Permissions.1.DestCidrIp",
    "Permissions.2.IpProtocol",
    "Permissions.0.X",
    "Permissions.999.X",
    "Permissions.x.Y",
    "SecurityGroupRuleId",
    "SecurityGroupRuleId.1",
    "SecurityGroupRuleId.2",
    "SecurityGroupId.1",
    "SecurityGroupId.11",
    "Tag.1.Key",
    "Tag.1.Value",
    "Tag.30.Key",
    "MaxResults",
    "NextToken",
    "PageNumber",
    "PageSize",
    "Direction",
    "Attribute",
    "ClientToken",
    "DryRun",
    "AcceptLanguage",
    "NetworkType",
    "FuzzyQuery",
    "ResourceGroupId",
    "Permissions",
];

fn values(sg: &str, rule: &str) -> Vec<String> {
    let mut v: Vec<String> = [
        "",
        "tcp",
        "ICMP",
        "icmpv6",
        "all",
        "22/22",
        "-1/-1",
        "0/0",
        "1/65535",
        "65535/1",
        "x/y",
        "/",
        "1",
        "0",
        "100",
        "101",
        "-1",
        "99999999999999999999",
        "accept",
        "DROP",
        "intranet",
        "<nil>",
        "ingress",
        "egress",
        "all",
        "10.0.0.0/8",
        "1.2.3.4",
        "::/0",
        "2001:DB8::1/64",
        "300.0.0.0",
        "1.2.3.4/33",
        "sg-nope",
        "sgr-nope",
        "pl-x",
        "prl-x",
        "vpc-test",
        "enterprise",
        "normal",
        "cn-hangzhou",
        "mars-1",
        "True",
        "false",
        "[\"sg-a\"]",
        "[1,2",
        "e4",
        "securitygroup",
        "[]",
        "[{}]",
        "[{\"Direction\":\"ingress\",\"IpProtocol\":\"TCP\",\"PortRange\":\"1/1\",\"Policy\":\"Accept\",\"Priority\":1}]",
        "[{\"Direction\":\"egress\",\"IpProtocol\":\"ICMP\",\"PortRange\":\"-1/-1\",\"Policy\":\"Drop\",\"Priority\":1e400}]",
        "[{\"Direction\":5,\"Priority\":-1}]",
        "instance",
        "\u{0}",
        "ab\u{1}cd",
        "tab\there",
        "ab\u{FFFF}",
        "ab\u{FFFE}",
        "ab\u{1b}[31m",
        "[{\"Direction\":\"ingress\",\"IpProtocol\":\"TCP\",\"PortRange\":\"1/1\",\"Policy\":\"Accept\",\"Priority\":1,\"SourceCidrIp\":\"1.1.1.1\",\"Description\":\"x\\u0001y\"}]",
        "中文名称",
        "http://x",
        "a b c",
        "snapshotPolicyIds",
        "en-US",
        "vpc",
        "classic",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push("x".repeat(600));
    v.push(sg.to_string());
    v.push(rule.to_string());
    v
}

#[tokio::test]
async fn random_parameters_never_crash_or_answer_5xx() {
    let api = Api::new();
    let sg = api.group(&[]).await;
    api.ecs(
        "AuthorizeSecurityGroup",
        &[
            ("SecurityGroupId", &sg),
            ("IpProtocol", "tcp"),
            ("PortRange", "22/22"),
            ("SourceCidrIp", "10.0.0.0/8"),
        ],
    )
    .await
    .ok();
    let rule = ids(&api.rules(&sg, &[]).await)[0].clone();
    let vals = values(&sg, &rule);
    let mut rng = fastrand::Rng::with_seed(0x5eed);
    for round in 0..4000 {
        let action = ACTIONS[rng.usize(..ACTIONS.len())];
        let mut params: Vec<(String, String)> = vec![
            ("Action".into(), action.into()),
            ("Version".into(), ECS.into()),
        ];
        for _ in 0..rng.usize(0..8) {
            let name = NAMES[rng.usize(..NAMES.len())];
            if params.iter().any(|(k, _)| k == name) {
                continue;
            }
            params.push((name.into(), vals[rng.usize(..vals.len())].clone()));
        }
        if rng.bool() {
            params.push(("RegionId".into(), REGION.into()));
        }
        let pairs: Vec<(&str, &str)> = params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let a = api.get(&pairs).await;
        assert!(
            a.status < 500,
            "round {round}: {params:?} -> {} {}",
            a.status,
            a.text
        );
        assert!(a.body["RequestId"].is_string(), "round {round}: {}", a.text);
        if a.status != 200 {
            let code = a.body["Code"].as_str().unwrap_or_default();
            let msg = a.body["Message"].as_str().unwrap_or_default();
            assert!(
                !code.is_empty() && !msg.is_empty(),
                "round {round}: {params:?} -> {}",
                a.text
            );
        } else {
            assert!(a.body.get("Code").is_none(), "round {round}: {}", a.text);
        }
    }
}

#[tokio::test]
async fn raw_garbage_on_the_wire_never_crashes() {
    use axum::body::Body;
    use axum::http::Request;
    let api = Api::new();
    let bodies: Vec<Vec<u8>> = vec![
        b"%%%%".to_vec(),
        b"a=%ZZ&b=%C3%28&Action=DescribeRegions&Version=2014-05-26".to_vec(),
        vec![0xff, 0xfe, 0x00, 0x3d, 0x26],
        b"Action=&Version=&&&===".to_vec(),
        b"Permissions.1.IpProtocol=tcp&Permissions.1.IpProtocol=udp".to_vec(),
    ];
    for b in bodies {
        let req = Request::post(
            "/?Action=AuthorizeSecurityGroup&Version=2014-05-26&RegionId=cn-hangzhou",
        )
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(b))
        .unwrap();
        let a = api.send(req).await;
        assert!((400..500).contains(&a.status), "{} {}", a.status, a.text);
        assert!(a.body["Code"].is_string(), "{}", a.text);
    }
}

/// Whether `text` is a well-formed XML document of XML 1.0 characters only (quick-xml checks the
/// structure; it does not refuse control characters, so they are checked here).
fn well_formed_xml(text: &str) -> Result<(), String> {
    if let Some(c) = text
        .chars()
        .find(|&c| !sgmock::domain::names::is_text_char(c))
    {
        return Err(format!("character U+{:04X} cannot appear in XML", c as u32));
    }
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut depth = 0i32;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Text(t)) => {
                t.unescape().map_err(|e| e.to_string())?;
            }
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    if depth != 0 {
        return Err("unbalanced elements".into());
    }
    Ok(())
}

#[tokio::test]
async fn every_xml_answer_parses_whatever_the_input() {
    // Control characters and U+FFFE/U+FFFF in descriptions, tags, names and echoed action names
    // used to reach XML answers raw, which clients' parsers refuse.
    let api = Api::new();
    let sg = api.group(&[]).await;
    let vals = values(&sg, "sgr-x");
    let mut actions: Vec<String> = ACTIONS.iter().map(|a| a.to_string()).collect();
    actions.push("Describe\u{1}Regions".into());
    actions.push("No\u{FFFF}Such".into());
    let mut rng = fastrand::Rng::with_seed(0x0a11);
    for round in 0..3000 {
        let action = actions[rng.usize(..actions.len())].clone();
        let ens = rng.bool();
        let mut params: Vec<(String, String)> = vec![
            ("Action".into(), action),
            (
                "Version".into(),
                if ens { "2017-11-10" } else { ECS }.into(),
            ),
            ("Format".into(), "XML".into()),
            ("RegionId".into(), REGION.into()),
        ];
        for _ in 0..rng.usize(0..6) {
            let name = NAMES[rng.usize(..NAMES.len())];
            if params.iter().any(|(k, _)| k == name) {
                continue;
            }
            params.push((name.into(), vals[rng.usize(..vals.len())].clone()));
        }
        let pairs: Vec<(&str, &str)> = params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let a = api.get(&pairs).await;
        assert!(a.status < 500, "round {round}: {params:?} -> {}", a.text);
        assert!(
            a.content_type.starts_with("text/xml"),
            "round {round}: {}",
            a.content_type
        );
        if let Err(e) = well_formed_xml(&a.text) {
            panic!("round {round}: {params:?} -> {e}: {:?}", a.text);
        }
    }
}

#[tokio::test]
async fn text_no_xml_document_can_carry_is_refused_as_malformed() {
    let api = Api::new();
    let sg = api.group(&[]).await;
    for (what, params, code, message) in [
        (
            "a group description",
            vec![("Description", "web\u{1}servers")],
            "InvalidDescription.Malformed",
            "The specified parameter Description is not valid: 2 to 256 characters, not starting with http:// or https://, without control characters.",
        ),
        (
            "a tag value",
            vec![("Tag.1.Key", "env"), ("Tag.1.Value", "a\u{FFFF}")],
            "InvalidTagValue.Malformed",
            "The specified parameter Tag.1.Value is not valid.",
        ),
    ] {
        let mut p = vec![("VpcId", "vpc-1")];
        p.extend(params);
        let a = api.ecs("CreateSecurityGroup", &p).await;
        assert_eq!(a.status, 400, "{what}: {}", a.text);
        assert_eq!(a.body["Code"], code, "{what}: {}", a.text);
        assert_eq!(a.body["Message"], message, "{what}: {}", a.text);
    }
    let a = api
        .ecs(
            "AuthorizeSecurityGroup",
            &[
                ("SecurityGroupId", &sg),
                ("IpProtocol", "tcp"),
                ("PortRange", "22/22"),
                ("SourceCidrIp", "10.0.0.0/8"),
                ("Description", "ssh\u{7}"),
            ],
        )
        .await;
    assert_eq!(
        a.body,
        ecs_error(
            "InvalidSecurityGroupDiscription.Malformed",
            "The specified security group rule description is not valid: Description must be 1 to \
             512 characters, without control characters."
        ),
        "{}",
        a.text
    );
    // An unknown action echoed in an XML error: the character is replaced, the document parses.
    let a = api
        .get(&[
            ("Action", "Describe\u{1}Regions"),
            ("Version", ECS),
            ("Format", "XML"),
        ])
        .await;
    assert_eq!(a.status, 404);
    assert!(a.text.contains("Describe\u{FFFD}Regions"), "{}", a.text);
    well_formed_xml(&a.text).unwrap();
}
