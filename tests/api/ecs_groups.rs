//! ECS group actions: happy paths and documented rejections, whole bodies compared.

use serde_json::json;

use crate::support::*;

fn group_body(id: &str, name: &str, desc: &str, extra: serde_json::Value) -> serde_json::Value {
    let mut g = json!({
        "SecurityGroupId": id, "SecurityGroupName": name, "Description": desc,
        "SecurityGroupType": "normal", "VpcId": "vpc-test", "CreationTime": NOW_TEXT,
        "ResourceGroupId": "rg-acfmdefault00000", "ServiceManaged": false, "EcsCount": 0,
        "AvailableInstanceAmount": 2000, "RuleCount": 0, "GroupToGroupRuleCount": 0,
        "Tags": {"Tag": []},
    });
    if let (Some(o), serde_json::Value::Object(e)) = (g.as_object_mut(), extra) {
        o.extend(e);
    }
    g
}

#[tokio::test]
async fn create_security_group_returns_an_sg_id_and_the_group_reads_back_at_once() {
    let api = Api::new();
    let a = api
        .ecs(
            "CreateSecurityGroup",
            &[
                ("VpcId", "vpc-test"),
                ("SecurityGroupName", "web-1"),
                ("Description", "front end"),
                ("Tag.1.Key", "env"),
                ("Tag.1.Value", "dev"),
                ("Tag.2.key", "team"),
                ("Tag.2.value", "net"),
            ],
        )
        .await;
    let id = a.get("SecurityGroupId");
    // "sg-" followed by 20 lower-case alphanumerics (docs/reference/ecs.md §1.0, ID shapes).
    assert!(
        id.len() == 23
            && id[3..]
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
        "{id}"
    );
    assert_eq!(a.ok(), json!({"RequestId": "<id>", "SecurityGroupId": id}));

    let d = api
        .ecs("DescribeSecurityGroups", &[("SecurityGroupId", &id)])
        .await
        .ok();
    assert_eq!(
        d,
        json!({
            "RequestId": "<id>", "RegionId": REGION, "TotalCount": 1, "PageNumber": 1, "PageSize": 10,
            "SecurityGroups": {"SecurityGroup": [group_body(&id, "web-1", "front end", json!({
                "Tags": {"Tag": [{"TagKey": "env", "TagValue": "dev"}, {"TagKey": "team", "TagValue": "net"}]}
            }))]}
        })
    );
    let attr = api
        .ecs(
            "DescribeSecurityGroupAttribute",
            &[("SecurityGroupId", &id)],
        )
        .await
        .ok();
    assert_eq!(
        attr,
        json!({
            "RequestId": "<id>", "RegionId": REGION, "SecurityGroupId": id, "SecurityGroupName": "web-1",
            "Description": "front end", "VpcId": "vpc-test", "InnerAccessPolicy": "Accept", "NextToken": "",
            "Permissions": {"Permission": []}
        })
    );
}

#[tokio::test]
async fn create_security_group_validates_name_description_type_and_tags() {
    let api = Api::new();
    let name_msg = "The specified parameter SecurityGroupName is not valid: 2 to 128 characters, starting with a letter, \
                    letters, digits, colons, underscores, periods and hyphens only, not starting with http:// or https://.";
    assert_error(
        &api.ecs("CreateSecurityGroup", &[("SecurityGroupName", "1bad")])
            .await,
        400,
        "InvalidSecurityGroupName.Malformed",
        name_msg,
    );
    assert_error(
        &api.ecs("CreateSecurityGroup", &[("SecurityGroupName", "http://x")])
            .await,
        400,
        "InvalidSecurityGroupName.Malformed",
        name_msg,
    );
    assert_error(
        &api.ecs("CreateSecurityGroup", &[("Description", "x")]).await,
        400,
        "InvalidDescription.Malformed",
        "The specified parameter Description is not valid: 2 to 256 characters, not starting with http:// or https://, without control characters.",
    );
    assert_error(
        &api.ecs("CreateSecurityGroup", &[("SecurityGroupType", "premium")])
            .await,
        400,
        "InvalidParams.GroupType",
        "The specified parameter SecurityGroupType is not valid. Valid values: normal, enterprise.",
    );
    // "Only VPC instance supports enterprise level security group."
    assert_error(
        &api.ecs(
            "CreateSecurityGroup",
            &[("SecurityGroupType", "enterprise")],
        )
        .await,
        400,
        "InvalidParams.VpcIdGroupType",
        "Only VPC instance supports enterprise level security group.",
    );
    assert_error(
        &api.ecs(
            "CreateSecurityGroup",
            &[("Tag.1.Key", "a"), ("Tag.2.Key", "a")],
        )
        .await,
        400,
        "Duplicate.TagKey",
        "The Tag.N.Key contain duplicate key.",
    );
    assert_error(
        &api.ecs("CreateSecurityGroup", &[("Tag.1.Key", "aliyun-internal")])
            .await,
        400,
        "InvalidTagKey.Malformed",
        "The specified parameter Tag.1.Key is not valid.",
    );
    assert_error(
        &api.ecs("CreateSecurityGroup", &[("Tag.21.Key", "a")]).await,
        403,
        "QuotaExceed.Tags",
        "The maximum number of tags is reached: at most 20 tags.",
    );
    assert_error(
        &api.ecs("CreateSecurityGroup", &[("VpcId", "subnet-1")])
            .await,
        404,
        "InvalidVpcId.NotFound",
        "Specified VPC does not exist.",
    );
    // Nothing of the above created a group.
    let d = api.ecs("DescribeSecurityGroups", &[]).await.ok();
    assert_eq!(d["TotalCount"], 0);
}

