//! ModifySecurityGroupEgressRule from its seed page (docs/reference/pages.md),
//! and its inbound twin ModifySecurityGroupRule (docs/reference/ecs.md §1.9).

use serde_json::json;

use crate::support::*;

async fn setup(api: &Api) -> (String, String) {
    let sg = api.group(&[]).await;
    let peer = api.group(&[]).await;
    api.ecs(
        "AuthorizeSecurityGroupEgress",
        &[
            ("SecurityGroupId", &sg),
            ("Permissions.1.IpProtocol", "tcp"),
            ("Permissions.1.PortRange", "80/80"),
            ("Permissions.1.DestCidrIp", "10.0.0.0/8"),
            ("Permissions.1.Description", "web"),
            ("Permissions.2.IpProtocol", "tcp"),
            ("Permissions.2.PortRange", "81/81"),
            ("Permissions.2.DestCidrIp", "10.0.0.0/8"),
            ("Permissions.3.IpProtocol", "tcp"),
            ("Permissions.3.PortRange", "82/82"),
            ("Permissions.3.DestGroupId", &peer),
        ],
    )
    .await
    .ok();
    (sg, peer)
}

async fn rule_ids(api: &Api, sg: &str) -> Vec<String> {
    ids(&api.rules(sg, &[("Direction", "egress")]).await)
}

#[tokio::test]
async fn modify_by_rule_id_changes_the_rule_in_place() {
    let api = Api::new();
    let (sg, _) = setup(&api).await;
    let id = rule_ids(&api, &sg).await[0].clone();
    let a = api
        .ecs(
            "ModifySecurityGroupEgressRule",
            &[
                ("SecurityGroupId", &sg),
                ("SecurityGroupRuleId", &id),
                ("PortRange", "8080/8090"),
                ("DestCidrIp", "172.16.0.0/12"),
                ("Policy", "drop"),
                ("Priority", "3"),
                ("Description", "changed"),
            ],
        )
        .await;
    assert_eq!(a.ok(), empty_ok());
    let rules = api.rules(&sg, &[("Direction", "egress")]).await;
    assert_eq!(
        rules[0],
        permission(json!({
            "SecurityGroupRuleId": id, "Direction": "egress", "PortRange": "8080/8090", "DestCidrIp": "172.16.0.0/12",
            "Policy": "Drop", "Priority": "3", "Description": "changed",
        }))
    );
    // The IPv4 peer may become another IPv4 block: the kind stays.
    assert_eq!(rules.len(), 3);
}

