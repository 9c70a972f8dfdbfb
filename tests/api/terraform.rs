//! Terraform's Alibaba provider flows (api/docs/reference/terraform.md §5), replayed with the provider's own
//! transports: T1 (POST, business parameters in a form body), T2 (POST, query only), T3 (GET).

use axum::body::Body;
use axum::http::Request;
use serde_json::json;

use crate::support::*;

const SIG: &str = "Format=json&Timestamp=2026-11-23T12%3A00%3A00Z&SignatureMethod=HMAC-SHA1&SignatureVersion=1.0&AccessKeyId=tf&Signature=x";

fn form(params: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish()
}

/// T1: tea-rpc POST; signature parameters in the query, business ones in the form body.
async fn t1(api: &Api, action: &str, params: &[(&str, &str)]) -> Answer {
    let nonce = uuid::Uuid::new_v4().to_string();
    let req = Request::post(format!(
        "/?Action={action}&Version=2014-05-26&SignatureNonce={nonce}&{SIG}"
    ))
    .header("content-type", "application/x-www-form-urlencoded")
    .header("x-acs-action", action)
    .header("x-acs-version", "2014-05-26")
    .body(Body::from(form(params)))
    .unwrap();
    api.send(req).await
}

/// T2: the old SDK's POST with every parameter in the query and an empty form body.
async fn t2(api: &Api, action: &str, params: &[(&str, &str)]) -> Answer {
    let req = Request::post(format!(
        "/?Action={action}&Version=2014-05-26&Format=JSON&{}",
        form(params)
    ))
    .header("content-type", "application/x-www-form-urlencoded")
    .body(Body::empty())
    .unwrap();
    api.send(req).await
}

/// T3: the old SDK's CommonRequest GET; empty values are sent (`Description=`).
async fn t3(api: &Api, action: &str, params: &[(&str, &str)]) -> Answer {
    let req = Request::get(format!(
        "/?Action={action}&Version=2014-05-26&Format=JSON&{}",
        form(params)
    ))
    .body(Body::empty())
    .unwrap();
    api.send(req).await
}

