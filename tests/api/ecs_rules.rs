//! ECS Authorize (both directions): rule shapes, identity, limits, validation, all-or-nothing.

use serde_json::json;

use crate::support::*;

fn perm_params(n: usize, fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| (format!("Permissions.{n}.{k}"), v.to_string()))
        .collect()
}

async fn authorize(api: &Api, action: &str, sg: &str, rules: &[&[(&str, &str)]]) -> Answer {
    let mut p: Vec<(String, String)> = vec![("SecurityGroupId".into(), sg.into())];
    for (i, r) in rules.iter().enumerate() {
        p.extend(perm_params(i + 1, r));
    }
    let pairs: Vec<(&str, &str)> = p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    api.ecs(action, &pairs).await
}

#[tokio::test]
async fn authorize_with_permissions_renders_every_documented_field() {
    let api = Api::new();
    let sg = api.group(&[]).await;
    let a = authorize(
        &api,
        "AuthorizeSecurityGroup",
        &sg,
        &[
            &[
                ("IpProtocol", "tcp"),
                ("PortRange", "22/22"),
                ("SourceCidrIp", "10.159.6.18/12"),
                ("Description", "ssh"),
            ],
            &[
                ("IpProtocol", "UDP"),
                ("PortRange", "53/53"),
                ("SourcePortRange", "1024/65535"),
                ("SourceCidrIp", "1.2.3.4"),
                ("DestCidrIp", "10.0.0.0/8"),
                ("Policy", "DROP"),
                ("Priority", "7"),
            ],
        ],
    )
    .await;
    // The response carries no rule ids (AuthorizeSecurityGroupResponseBody has only RequestId).
    assert_eq!(a.ok(), empty_ok());
    let rules = api.rules(&sg, &[]).await;
    let ids = ids(&rules);
    assert!(
        ids.iter()
            .all(|id| id.starts_with("sgr-") && id.len() == 24),
        "{ids:?}"
    );
    assert_eq!(
        rules,
        vec![
            // IPv4 is echoed exactly as sent, host bits and all (docs/reference/terraform.md F7).
            permission(
                json!({"SecurityGroupRuleId": ids[0], "PortRange": "22/22", "SourceCidrIp": "10.159.6.18/12", "Description": "ssh"})
            ),
            permission(json!({
                "SecurityGroupRuleId": ids[1], "IpProtocol": "UDP", "PortRange": "53/53", "SourcePortRange": "1024/65535",
                "SourceCidrIp": "1.2.3.4", "DestCidrIp": "10.0.0.0/8", "Policy": "Drop", "Priority": "7",
            })),
        ]
    );
    let d = api
        .ecs("DescribeSecurityGroups", &[("SecurityGroupId", &sg)])
        .await
        .ok();
    assert_eq!(d["SecurityGroups"]["SecurityGroup"][0]["RuleCount"], 2);
}

#[tokio::test]
async fn authorize_accepts_the_legacy_flat_parameters_but_not_mixed_with_permissions() {
    let api = Api::new();
    let sg = api.group(&[]).await;
    let a = api
        .ecs(
            "AuthorizeSecurityGroupEgress",
            &[
                ("SecurityGroupId", &sg),
                ("IpProtocol", "all"),
                ("PortRange", "-1/-1"),
                ("DestCidrIp", "0.0.0.0/0"),
                ("Description", "out"),
            ],
        )
        .await;
    assert_eq!(a.ok(), empty_ok());
    let rules = api.rules(&sg, &[]).await;
    assert_eq!(
        rules,
        vec![permission(json!({
            "SecurityGroupRuleId": ids(&rules)[0], "Direction": "egress", "IpProtocol": "ALL", "PortRange": "-1/-1",
            "DestCidrIp": "0.0.0.0/0", "Description": "out",
        }))]
    );
    // "The specified parameter Permissions cannot coexist with other parameters." (docs/reference/ecs.md §1.7)
    let mixed = api
        .ecs(
            "AuthorizeSecurityGroup",
            &[
                ("SecurityGroupId", &sg),
                ("IpProtocol", "tcp"),
                ("Permissions.1.IpProtocol", "tcp"),
                ("Permissions.1.PortRange", "1/1"),
                ("Permissions.1.SourceCidrIp", "1.1.1.1"),
            ],
        )
        .await;
    assert_error(
        &mixed,
        400,
        "InvalidParam.Permissions",
        "The specified parameter Permissions cannot coexist with other parameters.",
    );
}