#[tokio::test]
async fn modify_by_rule_id_refuses_what_the_seed_forbids() {
    let api = Api::new();
    let (sg, peer) = setup(&api).await;
    let rids = rule_ids(&api, &sg).await;
    let before = api.rules(&sg, &[]).await;
    let call = |extra: Vec<(&'static str, String)>, rid: String| {
        let api = &api;
        let sg = sg.clone();
        async move {
            let mut p: Vec<(&str, String)> =
                vec![("SecurityGroupId", sg), ("SecurityGroupRuleId", rid)];
            p.extend(extra);
            let pairs: Vec<(&str, &str)> = p.iter().map(|(k, v)| (*k, v.as_str())).collect();
            api.ecs("ModifySecurityGroupEgressRule", &pairs).await
        }
    };
    // "The type of an existing security group authorization object cannot be modified."
    assert_error(
        &call(vec![("DestGroupId", peer.clone())], rids[0].clone()).await,
        400,
        "InvalidOperation.ModifySgRuleEntityType",
        "The source or destination type of the rules cannot be modified.",
    );
    assert_error(
        &call(vec![("DestCidrIp", "10.0.0.0/8".into())], rids[2].clone()).await,
        400,
        "InvalidOperation.ModifySgRuleEntityType",
        "The source or destination type of the rules cannot be modified.",
    );
    // "The IP address family of the authorization object cannot be changed."
    assert_error(
        &call(vec![("Ipv6DestCidrIp", "::/0".into())], rids[0].clone()).await,
        400,
        "InvalidOperation.ModifySgRuleEntityType",
        "The source or destination type of the rules cannot be modified.",
    );
    // "The modified security group rule cannot be the same as other existing rules."
    assert_error(
        &call(vec![("PortRange", "81/81".into())], rids[0].clone()).await,
        400,
        "InvalidOperation.RuleDuplicate",
        "The security group rule is the same as another existing rule.",
    );
    // "You cannot delete the value of a non-empty parameter."
    assert_error(
        &call(vec![("DestCidrIp", "".into())], rids[0].clone()).await,
        400,
        "InvalidParam.InvalidModifyRuleRequest",
        "The request parameters are illegal: DestCidrIp has a value and cannot be cleared.",
    );
    let classic = api
        .ecs("CreateSecurityGroup", &[])
        .await
        .get("SecurityGroupId");
    api.ecs(
        "AuthorizeSecurityGroupEgress",
        &[
            ("SecurityGroupId", &classic),
            ("IpProtocol", "tcp"),
            ("PortRange", "1/1"),
            ("DestCidrIp", "1.1.1.1"),
        ],
    )
    .await
    .ok();
    let crid = ids(&api.rules(&classic, &[("NicType", "internet")]).await)[0].clone();
    // NicType "cannot modify this parameter when you modify a security group rule by specifying its ID".
    let a = api
        .ecs(
            "ModifySecurityGroupEgressRule",
            &[
                ("SecurityGroupId", &classic),
                ("SecurityGroupRuleId", &crid),
                ("NicType", "intranet"),
            ],
        )
        .await;
    assert_error(
        &a,
        400,
        "InvalidOperation.ModifyNicType",
        "NicType is not allowed to modify.",
    );
    // In a VPC group too, where any NicType reads as intranet: sending another one is refused, not
    // silently ignored; sending the rule's own is fine.
    assert_error(
        &call(vec![("NicType", "internet".into())], rids[0].clone()).await,
        400,
        "InvalidOperation.ModifyNicType",
        "NicType is not allowed to modify.",
    );
    assert_eq!(
        call(vec![("NicType", "intranet".into())], rids[0].clone())
            .await
            .status,
        200
    );
    // Validation of the merged rule.
    assert_error(
        &call(vec![("IpProtocol", "icmp".into())], rids[0].clone()).await,
        400,
        "InvalidParam.ProtocolAndPortRangeMismatch",
        "The specified Protocol and PortRange do not match: PortRange.",
    );
    assert_error(
        &call(vec![("PortRange", "80-81".into())], rids[0].clone()).await,
        400,
        "InvalidParam.PortRange",
        "The specified param PortRange is not valid. should be integer and less than 65535, range separator is '/'.",
    );
    assert_error(
        &call(vec![("DestCidrIp", "10.0.0.0/40".into())], rids[0].clone()).await,
        400,
        "InvalidDestCidrIp.Malformed",
        "The specified parameter DestCidrIp is not valid.",
    );
    assert_error(
        &call(vec![("DestGroupId", "sg-nope".into())], rids[2].clone()).await,
        404,
        "InvalidDestGroupId.NotFound",
        "The DestGroupId provided does not exist in our records: sg-nope.",
    );
    // Unknown rule id: the seed's table gives SecurityGroupRule.NotFound (404).
    assert_error(
        &call(
            vec![("Description", "x".into())],
            "sgr-doesnotexist0000000".into(),
        )
        .await,
        404,
        "SecurityGroupRule.NotFound",
        "The target security group rule do not exist or the parameter Priority mismatch.",
    );
    assert_eq!(api.rules(&sg, &[]).await, before);
}

#[tokio::test]
async fn modify_without_a_rule_id_changes_only_the_description_of_the_matching_rule() {
    // What Terraform sends (docs/reference/terraform.md §2.3): the identity fields plus Description.
    let api = Api::new();
    let (sg, _) = setup(&api).await;
    let before = api.rules(&sg, &[]).await;
    let a = api
        .ecs(
            "ModifySecurityGroupEgressRule",
            &[
                ("SecurityGroupId", &sg),
                ("IpProtocol", "tcp"),
                ("PortRange", "80/80"),
                ("DestCidrIp", "10.0.0.0/8"),
                ("Policy", "accept"),
                ("Priority", "1"),
                ("NicType", "intranet"),
                ("Description", "renamed"),
            ],
        )
        .await;
    assert_eq!(a.ok(), empty_ok());
    let after = api.rules(&sg, &[]).await;
    let mut expected = before.clone();
    expected[0]["Description"] = json!("renamed");
    assert_eq!(after, expected);
    // An empty Description clears it (docs/reference/terraform.md §7 decision 3).
    api.ecs(
        "ModifySecurityGroupEgressRule",
        &[
            ("SecurityGroupId", &sg),
            ("IpProtocol", "tcp"),
            ("PortRange", "80/80"),
            ("DestCidrIp", "10.0.0.0/8"),
            ("Description", ""),
        ],
    )
    .await
    .ok();
    assert_eq!(api.rules(&sg, &[]).await[0]["Description"], "");
    // Priority mismatch or no such rule: 404 SecurityGroupRule.NotFound (seed).
    for (port, prio) in [("80/80", "2"), ("99/99", "1")] {
        let a = api
            .ecs(
                "ModifySecurityGroupEgressRule",
                &[
                    ("SecurityGroupId", &sg),
                    ("IpProtocol", "tcp"),
                    ("PortRange", port),
                    ("DestCidrIp", "10.0.0.0/8"),
                    ("Priority", prio),
                    ("Description", "x"),
                ],
            )
            .await;
        assert_error(
            &a,
            404,
            "SecurityGroupRule.NotFound",
            "The target security group rule do not exist or the parameter Priority mismatch.",
        );
    }
    // Without a rule id, IpProtocol and PortRange are required (seed: both "Required: Yes").
    let a = api
        .ecs(
            "ModifySecurityGroupEgressRule",
            &[
                ("SecurityGroupId", &sg),
                ("PortRange", "80/80"),
                ("DestCidrIp", "10.0.0.0/8"),
            ],
        )
        .await;
    assert_error(&a, 400, "InvalidIpProtocol.ValueNotSupported", "The parameter IpProtocol must be specified with case insensitive TCP, UDP, ICMP, GRE or All.");
    let a = api
        .ecs(
            "ModifySecurityGroupEgressRule",
            &[
                ("SecurityGroupId", &sg),
                ("IpProtocol", "tcp"),
                ("DestCidrIp", "10.0.0.0/8"),
            ],
        )
        .await;
    assert_error(
        &a,
        400,
        "InvalidPortRange.Malformed",
        "The specified parameter PortRange must set.",
    );
}

