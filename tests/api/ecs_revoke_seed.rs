//! RevokeSecurityGroup and RevokeSecurityGroupEgress, from the seed pages
//! (ECS RevokeSecurityGroupEgress and the Chinese RevokeSecurityGroup page, docs/reference/pages.md): each
//! documented rule and each error their tables list that input or state can trigger.

use crate::support::*;

async fn setup(api: &Api) -> (String, Vec<String>) {
    let sg = api.group(&[]).await;
    api.ecs(
        "AuthorizeSecurityGroupEgress",
        &[
            ("SecurityGroupId", &sg),
            ("Permissions.1.IpProtocol", "tcp"),
            ("Permissions.1.PortRange", "22/22"),
            ("Permissions.1.DestCidrIp", "10.0.0.0/8"),
            ("Permissions.2.IpProtocol", "udp"),
            ("Permissions.2.PortRange", "53/53"),
            ("Permissions.2.DestCidrIp", "192.168.0.0/16"),
            ("Permissions.2.Description", "dns"),
            ("Permissions.3.IpProtocol", "tcp"),
            ("Permissions.3.PortRange", "443/443"),
            ("Permissions.3.DestCidrIp", "0.0.0.0/0"),
            ("Permissions.3.Priority", "5"),
        ],
    )
    .await
    .ok();
    let rules = api.rules(&sg, &[("Direction", "egress")]).await;
    (sg, ids(&rules))
}

#[tokio::test]
async fn revoke_by_rule_ids_deletes_exactly_those_rules() {
    // Seed: "Delete rules by specifying security group rule IDs (recommended)."
    let api = Api::new();
    let (sg, ids_before) = setup(&api).await;
    let a = api
        .ecs(
            "RevokeSecurityGroupEgress",
            &[
                ("SecurityGroupId", &sg),
                ("SecurityGroupRuleId.1", &ids_before[0]),
                ("SecurityGroupRuleId.2", &ids_before[2]),
            ],
        )
        .await;
    assert_eq!(a.ok(), empty_ok());
    assert_eq!(ids(&api.rules(&sg, &[]).await), vec![ids_before[1].clone()]);
}

#[tokio::test]
async fn an_unknown_rule_id_is_an_error_and_nothing_is_deleted() {
    // Seed: "If the specified security group rule ID does not exist, an error is returned."
    let api = Api::new();
    let (sg, before) = setup(&api).await;
    let missing = "sgr-000000000000000000zz";
    let a = api
        .ecs(
            "RevokeSecurityGroupEgress",
            &[
                ("SecurityGroupId", &sg),
                ("SecurityGroupRuleId.1", &before[0]),
                ("SecurityGroupRuleId.2", missing),
            ],
        )
        .await;
    assert_error(
        &a,
        404,
        "InvalidSecurityGroupRuleId.NotFound",
        &format!("The specified SecurityGroupRuleId is not exists: {missing}."),
    );
    assert_eq!(ids(&api.rules(&sg, &[]).await), before);
    // An egress rule's id is not an ingress rule of the group.
    let a = api
        .ecs(
            "RevokeSecurityGroup",
            &[
                ("SecurityGroupId", &sg),
                ("SecurityGroupRuleId.1", &before[0]),
            ],
        )
        .await;
    assert_error(
        &a,
        404,
        "InvalidSecurityGroupRuleId.NotFound",
        &format!(
            "The specified SecurityGroupRuleId is not exists: {}.",
            before[0]
        ),
    );
    // Seed: InvalidParam.SecurityGroupRuleIdRepeated, InvalidParam.SecurityGroupRuleId.
    let a = api
        .ecs(
            "RevokeSecurityGroupEgress",
            &[
                ("SecurityGroupId", &sg),
                ("SecurityGroupRuleId.1", &before[0]),
                ("SecurityGroupRuleId.2", &before[0]),
            ],
        )
        .await;
    assert_error(
        &a,
        400,
        "InvalidParam.SecurityGroupRuleIdRepeated",
        &format!(
            "The specified parameter SecurityGroupRuleId is repeated: {}.",
            before[0]
        ),
    );
    let a = api
        .ecs(
            "RevokeSecurityGroupEgress",
            &[
                ("SecurityGroupId", &sg),
                ("SecurityGroupRuleId.1", "rule-1"),
            ],
        )
        .await;
    assert_error(
        &a,
        400,
        "InvalidParam.SecurityGroupRuleId",
        "The specified parameter SecurityGroupRuleId is not valid: rule-1.",
    );
    assert_eq!(ids(&api.rules(&sg, &[]).await), before);
}