#[tokio::test]
async fn an_existing_rule_is_a_silent_success_even_with_another_priority_or_description() {
    // Every AuthorizeSecurityGroup doc: "If the specified security group rule already exists in the
    // security group, the call is successful but no security group rule is created."
    // Priority is not part of ECS identity (docs/reference/terraform.md §7 decision 4).
    let api = Api::new();
    let sg = api.group(&[]).await;
    let rule: &[(&str, &str)] = &[
        ("IpProtocol", "tcp"),
        ("PortRange", "22/22"),
        ("SourceCidrIp", "1.2.3.4/32"),
        ("Description", "one"),
    ];
    authorize(&api, "AuthorizeSecurityGroup", &sg, &[rule])
        .await
        .ok();
    let before = api.rules(&sg, &[]).await;
    // Same rule: bare address equals its /32, protocol case differs, another priority and description.
    let same: &[(&str, &str)] = &[
        ("IpProtocol", "TCP"),
        ("PortRange", "22/22"),
        ("SourceCidrIp", "1.2.3.4"),
        ("Priority", "9"),
        ("Description", "two"),
    ];
    assert_eq!(
        authorize(&api, "AuthorizeSecurityGroup", &sg, &[same])
            .await
            .ok(),
        empty_ok()
    );
    assert_eq!(api.rules(&sg, &[]).await, before);
    // A different policy is a different rule.
    let drop: &[(&str, &str)] = &[
        ("IpProtocol", "tcp"),
        ("PortRange", "22/22"),
        ("SourceCidrIp", "1.2.3.4/32"),
        ("Policy", "drop"),
    ];
    authorize(&api, "AuthorizeSecurityGroup", &sg, &[drop])
        .await
        .ok();
    assert_eq!(api.rules(&sg, &[]).await.len(), 2);
}

#[tokio::test]
async fn duplicate_rules_within_one_request_are_refused_and_nothing_is_applied() {
    let api = Api::new();
    let sg = api.group(&[]).await;
    let r: &[(&str, &str)] = &[
        ("IpProtocol", "tcp"),
        ("PortRange", "80/80"),
        ("SourceCidrIp", "0.0.0.0/0"),
    ];
    let r2: &[(&str, &str)] = &[
        ("IpProtocol", "TCP"),
        ("PortRange", "80/80"),
        ("SourceCidrIp", "0.0.0.0/0"),
        ("Description", "x"),
    ];
    let a = authorize(&api, "AuthorizeSecurityGroup", &sg, &[r, r2]).await;
    assert_error(
        &a,
        400,
        "InvalidParam.DuplicatePermissions",
        "There are duplicate permissions in the specified parameter Permissions.",
    );
    assert_eq!(api.rules(&sg, &[]).await, Vec::<serde_json::Value>::new());
}

#[tokio::test]
async fn one_invalid_rule_rejects_the_whole_call() {
    let api = Api::new();
    let sg = api.group(&[]).await;
    let good: &[(&str, &str)] = &[
        ("IpProtocol", "tcp"),
        ("PortRange", "80/80"),
        ("SourceCidrIp", "0.0.0.0/0"),
    ];
    let bad: &[(&str, &str)] = &[
        ("IpProtocol", "tcp"),
        ("PortRange", "80/80"),
        ("SourceGroupId", "sg-doesnotexist"),
    ];
    let a = authorize(&api, "AuthorizeSecurityGroup", &sg, &[good, bad]).await;
    assert_error(
        &a,
        404,
        "InvalidSourceGroupId.NotFound",
        "The SourceGroupId provided does not exist in our records: sg-doesnotexist.",
    );
    assert!(api.rules(&sg, &[]).await.is_empty());
}

