//! ENS (2017-11-10): every action's happy path and documented rejections, whole bodies compared.
//! The two ENS seed pages (DeleteSecurityGroupPermissions, RevokeSecurityGroupEgress) are the spec for
//! those actions; every error of their tables that input or state can trigger is produced here.

use serde_json::json;

use crate::support::*;

/// (parameters, expected code, expected message)
type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);

/// Terraform's acceptance-test rules (docs/reference/terraform.md S4 step 1), in its compact JSON.
const TF_RULES: &str = r#"[{"Description":"test ingress v4 rule","DestCidrIp":"0.0.0.0/0","Direction":"ingress","IpProtocol":"TCP","Policy":"Accept","PortRange":"80/80","Priority":1,"SourceCidrIp":"10.0.0.0/8","SourcePortRange":"80/80"},{"Description":"test ingress v6 rule","Direction":"ingress","IpProtocol":"TCP","Ipv6DestCidrIp":"::/0","Ipv6SourceCidrIp":"2001:db8::/32","Policy":"Accept","PortRange":"80/80","Priority":1,"SourcePortRange":"80/80"},{"DestCidrIp":"0.0.0.0/0","Direction":"egress","IpProtocol":"TCP","Policy":"Drop","PortRange":"443/443","Priority":2,"SourceCidrIp":"0.0.0.0/0"}]"#;

fn tf_rules_read_back() -> Vec<serde_json::Value> {
    vec![
        ens_permission(
            json!({"PortRange": "80/80", "SourcePortRange": "80/80", "SourceCidrIp": "10.0.0.0/8", "DestCidrIp": "0.0.0.0/0", "Description": "test ingress v4 rule"}),
        ),
        ens_permission(
            json!({"PortRange": "80/80", "SourcePortRange": "80/80", "Ipv6SourceCidrIp": "2001:db8::/32", "Ipv6DestCidrIp": "::/0", "Description": "test ingress v6 rule"}),
        ),
        ens_permission(
            json!({"Direction": "egress", "PortRange": "443/443", "Policy": "Drop", "Priority": 2, "SourceCidrIp": "0.0.0.0/0", "DestCidrIp": "0.0.0.0/0"}),
        ),
    ]
}

#[tokio::test]
async fn create_security_group_with_permissions_reads_back_every_rule_verbatim() {
    let api = Api::new();
    let a = api
        .ens(
            "CreateSecurityGroup",
            &[("SecurityGroupName", "tf-ens-1"), ("Permissions", TF_RULES)],
        )
        .await;
    let sg = a.get("SecurityGroupId");
    assert_eq!(a.ok(), json!({"RequestId": "<id>", "SecurityGroupId": sg}));
    let d = api
        .ens(
            "DescribeSecurityGroupAttribute",
            &[("SecurityGroupId", &sg)],
        )
        .await
        .ok();
    assert_eq!(
        d,
        json!({
            "RequestId": "<id>", "SecurityGroupId": sg, "SecurityGroupName": "tf-ens-1", "Description": "",
            "Permissions": {"Permission": tf_rules_read_back()},
        })
    );
}

#[tokio::test]
async fn the_permissions_json_is_parsed_whatever_its_spacing_key_order_or_escapes() {
    // docs/reference/clients.md §3: the legacy SDK uses json.dumps (", " / ": ", \uXXXX escapes); key order varies.
    let api = Api::new();
    let legacy = r#"[{"Priority": 5, "PortRange": "22/22", "Policy": "accept", "IpProtocol": "tcp", "Direction": "ingress", "SourceCidrIp": "1.2.3.4", "Description": "caf\u00e9 rule"}]"#;
    let sg = api.ens_group(&[("Permissions", legacy)]).await;
    // Priority given as a numeric string is accepted too.
    let stringly = r#"[{"Direction":"egress","IpProtocol":"UDP","PortRange":"53/53","Policy":"Drop","Priority":"7","DestCidrIp":"8.8.8.8/32"}]"#;
    api.ens(
        "CreateSecurityGroupPermissions",
        &[("SecurityGroupId", &sg), ("Permissions", stringly)],
    )
    .await
    .ok();
    assert_eq!(
        api.ens_rules(&sg).await,
        vec![
            ens_permission(
                json!({"PortRange": "22/22", "Priority": 5, "SourceCidrIp": "1.2.3.4", "Description": "café rule"})
            ),
            ens_permission(
                json!({"Direction": "egress", "IpProtocol": "UDP", "PortRange": "53/53", "Policy": "Drop", "Priority": 7, "DestCidrIp": "8.8.8.8/32"})
            ),
        ]
    );
}