#[tokio::test]
async fn modify_security_group_rule_works_on_inbound_rules() {
    let api = Api::new();
    let sg = api.group(&[]).await;
    api.ecs(
        "AuthorizeSecurityGroup",
        &[
            ("SecurityGroupId", &sg),
            ("IpProtocol", "tcp"),
            ("PortRange", "22/22"),
            ("SourceCidrIp", "0.0.0.0/0"),
            ("Description", "abc"),
        ],
    )
    .await
    .ok();
    let rid = ids(&api.rules(&sg, &[]).await)[0].clone();
    api.ecs(
        "ModifySecurityGroupRule",
        &[
            ("SecurityGroupId", &sg),
            ("SecurityGroupRuleId", &rid),
            ("SourceCidrIp", "192.168.1.0/24"),
        ],
    )
    .await
    .ok();
    assert_eq!(
        api.rules(&sg, &[]).await,
        vec![permission(
            json!({"SecurityGroupRuleId": rid, "PortRange": "22/22", "SourceCidrIp": "192.168.1.0/24", "Description": "abc"})
        )]
    );
    // The inbound action's unknown-id error.
    let a = api
        .ecs(
            "ModifySecurityGroupRule",
            &[
                ("SecurityGroupId", &sg),
                ("SecurityGroupRuleId", "sgr-unknown00000000000"),
            ],
        )
        .await;
    assert_error(
        &a,
        404,
        "InvalidSecurityGroupRuleId.NotFound",
        "The specified SecurityGroupRuleId is not exists: sgr-unknown00000000000.",
    );
    // An egress rule id is not an inbound rule.
    let a = api
        .ecs(
            "ModifySecurityGroupEgressRule",
            &[
                ("SecurityGroupId", &sg),
                ("SecurityGroupRuleId", &rid),
                ("Description", "x"),
            ],
        )
        .await;
    assert_error(
        &a,
        404,
        "SecurityGroupRule.NotFound",
        "The target security group rule do not exist or the parameter Priority mismatch.",
    );
}

#[tokio::test]
async fn modify_by_id_moves_a_group_reference() {
    let api = Api::new();
    let sg = api.group(&[]).await;
    let (a, b) = (api.group(&[]).await, api.group(&[]).await);
    api.ecs(
        "AuthorizeSecurityGroup",
        &[
            ("SecurityGroupId", &sg),
            ("IpProtocol", "tcp"),
            ("PortRange", "1/1"),
            ("SourceGroupId", &a),
        ],
    )
    .await
    .ok();
    let rid = ids(&api.rules(&sg, &[]).await)[0].clone();
    api.ecs(
        "ModifySecurityGroupRule",
        &[
            ("SecurityGroupId", &sg),
            ("SecurityGroupRuleId", &rid),
            ("SourceGroupId", &b),
        ],
    )
    .await
    .ok();
    // The reference moved with it: a can go, b cannot.
    api.ecs("DeleteSecurityGroup", &[("SecurityGroupId", &a)])
        .await
        .ok();
    assert_error(
        &api.ecs("DeleteSecurityGroup", &[("SecurityGroupId", &b)])
            .await,
        403,
        "DependencyViolation",
        "The specified security group has been authorized in another one.",
    );
}