#[tokio::test]
async fn the_rule_limit_answers_authorization_limit_exceed_and_adds_nothing() {
    // 200 rules per group by default (docs/reference/conflicts.md #5), configurable; 403 on Authorize (§5 #7).
    let api = Api::with(sgmock::Config {
        rule_limit: 3,
        ..Default::default()
    });
    let sg = api.group(&[]).await;
    let r = |p: &'static str| -> Vec<(&'static str, &'static str)> {
        vec![
            ("IpProtocol", "tcp"),
            ("PortRange", p),
            ("SourceCidrIp", "1.1.1.1"),
        ]
    };
    authorize(&api, "AuthorizeSecurityGroup", &sg, &[&r("1/1"), &r("2/2")])
        .await
        .ok();
    let a = authorize(
        &api,
        "AuthorizeSecurityGroupEgress",
        &sg,
        &[
            &[
                ("IpProtocol", "tcp"),
                ("PortRange", "3/3"),
                ("DestCidrIp", "1.1.1.1"),
            ],
            &[
                ("IpProtocol", "tcp"),
                ("PortRange", "4/4"),
                ("DestCidrIp", "1.1.1.1"),
            ],
        ],
    )
    .await;
    assert_error(
        &a,
        403,
        "AuthorizationLimitExceed",
        "The limit of authorization records in the security group reaches: at most 3 rules.",
    );
    assert_eq!(api.rules(&sg, &[]).await.len(), 2);
    // An existing rule does not count against the limit again.
    authorize(&api, "AuthorizeSecurityGroup", &sg, &[&r("1/1"), &r("5/5")])
        .await
        .ok();
    assert_eq!(api.rules(&sg, &[]).await.len(), 3);
}

#[tokio::test]
async fn a_basic_group_takes_at_most_twenty_group_peer_rules() {
    // "You can reference up to 20 security groups as sources or destinations in the rules of each
    // basic security group." (AuthorizeSecurityGroup doc)
    let api = Api::new();
    let sg = api.group(&[]).await;
    let peer = api.group(&[]).await;
    for port in 1..=20 {
        let pr = format!("{port}/{port}");
        authorize(
            &api,
            "AuthorizeSecurityGroup",
            &sg,
            &[&[
                ("IpProtocol", "tcp"),
                ("PortRange", &pr),
                ("SourceGroupId", &peer),
            ]],
        )
        .await
        .ok();
    }
    let a = authorize(
        &api,
        "AuthorizeSecurityGroupEgress",
        &sg,
        &[&[
            ("IpProtocol", "tcp"),
            ("PortRange", "99/99"),
            ("DestGroupId", &peer),
        ]],
    )
    .await;
    assert_error(
        &a,
        400,
        "AuthorizedGroupRule.LimitExceed",
        "The maximum number of authorization rules for security groups is exceeded. When authorization object of rule is security group, the limit is 20.",
    );
    let d = api
        .ecs("DescribeSecurityGroups", &[("SecurityGroupId", &sg)])
        .await
        .ok();
    assert_eq!(
        d["SecurityGroups"]["SecurityGroup"][0]["GroupToGroupRuleCount"],
        20
    );
}

#[tokio::test]
async fn group_peers_render_name_and_empty_owner_for_the_same_account() {
    // docs/reference/terraform.md S2b: same-account references report an empty owner; a CIDR wins over a group.
    let api = Api::new();
    let sg = api.group(&[]).await;
    let peer = api.group(&[("SecurityGroupName", "peer-group")]).await;
    authorize(
        &api,
        "AuthorizeSecurityGroup",
        &sg,
        &[
            &[
                ("IpProtocol", "tcp"),
                ("PortRange", "22/22"),
                ("SourceGroupId", &peer),
                ("Policy", "drop"),
                ("Priority", "100"),
                ("NicType", "intranet"),
            ],
            &[
                ("IpProtocol", "tcp"),
                ("PortRange", "23/23"),
                ("SourceGroupId", &peer),
                ("SourceGroupOwnerId", sgmock::DEFAULT_ACCOUNT),
            ],
            &[
                ("IpProtocol", "tcp"),
                ("PortRange", "24/24"),
                ("SourceGroupId", "sg-elsewhere"),
                ("SourceGroupOwnerId", "99887766"),
            ],
            &[
                ("IpProtocol", "tcp"),
                ("PortRange", "25/25"),
                ("SourceGroupId", &peer),
                ("SourceCidrIp", "8.8.8.8"),
            ],
        ],
    )
    .await
    .ok();
    let rules = api.rules(&sg, &[]).await;
    let ids = ids(&rules);
    assert_eq!(
        rules,
        vec![
            permission(
                json!({"SecurityGroupRuleId": ids[0], "PortRange": "22/22", "SourceGroupId": peer, "SourceGroupName": "peer-group", "Policy": "Drop", "Priority": "100"})
            ),
            permission(
                json!({"SecurityGroupRuleId": ids[1], "PortRange": "23/23", "SourceGroupId": peer, "SourceGroupName": "peer-group"})
            ),
            // Cross-account: the owner is echoed (docs/reference/terraform.md S2b step 4).
            permission(
                json!({"SecurityGroupRuleId": ids[2], "PortRange": "24/24", "SourceGroupId": "sg-elsewhere", "SourceGroupOwnerAccount": "99887766"})
            ),
            permission(
                json!({"SecurityGroupRuleId": ids[3], "PortRange": "25/25", "SourceCidrIp": "8.8.8.8"})
            ),
        ]
    );
}