#[tokio::test]
async fn a_flattened_permissions_list_is_accepted_too() {
    // pop-core flattens a raw JS array to Permissions.1.Direction=… (docs/reference/clients.md §1).
    let api = Api::new();
    let sg = api.ens_group(&[]).await;
    api.ens(
        "CreateSecurityGroupPermissions",
        &[
            ("SecurityGroupId", &sg),
            ("Permissions.1.Direction", "ingress"),
            ("Permissions.1.IpProtocol", "ICMP"),
            ("Permissions.1.PortRange", "-1/-1"),
            ("Permissions.1.Policy", "Accept"),
            ("Permissions.1.Priority", "3"),
            ("Permissions.1.SourceCidrIp", "0.0.0.0/0"),
        ],
    )
    .await
    .ok();
    assert_eq!(
        api.ens_rules(&sg).await,
        vec![ens_permission(
            json!({"IpProtocol": "ICMP", "PortRange": "-1/-1", "Priority": 3, "SourceCidrIp": "0.0.0.0/0"})
        )]
    );
}

#[tokio::test]
async fn create_security_group_refuses_bad_rules_and_creates_nothing() {
    let api = Api::new();
    let cases: Vec<(&str, &str, &str)> = vec![
        (r#"[{"Direction":"ingress","IpProtocol":"TCP","PortRange":"80/80","Policy":"Accept","Priority":1,"SourceCidrIp":""}]"#,
         "InvalidParameter", "The errorMessage is Permissions.1.SourceCidrIp must be a non-empty value. Please check it again."),
        ("[{\"Direction\":\"ingress\"", "InvalidParameter", "The errorMessage is Permissions must be a JSON array of rule objects. Please check it again."),
        ("{}", "InvalidParameter", "The errorMessage is Permissions must be a JSON array of rule objects. Please check it again."),
        ("[1]", "InvalidParameter", "The errorMessage is Permissions.1 must be a JSON object. Please check it again."),
        (r#"[{"Direction":"ingress","IpProtocol":"TCP","PortRange":"80/80","Policy":"Accept"}]"#,
         "MissingParameter", "The input parameter Permissions.1.Priority that is mandatory for processing this request is not supplied."),
        (r#"[{"Direction":"inbound","IpProtocol":"TCP","PortRange":"80/80","Policy":"Accept","Priority":1}]"#,
         "InvalidParameter.Direction", "The specified field Permissions.1.Direction invalid. Please check it again."),
        (r#"[{"Direction":"ingress","IpProtocol":"TCP","PortRange":"80/80","Policy":"Accept","Priority":1,"Description":"x"}]"#,
         "InvalidParameter.Description", "The specified field Permissions.1.Description invalid. Please check it again."),
        (r#"[{"Direction":"ingress","IpProtocol":"TCP","PortRange":"80/80","Policy":"Accept","Priority":[1]}]"#,
         "InvalidParameter", "The errorMessage is Permissions.1.Priority must be a string or a number. Please check it again."),
        // Two rules differing only in Description are the same rule (docs/reference/terraform.md §7 decision 6).
        (r#"[{"Direction":"ingress","IpProtocol":"TCP","PortRange":"80/80","Policy":"Accept","Priority":1,"Description":"one"},{"Direction":"ingress","IpProtocol":"tcp","PortRange":"80/80","Policy":"accept","Priority":1,"Description":"two"}]"#,
         "SecurityGroupRuleConflict.Duplicated", "The SecurityGroup rule already exists: Permissions contains the same rule twice."),
    ];
    for (perms, code, msg) in cases {
        assert_ens_error(
            &api.ens("CreateSecurityGroup", &[("Permissions", perms)])
                .await,
            code,
            msg,
        );
    }
    let d = api.ens("DescribeSecurityGroups", &[]).await.ok();
    assert_eq!(d["TotalCount"], 0);
    assert_ens_error(
        &api.ens("CreateSecurityGroup", &[("SecurityGroupName", "has.dot")])
            .await,
        "InvalidParameter.SecurityGroupName",
        "The specified field SecurityGroupName invalid. Please check it again.",
    );
    assert_ens_error(
        &api.ens("CreateSecurityGroup", &[("Description", "1st group")])
            .await,
        "InvalidParameter.Description",
        "The specified field Description invalid. Please check it again.",
    );
}