#[tokio::test]
async fn rule_ids_and_permissions_cannot_be_combined() {
    // Seed: "You cannot specify both security group rule IDs and the Permissions parameter at the same time."
    let api = Api::new();
    let (sg, before) = setup(&api).await;
    for extra in [("Permissions.1.IpProtocol", "tcp"), ("IpProtocol", "tcp")] {
        let a = api
            .ecs(
                "RevokeSecurityGroupEgress",
                &[
                    ("SecurityGroupId", &sg),
                    ("SecurityGroupRuleId.1", &before[0]),
                    extra,
                ],
            )
            .await;
        assert_error(
            &a,
            400,
            "InvalidParam.Permissions",
            "The specified parameter Permissions cannot coexist with other parameters.",
        );
    }
    assert_eq!(ids(&api.rules(&sg, &[]).await), before);
}

#[tokio::test]
async fn revoke_by_permissions_deletes_the_matching_rule_whatever_its_description() {
    // Seed: the rule is identified by destination, PortRange, IpProtocol and Policy.
    let api = Api::new();
    let (sg, before) = setup(&api).await;
    let a = api
        .ecs(
            "RevokeSecurityGroupEgress",
            &[
                ("SecurityGroupId", &sg),
                ("Permissions.1.IpProtocol", "UDP"),
                ("Permissions.1.PortRange", "53/53"),
                ("Permissions.1.DestCidrIp", "192.168.0.0/16"),
                ("Permissions.1.Policy", "Accept"),
                ("Permissions.1.Description", "not the stored description"),
            ],
        )
        .await;
    assert_eq!(a.ok(), empty_ok());
    assert_eq!(
        ids(&api.rules(&sg, &[]).await),
        vec![before[0].clone(), before[2].clone()]
    );
}

#[tokio::test]
async fn revoke_by_permissions_without_a_match_succeeds_and_deletes_nothing() {
    // Seed: "If the matching security group rule does not exist, the invoke succeeds but no rule is deleted."
    let api = Api::new();
    let (sg, before) = setup(&api).await;
    for rule in [
        vec![
            ("Permissions.1.IpProtocol", "tcp"),
            ("Permissions.1.PortRange", "23/23"),
            ("Permissions.1.DestCidrIp", "10.0.0.0/8"),
        ],
        // Another policy is another rule.
        vec![
            ("Permissions.1.IpProtocol", "tcp"),
            ("Permissions.1.PortRange", "22/22"),
            ("Permissions.1.DestCidrIp", "10.0.0.0/8"),
            ("Permissions.1.Policy", "drop"),
        ],
        // Priority differs from the stored rule's: left alone (docs/reference/terraform.md §7 decision 4).
        vec![
            ("Permissions.1.IpProtocol", "tcp"),
            ("Permissions.1.PortRange", "443/443"),
            ("Permissions.1.DestCidrIp", "0.0.0.0/0"),
        ],
    ] {
        let mut p = vec![("SecurityGroupId", sg.as_str())];
        p.extend(rule);
        assert_eq!(
            api.ecs("RevokeSecurityGroupEgress", &p).await.ok(),
            empty_ok()
        );
    }
    assert_eq!(ids(&api.rules(&sg, &[]).await), before);
    // With the right priority it goes.
    let p = [
        ("SecurityGroupId", sg.as_str()),
        ("IpProtocol", "tcp"),
        ("PortRange", "443/443"),
        ("DestCidrIp", "0.0.0.0/0"),
        ("Priority", "5"),
    ];
    api.ecs("RevokeSecurityGroupEgress", &p).await.ok();
    assert_eq!(ids(&api.rules(&sg, &[]).await), before[..2].to_vec());
}