#[tokio::test]
async fn region_id_is_required_and_must_be_a_known_region() {
    let api = Api::new();
    let a = api
        .get(&[("Action", "CreateSecurityGroup"), ("Version", ECS)])
        .await;
    assert_error(
        &a,
        400,
        "MissingParameter.RegionId",
        "The input parameter RegionId that is mandatory for processing this request is not supplied.",
    );
    assert_error(
        &api.ecs("DescribeSecurityGroups", &[("RegionId", "mars-1")])
            .await,
        404,
        "InvalidRegionId.NotFound",
        "The specified RegionId mars-1 does not exist.",
    );
}

#[tokio::test]
async fn a_group_in_another_region_is_not_found() {
    // docs/reference/ecs.md §1.0: "An ID that exists in a different region should be treated as not found."
    let api = Api::new();
    let sg = api.group(&[]).await;
    let a = api
        .ecs(
            "DescribeSecurityGroupAttribute",
            &[("SecurityGroupId", &sg), ("RegionId", "cn-beijing")],
        )
        .await;
    assert_error(
        &a,
        404,
        "InvalidSecurityGroupId.NotFound",
        &format!("The specified SecurityGroupId does not exist: {sg}."),
    );
    let d = api
        .ecs("DescribeSecurityGroups", &[("RegionId", "cn-beijing")])
        .await
        .ok();
    assert_eq!(d["SecurityGroups"], json!({"SecurityGroup": []}));
}

#[tokio::test]
async fn enterprise_groups_start_with_drop_and_their_policy_cannot_change() {
    let api = Api::new();
    let sg = api.group(&[("SecurityGroupType", "enterprise")]).await;
    let attr = api
        .ecs(
            "DescribeSecurityGroupAttribute",
            &[("SecurityGroupId", &sg)],
        )
        .await
        .ok();
    assert_eq!(attr["InnerAccessPolicy"], "Drop");
    let a = api
        .ecs(
            "ModifySecurityGroupPolicy",
            &[("SecurityGroupId", &sg), ("InnerAccessPolicy", "Accept")],
        )
        .await;
    assert_error(
        &a,
        404,
        "InvalidParameter.InnerAccessPolicy",
        "The InnerAccessPolicy attribute of enterprise level security group can't be modified.",
    );
    let d = api
        .ecs("DescribeSecurityGroups", &[("SecurityGroupId", &sg)])
        .await
        .ok();
    assert_eq!(
        d["SecurityGroups"]["SecurityGroup"][0]["SecurityGroupType"],
        "enterprise"
    );
    assert_eq!(
        d["SecurityGroups"]["SecurityGroup"][0]["AvailableInstanceAmount"],
        65536
    );
}

#[tokio::test]
async fn modify_security_group_policy_is_case_insensitive_and_validated() {
    let api = Api::new();
    let sg = api.group(&[]).await;
    assert_eq!(
        api.ecs(
            "ModifySecurityGroupPolicy",
            &[("SecurityGroupId", &sg), ("InnerAccessPolicy", "dRoP")]
        )
        .await
        .ok(),
        empty_ok()
    );
    let attr = api
        .ecs(
            "DescribeSecurityGroupAttribute",
            &[("SecurityGroupId", &sg)],
        )
        .await
        .ok();
    assert_eq!(attr["InnerAccessPolicy"], "Drop");
    assert_error(
        &api.ecs(
            "ModifySecurityGroupPolicy",
            &[("SecurityGroupId", &sg), ("InnerAccessPolicy", "allow")],
        )
        .await,
        400,
        "InvalidPolicy.Malformed",
        "The Policy is invalid. Only 'Accept' and 'Drop' are supported. Ignore case.",
    );
    assert_error(
        &api.ecs("ModifySecurityGroupPolicy", &[("SecurityGroupId", &sg)])
            .await,
        400,
        "MissingInnerAccessPolicy",
        "InnerAccessPolicy is mandatory for this action.",
    );
    // The page of this action spells it MissingParamter (sic).
    let a = api
        .get(&[
            ("Action", "ModifySecurityGroupPolicy"),
            ("Version", ECS),
            ("SecurityGroupId", &sg),
            ("InnerAccessPolicy", "Accept"),
        ])
        .await;
    assert_error(
        &a,
        400,
        "MissingParamter.RegionId",
        "The input parameter RegionId that is mandatory for processing this request is not supplied.",
    );
}