#[tokio::test]
async fn describe_security_groups_pages_by_number_and_by_token() {
    let api = Api::new();
    let mut all = Vec::new();
    for i in 0..25 {
        let name = format!("g{i:02}");
        all.push(api.ens_group(&[("SecurityGroupName", &name)]).await);
    }
    all.sort();
    all.reverse();
    let first = api
        .ens(
            "DescribeSecurityGroups",
            &[("PageNumber", "3"), ("PageSize", "10")],
        )
        .await
        .ok();
    assert_eq!(
        (
            first["TotalCount"].clone(),
            first["PageNumber"].clone(),
            first["PageSize"].clone()
        ),
        (json!(25), json!(3), json!(10))
    );
    let ids: Vec<_> = first["SecurityGroups"]["SecurityGroup"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["SecurityGroupId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, all[20..].to_vec());
    // Terraform's data source: MaxResults + NextToken, which always ends empty (H6).
    let mut seen = Vec::new();
    let mut token = String::new();
    let mut tokens = Vec::new();
    loop {
        let mut p = vec![("MaxResults", "10")];
        if !token.is_empty() {
            p.push(("NextToken", token.as_str()));
        }
        let d = api.ens("DescribeSecurityGroups", &p).await.ok();
        for g in d["SecurityGroups"]["SecurityGroup"].as_array().unwrap() {
            assert!(g["InstanceCount"].is_u64());
            seen.push(g["SecurityGroupId"].as_str().unwrap().to_string());
        }
        token = d["NextToken"].as_str().unwrap().to_string();
        if token.is_empty() {
            break;
        }
        assert!(!tokens.contains(&token));
        tokens.push(token.clone());
    }
    assert_eq!(seen, all);
    let by_name = api
        .ens("DescribeSecurityGroups", &[("SecurityGroupName", "g07")])
        .await
        .ok();
    assert_eq!(by_name["TotalCount"], 1);
    let g = &by_name["SecurityGroups"]["SecurityGroup"][0];
    assert_eq!(
        g,
        &json!({"SecurityGroupId": g["SecurityGroupId"], "SecurityGroupName": "g07", "Description": "", "CreationTime": NOW_TEXT,
                "InstanceCount": 0, "InstanceIds": {"InstanceId": []}, "NetworkInterfaceIds": {"NetworkInterfaceId": []}})
    );
    assert_ens_error(
        &api.ens("DescribeSecurityGroups", &[("PageSize", "51")])
            .await,
        "InvalidParameter.PageSize",
        "The specified field PageSize invalid. Please check it again.",
    );
    assert_ens_error(
        &api.ens("DescribeSecurityGroups", &[("NextToken", "zz")])
            .await,
        "InvalidParameter.NextToken",
        "The specified field NextToken invalid. Please check it again.",
    );
}

#[tokio::test]
async fn modify_security_group_attribute_sets_and_clears_name_and_description() {
    let api = Api::new();
    let sg = api
        .ens_group(&[("SecurityGroupName", "before"), ("Description", "first")])
        .await;
    let read = |d: serde_json::Value| (d["SecurityGroupName"].clone(), d["Description"].clone());
    api.ens(
        "ModifySecurityGroupAttribute",
        &[
            ("SecurityGroupId", &sg),
            ("SecurityGroupName", "after"),
            ("Description", "Second one"),
        ],
    )
    .await
    .ok();
    assert_eq!(
        read(
            api.ens(
                "DescribeSecurityGroupAttribute",
                &[("SecurityGroupId", &sg)]
            )
            .await
            .ok()
        ),
        (json!("after"), json!("Second one"))
    );
    // Terraform sends "" for a removed name or description (docs/reference/terraform.md §3.3).
    assert_eq!(
        api.ens(
            "ModifySecurityGroupAttribute",
            &[
                ("SecurityGroupId", &sg),
                ("SecurityGroupName", ""),
                ("Description", "")
            ]
        )
        .await
        .ok(),
        empty_ok()
    );
    assert_eq!(
        read(
            api.ens(
                "DescribeSecurityGroupAttribute",
                &[("SecurityGroupId", &sg)]
            )
            .await
            .ok()
        ),
        (json!(""), json!(""))
    );
    assert_ens_error(
        &api.ens(
            "ModifySecurityGroupAttribute",
            &[("SecurityGroupId", "sg-nope"), ("Description", "Fine text")],
        )
        .await,
        "InvalidSecurityGroupId.NotFound",
        "The specified SecurityGroupId does not exist: sg-nope.",
    );
    assert_ens_error(
        &api.ens("ModifySecurityGroupAttribute", &[("Description", "Fine text")]).await,
        "MissingParameter",
        "The input parameter SecurityGroupId that is mandatory for processing this request is not supplied.",
    );
}

#[tokio::test]
async fn a_deleted_group_is_not_found_at_once_with_400() {
    // ENS answers not-found with 400 (seeds; docs/reference/conflicts.md #3); docs/reference/terraform.md H8.
    let api = Api::new();
    let sg = api.ens_group(&[]).await;
    assert_eq!(
        api.ens("DeleteSecurityGroup", &[("SecurityGroupId", &sg)])
            .await
            .ok(),
        empty_ok()
    );
    let msg = format!("The specified SecurityGroupId does not exist: {sg}.");
    assert_ens_error(
        &api.ens(
            "DescribeSecurityGroupAttribute",
            &[("SecurityGroupId", &sg)],
        )
        .await,
        "InvalidSecurityGroupId.NotFound",
        &msg,
    );
    assert_ens_error(
        &api.ens("DeleteSecurityGroup", &[("SecurityGroupId", &sg)])
            .await,
        "InvalidSecurityGroupId.NotFound",
        &msg,
    );
}

#[tokio::test]
async fn authorize_adds_one_flat_rule_and_refuses_an_identical_one() {
    let api = Api::new();
    let sg = api.ens_group(&[]).await;
    let ingress = [
        ("SecurityGroupId", sg.as_str()),
        ("IpProtocol", "tcp"),
        ("PortRange", "22/22"),
        ("SourceCidrIp", "0.0.0.0/0"),
    ];
    assert_eq!(
        api.ens("AuthorizeSecurityGroup", &ingress).await.ok(),
        empty_ok()
    );
    let egress = [
        ("SecurityGroupId", sg.as_str()),
        ("IpProtocol", "udp"),
        ("PortRange", "53/53"),
        ("DestCidrIp", "10.0.0.0/8"),
        ("SourcePortRange", "1024/65535"),
        ("Policy", "drop"),
        ("Priority", "100"),
    ];
    api.ens("AuthorizeSecurityGroupEgress", &egress).await.ok();
    assert_eq!(
        api.ens_rules(&sg).await,
        vec![
            ens_permission(json!({"PortRange": "22/22", "SourceCidrIp": "0.0.0.0/0"})),
            ens_permission(
                json!({"Direction": "egress", "IpProtocol": "UDP", "PortRange": "53/53", "SourcePortRange": "1024/65535", "Policy": "Drop", "Priority": 100, "DestCidrIp": "10.0.0.0/8"})
            ),
        ]
    );
    // ENS refuses an identical rule (RevokeSecurityGroupEgress seed's error list).
    assert_ens_error(
        &api.ens("AuthorizeSecurityGroup", &ingress).await,
        "SecurityGroupRuleConflict.Duplicated",
        "The SecurityGroup rule already exists.",
    );
    // Priority is part of an ENS rule: the same rule at another priority is another rule.
    let mut other = ingress.to_vec();
    other.push(("Priority", "2"));
    api.ens("AuthorizeSecurityGroup", &other).await.ok();
    assert_eq!(api.ens_rules(&sg).await.len(), 3);
}

#[tokio::test]
async fn authorize_rejects_each_malformed_flat_rule() {
    let api = Api::new();
    let sg = api.ens_group(&[]).await;
    let base = |extra: &[(&'static str, &'static str)]| -> Vec<(&'static str, &'static str)> {
        let mut v = vec![
            ("IpProtocol", "tcp"),
            ("PortRange", "22/22"),
            ("SourceCidrIp", "0.0.0.0/0"),
        ];
        for (k, val) in extra {
            v.retain(|(kk, _)| kk != k);
            if !val.is_empty() {
                v.push((k, val));
            }
        }
        v
    };
    let cases: Vec<Case> = vec![
        (base(&[("IpProtocol", "")]), "MissingParameter", "The input parameter IpProtocol that is mandatory for processing this request is not supplied."),
        (base(&[("PortRange", "")]), "MissingParameter", "The input parameter PortRange that is mandatory for processing this request is not supplied."),
        (base(&[("SourceCidrIp", "")]), "MissingParameter", "The input parameter SourceCidrIp that is mandatory for processing this request is not supplied."),
        (base(&[("IpProtocol", "sctp")]), "InvalidParameter.IpProtocol", "The specified field IpProtocol invalid. Please check it again."),
        (base(&[("PortRange", "200/1")]), "InvalidParameter.PortRange", "The parameter PortRange is not valid."),
        (base(&[("IpProtocol", "icmp")]), "InvalidParameter.PortRange", "The parameter PortRange is not valid."),
        (base(&[("SourceCidrIp", "10.0.0.300")]), "InvalidParameter.CidrIp", "The parameter SourceCidrIp is not valid."),
        (base(&[("Policy", "deny")]), "InvalidParameter.Policy", "The specified field Policy invalid. Please check it again."),
        (base(&[("Priority", "0")]), "InvalidParameter.Priority", "The specified field Priority invalid. Please check it again."),
        (base(&[("SourcePortRange", "x")]), "InvalidParameter.SourcePortRange", "The specified field SourcePortRange invalid. Please check it again."),
    ];
    for (rule, code, msg) in cases {
        let mut p = vec![("SecurityGroupId", sg.as_str())];
        p.extend(rule);
        assert_ens_error(&api.ens("AuthorizeSecurityGroup", &p).await, code, msg);
    }
    assert!(api.ens_rules(&sg).await.is_empty());
    assert_ens_error(
        &api.ens("AuthorizeSecurityGroupEgress", &[("SecurityGroupId", &sg), ("IpProtocol", "tcp"), ("PortRange", "1/1")]).await,
        "MissingParameter",
        "The input parameter DestCidrIp that is mandatory for processing this request is not supplied.",
    );
}

#[tokio::test]
async fn revoke_security_group_egress_follows_its_seed_page() {
    let api = Api::new();
    let sg = api.ens_group(&[]).await;
    let rule = [
        ("SecurityGroupId", sg.as_str()),
        ("IpProtocol", "all"),
        ("PortRange", "-1/-1"),
        ("DestCidrIp", "10.0.0.0/8"),
    ];
    api.ens("AuthorizeSecurityGroupEgress", &rule).await.ok();
    // Seed: IpProtocol, PortRange, SecurityGroupId and DestCidrIp required; Policy accept and
    // Priority 1 by default.
    assert_eq!(
        api.ens("RevokeSecurityGroupEgress", &rule).await.ok(),
        empty_ok()
    );
    assert!(api.ens_rules(&sg).await.is_empty());
    // Removing a rule that does not exist: SecurityGroupRule.NotFound (seed error list).
    assert_ens_error(
        &api.ens("RevokeSecurityGroupEgress", &rule).await,
        "SecurityGroupRule.NotFound",
        "The input security group rule does not exist.",
    );
    api.ens("AuthorizeSecurityGroupEgress", &rule).await.ok();
    let mut other_priority = rule.to_vec();
    other_priority.push(("Priority", "2"));
    assert_ens_error(
        &api.ens("RevokeSecurityGroupEgress", &other_priority).await,
        "SecurityGroupRule.NotFound",
        "The input security group rule does not exist.",
    );
    assert_eq!(api.ens_rules(&sg).await.len(), 1);
    let cases: Vec<Case> = vec![
        (vec![("SecurityGroupId", &sg), ("PortRange", "-1/-1"), ("DestCidrIp", "10.0.0.0/8")], "MissingParameter",
         "The input parameter IpProtocol that is mandatory for processing this request is not supplied."),
        (vec![("SecurityGroupId", &sg), ("IpProtocol", "all"), ("PortRange", "-1/-1")], "MissingParameter",
         "The input parameter DestCidrIp that is mandatory for processing this request is not supplied."),
        (vec![("IpProtocol", "all"), ("PortRange", "-1/-1"), ("DestCidrIp", "10.0.0.0/8")], "MissingParameter",
         "The input parameter SecurityGroupId that is mandatory for processing this request is not supplied."),
        (vec![("SecurityGroupId", &sg), ("IpProtocol", "all"), ("PortRange", "-1/-1"), ("DestCidrIp", "10.0.0.0/8"), ("Priority", "high")],
         "InvalidParameter.Priority", "The specified field Priority invalid. Please check it again."),
        (vec![("SecurityGroupId", "sg-missing"), ("IpProtocol", "all"), ("PortRange", "-1/-1"), ("DestCidrIp", "10.0.0.0/8")],
         "InvalidSecurityGroupId.NotFound", "The specified SecurityGroupId does not exist: sg-missing."),
    ];
    for (p, code, msg) in cases {
        assert_ens_error(&api.ens("RevokeSecurityGroupEgress", &p).await, code, msg);
    }
}

#[tokio::test]
async fn revoke_security_group_removes_an_inbound_rule() {
    let api = Api::new();
    let sg = api.ens_group(&[]).await;
    let rule = [
        ("SecurityGroupId", sg.as_str()),
        ("IpProtocol", "TCP"),
        ("PortRange", "443/443"),
        ("SourceCidrIp", "1.1.1.1"),
        ("Policy", "Drop"),
    ];
    api.ens("AuthorizeSecurityGroup", &rule).await.ok();
    api.ens("RevokeSecurityGroup", &rule).await.ok();
    assert!(api.ens_rules(&sg).await.is_empty());
}

#[tokio::test]
async fn delete_security_group_permissions_follows_its_seed_page() {
    let api = Api::new();
    let sg = api.ens_group(&[("Permissions", TF_RULES)]).await;
    // Terraform sends back what Describe returned, without Description (docs/reference/terraform.md S4 step 5).
    let back = r#"[{"DestCidrIp":"0.0.0.0/0","Direction":"ingress","IpProtocol":"TCP","Policy":"Accept","PortRange":"80/80","Priority":1,"SourceCidrIp":"10.0.0.0/8","SourcePortRange":"80/80"},
                   {"Direction":"egress","IpProtocol":"TCP","Policy":"Drop","PortRange":"443/443","Priority":2,"SourceCidrIp":"0.0.0.0/0","DestCidrIp":"0.0.0.0/0"}]"#;
    assert_eq!(
        api.ens(
            "DeleteSecurityGroupPermissions",
            &[("SecurityGroupId", &sg), ("Permissions", back)]
        )
        .await
        .ok(),
        empty_ok()
    );
    assert_eq!(
        api.ens_rules(&sg).await,
        vec![tf_rules_read_back()[1].clone()]
    );
    // Every rule must exist, or nothing is removed.
    let one_missing = r#"[{"Direction":"ingress","IpProtocol":"TCP","Policy":"Accept","PortRange":"80/80","Priority":1,"SourcePortRange":"80/80","Ipv6SourceCidrIp":"2001:db8::/32","Ipv6DestCidrIp":"::/0"},
                          {"Direction":"ingress","IpProtocol":"TCP","Policy":"Accept","PortRange":"81/81","Priority":1}]"#;
    assert_ens_error(
        &api.ens(
            "DeleteSecurityGroupPermissions",
            &[("SecurityGroupId", &sg), ("Permissions", one_missing)],
        )
        .await,
        "SecurityGroupRule.NotFound",
        "The input security group rule does not exist.",
    );
    assert_eq!(api.ens_rules(&sg).await.len(), 1);
    let r = |extra: &str| {
        format!(
            r#"[{{"Direction":"ingress","IpProtocol":"TCP","Policy":"Accept","PortRange":"80/80","Priority":1{extra}}}]"#
        )
    };
    let cases: Vec<(String, &str, &str)> = vec![
        (
            r(r#","PortRange":"80-81""#).replace(r#""PortRange":"80/80","#, ""),
            "InvalidParameter.PortRange",
            "The parameter Permissions.1.PortRange is not valid.",
        ),
        (
            r(r#","SourceCidrIp":"10.0.0.0/99""#),
            "InvalidParameter.CidrIp",
            "The parameter Permissions.1.SourceCidrIp is not valid.",
        ),
        (
            r(r#","SourceCidrIp":"10.0.0.0/8","Ipv6SourceCidrIp":"::/0""#),
            "InvalidParameter.SourceIpConflict",
            "The Parameters SourceCidrIp and Ipv6SourceCidrIp cannot be set at the same time.",
        ),
        (
            r(r#","DestCidrIp":"10.0.0.0/8","Ipv6DestCidrIp":"::/0""#),
            "InvalidParameter.DestIpConflict",
            "The Parameters DestCidrIp and Ipv6DestCidrIp cannot be set at the same time.",
        ),
        (
            r(r#","Ipv6SourceCidrIp":"::/0""#)
                .replace("TCP", "ICMP")
                .replace("80/80", "-1/-1"),
            "InvalidParameter.Ipv4ProtocolConflictWithIpv6Address",
            "IPv6 address cannot be specified for IPv4-specific protocol.",
        ),
        (
            r(r#","SourceCidrIp":"0.0.0.0/0""#)
                .replace("TCP", "ICMPv6")
                .replace("80/80", "-1/-1"),
            "InvalidParameter.Ipv6ProtocolConflictWithIpv4Address",
            "IPv4 address cannot be specified for IPv6-specific protocol.",
        ),
    ];
    for (perms, code, msg) in cases {
        assert_ens_error(
            &api.ens(
                "DeleteSecurityGroupPermissions",
                &[("SecurityGroupId", &sg), ("Permissions", &perms)],
            )
            .await,
            code,
            msg,
        );
    }
    assert_ens_error(
        &api.ens(
            "DeleteSecurityGroupPermissions",
            &[("SecurityGroupId", "sg-gone"), ("Permissions", &r(""))],
        )
        .await,
        "InvalidSecurityGroupId.NotFound",
        "The specified SecurityGroupId does not exist: sg-gone.",
    );
    assert_ens_error(
        &api.ens("DeleteSecurityGroupPermissions", &[("SecurityGroupId", &sg)]).await,
        "MissingParameter",
        "The input parameter Permissions that is mandatory for processing this request is not supplied.",
    );
    assert_eq!(api.ens_rules(&sg).await.len(), 1);
}

#[tokio::test]
async fn create_security_group_permissions_is_all_or_nothing() {
    let api = Api::new();
    let sg = api.ens_group(&[]).await;
    let one = r#"[{"Direction":"ingress","IpProtocol":"TCP","PortRange":"80/80","Policy":"Accept","Priority":1,"SourceCidrIp":"1.1.1.1"}]"#;
    api.ens(
        "CreateSecurityGroupPermissions",
        &[("SecurityGroupId", &sg), ("Permissions", one)],
    )
    .await
    .ok();
    let two = r#"[{"Direction":"ingress","IpProtocol":"TCP","PortRange":"81/81","Policy":"Accept","Priority":1,"SourceCidrIp":"1.1.1.1"},
                  {"Direction":"ingress","IpProtocol":"TCP","PortRange":"80/80","Policy":"Accept","Priority":1,"SourceCidrIp":"1.1.1.1","Description":"again"}]"#;
    assert_ens_error(
        &api.ens(
            "CreateSecurityGroupPermissions",
            &[("SecurityGroupId", &sg), ("Permissions", two)],
        )
        .await,
        "SecurityGroupRuleConflict.Duplicated",
        "The SecurityGroup rule already exists.",
    );
    assert_eq!(api.ens_rules(&sg).await.len(), 1);
}

#[tokio::test]
async fn the_rule_limit_applies_to_ens_with_a_400() {
    let api = Api::with(sgmock::Config {
        rule_limit: 1,
        ..Default::default()
    });
    let sg = api.ens_group(&[]).await;
    api.ens(
        "AuthorizeSecurityGroup",
        &[
            ("SecurityGroupId", &sg),
            ("IpProtocol", "tcp"),
            ("PortRange", "1/1"),
            ("SourceCidrIp", "1.1.1.1"),
        ],
    )
    .await
    .ok();
    assert_ens_error(
        &api.ens(
            "AuthorizeSecurityGroup",
            &[
                ("SecurityGroupId", &sg),
                ("IpProtocol", "tcp"),
                ("PortRange", "2/2"),
                ("SourceCidrIp", "1.1.1.1"),
            ],
        )
        .await,
        "AuthorizationLimitExceed",
        "The limit of authorization records in the security group reaches: at most 1 rules.",
    );
}

#[tokio::test]
async fn ens_and_ecs_groups_do_not_see_each_other() {
    let api = Api::new();
    let ens = api.ens_group(&[]).await;
    let ecs = api.group(&[]).await;
    assert_error(
        &api.ecs(
            "DescribeSecurityGroupAttribute",
            &[("SecurityGroupId", &ens)],
        )
        .await,
        404,
        "InvalidSecurityGroupId.NotFound",
        &format!("The specified SecurityGroupId does not exist: {ens}."),
    );
    assert_ens_error(
        &api.ens(
            "DescribeSecurityGroupAttribute",
            &[("SecurityGroupId", &ecs)],
        )
        .await,
        "InvalidSecurityGroupId.NotFound",
        &format!("The specified SecurityGroupId does not exist: {ecs}."),
    );
    assert_eq!(
        api.ens("DescribeSecurityGroups", &[]).await.ok()["TotalCount"],
        1
    );
    // The legacy Python SDK adds RegionId to ENS calls too; it is ignored (docs/reference/clients.md §3).
    assert_eq!(
        api.ens("DescribeSecurityGroups", &[("RegionId", "cn-hangzhou")])
            .await
            .ok()["TotalCount"],
        1
    );
}

#[tokio::test]
async fn ens_unknown_action_is_404_and_ens_only_actions_are_not_ecs_ones() {
    let api = Api::new();
    let a = api.ens("ModifySecurityGroupPolicy", &[]).await;
    let message =
        "Specified api is not found, please check your url and method: ModifySecurityGroupPolicy.";
    assert_eq!(
        (a.status, &a.body),
        (
            404,
            &json!({
                "RequestId": "<id>", "HostId": "ens.aliyuncs.com", "Code": "InvalidAction.NotFound",
                "Message": message,
                "Recommend": "https://api.aliyun.com/troubleshoot?q=InvalidAction.NotFound&product=Ens&requestId=<id>",
            })
        ),
        "{}",
        a.text
    );
    let a = api.ecs("CreateSecurityGroupPermissions", &[]).await;
    assert_error(
        &a,
        404,
        "InvalidAction.NotFound",
        "Specified api is not found, please check your url and method: CreateSecurityGroupPermissions.",
    );
}

#[tokio::test]
async fn the_json_rule_actions_refuse_gre_which_their_pages_do_not_list() {
    // Create/DeleteSecurityGroupPermissions list TCP, UDP, ICMP, ICMPv6 and ALL; only the flat
    // Authorize/Revoke pages list gre (docs/reference/ens.md §2.6, §2.8).
    let api = Api::new();
    let sg = api.ens_group(&[]).await;
    let gre = r#"[{"Direction":"ingress","IpProtocol":"GRE","PortRange":"-1/-1","Policy":"Accept","Priority":1,"SourceCidrIp":"10.0.0.0/8"}]"#;
    for action in [
        "CreateSecurityGroupPermissions",
        "DeleteSecurityGroupPermissions",
    ] {
        let a = api
            .ens(action, &[("SecurityGroupId", &sg), ("Permissions", gre)])
            .await;
        assert_eq!(a.status, 400, "{action}: {}", a.text);
        assert_eq!(
            a.body["Code"], "InvalidParameter.IpProtocol",
            "{action}: {}",
            a.text
        );
    }
    // The flat action takes it.
    let a = api
        .ens(
            "AuthorizeSecurityGroup",
            &[
                ("SecurityGroupId", &sg),
                ("IpProtocol", "gre"),
                ("PortRange", "-1/-1"),
                ("SourceCidrIp", "10.0.0.0/8"),
            ],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
}