#[tokio::test]
async fn revoke_security_group_by_flat_parameters_matches_source_cidr_and_group_peers() {
    // zh seed: IpProtocol, PortRange, NicType, Policy and SourceCidrIp / SourceGroupId identify a rule.
    let api = Api::new();
    let sg = api.group(&[]).await;
    let peer = api.group(&[]).await;
    let rules = [
        [
            ("SecurityGroupId", sg.as_str()),
            ("IpProtocol", "tcp"),
            ("PortRange", "80/80"),
            ("SourceCidrIp", "10.0.0.0/8"),
        ],
        [
            ("SecurityGroupId", sg.as_str()),
            ("IpProtocol", "tcp"),
            ("PortRange", "80/80"),
            ("SourceGroupId", peer.as_str()),
        ],
    ];
    for r in &rules {
        api.ecs("AuthorizeSecurityGroup", r).await.ok();
    }
    for r in &rules {
        let mut p = r.to_vec();
        p.extend([("NicType", "intranet"), ("Policy", "accept")]);
        assert_eq!(api.ecs("RevokeSecurityGroup", &p).await.ok(), empty_ok());
    }
    assert!(api.rules(&sg, &[]).await.is_empty());
}

/// Each error of the seed tables that input or state can trigger, with its whole body.
#[tokio::test]
async fn revoke_rejects_malformed_input_with_the_seed_table_codes() {
    let api = Api::new();
    let sg = api.group(&[]).await;
    let classic = api
        .ecs("CreateSecurityGroup", &[])
        .await
        .get("SecurityGroupId");
    let other_vpc = api.group(&[("VpcId", "vpc-2")]).await;
    let ent = api.group(&[("SecurityGroupType", "enterprise")]).await;
    let long = "x".repeat(513);
    type Case<'a> = (
        &'a str,
        &'a str,
        Vec<(&'a str, &'a str)>,
        u16,
        &'a str,
        String,
    );
    let cases: Vec<Case> = vec![
        ("RevokeSecurityGroupEgress", &sg, vec![("IpProtocol", "icmpx"), ("PortRange", "-1/-1"), ("DestCidrIp", "1.1.1.1")], 400,
         "InvalidIpProtocol.ValueNotSupported", "The parameter IpProtocol must be specified with case insensitive TCP, UDP, ICMP, GRE or All.".into()),
        ("RevokeSecurityGroupEgress", &sg, vec![("IpProtocol", "tcp"), ("PortRange", "0/70000"), ("DestCidrIp", "1.1.1.1")], 400,
         "InvalidIpPortRange.Malformed", "The specified parameter PortRange is not valid.".into()),
        ("RevokeSecurityGroup", &sg, vec![("IpProtocol", "gre"), ("PortRange", "1/1"), ("SourceCidrIp", "1.1.1.1")], 400,
         "InvalidIpPortRange.Malformed", "The specified parameter PortRange is not valid.".into()),
        ("RevokeSecurityGroupEgress", &sg, vec![("IpProtocol", "tcp"), ("PortRange", "a/b"), ("DestCidrIp", "1.1.1.1")], 400,
         "InvalidParam.PortRange", "The specified parameter PortRange is not valid. It should be two integers less than 65535 in ?/? format.".into()),
        // The Chinese RevokeSecurityGroup page has only InvalidIpPortRange.Malformed for PortRange.
        ("RevokeSecurityGroup", &sg, vec![("IpProtocol", "tcp"), ("PortRange", "a/b"), ("SourceCidrIp", "1.1.1.1")], 400,
         "InvalidIpPortRange.Malformed", "The specified parameter PortRange is not valid.".into()),
        ("RevokeSecurityGroupEgress", &sg, vec![("IpProtocol", "tcp"), ("PortRange", "1/1")], 400,
         "MissingParameter.Dest", "One of the parameters DestCidrIp, Ipv6DestCidrIp, DestGroupId or DestPrefixListId must be specified.".into()),
        ("RevokeSecurityGroup", &sg, vec![("IpProtocol", "tcp"), ("PortRange", "1/1")], 400,
         "MissingParameter.Source", "One of the parameters SourceCidrIp, Ipv6SourceCidrIp, SourceGroupId or SourcePrefixListId must be specified.".into()),
        ("RevokeSecurityGroupEgress", &sg, vec![("IpProtocol", "tcp"), ("PortRange", "1/1"), ("DestCidrIp", "10.0.0.0/33")], 400,
         "InvalidDestCidrIp.Malformed", "The specified parameter DestCidrIp is not valid.".into()),
        ("RevokeSecurityGroup", &sg, vec![("IpProtocol", "tcp"), ("PortRange", "1/1"), ("SourceCidrIp", "nope")], 400,
         "InvalidSourceCidrIp.Malformed", "The specified parameter SourceCidrIp is not valid.".into()),
        ("RevokeSecurityGroupEgress", &sg, vec![("IpProtocol", "tcp"), ("PortRange", "1/1"), ("DestCidrIp", "1.1.1.1"), ("Policy", "reject")], 400,
         "InvalidPolicy.Malformed", "The specified parameter Policy is not valid.".into()),
        ("RevokeSecurityGroupEgress", &sg, vec![("IpProtocol", "tcp"), ("PortRange", "1/1"), ("DestCidrIp", "1.1.1.1"), ("NicType", "public")], 400,
         "InvalidNicType.ValueNotSupported", "The specified NicType does not exist: NicType.".into()),
        ("RevokeSecurityGroupEgress", &sg, vec![("IpProtocol", "tcp"), ("PortRange", "1/1"), ("DestCidrIp", "1.1.1.1"), ("Priority", "1a")], 400,
         "InvalidPriority.Malformed", "The parameter Priority is invalid.".into()),
        ("RevokeSecurityGroupEgress", &sg, vec![("IpProtocol", "tcp"), ("PortRange", "1/1"), ("DestCidrIp", "1.1.1.1"), ("Priority", "0")], 400,
         "InvalidPriority.ValueNotSupported", "The specified parameter Priority is invalid: valid values are 1 to 100.".into()),
        ("RevokeSecurityGroupEgress", &sg, vec![("IpProtocol", "tcp"), ("PortRange", "1/1"), ("DestCidrIp", "1.1.1.1"), ("SourceCidrIp", "2.2.2.2"), ("Ipv6SourceCidrIp", "::1")], 400,
         "InvalidParam.SourceIp", "The Parameters SourceCidrIp and Ipv6SourceCidrIp cannot be set at the same time.".into()),
        ("RevokeSecurityGroupEgress", &sg, vec![("IpProtocol", "tcp"), ("PortRange", "1/1"), ("DestCidrIp", "1.1.1.1"), ("Ipv6DestCidrIp", "::1")], 400,
         "InvalidParam.DestIp", "The Parameters DestCidrIp and Ipv6DestCidrIp cannot be set at the same time.".into()),
        ("RevokeSecurityGroupEgress", &sg, vec![("IpProtocol", "tcp"), ("PortRange", "1/1"), ("Ipv6DestCidrIp", "::g")], 400,
         "InvalidParam.Ipv6DestCidrIp", "The specified parameter Ipv6DestCidrIp is not valid.".into()),
        ("RevokeSecurityGroupEgress", &sg, vec![("IpProtocol", "tcp"), ("PortRange", "1/1"), ("Ipv6DestCidrIp", "::1"), ("Ipv6SourceCidrIp", "1::1::1")], 400,
         "InvalidParam.Ipv6SourceCidrIp", "The specified parameter Ipv6SourceCidrIp is not valid.".into()),
        ("RevokeSecurityGroupEgress", &sg, vec![("IpProtocol", "icmp"), ("PortRange", "-1/-1"), ("Ipv6DestCidrIp", "::/0")], 400,
         "InvalidParam.Ipv4ProtocolConflictWithIpv6Address", "IPv6 address cannot be specified for IPv4-specific protocol.".into()),
        ("RevokeSecurityGroupEgress", &sg, vec![("IpProtocol", "icmpv6"), ("PortRange", "-1/-1"), ("DestCidrIp", "0.0.0.0/0")], 400,
         "InvalidParam.Ipv6ProtocolConflictWithIpv4Address", "IPv4 address cannot be specified for IPv6-specific protocol.".into()),
        ("RevokeSecurityGroupEgress", &sg, vec![("IpProtocol", "tcp"), ("PortRange", "1/1"), ("SourcePortRange", "0/0"), ("DestCidrIp", "1.1.1.1")], 400,
         "InvalidSourcePortRange.Malformed", "The specified parameter SourcePortRange is not valid.".into()),
        ("RevokeSecurityGroupEgress", &sg, vec![("IpProtocol", "tcp"), ("PortRange", "1/1"), ("DestCidrIp", "1.1.1.1"), ("Description", &long)], 400,
         "InvalidSecurityGroupDiscription.Malformed", "The specified security group rule description is not valid: Description must be 1 to 512 characters, without control characters.".into()),
        ("RevokeSecurityGroupEgress", "sg-missing", vec![("IpProtocol", "tcp"), ("PortRange", "1/1"), ("DestCidrIp", "1.1.1.1")], 404,
         "InvalidSecurityGroupId.NotFound", "The specified SecurityGroupId does not exist: sg-missing.".into()),
        ("RevokeSecurityGroup", "sg-not*valid", vec![("IpProtocol", "tcp"), ("PortRange", "1/1"), ("SourceCidrIp", "1.1.1.1")], 400,
         "InvalidSecurityGroupId.Malformed", "The specified parameter SecurityGroupId is not valid.".into()),
        ("RevokeSecurityGroupEgress", &sg, vec![("IpProtocol", "tcp"), ("PortRange", "1/1"), ("DestGroupId", "sg-gone")], 404,
         "InvalidDestGroupId.NotFound", "The DestGroupId provided does not exist in our records: sg-gone.".into()),
        ("RevokeSecurityGroup", &sg, vec![("IpProtocol", "tcp"), ("PortRange", "1/1"), ("SourceGroupId", "sg-gone")], 404,
         "InvalidSourceGroupId.NotFound", "The SourceGroupId provided does not exist in our records: sg-gone.".into()),
        ("RevokeSecurityGroupEgress", &sg, vec![("IpProtocol", "tcp"), ("PortRange", "1/1"), ("DestGroupId", &other_vpc)], 400,
         "InvalidDestGroupId.Mismatch", "Specified security group and destination group are not in the same VPC.".into()),
        ("RevokeSecurityGroup", &sg, vec![("IpProtocol", "tcp"), ("PortRange", "1/1"), ("SourceGroupId", &other_vpc)], 400,
         "InvalidSourceGroupId.Mismatch", "Specified security group and source group are not in the same VPC.".into()),
        ("RevokeSecurityGroupEgress", &sg, vec![("IpProtocol", "tcp"), ("PortRange", "1/1"), ("DestGroupId", &sg)], 403,
         "InvalidSecurityGroup.IsSame", "The authorized SecurityGroupId should be different from the DestGroupId.".into()),
        // RevokeSecurityGroup's (zh) table lists this one as 400.
        ("RevokeSecurityGroup", &sg, vec![("IpProtocol", "tcp"), ("PortRange", "1/1"), ("SourceGroupId", &sg)], 400,
         "InvalidParamter.Conflict", "The specified SecurityGroupId should be different from the SourceGroupId.".into()),
        ("RevokeSecurityGroupEgress", &sg, vec![("IpProtocol", "tcp"), ("PortRange", "1/1"), ("DestPrefixListId", "pl-none")], 404,
         "InvalidPrefixListId.NotFound", "The specified prefix list was not found: pl-none.".into()),
        ("RevokeSecurityGroup", &classic, vec![("IpProtocol", "tcp"), ("PortRange", "1/1"), ("SourcePrefixListId", "pl-none")], 400,
         "NotSupported.ClassicNetworkPrefixList", "The prefix list is not supported when the network type of security group is classic.".into()),
        ("RevokeSecurityGroupEgress", &sg, vec![("IpProtocol", "tcp"), ("PortRangeListId", "prl-none"), ("DestCidrIp", "1.1.1.1")], 400,
         "InvalidPortRangeListId.NotFound", "The specified port range list was not found: prl-none.".into()),
        ("RevokeSecurityGroupEgress", &sg, vec![("IpProtocol", "all"), ("PortRangeListId", "prl-none"), ("DestCidrIp", "1.1.1.1")], 400,
         "InvalidParam.ProtocolNotSupportPortRangeList", "The specified protocol does not support the port range list.".into()),
        ("RevokeSecurityGroupEgress", &ent, vec![("IpProtocol", "tcp"), ("PortRange", "1/1"), ("DestGroupId", &sg)], 400,
         "InvalidGroupAuthParameter.OperationDenied", "The security group can not authorize to enterprise level security group.".into()),
        ("RevokeSecurityGroupEgress", &ent, vec![("IpProtocol", "tcp"), ("PortRange", "1/1"), ("DestCidrIp", "1.1.1.1"), ("Policy", "drop")], 400,
         "InvalidGroupParameter.OperationDenied", "The attributes Policy, SourceGroupId, DestGroupId of enterprise level security groups are not allowed to be set or modified.".into()),
    ];
    for (action, group, rule, status, code, msg) in cases {
        let mut p = vec![("SecurityGroupId", group)];
        p.extend(rule);
        let a = api.ecs(action, &p).await;
        assert_error(&a, status, code, &msg);
    }
    let dup = api
        .ecs(
            "RevokeSecurityGroupEgress",
            &[
                ("SecurityGroupId", &sg),
                ("Permissions.1.IpProtocol", "tcp"),
                ("Permissions.1.PortRange", "1/1"),
                ("Permissions.1.DestCidrIp", "1.1.1.1"),
                ("Permissions.2.IpProtocol", "TCP"),
                ("Permissions.2.PortRange", "1/1"),
                ("Permissions.2.DestCidrIp", "1.1.1.1/32"),
            ],
        )
        .await;
    assert_error(
        &dup,
        400,
        "InvalidParam.DuplicatePermissions",
        "There are duplicate permissions in the specified parameter Permissions.",
    );
}