#[tokio::test]
async fn group_peer_checks_self_vpc_network_type_and_enterprise() {
    let api = Api::new();
    let sg = api.group(&[]).await;
    let other_vpc = api.group(&[("VpcId", "vpc-other")]).await;
    let classic = api
        .ecs("CreateSecurityGroup", &[])
        .await
        .get("SecurityGroupId");
    let ent = api.group(&[("SecurityGroupType", "enterprise")]).await;
    let tcp = |k: &'static str, v: String| -> Vec<(&'static str, String)> {
        vec![
            ("IpProtocol", "tcp".into()),
            ("PortRange", "22/22".into()),
            (k, v),
        ]
    };
    let call = |action: &'static str, on: String, rule: Vec<(&'static str, String)>| {
        let api = &api;
        async move {
            let r: Vec<(&str, &str)> = rule.iter().map(|(k, v)| (*k, v.as_str())).collect();
            authorize(api, action, &on, &[&r]).await
        }
    };
    assert_error(
        &call(
            "AuthorizeSecurityGroup",
            sg.clone(),
            tcp("SourceGroupId", sg.clone()),
        )
        .await,
        403,
        "InvalidParamter.Conflict",
        "The specified SecurityGroupId should be different from the SourceGroupId.",
    );
    assert_error(
        &call(
            "AuthorizeSecurityGroupEgress",
            sg.clone(),
            tcp("DestGroupId", sg.clone()),
        )
        .await,
        403,
        "InvalidSecurityGroup.IsSame",
        "The authorized SecurityGroupId should be different from the DestGroupId.",
    );
    assert_error(
        &call(
            "AuthorizeSecurityGroup",
            sg.clone(),
            tcp("SourceGroupId", other_vpc.clone()),
        )
        .await,
        400,
        "InvalidSourceGroupId.Mismatch",
        "Specified security group and source group are not in the same VPC.",
    );
    assert_error(
        &call(
            "AuthorizeSecurityGroupEgress",
            sg.clone(),
            tcp("DestGroupId", other_vpc.clone()),
        )
        .await,
        400,
        "InvalidDestGroupId.Mismatch",
        "Specified security group and destination group are not in the same VPC.",
    );
    assert_error(
        &call("AuthorizeSecurityGroup", sg.clone(), tcp("SourceGroupId", classic.clone())).await,
        403,
        "InvalidNetworkType.Conflict",
        "The specified SecurityGroup network type should be same with SourceGroup network type (vpc or classic).",
    );
    assert_error(
        &call(
            "AuthorizeSecurityGroupEgress",
            sg.clone(),
            tcp("DestGroupId", "sg-nothere".into()),
        )
        .await,
        404,
        "InvalidDestGroupId.NotFound",
        "The DestGroupId provided does not exist in our records: sg-nothere.",
    );
    assert_error(
        &call(
            "AuthorizeSecurityGroup",
            ent.clone(),
            tcp("SourceGroupId", sg.clone()),
        )
        .await,
        400,
        "InvalidGroupAuthParameter.OperationDenied",
        "The security group can not authorize to enterprise level security group.",
    );
    let mut drop = tcp("SourceCidrIp", "1.1.1.1".into());
    drop.push(("Policy", "drop".into()));
    assert_error(
        &call("AuthorizeSecurityGroup", ent.clone(), drop).await,
        400,
        "InvalidGroupParameter.OperationDenied",
        "The attributes Policy, SourceGroupId, DestGroupId of enterprise level security groups are not allowed to be set or modified.",
    );
    assert_error(
        &call(
            "AuthorizeSecurityGroup",
            sg.clone(),
            tcp("SourcePrefixListId", "pl-x".into()),
        )
        .await,
        404,
        "InvalidPrefixListId.NotFound",
        "The specified prefix list was not found: pl-x.",
    );
    assert_error(
        &call(
            "AuthorizeSecurityGroup",
            classic.clone(),
            tcp("SourcePrefixListId", "pl-x".into()),
        )
        .await,
        400,
        "NotSupported.ClassicNetworkPrefixList",
        "The prefix list is not supported when the network type of security group is classic.",
    );
    // Port range lists (not emulated yet, so every id is unknown).
    let prl: Vec<(&str, &str)> = vec![
        ("IpProtocol", "tcp"),
        ("PortRangeListId", "prl-x"),
        ("SourceCidrIp", "1.1.1.1"),
    ];
    assert_error(
        &authorize(&api, "AuthorizeSecurityGroup", &sg, &[&prl]).await,
        400,
        "InvalidPortRangeListId.NotFound",
        "The specified port range list was not found: prl-x.",
    );
    let prl_icmp: Vec<(&str, &str)> = vec![
        ("IpProtocol", "icmp"),
        ("PortRangeListId", "prl-x"),
        ("SourceCidrIp", "1.1.1.1"),
    ];
    assert_error(
        &authorize(&api, "AuthorizeSecurityGroup", &sg, &[&prl_icmp]).await,
        400,
        "InvalidParam.ProtocolNotSupportPortRangeList",
        "The specified protocol does not support the port range list.",
    );
}