#[tokio::test]
async fn s1_security_group_create_read_update_destroy() {
    let api = Api::new();
    let token = "TF-CreateSecurityGroup-1795435200-5b1f3c1e-0e6a-4a43-9d55-1c0f6d7e8a9b";
    let token = &token[..64];
    let create = [
        ("RegionId", REGION),
        ("ClientToken", token),
        ("Description", "d1"),
        ("VpcId", "vpc-tf0001"),
        ("SecurityGroupName", "tf-sg-a"),
        ("Tag.1.Key", "Created"),
        ("Tag.1.Value", "TF"),
    ];
    let a = t1(&api, "CreateSecurityGroup", &create).await.ok();
    let sg = a["SecurityGroupId"].as_str().unwrap().to_string();
    // Step 2: a retry with the same token returns the same id and creates nothing.
    assert_eq!(t1(&api, "CreateSecurityGroup", &create).await.ok(), a);
    let attr = t1(
        &api,
        "DescribeSecurityGroupAttribute",
        &[("RegionId", REGION), ("SecurityGroupId", &sg)],
    )
    .await
    .ok();
    assert_eq!(
        (
            attr["SecurityGroupId"].clone(),
            attr["InnerAccessPolicy"].clone(),
            attr["VpcId"].clone(),
            attr["Permissions"].clone()
        ),
        (
            json!(sg),
            json!("Accept"),
            json!("vpc-tf0001"),
            json!({"Permission": []})
        )
    );
    let policy_token = &format!(
        "TF-ModifySecurityGroupPolicy-1795435200-{}",
        uuid::Uuid::new_v4()
    )[..64];
    t1(
        &api,
        "ModifySecurityGroupPolicy",
        &[
            ("RegionId", REGION),
            ("SecurityGroupId", &sg),
            ("ClientToken", policy_token),
            ("InnerAccessPolicy", "Drop"),
        ],
    )
    .await
    .ok();
    // Step 5: the singular filter returns exactly this group, with every field the Read stores.
    let other = api.group(&[]).await;
    assert_ne!(other, sg);
    let d = t1(
        &api,
        "DescribeSecurityGroups",
        &[("RegionId", REGION), ("SecurityGroupId", &sg)],
    )
    .await
    .ok();
    let groups = d["SecurityGroups"]["SecurityGroup"].as_array().unwrap();
    assert_eq!(groups.len(), 1);
    let g = &groups[0];
    assert_eq!(
        (
            &g["SecurityGroupId"],
            &g["SecurityGroupName"],
            &g["Description"],
            &g["VpcId"],
            &g["SecurityGroupType"],
            &g["CreationTime"],
            &g["Tags"]
        ),
        (
            &json!(sg),
            &json!("tf-sg-a"),
            &json!("d1"),
            &json!("vpc-tf0001"),
            &json!("normal"),
            &json!(NOW_TEXT),
            &json!({"Tag": [{"TagKey": "Created", "TagValue": "TF"}]})
        )
    );
    assert!(!g["ResourceGroupId"].as_str().unwrap().is_empty());
    assert!(d["TotalCount"].is_u64());
    assert_eq!(
        t1(
            &api,
            "DescribeSecurityGroupAttribute",
            &[("RegionId", REGION), ("SecurityGroupId", &sg)]
        )
        .await
        .ok()["InnerAccessPolicy"],
        "Drop"
    );
    // Update, then clear the description.
    t1(
        &api,
        "ModifySecurityGroupAttribute",
        &[
            ("RegionId", REGION),
            ("SecurityGroupId", &sg),
            ("SecurityGroupName", "tf-sg-b"),
            ("Description", "d2"),
        ],
    )
    .await
    .ok();
    t1(
        &api,
        "ModifySecurityGroupAttribute",
        &[
            ("SecurityGroupId", &sg),
            ("RegionId", REGION),
            ("Description", ""),
        ],
    )
    .await
    .ok();
    let g = t1(
        &api,
        "DescribeSecurityGroups",
        &[("RegionId", REGION), ("SecurityGroupId", &sg)],
    )
    .await
    .ok();
    assert_eq!(
        (
            &g["SecurityGroups"]["SecurityGroup"][0]["SecurityGroupName"],
            &g["SecurityGroups"]["SecurityGroup"][0]["Description"]
        ),
        (&json!("tf-sg-b"), &json!(""))
    );
    // Destroy.
    t1(
        &api,
        "DeleteSecurityGroup",
        &[("RegionId", REGION), ("SecurityGroupId", &sg)],
    )
    .await
    .ok();
    let gone = t1(
        &api,
        "DescribeSecurityGroups",
        &[("RegionId", REGION), ("SecurityGroupId", &sg)],
    )
    .await
    .ok();
    assert_eq!(gone["SecurityGroups"], json!({"SecurityGroup": []}));
    assert_eq!(
        t1(
            &api,
            "DeleteSecurityGroup",
            &[("RegionId", REGION), ("SecurityGroupId", &sg)]
        )
        .await
        .status,
        404
    );
    assert_eq!(
        t1(
            &api,
            "DescribeSecurityGroupAttribute",
            &[("RegionId", REGION), ("SecurityGroupId", &sg)]
        )
        .await
        .status,
        404
    );
    // Variant 21: creating without a VpcId succeeds.
    assert_eq!(
        t1(&api, "CreateSecurityGroup", &[("RegionId", REGION)])
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn s2a_rule_with_cidr_nic_type_and_description() {
    let api = Api::new();
    let sg = api.group(&[]).await;
    assert_eq!(
        t2(
            &api,
            "DescribeSecurityGroupAttribute",
            &[("RegionId", REGION), ("SecurityGroupId", &sg)]
        )
        .await
        .ok()["SecurityGroupId"],
        json!(sg)
    );
    let rule = [
        ("RegionId", REGION),
        ("SecurityGroupId", sg.as_str()),
        ("Permissions.1.IpProtocol", "tcp"),
        ("Permissions.1.Policy", "accept"),
        ("Permissions.1.Priority", "1"),
        ("Permissions.1.SourceCidrIp", "0.0.0.0/0"),
        ("Permissions.1.PortRange", "22/22"),
        ("Permissions.1.NicType", "intranet"),
        ("Permissions.1.Description", "abc"),
    ];
    t1(&api, "AuthorizeSecurityGroup", &rule).await.ok();
    let read = |direction: &'static str, nic: &'static str| {
        let api = &api;
        let sg = sg.clone();
        async move {
            t2(
                api,
                "DescribeSecurityGroupAttribute",
                &[
                    ("RegionId", REGION),
                    ("SecurityGroupId", &sg),
                    ("Direction", direction),
                    ("NicType", nic),
                ],
            )
            .await
            .ok()
        }
    };
    let r = read("ingress", "intranet").await;
    let perms = r["Permissions"]["Permission"].as_array().unwrap().clone();
    assert_eq!(
        perms,
        vec![permission(
            json!({"SecurityGroupRuleId": ids(&perms)[0], "PortRange": "22/22", "SourceCidrIp": "0.0.0.0/0", "Description": "abc"})
        )]
    );
    assert_eq!(
        read("egress", "intranet").await["Permissions"],
        json!({"Permission": []})
    );
    // Step 5: an identical Authorize is a silent success.
    t1(&api, "AuthorizeSecurityGroup", &rule).await.ok();
    assert_eq!(
        read("ingress", "intranet").await["Permissions"]["Permission"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Step 6: description update, sent twice.
    let modify = [
        ("RegionId", REGION),
        ("SecurityGroupId", sg.as_str()),
        ("IpProtocol", "tcp"),
        ("PortRange", "22/22"),
        ("Policy", "accept"),
        ("Priority", "1"),
        ("SourceCidrIp", "0.0.0.0/0"),
        ("NicType", "intranet"),
        ("Description", "abcd"),
    ];
    for _ in 0..2 {
        assert_eq!(
            t3(&api, "ModifySecurityGroupRule", &modify).await.ok(),
            empty_ok()
        );
    }
    assert_eq!(
        read("ingress", "intranet").await["Permissions"]["Permission"][0]["Description"],
        "abcd"
    );
    // Step 7–8: revoke, then revoke again — both 200.
    for _ in 0..2 {
        assert_eq!(
            t3(&api, "RevokeSecurityGroup", &modify).await.ok(),
            empty_ok()
        );
    }
    assert_eq!(
        read("ingress", "intranet").await["Permissions"],
        json!({"Permission": []})
    );
    // Step 9: revoke with `Description=` on a rule without a description deletes it.
    let no_desc: Vec<_> = rule
        .iter()
        .filter(|(k, _)| !k.ends_with("Description") && !k.ends_with("NicType"))
        .cloned()
        .collect();
    t1(&api, "AuthorizeSecurityGroup", &no_desc).await.ok();
    // Step 10: `nic_type` omitted reads back with the literal `NicType=<nil>`.
    let nil = read("ingress", "<nil>").await;
    assert_eq!(nil["Permissions"]["Permission"][0]["NicType"], "intranet");
    let mut revoke: Vec<_> = modify
        .iter()
        .filter(|(k, _)| *k != "Description" && *k != "NicType")
        .cloned()
        .collect();
    revoke.push(("Description", ""));
    t3(&api, "RevokeSecurityGroup", &revoke).await.ok();
    assert_eq!(
        read("ingress", "<nil>").await["Permissions"],
        json!({"Permission": []})
    );
}

#[tokio::test]
async fn s2b_group_peer_drop_priority_100_and_egress_twin() {
    let api = Api::new();
    let (a, b) = (api.group(&[]).await, api.group(&[]).await);
    t1(
        &api,
        "AuthorizeSecurityGroup",
        &[
            ("RegionId", REGION),
            ("SecurityGroupId", &a),
            ("Permissions.1.SourceGroupId", &b),
            ("Permissions.1.IpProtocol", "tcp"),
            ("Permissions.1.Policy", "drop"),
            ("Permissions.1.Priority", "100"),
            ("Permissions.1.PortRange", "22/22"),
            ("Permissions.1.NicType", "intranet"),
            ("Permissions.1.Description", "abc"),
        ],
    )
    .await
    .ok();
    let r = t2(
        &api,
        "DescribeSecurityGroupAttribute",
        &[
            ("RegionId", REGION),
            ("SecurityGroupId", &a),
            ("Direction", "ingress"),
            ("NicType", "intranet"),
        ],
    )
    .await
    .ok();
    let p = &r["Permissions"]["Permission"][0];
    assert_eq!(
        (
            &p["SourceGroupId"],
            &p["SourceCidrIp"],
            &p["SourceGroupOwnerAccount"],
            &p["Policy"],
            &p["Priority"]
        ),
        (
            &json!(b),
            &json!(""),
            &json!(""),
            &json!("Drop"),
            &json!("100")
        )
    );
    t3(
        &api,
        "RevokeSecurityGroup",
        &[
            ("RegionId", REGION),
            ("SecurityGroupId", &a),
            ("SourceGroupId", &b),
            ("IpProtocol", "tcp"),
            ("PortRange", "22/22"),
            ("Policy", "drop"),
            ("Priority", "100"),
            ("NicType", "intranet"),
            ("Description", "abc"),
        ],
    )
    .await
    .ok();
    assert!(api.rules(&a, &[]).await.is_empty());
    // Egress twin.
    t1(
        &api,
        "AuthorizeSecurityGroupEgress",
        &[
            ("RegionId", REGION),
            ("SecurityGroupId", &a),
            ("Permissions.1.DestGroupId", &b),
            ("Permissions.1.IpProtocol", "tcp"),
            ("Permissions.1.PortRange", "22/22"),
        ],
    )
    .await
    .ok();
    let r = api.rules(&a, &[("Direction", "egress")]).await;
    assert_eq!(
        (&r[0]["DestGroupId"], &r[0]["DestCidrIp"]),
        (&json!(b), &json!(""))
    );
    t3(
        &api,
        "RevokeSecurityGroupEgress",
        &[
            ("RegionId", REGION),
            ("SecurityGroupId", &a),
            ("DestGroupId", &b),
            ("IpProtocol", "tcp"),
            ("PortRange", "22/22"),
            ("Policy", "accept"),
            ("Priority", "1"),
            ("Description", ""),
        ],
    )
    .await
    .ok();
    assert!(api.rules(&a, &[]).await.is_empty());
}

#[tokio::test]
async fn s2c_ipv6_is_compressed_and_revoked_with_the_compressed_form() {
    let api = Api::new();
    let a = api.group(&[]).await;
    t1(
        &api,
        "AuthorizeSecurityGroupEgress",
        &[
            ("RegionId", REGION),
            ("SecurityGroupId", &a),
            (
                "Permissions.1.Ipv6DestCidrIp",
                "2001:0db8:3c4d:0015:0000:0000:1a2f:1a2b/0",
            ),
            ("Permissions.1.IpProtocol", "tcp"),
            ("Permissions.1.PortRange", "443/443"),
            ("Permissions.1.Policy", "accept"),
            ("Permissions.1.Priority", "1"),
            ("Permissions.1.NicType", "intranet"),
            ("Permissions.1.Description", "SHDRP-7513"),
        ],
    )
    .await
    .ok();
    let r = api
        .rules(&a, &[("Direction", "egress"), ("NicType", "intranet")])
        .await;
    assert_eq!(
        (
            &r[0]["Ipv6DestCidrIp"],
            &r[0]["DestCidrIp"],
            &r[0]["DestGroupId"]
        ),
        (
            &json!("2001:db8:3c4d:15::1a2f:1a2b/0"),
            &json!(""),
            &json!("")
        )
    );
    t3(
        &api,
        "RevokeSecurityGroupEgress",
        &[
            ("RegionId", REGION),
            ("SecurityGroupId", &a),
            ("IpProtocol", "tcp"),
            ("PortRange", "443/443"),
            ("Policy", "accept"),
            ("Priority", "1"),
            ("Ipv6DestCidrIp", "2001:db8:3c4d:15::1a2f:1a2b/0"),
            ("NicType", "intranet"),
            ("Description", "SHDRP-7513"),
        ],
    )
    .await
    .ok();
    assert!(api.rules(&a, &[]).await.is_empty());
}

#[tokio::test]
async fn s2f_reading_or_revoking_in_a_deleted_group_is_404() {
    let api = Api::new();
    let a = api.group(&[]).await;
    api.ecs("DeleteSecurityGroup", &[("SecurityGroupId", &a)])
        .await
        .ok();
    let r = t2(
        &api,
        "DescribeSecurityGroupAttribute",
        &[
            ("RegionId", REGION),
            ("SecurityGroupId", &a),
            ("Direction", "ingress"),
            ("NicType", "<nil>"),
        ],
    )
    .await;
    assert_error(
        &r,
        404,
        "InvalidSecurityGroupId.NotFound",
        &format!("The specified SecurityGroupId does not exist: {a}."),
    );
    let r = t3(
        &api,
        "RevokeSecurityGroup",
        &[
            ("RegionId", REGION),
            ("SecurityGroupId", &a),
            ("IpProtocol", "tcp"),
            ("PortRange", "22/22"),
            ("SourceCidrIp", "1.1.1.1"),
            ("Description", ""),
        ],
    )
    .await;
    assert_error(
        &r,
        404,
        "InvalidSecurityGroupId.NotFound",
        &format!("The specified SecurityGroupId does not exist: {a}."),
    );
}

#[tokio::test]
async fn s3_dependency_violation_until_the_reference_is_revoked() {
    let api = Api::new();
    let (a, b) = (api.group(&[]).await, api.group(&[]).await);
    t1(
        &api,
        "AuthorizeSecurityGroup",
        &[
            ("RegionId", REGION),
            ("SecurityGroupId", &b),
            ("Permissions.1.SourceGroupId", &a),
            ("Permissions.1.IpProtocol", "tcp"),
            ("Permissions.1.PortRange", "22/22"),
            ("Permissions.1.Policy", "accept"),
            ("Permissions.1.Priority", "1"),
            ("Permissions.1.NicType", "intranet"),
        ],
    )
    .await
    .ok();
    for _ in 0..3 {
        assert_error(
            &t1(
                &api,
                "DeleteSecurityGroup",
                &[("RegionId", REGION), ("SecurityGroupId", &a)],
            )
            .await,
            403,
            "DependencyViolation",
            "The specified security group has been authorized in another one.",
        );
    }
    t3(
        &api,
        "RevokeSecurityGroup",
        &[
            ("RegionId", REGION),
            ("SecurityGroupId", &b),
            ("SourceGroupId", &a),
            ("IpProtocol", "tcp"),
            ("PortRange", "22/22"),
            ("Policy", "accept"),
            ("Priority", "1"),
            ("NicType", "intranet"),
            ("Description", ""),
        ],
    )
    .await
    .ok();
    assert_eq!(
        t1(
            &api,
            "DeleteSecurityGroup",
            &[("RegionId", REGION), ("SecurityGroupId", &a)]
        )
        .await
        .ok(),
        empty_ok()
    );
    assert_eq!(
        t1(
            &api,
            "DeleteSecurityGroup",
            &[("RegionId", REGION), ("SecurityGroupId", &a)]
        )
        .await
        .status,
        404
    );
}

#[tokio::test]
async fn s5_data_source_pages_20_groups_and_the_third_page_is_empty() {
    let api = Api::new();
    for _ in 0..20 {
        api.group(&[]).await;
    }
    let mut seen = std::collections::HashSet::new();
    let mut page = 1;
    loop {
        let n = page.to_string();
        let d = t1(
            &api,
            "DescribeSecurityGroups",
            &[("RegionId", REGION), ("PageNumber", &n), ("PageSize", "10")],
        )
        .await
        .ok();
        let items = d["SecurityGroups"]["SecurityGroup"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(d["TotalCount"], 20);
        for g in &items {
            assert!(seen.insert(g["SecurityGroupId"].as_str().unwrap().to_string()));
        }
        if items.len() < 10 {
            assert_eq!((page, items.len()), (3, 0));
            break;
        }
        page += 1;
    }
    assert_eq!(seen.len(), 20);
}

/// T1 against ENS: POST, business parameters (the `Permissions` JSON among them) in a form body.
async fn t1_ens(api: &Api, action: &str, params: &[(&str, &str)]) -> Answer {
    let nonce = uuid::Uuid::new_v4().to_string();
    let req = Request::post(format!(
        "/?Action={action}&Version=2017-11-10&SignatureNonce={nonce}&{SIG}"
    ))
    .header("content-type", "application/x-www-form-urlencoded")
    .body(Body::from(form(params)))
    .unwrap();
    api.send(req).await
}

/// T1q: ENS DescribeSecurityGroupAttribute with `SecurityGroupId` in the query and an empty form body.
async fn t1q(api: &Api, sg: &str) -> Answer {
    let req = Request::post(format!(
        "/?Action=DescribeSecurityGroupAttribute&Version=2017-11-10&SecurityGroupId={sg}&{SIG}"
    ))
    .header("content-type", "application/x-www-form-urlencoded")
    .body(Body::empty())
    .unwrap();
    api.send(req).await
}

#[tokio::test]
async fn s4_ens_security_group_create_read_update_destroy() {
    let api = Api::new();
    let rules = r#"[{"Description":"test ingress v4 rule","DestCidrIp":"0.0.0.0/0","Direction":"ingress","IpProtocol":"TCP","Policy":"Accept","PortRange":"80/80","Priority":1,"SourceCidrIp":"10.0.0.0/8","SourcePortRange":"80/80"},{"Description":"test ingress v6 rule","Direction":"ingress","IpProtocol":"TCP","Ipv6DestCidrIp":"::/0","Ipv6SourceCidrIp":"2001:db8::/32","Policy":"Accept","PortRange":"80/80","Priority":1,"SourcePortRange":"80/80"},{"DestCidrIp":"0.0.0.0/0","Direction":"egress","IpProtocol":"TCP","Policy":"Drop","PortRange":"443/443","Priority":2,"SourceCidrIp":"0.0.0.0/0"}]"#;
    let sg = t1_ens(
        &api,
        "CreateSecurityGroup",
        &[("SecurityGroupName", "tf-ens-1"), ("Permissions", rules)],
    )
    .await
    .ok()["SecurityGroupId"]
        .as_str()
        .unwrap()
        .to_string();
    // Step 2: readable at once, root SecurityGroupId equal to the new id (H7), rules echoed verbatim (D10).
    let d = t1q(&api, &sg).await.ok();
    assert_eq!(
        (
            d["SecurityGroupId"].clone(),
            d["SecurityGroupName"].clone(),
            d["Description"].clone()
        ),
        (json!(sg), json!("tf-ens-1"), json!(""))
    );
    let perms = d["Permissions"]["Permission"].as_array().unwrap().clone();
    assert_eq!(perms.len(), 3);
    for p in &perms {
        assert!(
            p["Priority"].is_u64()
                && p["IpProtocol"] == "TCP"
                && (p["Policy"] == "Accept" || p["Policy"] == "Drop"),
            "{p}"
        );
    }
    assert_eq!(
        (
            &perms[1]["SourceCidrIp"],
            &perms[1]["DestCidrIp"],
            &perms[2]["Description"]
        ),
        (&json!(""), &json!(""), &json!(""))
    );
    // Step 3: a random id is 400 InvalidSecurityGroupId.NotFound.
    let r = t1q(&api, "sg-random000000000000000").await;
    assert_ens_error(
        &r,
        "InvalidSecurityGroupId.NotFound",
        "The specified SecurityGroupId does not exist: sg-random000000000000000.",
    );
    // Step 5: delete the three rules exactly as read back, minus Description and CreationTime, plus
    // SourcePortRange only where the API returned one.
    let back: Vec<serde_json::Value> = perms
        .iter()
        .map(|p| {
            let mut o = serde_json::Map::new();
            for k in [
                "DestCidrIp",
                "Direction",
                "IpProtocol",
                "Ipv6DestCidrIp",
                "Ipv6SourceCidrIp",
                "Policy",
                "PortRange",
                "SourceCidrIp",
                "SourcePortRange",
            ] {
                if p[k] != "" {
                    o.insert(k.into(), p[k].clone());
                }
            }
            o.insert("Priority".into(), p["Priority"].clone());
            serde_json::Value::Object(o)
        })
        .collect();
    let back = serde_json::to_string(&back).unwrap();
    t1_ens(
        &api,
        "DeleteSecurityGroupPermissions",
        &[("SecurityGroupId", &sg), ("Permissions", &back)],
    )
    .await
    .ok();
    // Step 6: the two new rules.
    let new = r#"[{"Description":"updated egress v4 rule","DestCidrIp":"192.168.0.0/16","Direction":"egress","IpProtocol":"UDP","Policy":"Accept","PortRange":"53/53","Priority":1,"SourceCidrIp":"0.0.0.0/0","SourcePortRange":"53/53"},{"Description":"updated egress v6 rule","Direction":"egress","IpProtocol":"UDP","Ipv6DestCidrIp":"2001:db8:abcd::/48","Ipv6SourceCidrIp":"::/0","Policy":"Accept","PortRange":"53/53","Priority":1,"SourcePortRange":"53/53"}]"#;
    t1_ens(
        &api,
        "CreateSecurityGroupPermissions",
        &[("SecurityGroupId", &sg), ("Permissions", new)],
    )
    .await
    .ok();
    assert_eq!(
        t1q(&api, &sg).await.ok()["Permissions"]["Permission"],
        json!([
            ens_permission(
                json!({"Direction": "egress", "IpProtocol": "UDP", "PortRange": "53/53", "SourcePortRange": "53/53", "SourceCidrIp": "0.0.0.0/0", "DestCidrIp": "192.168.0.0/16", "Description": "updated egress v4 rule"})
            ),
            ens_permission(
                json!({"Direction": "egress", "IpProtocol": "UDP", "PortRange": "53/53", "SourcePortRange": "53/53", "Ipv6SourceCidrIp": "::/0", "Ipv6DestCidrIp": "2001:db8:abcd::/48", "Description": "updated egress v6 rule"})
            ),
        ])
    );
    // Step 8: name and description.
    t1_ens(
        &api,
        "ModifySecurityGroupAttribute",
        &[
            ("SecurityGroupId", &sg),
            ("Description", "SecurityGroupDescription_autotest"),
            ("SecurityGroupName", "tf-ens-1_update"),
        ],
    )
    .await
    .ok();
    let d = t1q(&api, &sg).await.ok();
    assert_eq!(
        (d["SecurityGroupName"].clone(), d["Description"].clone()),
        (
            json!("tf-ens-1_update"),
            json!("SecurityGroupDescription_autotest")
        )
    );
    // Step 9: a description-only change is a delete (no Description) then a create.
    let old = r#"[{"DestCidrIp":"192.168.0.0/16","Direction":"egress","IpProtocol":"UDP","Policy":"Accept","PortRange":"53/53","Priority":1,"SourceCidrIp":"0.0.0.0/0","SourcePortRange":"53/53"}]"#;
    t1_ens(
        &api,
        "DeleteSecurityGroupPermissions",
        &[("SecurityGroupId", &sg), ("Permissions", old)],
    )
    .await
    .ok();
    let renamed = old.replace(
        "\"DestCidrIp\"",
        "\"Description\":\"renamed\",\"DestCidrIp\"",
    );
    t1_ens(
        &api,
        "CreateSecurityGroupPermissions",
        &[("SecurityGroupId", &sg), ("Permissions", &renamed)],
    )
    .await
    .ok();
    let perms = t1q(&api, &sg).await.ok()["Permissions"]["Permission"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        (perms.len(), perms[1]["Description"].clone()),
        (2, json!("renamed"))
    );
    // Step 10: remove all.
    let all = r#"[{"DestCidrIp":"192.168.0.0/16","Direction":"egress","IpProtocol":"UDP","Policy":"Accept","PortRange":"53/53","Priority":1,"SourceCidrIp":"0.0.0.0/0","SourcePortRange":"53/53"},{"Direction":"egress","IpProtocol":"UDP","Ipv6DestCidrIp":"2001:db8:abcd::/48","Ipv6SourceCidrIp":"::/0","Policy":"Accept","PortRange":"53/53","Priority":1,"SourcePortRange":"53/53"}]"#;
    t1_ens(
        &api,
        "DeleteSecurityGroupPermissions",
        &[("SecurityGroupId", &sg), ("Permissions", all)],
    )
    .await
    .ok();
    assert_eq!(
        t1q(&api, &sg).await.ok()["Permissions"],
        json!({"Permission": []})
    );
    // Steps 11-14: destroy; not found from the first poll on (H8), and a second delete is 400.
    t1_ens(&api, "DeleteSecurityGroup", &[("SecurityGroupId", &sg)])
        .await
        .ok();
    let r = t1q(&api, &sg).await;
    assert_ens_error(
        &r,
        "InvalidSecurityGroupId.NotFound",
        &format!("The specified SecurityGroupId does not exist: {sg}."),
    );
    let r = t1_ens(&api, "DeleteSecurityGroup", &[("SecurityGroupId", &sg)]).await;
    assert_ens_error(
        &r,
        "InvalidSecurityGroupId.NotFound",
        &format!("The specified SecurityGroupId does not exist: {sg}."),
    );
}

#[tokio::test]
async fn s5_ens_data_source_follows_next_token_to_the_end() {
    let api = Api::new();
    for _ in 0..25 {
        api.ens_group(&[]).await;
    }
    // MaxResults=50: every group, and no token to follow.
    let d = t1_ens(&api, "DescribeSecurityGroups", &[("MaxResults", "50")])
        .await
        .ok();
    assert_eq!(
        (
            d["SecurityGroups"]["SecurityGroup"]
                .as_array()
                .unwrap()
                .len(),
            d["NextToken"].clone()
        ),
        (25, json!(""))
    );
    // MaxResults=10: 10, 10, 5, and the token ends empty.
    let mut sizes = Vec::new();
    let mut token = String::new();
    loop {
        let mut p = vec![("MaxResults", "10")];
        if !token.is_empty() {
            p.push(("NextToken", token.as_str()));
        }
        let d = t1_ens(&api, "DescribeSecurityGroups", &p).await.ok();
        sizes.push(
            d["SecurityGroups"]["SecurityGroup"]
                .as_array()
                .unwrap()
                .len(),
        );
        token = d["NextToken"].as_str().unwrap().to_string();
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(sizes, vec![10, 10, 5]);
}