#[tokio::test]
async fn a_failed_multi_rule_revoke_deletes_nothing() {
    let api = Api::new();
    let (sg, before) = setup(&api).await;
    let a = api
        .ecs(
            "RevokeSecurityGroupEgress",
            &[
                ("SecurityGroupId", &sg),
                ("Permissions.1.IpProtocol", "tcp"),
                ("Permissions.1.PortRange", "22/22"),
                ("Permissions.1.DestCidrIp", "10.0.0.0/8"),
                ("Permissions.2.IpProtocol", "tcp"),
                ("Permissions.2.PortRange", "bad"),
                ("Permissions.2.DestCidrIp", "10.0.0.0/8"),
            ],
        )
        .await;
    assert_error(&a, 400, "InvalidParam.PortRange", "The specified parameter Permissions.2.PortRange is not valid. It should be two integers less than 65535 in ?/? format.");
    assert_eq!(ids(&api.rules(&sg, &[]).await), before);
}

#[tokio::test]
async fn a_revoke_without_dest_cidr_ip_matches_a_rule_with_its_default() {
    // RevokeSecurityGroup (Chinese page): DestCidrIp defaults to 0.0.0.0/0 — leaving it out and
    // sending 0.0.0.0/0 name the same inbound rule (docs/fidelity.md).
    let api = Api::new();
    let sg = api.group(&[]).await;
    let rule = |extra: Option<(&'static str, &'static str)>| {
        let mut p = vec![
            ("SecurityGroupId", sg.clone()),
            ("IpProtocol", "tcp".to_string()),
            ("PortRange", "22/22".to_string()),
            ("SourceCidrIp", "10.0.0.0/8".to_string()),
        ];
        if let Some((k, v)) = extra {
            p.push((k, v.to_string()));
        }
        p
    };
    let call = |action: &'static str, p: Vec<(&'static str, String)>| {
        let api = &api;
        async move {
            let p: Vec<(&str, &str)> = p.iter().map(|(k, v)| (*k, v.as_str())).collect();
            api.ecs(action, &p).await
        }
    };
    call(
        "AuthorizeSecurityGroup",
        rule(Some(("DestCidrIp", "0.0.0.0/0"))),
    )
    .await
    .ok();
    // The same rule without it: a duplicate, added nothing.
    call("AuthorizeSecurityGroup", rule(None)).await.ok();
    let rules = api.rules(&sg, &[]).await;
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0]["DestCidrIp"], "0.0.0.0/0", "kept as sent");
    // Revoked without it.
    call("RevokeSecurityGroup", rule(None)).await.ok();
    assert_eq!(api.rules(&sg, &[]).await, Vec::<serde_json::Value>::new());
    // A different destination is a different rule.
    call(
        "AuthorizeSecurityGroup",
        rule(Some(("DestCidrIp", "192.168.0.0/16"))),
    )
    .await
    .ok();
    call("RevokeSecurityGroup", rule(None)).await.ok();
    assert_eq!(api.rules(&sg, &[]).await.len(), 1);
}
