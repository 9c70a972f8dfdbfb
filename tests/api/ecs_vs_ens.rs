//! One scenario run through ECS and through ENS, side by side, showing the documented differences
//! (docs/fidelity.md, "ECS vs ENS").

use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn the_same_scenario_through_ecs_and_ens() {
    let api = Api::new();
    let ecs = api.group(&[]).await;
    let ens = api.ens_group(&[]).await;
    let ecs_rule = |sg: &str| -> Vec<(String, String)> {
        [
            ("SecurityGroupId", sg),
            ("IpProtocol", "tcp"),
            ("PortRange", "22/22"),
            ("SourceCidrIp", "10.0.0.0/8"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    };
    let pairs = |v: &Vec<(String, String)>| {
        v.iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<Vec<_>>()
    };
    let call = |product: &'static str, action: &'static str, p: Vec<(String, String)>| {
        let api = &api;
        async move {
            let refs: Vec<(&str, &str)> = p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            if product == "ecs" {
                api.ecs(action, &refs).await
            } else {
                api.ens(action, &refs).await
            }
        }
    };

    // 1. Authorize a rule: both succeed.
    assert_eq!(
        call("ecs", "AuthorizeSecurityGroup", pairs(&ecs_rule(&ecs)))
            .await
            .status,
        200
    );
    assert_eq!(
        call("ens", "AuthorizeSecurityGroup", pairs(&ecs_rule(&ens)))
            .await
            .status,
        200
    );

    // 2. The same rule again: ECS silently succeeds, ENS refuses it.
    assert_eq!(
        call("ecs", "AuthorizeSecurityGroup", pairs(&ecs_rule(&ecs)))
            .await
            .ok(),
        empty_ok()
    );
    assert_ens_error(
        &call("ens", "AuthorizeSecurityGroup", pairs(&ecs_rule(&ens))).await,
        "SecurityGroupRuleConflict.Duplicated",
        "The SecurityGroup rule already exists.",
    );

    // 3. The read-back: ECS has rule ids, CreateTime, NicType and a string Priority; ENS has none of
    //    the first three, CreationTime and a numeric Priority.
    let ecs_rules = api.rules(&ecs, &[]).await;
    assert_eq!(
        ecs_rules,
        vec![permission(
            json!({"SecurityGroupRuleId": ids(&ecs_rules)[0], "PortRange": "22/22", "SourceCidrIp": "10.0.0.0/8"})
        )]
    );
    assert_eq!(
        api.ens_rules(&ens).await,
        vec![ens_permission(
            json!({"PortRange": "22/22", "SourceCidrIp": "10.0.0.0/8"})
        )]
    );
    assert_eq!(
        (
            ecs_rules[0]["Priority"].clone(),
            api.ens_rules(&ens).await[0]["Priority"].clone()
        ),
        (json!("1"), json!(1))
    );

    // 4. Revoke a rule that does not exist: ECS succeeds and deletes nothing, ENS is an error.
    let mut absent_ecs = ecs_rule(&ecs);
    absent_ecs[2].1 = "23/23".into();
    let mut absent_ens = ecs_rule(&ens);
    absent_ens[2].1 = "23/23".into();
    assert_eq!(
        call("ecs", "RevokeSecurityGroup", absent_ecs).await.ok(),
        empty_ok()
    );
    assert_ens_error(
        &call("ens", "RevokeSecurityGroup", absent_ens).await,
        "SecurityGroupRule.NotFound",
        "The input security group rule does not exist.",
    );

    // 5. A Priority that differs: ECS treats it as the same rule (a no-op revoke), ENS as another rule.
    let mut p5_ecs = ecs_rule(&ecs);
    p5_ecs.push(("Priority".into(), "5".into()));
    let mut p5_ens = ecs_rule(&ens);
    p5_ens.push(("Priority".into(), "5".into()));
    assert_eq!(
        call("ecs", "AuthorizeSecurityGroup", p5_ecs).await.ok(),
        empty_ok()
    );
    assert_eq!(api.rules(&ecs, &[]).await.len(), 1);
    assert_eq!(
        call("ens", "AuthorizeSecurityGroup", p5_ens).await.ok(),
        empty_ok()
    );
    assert_eq!(api.ens_rules(&ens).await.len(), 2);

    // 6. IPv6 text: ECS compresses it, ENS echoes it as sent.
    let v6 = "2001:0DB8:0000::/48";
    let e6 = [
        ("SecurityGroupId", ecs.as_str()),
        ("IpProtocol", "tcp"),
        ("PortRange", "80/80"),
        ("Ipv6SourceCidrIp", v6),
    ];
    api.ecs("AuthorizeSecurityGroup", &e6).await.ok();
    let n6 = format!(
        r#"[{{"Direction":"ingress","IpProtocol":"TCP","PortRange":"80/80","Policy":"Accept","Priority":1,"Ipv6SourceCidrIp":"{v6}"}}]"#
    );
    api.ens(
        "CreateSecurityGroupPermissions",
        &[("SecurityGroupId", &ens), ("Permissions", &n6)],
    )
    .await
    .ok();
    assert_eq!(
        api.rules(&ecs, &[]).await[1]["Ipv6SourceCidrIp"],
        "2001:db8::/48"
    );
    assert_eq!(api.ens_rules(&ens).await[2]["Ipv6SourceCidrIp"], v6);

    // 7. A missing group: ECS 404, ENS 400, the same code.
    let missing = "sg-000000000000000000aa";
    assert_error(
        &api.ecs(
            "DescribeSecurityGroupAttribute",
            &[("SecurityGroupId", missing)],
        )
        .await,
        404,
        "InvalidSecurityGroupId.NotFound",
        &format!("The specified SecurityGroupId does not exist: {missing}."),
    );
    assert_ens_error(
        &api.ens(
            "DescribeSecurityGroupAttribute",
            &[("SecurityGroupId", missing)],
        )
        .await,
        "InvalidSecurityGroupId.NotFound",
        &format!("The specified SecurityGroupId does not exist: {missing}."),
    );

    // 8. A missing required parameter: ECS `Missing<Name>`, ENS `MissingParameter`.
    assert_error(
        &api.ecs("DeleteSecurityGroup", &[]).await,
        400,
        "MissingSecurityGroupId",
        "SecurityGroupId is mandatory for this action.",
    );
    assert_ens_error(
        &api.ens("DeleteSecurityGroup", &[]).await,
        "MissingParameter",
        "The input parameter SecurityGroupId that is mandatory for processing this request is not supplied.",
    );

    // 9. The group listing: ECS `Tags`, `VpcId`, `RuleCount`…; ENS `InstanceCount` and instance lists.
    let e = api
        .ecs("DescribeSecurityGroups", &[("SecurityGroupId", &ecs)])
        .await
        .ok();
    let n = api
        .ens("DescribeSecurityGroups", &[("SecurityGroupId", &ens)])
        .await
        .ok();
    let keys =
        |v: &serde_json::Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
    assert_eq!(
        keys(&e["SecurityGroups"]["SecurityGroup"][0]),
        [
            "SecurityGroupId",
            "SecurityGroupName",
            "Description",
            "SecurityGroupType",
            "VpcId",
            "CreationTime",
            "ResourceGroupId",
            "ServiceManaged",
            "EcsCount",
            "AvailableInstanceAmount",
            "RuleCount",
            "GroupToGroupRuleCount",
            "Tags"
        ]
    );
    assert_eq!(
        keys(&n["SecurityGroups"]["SecurityGroup"][0]),
        [
            "SecurityGroupId",
            "SecurityGroupName",
            "Description",
            "CreationTime",
            "InstanceCount",
            "InstanceIds",
            "NetworkInterfaceIds"
        ]
    );
    assert_eq!(
        (keys(&e), keys(&n)),
        (
            vec![
                "RequestId".into(),
                "RegionId".into(),
                "TotalCount".into(),
                "PageNumber".into(),
                "PageSize".into(),
                "SecurityGroups".into()
            ],
            vec![
                "RequestId".into(),
                "PageNumber".into(),
                "PageSize".into(),
                "TotalCount".into(),
                "SecurityGroups".into()
            ],
        )
    );
}