#[tokio::test]
async fn modify_security_group_attribute_changes_what_is_sent_and_an_empty_description_clears() {
    let api = Api::new();
    let sg = api
        .group(&[("SecurityGroupName", "old"), ("Description", "d1")])
        .await;
    async fn read(api: &Api, sg: String) -> (serde_json::Value, serde_json::Value) {
        let a = api
            .ecs(
                "DescribeSecurityGroupAttribute",
                &[("SecurityGroupId", &sg)],
            )
            .await
            .ok();
        (a["SecurityGroupName"].clone(), a["Description"].clone())
    }
    api.ecs(
        "ModifySecurityGroupAttribute",
        &[("SecurityGroupId", &sg), ("Description", "d2")],
    )
    .await
    .ok();
    assert_eq!(read(&api, sg.clone()).await, (json!("old"), json!("d2")));
    api.ecs(
        "ModifySecurityGroupAttribute",
        &[("SecurityGroupId", &sg), ("SecurityGroupName", "new")],
    )
    .await
    .ok();
    assert_eq!(read(&api, sg.clone()).await, (json!("new"), json!("d2")));
    // docs/reference/terraform.md §7 decision 3: `Description=` clears it.
    assert_eq!(
        api.ecs(
            "ModifySecurityGroupAttribute",
            &[("SecurityGroupId", &sg), ("Description", "")]
        )
        .await
        .ok(),
        empty_ok()
    );
    assert_eq!(read(&api, sg.clone()).await, (json!("new"), json!("")));
    assert_error(
        &api.ecs("ModifySecurityGroupAttribute", &[("SecurityGroupId", &sg), ("Description", "x")]).await,
        400,
        "InvalidSecurityGroupDiscription.Malformed",
        "The specified parameter Description is not valid: 2 to 256 characters, not starting with http:// or https://, without control characters.",
    );
    assert_error(
        &api.ecs(
            "ModifySecurityGroupAttribute",
            &[("SecurityGroupId", "sg-missing")],
        )
        .await,
        404,
        "InvalidSecurityGroupId.NotFound",
        "The specified SecurityGroupId does not exist: sg-missing.",
    );
}

#[tokio::test]
async fn delete_security_group_removes_it_and_a_second_delete_is_404() {
    let api = Api::new();
    let sg = api.group(&[]).await;
    assert_eq!(
        api.ecs("DeleteSecurityGroup", &[("SecurityGroupId", &sg)])
            .await
            .ok(),
        empty_ok()
    );
    // DeleteSecurityGroup's own page: 404 InvalidSecurityGroup.NotFound (docs/reference/conflicts.md #4).
    assert_error(
        &api.ecs("DeleteSecurityGroup", &[("SecurityGroupId", &sg)])
            .await,
        404,
        "InvalidSecurityGroup.NotFound",
        &format!("The specified security group is not found: {sg}."),
    );
    assert_error(
        &api.ecs(
            "DescribeSecurityGroupAttribute",
            &[("SecurityGroupId", &sg)],
        )
        .await,
        404,
        "InvalidSecurityGroupId.NotFound",
        &format!("The specified SecurityGroupId does not exist: {sg}."),
    );
    assert_error(
        &api.ecs("DeleteSecurityGroup", &[]).await,
        400,
        "MissingSecurityGroupId",
        "SecurityGroupId is mandatory for this action.",
    );
}

#[tokio::test]
async fn delete_is_refused_with_dependency_violation_while_another_groups_rule_references_it() {
    // DeleteSecurityGroup doc: 403 DependencyViolation "The specified security group has been
    // authorized in another one."; docs/reference/terraform.md S3.
    let api = Api::new();
    let (a, b) = (api.group(&[]).await, api.group(&[]).await);
    let rule = [
        ("SecurityGroupId", b.as_str()),
        ("IpProtocol", "tcp"),
        ("PortRange", "22/22"),
        ("SourceGroupId", a.as_str()),
    ];
    api.ecs("AuthorizeSecurityGroup", &rule).await.ok();
    for _ in 0..3 {
        assert_error(
            &api.ecs("DeleteSecurityGroup", &[("SecurityGroupId", &a)])
                .await,
            403,
            "DependencyViolation",
            "The specified security group has been authorized in another one.",
        );
    }
    // Nothing was half-deleted.
    assert_eq!(
        api.ecs("DescribeSecurityGroups", &[("SecurityGroupId", &a)])
            .await
            .ok()["TotalCount"],
        1
    );
    api.ecs("RevokeSecurityGroup", &rule).await.ok();
    assert_eq!(
        api.ecs("DeleteSecurityGroup", &[("SecurityGroupId", &a)])
            .await
            .ok(),
        empty_ok()
    );
}