#[tokio::test]
async fn nic_type_is_intranet_on_vpc_groups_and_defaults_to_internet_on_classic_ones() {
    // docs/reference/ecs.md §1.7 / §5 #20: VPC rules are always intranet; classic rules default to internet,
    // and a group peer must be intranet ("NicType is required or NicType expects intranet").
    let api = Api::new();
    let vpc = api.group(&[]).await;
    authorize(
        &api,
        "AuthorizeSecurityGroup",
        &vpc,
        &[&[
            ("IpProtocol", "tcp"),
            ("PortRange", "1/1"),
            ("SourceCidrIp", "1.1.1.1"),
            ("NicType", "internet"),
        ]],
    )
    .await
    .ok();
    assert_eq!(api.rules(&vpc, &[]).await[0]["NicType"], "intranet");
    let classic = api
        .ecs("CreateSecurityGroup", &[])
        .await
        .get("SecurityGroupId");
    let peer = api
        .ecs("CreateSecurityGroup", &[])
        .await
        .get("SecurityGroupId");
    authorize(
        &api,
        "AuthorizeSecurityGroup",
        &classic,
        &[
            &[
                ("IpProtocol", "tcp"),
                ("PortRange", "1/1"),
                ("SourceCidrIp", "1.1.1.1"),
            ],
            &[
                ("IpProtocol", "tcp"),
                ("PortRange", "2/2"),
                ("SourceCidrIp", "1.1.1.1"),
                ("NicType", "intranet"),
            ],
            &[
                ("IpProtocol", "tcp"),
                ("PortRange", "3/3"),
                ("SourceGroupId", &peer),
            ],
        ],
    )
    .await
    .ok();
    let nics: Vec<_> = api
        .rules(&classic, &[("NicType", "internet")])
        .await
        .iter()
        .map(|r| r["PortRange"].clone())
        .collect();
    assert_eq!(nics, vec![json!("1/1")]);
    let nics: Vec<_> = api
        .rules(&classic, &[("NicType", "intranet")])
        .await
        .iter()
        .map(|r| r["PortRange"].clone())
        .collect();
    assert_eq!(nics, vec![json!("2/2"), json!("3/3")]);
    let a = authorize(
        &api,
        "AuthorizeSecurityGroup",
        &classic,
        &[&[
            ("IpProtocol", "tcp"),
            ("PortRange", "4/4"),
            ("SourceGroupId", &peer),
            ("NicType", "internet"),
        ]],
    )
    .await;
    assert_error(
        &a,
        403,
        "InvalidSourceGroupId.Mismatch",
        "NicType is required or NicType expects intranet.",
    );
    let a = authorize(
        &api,
        "AuthorizeSecurityGroup",
        &classic,
        &[&[
            ("IpProtocol", "tcp"),
            ("PortRange", "4/4"),
            ("SourceCidrIp", "1.1.1.1"),
            ("NicType", "wifi"),
        ]],
    )
    .await;
    assert_error(
        &a,
        400,
        "InvalidNicType.ValueNotSupported",
        "The specified NicType does not exist: Permissions.1.NicType.",
    );
}