#[tokio::test]
async fn deleting_the_referencing_group_releases_the_reference() {
    // docs/reference/terraform.md S3 variant 10: references from deleted groups do not count.
    let api = Api::new();
    let (a, b) = (api.group(&[]).await, api.group(&[]).await);
    api.ecs(
        "AuthorizeSecurityGroupEgress",
        &[
            ("SecurityGroupId", &b),
            ("IpProtocol", "tcp"),
            ("PortRange", "22/22"),
            ("DestGroupId", &a),
        ],
    )
    .await
    .ok();
    assert_eq!(
        api.ecs("DeleteSecurityGroup", &[("SecurityGroupId", &a)])
            .await
            .status,
        403
    );
    api.ecs("DeleteSecurityGroup", &[("SecurityGroupId", &b)])
        .await
        .ok();
    api.ecs("DeleteSecurityGroup", &[("SecurityGroupId", &a)])
        .await
        .ok();
}

#[tokio::test]
async fn describe_security_group_references_lists_the_referencing_groups() {
    let api = Api::new();
    let (a, b, c) = (
        api.group(&[]).await,
        api.group(&[]).await,
        api.group(&[]).await,
    );
    for holder in [&b, &c] {
        api.ecs(
            "AuthorizeSecurityGroup",
            &[
                ("SecurityGroupId", holder),
                ("IpProtocol", "tcp"),
                ("PortRange", "80/80"),
                ("SourceGroupId", &a),
            ],
        )
        .await
        .ok();
    }
    let mut holders = [b.clone(), c.clone()];
    holders.sort();
    let d = api
        .ecs(
            "DescribeSecurityGroupReferences",
            &[("SecurityGroupId.1", &a), ("SecurityGroupId.2", &b)],
        )
        .await
        .ok();
    assert_eq!(
        d,
        json!({"RequestId": "<id>", "SecurityGroupReferences": {"SecurityGroupReference": [
            {"SecurityGroupId": a, "ReferencingSecurityGroups": {"ReferencingSecurityGroup": [
                {"SecurityGroupId": holders[0], "AliUid": sgmock::DEFAULT_ACCOUNT},
                {"SecurityGroupId": holders[1], "AliUid": sgmock::DEFAULT_ACCOUNT},
            ]}},
            {"SecurityGroupId": b, "ReferencingSecurityGroups": {"ReferencingSecurityGroup": []}},
        ]}})
    );
    let msg = "The specified parameter SecurityGroupId is not valid. The parameter SecurityGroupId.N is essential and size should less than 10.";
    assert_error(
        &api.ecs("DescribeSecurityGroupReferences", &[]).await,
        400,
        "InvalidSecurityGroupId.Malformed",
        msg,
    );
    assert_error(
        &api.ecs(
            "DescribeSecurityGroupReferences",
            &[("SecurityGroupId.11", &a)],
        )
        .await,
        400,
        "InvalidSecurityGroupId.Malformed",
        msg,
    );
    assert_error(
        &api.ecs(
            "DescribeSecurityGroupReferences",
            &[("SecurityGroupId.1", "sg-nope")],
        )
        .await,
        404,
        "InvalidSecurityGroupId.NotFound",
        "The SecurityGroupId provided does not exist in our records: sg-nope.",
    );
}