#[tokio::test]
async fn ipv6_peers_are_stored_compressed_and_match_any_spelling() {
    // docs/reference/terraform.md S2c: RFC 5952, lower case, host bits kept, prefix kept.
    let api = Api::new();
    let sg = api.group(&[]).await;
    authorize(
        &api,
        "AuthorizeSecurityGroupEgress",
        &sg,
        &[&[
            ("IpProtocol", "tcp"),
            ("PortRange", "443/443"),
            (
                "Ipv6DestCidrIp",
                "2001:0db8:3c4d:0015:0000:0000:1a2f:1a2b/0",
            ),
        ]],
    )
    .await
    .ok();
    authorize(
        &api,
        "AuthorizeSecurityGroup",
        &sg,
        &[
            &[
                ("IpProtocol", "icmpv6"),
                ("PortRange", "-1/-1"),
                ("Ipv6SourceCidrIp", "::/0"),
            ],
            &[
                ("IpProtocol", "tcp"),
                ("PortRange", "80/80"),
                ("Ipv6SourceCidrIp", "2001:DB8::1/64"),
            ],
        ],
    )
    .await
    .ok();
    let rules = api.rules(&sg, &[]).await;
    let got: Vec<_> = rules
        .iter()
        .map(|r| {
            (
                r["IpProtocol"].clone(),
                r["Ipv6SourceCidrIp"].clone(),
                r["Ipv6DestCidrIp"].clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                json!("TCP"),
                json!(""),
                json!("2001:db8:3c4d:15::1a2f:1a2b/0")
            ),
            (json!("ICMPv6"), json!("::/0"), json!("")),
            (json!("TCP"), json!("2001:db8::1/64"), json!("")),
        ]
    );
    // The compressed form revokes the rule created from the long form.
    api.ecs(
        "RevokeSecurityGroupEgress",
        &[
            ("SecurityGroupId", &sg),
            ("IpProtocol", "tcp"),
            ("PortRange", "443/443"),
            ("Ipv6DestCidrIp", "2001:db8:3c4d:15::1a2f:1a2b/0"),
        ],
    )
    .await
    .ok();
    assert_eq!(api.rules(&sg, &[("Direction", "egress")]).await.len(), 0);
}

/// Each documented rule-validation error of Authorize, with its whole body.
#[tokio::test]
async fn authorize_rejects_each_malformed_rule_with_its_documented_error() {
    let api = Api::new();
    let sg = api.group(&[]).await;
    let long = "d".repeat(513);
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, u16, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        ("AuthorizeSecurityGroup", vec![("IpProtocol", "sctp"), ("PortRange", "1/2"), ("SourceCidrIp", "1.1.1.1")], 400,
         "InvalidIpProtocol.ValueNotSupported", "The parameter Permissions.1.IpProtocol must be specified with case insensitive TCP, UDP, ICMP, GRE or All."),
        ("AuthorizeSecurityGroup", vec![("PortRange", "1/2"), ("SourceCidrIp", "1.1.1.1")], 400,
         "InvalidIpProtocol.ValueNotSupported", "The parameter Permissions.1.IpProtocol must be specified with case insensitive TCP, UDP, ICMP, GRE or All."),
        ("AuthorizeSecurityGroup", vec![("IpProtocol", "tcp"), ("SourceCidrIp", "1.1.1.1")], 400,
         "InvalidPortRange.Malformed", "The specified parameter PortRange must set."),
        ("AuthorizeSecurityGroup", vec![("IpProtocol", "tcp"), ("PortRange", "22"), ("SourceCidrIp", "1.1.1.1")], 400,
         "InvalidParam.PortRange", "The specified parameter Permissions.1.PortRange is not valid. It should be two integers less than 65535 in ?/? format."),
        ("AuthorizeSecurityGroup", vec![("IpProtocol", "tcp"), ("PortRange", "200/1"), ("SourceCidrIp", "1.1.1.1")], 400,
         "InvalidParam.PortRange", "The specified parameter Permissions.1.PortRange is not valid. TCP and UDP take a/b with 1 <= a <= b <= 65535; other protocols take -1/-1."),
        ("AuthorizeSecurityGroup", vec![("IpProtocol", "icmp"), ("PortRange", "22/22"), ("SourceCidrIp", "1.1.1.1")], 400,
         "InvalidParam.PortRange", "The specified parameter Permissions.1.PortRange is not valid. TCP and UDP take a/b with 1 <= a <= b <= 65535; other protocols take -1/-1."),
        ("AuthorizeSecurityGroup", vec![("IpProtocol", "tcp"), ("PortRange", "1/2"), ("SourcePortRange", "x/y"), ("SourceCidrIp", "1.1.1.1")], 400,
         "InvalidSourcePortRange.Malformed", "The specified parameter Permissions.1.SourcePortRange is not valid."),
        ("AuthorizeSecurityGroup", vec![("IpProtocol", "tcp"), ("PortRange", "1/2"), ("Policy", "allow"), ("SourceCidrIp", "1.1.1.1")], 400,
         "InvalidPolicy.Malformed", "The specified parameter Permissions.1.Policy is not valid."),
        ("AuthorizeSecurityGroup", vec![("IpProtocol", "tcp"), ("PortRange", "1/2"), ("Priority", "high"), ("SourceCidrIp", "1.1.1.1")], 400,
         "InvalidPriority.Malformed", "The parameter Permissions.1.Priority is invalid."),
        ("AuthorizeSecurityGroup", vec![("IpProtocol", "tcp"), ("PortRange", "1/2"), ("Priority", "101"), ("SourceCidrIp", "1.1.1.1")], 400,
         "InvalidPriority.ValueNotSupported", "The specified parameter Permissions.1.Priority is invalid: valid values are 1 to 100."),
        ("AuthorizeSecurityGroup", vec![("IpProtocol", "tcp"), ("PortRange", "1/2"), ("Description", &long), ("SourceCidrIp", "1.1.1.1")], 400,
         "InvalidSecurityGroupDiscription.Malformed", "The specified security group rule description is not valid: Permissions.1.Description must be 1 to 512 characters, without control characters."),
        ("AuthorizeSecurityGroup", vec![("IpProtocol", "tcp"), ("PortRange", "1/2"), ("SourceCidrIp", "1.1.1.300")], 400,
         "InvalidParam.SourceCidrIp", "The specified parameter Permissions.1.SourceCidrIp is not valid."),
        ("AuthorizeSecurityGroupEgress", vec![("IpProtocol", "tcp"), ("PortRange", "1/2"), ("DestCidrIp", "::/0")], 400,
         "InvalidParam.DestCidrIp", "The specified parameter Permissions.1.DestCidrIp is not valid."),
        ("AuthorizeSecurityGroup", vec![("IpProtocol", "tcp"), ("PortRange", "1/2"), ("Ipv6SourceCidrIp", "2001::zz")], 400,
         "InvalidParam.Ipv6SourceCidrIp", "The specified parameter Permissions.1.Ipv6SourceCidrIp is not valid."),
        ("AuthorizeSecurityGroupEgress", vec![("IpProtocol", "tcp"), ("PortRange", "1/2"), ("Ipv6DestCidrIp", "10.0.0.0/8")], 400,
         "InvalidParam.Ipv6DestCidrIp", "The specified parameter Permissions.1.Ipv6DestCidrIp is not valid."),
        ("AuthorizeSecurityGroup", vec![("IpProtocol", "tcp"), ("PortRange", "1/2"), ("SourceCidrIp", "1.1.1.1"), ("Ipv6SourceCidrIp", "::/0")], 400,
         "InvalidParam.SourceIp", "The Parameters SourceCidrIp and Ipv6SourceCidrIp in Permissions.1 cannot be set at the same time."),
        ("AuthorizeSecurityGroupEgress", vec![("IpProtocol", "tcp"), ("PortRange", "1/2"), ("DestCidrIp", "1.1.1.1"), ("Ipv6DestCidrIp", "::/0")], 400,
         "InvalidParam.DestIp", "The Parameters DestCidrIp and Ipv6DestCidrIp in Permissions.1 cannot be set at the same time."),
        ("AuthorizeSecurityGroup", vec![("IpProtocol", "tcp"), ("PortRange", "1/2"), ("SourceCidrIp", "1.1.1.1"), ("Ipv6DestCidrIp", "::/0")], 400,
         "InvalidParameter.Conflict", "IPv6 and IPv4 addresses cannot exist at the same time."),
        ("AuthorizeSecurityGroup", vec![("IpProtocol", "icmp"), ("PortRange", "-1/-1"), ("Ipv6SourceCidrIp", "::/0")], 400,
         "InvalidParam.Ipv4ProtocolConflictWithIpv6Address", "IPv6 address cannot be specified for IPv4-specific protocol."),
        ("AuthorizeSecurityGroupEgress", vec![("IpProtocol", "icmpv6"), ("PortRange", "-1/-1"), ("DestCidrIp", "0.0.0.0/0")], 400,
         "InvalidParam.Ipv6ProtocolConflictWithIpv4Address", "IPv4 address cannot be specified for IPv6-specific protocol."),
        ("AuthorizeSecurityGroup", vec![("IpProtocol", "tcp"), ("PortRange", "1/2"), ("SourceCidrIp", "10.0.0.0/8"), ("DestCidrIp", "10.0.0.0/8")], 400,
         "InvalidParamter.Conflict", "The specified SourceCidrIp should be different from the DestCidrIp."),
        ("AuthorizeSecurityGroup", vec![("IpProtocol", "tcp"), ("PortRange", "1/2"), ("DestCidrIp", "10.0.0.0/8")], 400,
         "MissingParameter.Source", "One of the parameters SourceCidrIp, Ipv6SourceCidrIp, SourceGroupId or SourcePrefixListId in Permissions.1 must be specified."),
        ("AuthorizeSecurityGroupEgress", vec![("IpProtocol", "tcp"), ("PortRange", "1/2"), ("SourceCidrIp", "10.0.0.0/8")], 400,
         "MissingParameter.Dest", "One of the parameters DestCidrIp, Ipv6DestCidrIp, DestGroupId or DestPrefixListId in Permissions.1 must be specified."),
    ];
    for (action, rule, status, code, msg) in cases {
        let a = authorize(&api, action, &sg, &[&rule]).await;
        assert_error(&a, status, code, msg);
    }
    assert!(api.rules(&sg, &[]).await.is_empty());
    // Flat parameters name themselves without a Permissions prefix.
    let a = api
        .ecs(
            "AuthorizeSecurityGroup",
            &[
                ("SecurityGroupId", &sg),
                ("IpProtocol", "tcp"),
                ("PortRange", "1/2"),
            ],
        )
        .await;
    assert_error(&a, 400, "MissingParameter.Source", "One of the parameters SourceCidrIp, Ipv6SourceCidrIp, SourceGroupId or SourcePrefixListId must be specified.");
    let a = api
        .ecs(
            "AuthorizeSecurityGroup",
            &[
                ("SecurityGroupId", "sg-none"),
                ("IpProtocol", "tcp"),
                ("PortRange", "1/2"),
                ("SourceCidrIp", "1.1.1.1"),
            ],
        )
        .await;
    assert_error(
        &a,
        404,
        "InvalidSecurityGroupId.NotFound",
        "The specified SecurityGroupId does not exist: sg-none.",
    );
    let a = api
        .ecs(
            "AuthorizeSecurityGroup",
            &[
                ("SecurityGroupId", "sg-bad id"),
                ("IpProtocol", "tcp"),
                ("PortRange", "1/2"),
                ("SourceCidrIp", "1.1.1.1"),
            ],
        )
        .await;
    assert_error(
        &a,
        400,
        "InvalidSecurityGroupId.Malformed",
        "The specified parameter SecurityGroupId is not valid.",
    );
}

#[tokio::test]
async fn more_than_one_hundred_permissions_are_refused() {
    let api = Api::new();
    let sg = api.group(&[]).await;
    let a = api
        .ecs(
            "AuthorizeSecurityGroup",
            &[
                ("SecurityGroupId", &sg),
                ("Permissions.101.IpProtocol", "tcp"),
            ],
        )
        .await;
    assert_error(
        &a,
        400,
        "InvalidParameter",
        "The parameter Permissions.N accepts at most 100 items.",
    );
    let a = api
        .ecs(
            "AuthorizeSecurityGroup",
            &[
                ("SecurityGroupId", &sg),
                ("Permissions.0.IpProtocol", "tcp"),
            ],
        )
        .await;
    assert_error(&a, 400, "InvalidParameter", "The parameter Permissions.0.IpProtocol is not valid: list indexes are integers starting at 1.");
}