#[tokio::test]
async fn describe_security_groups_sorts_by_id_descending_and_pages_by_number() {
    // docs/reference/ecs.md §1.3: sorted by security-group ID, descending; page mode returns TotalCount.
    let api = Api::new();
    let mut all = Vec::new();
    for _ in 0..25 {
        all.push(api.group(&[]).await);
    }
    all.sort();
    all.reverse();
    let mut seen = Vec::new();
    for page in 1..=3 {
        let n = page.to_string();
        let d = api
            .ecs(
                "DescribeSecurityGroups",
                &[("PageNumber", &n), ("PageSize", "10")],
            )
            .await
            .ok();
        assert_eq!(
            (
                d["TotalCount"].clone(),
                d["PageNumber"].clone(),
                d["PageSize"].clone()
            ),
            (json!(25), json!(page), json!(10))
        );
        for g in d["SecurityGroups"]["SecurityGroup"].as_array().unwrap() {
            seen.push(g["SecurityGroupId"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(seen, all);
    // Past the end: an empty list, not an error and not page 1 again (docs/reference/terraform.md S5 #5).
    let d = api
        .ecs(
            "DescribeSecurityGroups",
            &[("PageNumber", "1000"), ("PageSize", "10")],
        )
        .await
        .ok();
    assert_eq!(d["SecurityGroups"], json!({"SecurityGroup": []}));
    assert_error(
        &api.ecs("DescribeSecurityGroups", &[("PageSize", "51")])
            .await,
        400,
        "InvalidParameter",
        "The specified parameter PageSize is not valid. Valid values: 1 to 50.",
    );
}

#[tokio::test]
async fn describe_security_groups_pages_by_token_without_total_count() {
    let api = Api::new();
    let mut all = Vec::new();
    for _ in 0..25 {
        all.push(api.group(&[]).await);
    }
    all.sort();
    all.reverse();
    let mut seen = Vec::new();
    let mut token = String::new();
    let mut tokens = Vec::new();
    loop {
        let mut p = vec![("MaxResults", "10")];
        if !token.is_empty() {
            p.push(("NextToken", &token));
        }
        let d = api.ecs("DescribeSecurityGroups", &p).await.ok();
        assert!(
            d.get("TotalCount").is_none(),
            "token mode has no TotalCount: {d}"
        );
        for g in d["SecurityGroups"]["SecurityGroup"].as_array().unwrap() {
            seen.push(g["SecurityGroupId"].as_str().unwrap().to_string());
        }
        token = d["NextToken"].as_str().unwrap().to_string();
        if token.is_empty() {
            break;
        }
        assert!(!tokens.contains(&token), "a token repeated");
        tokens.push(token.clone());
    }
    assert_eq!((seen, tokens.len()), (all, 2));
    assert_error(
        &api.ecs("DescribeSecurityGroups", &[("NextToken", "garbage")])
            .await,
        400,
        "InValidParameter.NextToken",
        "The specified parameter NextToken is not valid.",
    );
    assert_error(
        &api.ecs("DescribeSecurityGroups", &[("MaxResults", "10"), ("PageNumber", "1")]).await,
        400,
        "NotSupported.PageNumberAndPageSize",
        "The parameters PageNumber and PageSize are currently not supported, please use NextToken and MaxResults instead.",
    );
    assert_error(
        &api.ecs("DescribeSecurityGroups", &[("MaxResults", "101")])
            .await,
        400,
        "InvalidParameter",
        "The specified parameter MaxResults is not valid. Valid values: 1 to 100.",
    );
}

#[tokio::test]
async fn describe_security_groups_filters_by_id_ids_name_vpc_type_network_tags() {
    let api = Api::new();
    let a = api
        .group(&[
            ("SecurityGroupName", "alpha"),
            ("Tag.1.Key", "env"),
            ("Tag.1.Value", "prod"),
        ])
        .await;
    let b = api
        .group(&[
            ("SecurityGroupName", "beta"),
            ("VpcId", "vpc-other"),
            ("Tag.1.Key", "env"),
            ("Tag.1.Value", "dev"),
        ])
        .await;
    let c = api
        .ecs(
            "CreateSecurityGroup",
            &[
                ("SecurityGroupName", "classic"),
                ("ResourceGroupId", "rg-x"),
            ],
        )
        .await
        .get("SecurityGroupId");
    let e = api.group(&[("SecurityGroupType", "enterprise")]).await;
    let ids_of = |d: serde_json::Value| -> Vec<String> {
        let mut v: Vec<String> = d["SecurityGroups"]["SecurityGroup"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["SecurityGroupId"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    let sorted = |mut v: Vec<&String>| {
        v.sort();
        v.into_iter().cloned().collect::<Vec<_>>()
    };
    let q = |p: Vec<(&'static str, String)>| {
        let api = &api;
        async move {
            let pairs: Vec<(&str, &str)> = p.iter().map(|(k, v)| (*k, v.as_str())).collect();
            api.ecs("DescribeSecurityGroups", &pairs).await.ok()
        }
    };
    // The singular SecurityGroupId filter really filters (docs/reference/terraform.md F3).
    assert_eq!(
        ids_of(q(vec![("SecurityGroupId", b.clone())]).await),
        vec![b.clone()]
    );
    assert_eq!(
        ids_of(q(vec![("SecurityGroupIds", format!("[\"{a}\",\"{c}\"]"))]).await),
        sorted(vec![&a, &c])
    );
    assert_eq!(
        ids_of(q(vec![("SecurityGroupName", "beta".into())]).await),
        vec![b.clone()]
    );
    assert_eq!(
        ids_of(q(vec![("VpcId", "vpc-test".into())]).await),
        sorted(vec![&a, &e])
    );
    assert_eq!(
        ids_of(q(vec![("SecurityGroupType", "enterprise".into())]).await),
        vec![e.clone()]
    );
    assert_eq!(
        ids_of(q(vec![("NetworkType", "classic".into())]).await),
        vec![c.clone()]
    );
    assert_eq!(
        ids_of(q(vec![("ResourceGroupId", "rg-x".into())]).await),
        vec![c.clone()]
    );
    assert_eq!(
        ids_of(
            q(vec![
                ("Tag.1.Key", "env".into()),
                ("Tag.1.Value", "prod".into())
            ])
            .await
        ),
        vec![a.clone()]
    );
    assert_eq!(
        ids_of(q(vec![("Tag.1.Key", "env".into())]).await),
        sorted(vec![&a, &b])
    );
    // No match: an empty list with the wrapper present (docs/reference/terraform.md S5 #8).
    let none = q(vec![("VpcId", "vpc-fake".into())]).await;
    assert_eq!(
        (none["TotalCount"].clone(), none["SecurityGroups"].clone()),
        (json!(0), json!({"SecurityGroup": []}))
    );
    assert_error(
        &api.ecs("DescribeSecurityGroups", &[("SecurityGroupType", "gold")])
            .await,
        400,
        "InvalidParameter.SecurityGroupType",
        "The specified parameter SecurityGroupType is not valid. Valid values: normal, enterprise.",
    );
    assert_error(
        &api.ecs("DescribeSecurityGroups", &[("SecurityGroupIds", "sg-a,sg-b")]).await,
        400,
        "InvalidSecurityGroupId.Malformed",
        "The specified parameter SecurityGroupIds is not valid. Use a JSON array of at most 100 security group IDs.",
    );
}

#[tokio::test]
async fn describe_security_groups_dry_run_answers_dry_run_operation() {
    let api = Api::new();
    assert_error(
        &api.ecs("DescribeSecurityGroups", &[("DryRun", "True")])
            .await,
        400,
        "DryRunOperation",
        "Request validation has been passed with DryRun flag set.",
    );
    assert_eq!(
        api.ecs(
            "DescribeSecurityGroups",
            &[("DryRun", "false"), ("IsQueryEcsCount", "True")]
        )
        .await
        .status,
        200
    );
}

#[tokio::test]
async fn describe_security_group_attribute_filters_direction_and_pages_rules() {
    let api = Api::new();
    let sg = api.group(&[]).await;
    for port in 1..=15 {
        let pr = format!("{port}/{port}");
        api.ecs(
            "AuthorizeSecurityGroup",
            &[
                ("SecurityGroupId", &sg),
                ("IpProtocol", "tcp"),
                ("PortRange", &pr),
                ("SourceCidrIp", "10.0.0.0/8"),
            ],
        )
        .await
        .ok();
    }
    api.ecs(
        "AuthorizeSecurityGroupEgress",
        &[
            ("SecurityGroupId", &sg),
            ("IpProtocol", "all"),
            ("PortRange", "-1/-1"),
            ("DestCidrIp", "0.0.0.0/0"),
        ],
    )
    .await
    .ok();
    assert_eq!(api.rules(&sg, &[]).await.len(), 16);
    assert_eq!(api.rules(&sg, &[("Direction", "egress")]).await.len(), 1);
    assert_eq!(api.rules(&sg, &[("Direction", "ingress")]).await.len(), 15);
    let first = api
        .ecs(
            "DescribeSecurityGroupAttribute",
            &[("SecurityGroupId", &sg), ("MaxResults", "10")],
        )
        .await
        .ok();
    let token = first["NextToken"].as_str().unwrap().to_string();
    assert_eq!(
        first["Permissions"]["Permission"].as_array().unwrap().len(),
        10
    );
    let second = api
        .ecs(
            "DescribeSecurityGroupAttribute",
            &[
                ("SecurityGroupId", &sg),
                ("MaxResults", "10"),
                ("NextToken", &token),
            ],
        )
        .await
        .ok();
    assert_eq!(
        (
            second["Permissions"]["Permission"]
                .as_array()
                .unwrap()
                .len(),
            second["NextToken"].clone()
        ),
        (6, json!(""))
    );
    assert_error(
        &api.ecs(
            "DescribeSecurityGroupAttribute",
            &[("SecurityGroupId", &sg), ("Direction", "sideways")],
        )
        .await,
        400,
        "InvalidParamter",
        "The specified parameter Direction is not valid. Valid values: ingress, egress, all.",
    );
    assert_error(
        &api.ecs(
            "DescribeSecurityGroupAttribute",
            &[("SecurityGroupId", &sg), ("MaxResults", "5")],
        )
        .await,
        400,
        "InvalidParameter",
        "The specified parameter MaxResults is not valid. Valid values: 10 to 1000.",
    );
    assert_error(
        &api.ecs(
            "DescribeSecurityGroupAttribute",
            &[("SecurityGroupId", &sg), ("Attribute", "tags")],
        )
        .await,
        400,
        "InvalidParameter.AttributeNotSupported",
        "The specified parameter Attribute is not valid. Valid value: snapshotPolicyIds.",
    );
    let snap = api
        .ecs(
            "DescribeSecurityGroupAttribute",
            &[
                ("SecurityGroupId", &sg),
                ("Attribute", "snapshotPolicyIds"),
                ("Direction", "egress"),
            ],
        )
        .await
        .ok();
    assert_eq!(snap["SnapshotPolicyIds"], json!({"SnapshotPolicyId": []}));
}

#[tokio::test]
async fn describe_security_group_attribute_returns_every_rule_without_max_results() {
    // docs/reference/terraform.md F5: the provider never pages, so all rules must come back.
    let api = Api::with(sgmock::Config {
        rule_limit: 1000,
        ..Default::default()
    });
    let sg = api.group(&[]).await;
    for chunk in 0..6 {
        let mut p: Vec<(String, String)> = vec![("SecurityGroupId".into(), sg.clone())];
        for i in 1..=100 {
            let port = chunk * 100 + i;
            p.push((format!("Permissions.{i}.IpProtocol"), "tcp".into()));
            p.push((
                format!("Permissions.{i}.PortRange"),
                format!("{port}/{port}"),
            ));
            p.push((format!("Permissions.{i}.SourceCidrIp"), "10.0.0.0/8".into()));
        }
        let pairs: Vec<(&str, &str)> = p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        api.ecs("AuthorizeSecurityGroup", &pairs).await.ok();
    }
    assert_eq!(api.rules(&sg, &[]).await.len(), 600);
}

#[tokio::test]
async fn describe_regions_lists_regions_in_the_requested_language() {
    let api = Api::new();
    let d = api
        .get(&[
            ("Action", "DescribeRegions"),
            ("Version", ECS),
            ("AcceptLanguage", "en-US"),
        ])
        .await
        .ok();
    let regions = d["Regions"]["Region"].as_array().unwrap();
    let hz = regions.iter().find(|r| r["RegionId"] == REGION).unwrap();
    assert_eq!(
        hz,
        &json!({"RegionId": REGION, "LocalName": "China (Hangzhou)", "RegionEndpoint": "ecs.cn-hangzhou.aliyuncs.com", "Status": "available"})
    );
    let zh = api
        .get(&[("Action", "DescribeRegions"), ("Version", ECS)])
        .await
        .ok();
    assert!(zh["Regions"]["Region"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["LocalName"] == "华东1（杭州）"));
    let a = api
        .get(&[
            ("Action", "DescribeRegions"),
            ("Version", ECS),
            ("AcceptLanguage", "fr"),
        ])
        .await;
    assert_error(
        &a,
        404,
        "InvalidAcceptLanguage.NotFound",
        "The specified parameter AcceptLanguage is not valid. Valid values: zh-CN, en-US, ja.",
    );
}

#[tokio::test]
async fn the_group_quota_answers_quota_exceed() {
    let api = Api::with(sgmock::Config {
        group_quota: 2,
        ..Default::default()
    });
    api.group(&[]).await;
    api.group(&[]).await;
    assert_error(
        &api.ecs("CreateSecurityGroup", &[]).await,
        403,
        "QuotaExceed.SecurityGroup",
        "The maximum number of security groups is reached: 2.",
    );
    // The quota is per region.
    assert_eq!(
        api.ecs("CreateSecurityGroup", &[("RegionId", "cn-beijing")])
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn a_client_token_returns_the_first_answer_and_changes_nothing() {
    // docs/reference/ecs.md §1.0 ClientToken; docs/reference/terraform.md S1 step 2 (64-character tokens).
    let api = Api::new();
    let token = "TF-CreateSecurityGroup-1795435200-0c2b3f3e-8a3c-4f4f-9a55-6a0d5c3e2b11-xyz";
    let token = &token[..64];
    let first = api
        .ecs(
            "CreateSecurityGroup",
            &[("ClientToken", token), ("SecurityGroupName", "tok")],
        )
        .await
        .ok();
    let again = api
        .ecs(
            "CreateSecurityGroup",
            &[("ClientToken", token), ("SecurityGroupName", "tok")],
        )
        .await
        .ok();
    assert_eq!(first, again);
    assert_eq!(
        api.ecs("DescribeSecurityGroups", &[]).await.ok()["TotalCount"],
        1
    );
    assert_error(
        &api.ecs(
            "CreateSecurityGroup",
            &[("ClientToken", token), ("SecurityGroupName", "other")],
        )
        .await,
        400,
        "IdempotentParameterMismatch",
        "The request is retried with updated parameters.",
    );
    assert_error(
        &api.ecs("CreateSecurityGroup", &[("ClientToken", &"x".repeat(65))])
            .await,
        400,
        "InvalidClientToken.ValueNotSupported",
        "The ClientToken must contain only ASCII characters and be at most 64 characters long.",
    );
}

#[tokio::test]
async fn tag_untag_and_join_resource_group_change_what_describe_security_groups_shows() {
    // docs/reference/terraform.md S1 steps 12-15: UntagResources, TagResources, JoinResourceGroup.
    let api = Api::new();
    let sg = api
        .group(&[("Tag.1.Key", "Created"), ("Tag.1.Value", "TF")])
        .await;
    let group = |d: serde_json::Value| d["SecurityGroups"]["SecurityGroup"][0].clone();
    let base = [
        ("ResourceType", "securitygroup"),
        ("ResourceId.1", sg.as_str()),
    ];
    let mut untag = base.to_vec();
    untag.push(("TagKey.1", "Created"));
    assert_eq!(api.ecs("UntagResources", &untag).await.ok(), empty_ok());
    let mut tag = base.to_vec();
    tag.extend([
        ("Tag.1.Key", "Created"),
        ("Tag.1.Value", "TF-update"),
        ("Tag.2.Key", "team"),
        ("Tag.2.Value", ""),
    ]);
    assert_eq!(api.ecs("TagResources", &tag).await.ok(), empty_ok());
    let mut join = vec![
        ("ResourceType", "securitygroup"),
        ("ResourceId", sg.as_str()),
    ];
    join.push(("ResourceGroupId", "rg-x"));
    assert_eq!(api.ecs("JoinResourceGroup", &join).await.ok(), empty_ok());
    let g = group(
        api.ecs("DescribeSecurityGroups", &[("SecurityGroupId", &sg)])
            .await
            .ok(),
    );
    assert_eq!(
        (g["Tags"].clone(), g["ResourceGroupId"].clone()),
        (
            json!({"Tag": [{"TagKey": "Created", "TagValue": "TF-update"}, {"TagKey": "team", "TagValue": ""}]}),
            json!("rg-x")
        )
    );
    let mut all = base.to_vec();
    all.push(("All", "true"));
    api.ecs("UntagResources", &all).await.ok();
    let g = group(
        api.ecs("DescribeSecurityGroups", &[("SecurityGroupId", &sg)])
            .await
            .ok(),
    );
    assert_eq!(g["Tags"], json!({"Tag": []}));
    // Rejections.
    let a = api
        .ecs(
            "TagResources",
            &[
                ("ResourceType", "securitygroup"),
                ("ResourceId.1", "sg-none"),
                ("Tag.1.Key", "k"),
            ],
        )
        .await;
    assert_error(
        &a,
        404,
        "InvalidResourceId.NotFound",
        "The specified ResourceIds are not found in our records: sg-none.",
    );
    let a = api
        .ecs(
            "TagResources",
            &[
                ("ResourceType", "instance"),
                ("ResourceId.1", "i-1"),
                ("Tag.1.Key", "k"),
            ],
        )
        .await;
    assert_error(
        &a,
        404,
        "InvalidResourceId.NotFound",
        "The specified ResourceIds are not found in our records: i-1.",
    );
    let a = api
        .ecs(
            "TagResources",
            &[
                ("ResourceType", "planet"),
                ("ResourceId.1", &sg),
                ("Tag.1.Key", "k"),
            ],
        )
        .await;
    assert_error(
        &a,
        400,
        "InvalidResourceType.NotFound",
        "The specified parameter ResourceType is not valid. Use a resource type such as securitygroup.",
    );
    let a = api
        .ecs(
            "TagResources",
            &[
                ("ResourceType", "securitygroup"),
                ("ResourceId.1", &sg),
                ("Tag.1.Key", "acs:x"),
            ],
        )
        .await;
    assert_error(
        &a,
        400,
        "InvalidTagKey.Malformed",
        "The specified parameter Tag.1.Key is not valid.",
    );
    let mut many: Vec<(String, String)> = vec![
        ("ResourceType".into(), "securitygroup".into()),
        ("ResourceId.1".into(), sg.clone()),
    ];
    for i in 1..=20 {
        many.push((format!("Tag.{i}.Key"), format!("k{i}")));
    }
    let pairs: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    api.ecs("TagResources", &pairs).await.ok();
    let a = api
        .ecs(
            "TagResources",
            &[
                ("ResourceType", "securitygroup"),
                ("ResourceId.1", &sg),
                ("Tag.1.Key", "k21"),
            ],
        )
        .await;
    assert_error(
        &a,
        403,
        "QuotaExceed.Tags",
        "The maximum number of tags is reached: at most 20 tags per resource.",
    );
    let a = api
        .ecs(
            "JoinResourceGroup",
            &[("ResourceType", "securitygroup"), ("ResourceId", &sg)],
        )
        .await;
    assert_error(
        &a,
        400,
        "MissingResourceGroupId",
        "ResourceGroupId is mandatory for this action.",
    );
}
