//! Instances in security groups (docs/reference/membership.md): declaring virtual instances, ECS and
//! ENS JoinSecurityGroup / LeaveSecurityGroup with each documented error, membership as
//! DescribeSecurityGroups and DeleteSecurityGroup see it, DescribeInstances, Terraform's sequences,
//! and durability. Whole bodies compared, RequestId redacted.

use serde_json::{json, Value};
use sgmock::Config;

use crate::support::*;

/// Declare ECS instances in `cn-hangzhou` for the default account.
async fn declare(api: &Api, instances: Value) -> Answer {
    let body = json!({"region": REGION, "instances": instances}).to_string();
    api.admin("PUT", "/_sgmock/instances", Some(&body)).await
}

/// Two VPC groups, a group in another VPC, an enterprise group and a classic one, and two
/// instances: i-1 (two ENIs, in `a`) and i-2 (Stopping).
struct World {
    api: Api,
    a: String,
    b: String,
    other_vpc: String,
    enterprise: String,
}

async fn world() -> World {
    let api = Api::new();
    let a = api.group(&[]).await;
    let b = api.group(&[]).await;
    let other_vpc = api.group(&[("VpcId", "vpc-other")]).await;
    let enterprise = api.group(&[("SecurityGroupType", "enterprise")]).await;
    let d = declare(
        &api,
        json!([
            {"id": "i-1", "vpc_id": "vpc-test", "zone_id": "cn-hangzhou-h",
             "network_interfaces": [{"id": "eni-1", "primary": true, "security_group_ids": [a]},
                                    {"id": "eni-1b"}]},
            {"id": "i-2", "vpc_id": "vpc-test", "status": "Stopping"},
        ]),
    )
    .await;
    assert_eq!(d.body, json!({"instances": 2}), "{}", d.text);
    World {
        api,
        a,
        b,
        other_vpc,
        enterprise,
    }
}

/// (parameters, status, code, message)
type Case<'a> = (Vec<(&'a str, &'a str)>, u16, &'a str, String);

async fn ecs_groups_of(api: &Api, instance: &str) -> Value {
    let ids = format!("[\"{instance}\"]");
    let d = api
        .ecs("DescribeInstances", &[("InstanceIds", &ids)])
        .await
        .ok();
    d["Instances"]["Instance"][0]["SecurityGroupIds"]["SecurityGroupId"].clone()
}

// ---------------------------------------------------------------- declaring (§6)

#[tokio::test]
async fn declared_instances_are_listed_with_their_interfaces_and_released() {
    let w = world().await;
    let listed = w.api.admin("GET", "/_sgmock/instances", None).await.ok();
    assert_eq!(
        listed,
        json!([
            {"id": "i-1", "vpc_id": "vpc-test", "zone_id": "cn-hangzhou-h", "status": "Running",
             "network_interfaces": [{"id": "eni-1", "primary": true, "security_group_ids": [w.a]},
                                    {"id": "eni-1b", "primary": false}],
             "account": sgmock::DEFAULT_ACCOUNT, "product": "ecs", "region": REGION},
            // No interfaces declared: a primary `eni-` + the id without `i-`.
            {"id": "i-2", "vpc_id": "vpc-test", "status": "Stopping",
             "network_interfaces": [{"id": "eni-2", "primary": true}],
             "account": sgmock::DEFAULT_ACCOUNT, "product": "ecs", "region": REGION},
        ])
    );
    let d = w.api.admin("DELETE", "/_sgmock/instances/i-1", None).await;
    assert_eq!(d.body, json!({"released": "i-1"}));
    let d = w.api.admin("DELETE", "/_sgmock/instances/i-1", None).await;
    assert_eq!(
        (d.status, d.body),
        (
            404,
            json!({"code": "InstanceNotFound", "message": "there is no instance i-1"})
        )
    );
    // Its membership went with it: the group can be deleted.
    let d = w
        .api
        .ecs("DeleteSecurityGroup", &[("SecurityGroupId", &w.a)])
        .await;
    assert_eq!(d.status, 200, "{}", d.text);
}

#[tokio::test]
async fn a_declaration_is_taken_whole_or_refused_whole() {
    let w = world().await;
    let before = w.api.admin("GET", "/_sgmock/instances", None).await.ok();
    for (body, status, message) in [
        (json!({"instances": [{"id": "i-9"}]}).to_string(), 400, "region is required for ecs instances"),
        (json!({"region": "mars-1", "instances": []}).to_string(), 400, "region \"mars-1\" is not one sgmock serves"),
        (json!({"region": REGION, "product": "rds", "instances": []}).to_string(), 400, "product \"rds\" is not ecs or ens"),
        (json!({"region": REGION, "instances": [{"id": "i-9", "status": "Deleted"}]}).to_string(), 400, "instances[0]: status \"Deleted\" is not valid"),
        (json!({"region": REGION, "instances": [{"id": "i-9", "network_interfaces": [{"id": "eni-x", "primary": true}, {"id": "eni-y", "primary": true}]}]}).to_string(), 400, "instances[0]: at most one network interface may be primary"),
        // The first instance is fine; the second takes i-1's interface: neither is taken.
        (json!({"region": REGION, "instances": [{"id": "i-8"}, {"id": "i-9", "network_interfaces": [{"id": "eni-1"}]}]}).to_string(), 400, "network interface eni-1 already belongs to instance i-1"),
        (json!({"region": REGION, "instances": [{"id": "i-9", "vpc_id": "vpc-test", "network_interfaces": [{"id": "eni-9", "security_group_ids": [w.other_vpc]}]}]}).to_string(), 400, "network interface eni-9: the instance and the security group are not in the same VPC"),
        (json!({"region": REGION, "instances": [{"id": "i-9", "network_interfaces": [{"id": "eni-9", "security_group_ids": ["sg-none"]}]}]}).to_string(), 400, "network interface eni-9: security group sg-none not found"),
        ("{\"region\": ".to_string(), 400, "EOF while parsing a value at line 1 column 11"),
        // i-1's ENIs are in a group: its VPC cannot change.
        (json!({"region": REGION, "instances": [{"id": "i-1", "vpc_id": "vpc-other"}]}).to_string(), 409, "instance i-1 has network interfaces in security groups: its vpc_id cannot change"),
    ] {
        let d = w.api.admin("PUT", "/_sgmock/instances", Some(&body)).await;
        let code = if status == 409 { "InstanceInUse" } else { "InvalidInstances" };
        assert_eq!(
            (d.status, d.body),
            (status, json!({"code": code, "message": message})),
            "{body}"
        );
    }
    assert_eq!(
        w.api.admin("GET", "/_sgmock/instances", None).await.ok(),
        before
    );
}

#[tokio::test]
async fn a_redeclaration_keeps_memberships_so_a_status_can_flip() {
    let w = world().await;
    let d = declare(
        &w.api,
        json!([{"id": "i-1", "vpc_id": "vpc-test", "status": "Stopped",
        "network_interfaces": [{"id": "eni-1", "primary": true}, {"id": "eni-1b"}]}]),
    )
    .await;
    assert_eq!(d.status, 200, "{}", d.text);
    assert_eq!(ecs_groups_of(&w.api, "i-1").await, json!([w.a]));
    // An interface no longer declared leaves its groups; the instance form still works on the primary.
    let d = w
        .api
        .ecs(
            "JoinSecurityGroup",
            &[("SecurityGroupId", &w.b), ("NetworkInterfaceId", "eni-1b")],
        )
        .await;
    assert_eq!(d.body, empty_ok(), "{}", d.text);
    declare(
        &w.api,
        json!([{"id": "i-1", "vpc_id": "vpc-test", "network_interfaces": [{"id": "eni-1"}]}]),
    )
    .await;
    let g = w
        .api
        .ecs("DescribeSecurityGroups", &[("SecurityGroupId", &w.b)])
        .await
        .ok();
    assert_eq!(g["SecurityGroups"]["SecurityGroup"][0]["EcsCount"], 0);
}

// ---------------------------------------------------------------- ECS JoinSecurityGroup (§2)

#[tokio::test]
async fn ecs_join_adds_the_instance_and_the_counts_follow() {
    let w = world().await;
    let d = w
        .api
        .ecs(
            "JoinSecurityGroup",
            &[("SecurityGroupId", &w.b), ("InstanceId", "i-1")],
        )
        .await;
    assert_eq!((d.status, d.body), (200, empty_ok()));
    assert_eq!(ecs_groups_of(&w.api, "i-1").await, json!([w.a, w.b]));
    // EcsCount counts member interfaces (one private IP each), AvailableInstanceAmount the rest of
    // the basic VPC group's 2,000 (§5).
    let g = w
        .api
        .ecs(
            "DescribeSecurityGroups",
            &[("SecurityGroupId", &w.b), ("IsQueryEcsCount", "true")],
        )
        .await
        .ok();
    let g = &g["SecurityGroups"]["SecurityGroup"][0];
    assert_eq!(
        (&g["EcsCount"], &g["AvailableInstanceAmount"]),
        (&json!(1), &json!(1999))
    );
    // The ENI form with RegionId acts on one interface.
    let d = w
        .api
        .ecs(
            "JoinSecurityGroup",
            &[("SecurityGroupId", &w.b), ("NetworkInterfaceId", "eni-1b")],
        )
        .await;
    assert_eq!(d.body, empty_ok(), "{}", d.text);
    let g = w
        .api
        .ecs("DescribeSecurityGroups", &[("SecurityGroupId", &w.b)])
        .await
        .ok();
    assert_eq!(g["SecurityGroups"]["SecurityGroup"][0]["EcsCount"], 2);
}

#[tokio::test]
async fn ecs_join_answers_each_documented_error() {
    let w = world().await;
    let (a, b) = (w.a.as_str(), w.b.as_str());
    let cases: Vec<Case> = vec![
        (vec![("InstanceId", "i-1")], 400, "MissingSecurityGroupId", "SecurityGroupId is mandatory for this action.".into()),
        (vec![("SecurityGroupId", b)], 400, "MissingInstanceId", "InstanceId is mandatory for this action.".into()),
        (vec![("SecurityGroupId", b), ("InstanceId", "i-1"), ("NetworkInterfaceId", "eni-1")], 403, "InvalidParam.EniIdAndInstanceId.Conflict", "The parameters InstanceId and NetworkInterfaceId cannot be specified at the same time.".into()),
        (vec![("SecurityGroupId", b), ("InstanceId", "i-9")], 404, "InvalidInstanceId.NotFound", "The specified InstanceId does not exist.".into()),
        (vec![("SecurityGroupId", b), ("NetworkInterfaceId", "eni-9")], 404, "InvalidEniId.NotFound", "The specified NetworkInterfaceId eni-9 does not exist.".into()),
        (vec![("SecurityGroupId", "sg-none"), ("InstanceId", "i-1")], 404, "InvalidSecurityGroupId.NotFound", "The specified SecurityGroupId does not exist: sg-none.".into()),
        (vec![("SecurityGroupId", b), ("InstanceId", "i-2")], 403, "IncorrectInstanceStatus", "The current status of the resource does not support this operation.".into()),
        (vec![("SecurityGroupId", &w.other_vpc), ("InstanceId", "i-1")], 400, "InvalidInstanceId.Mismatch", "Specified instance and security group are not in the same VPC.".into()),
        (vec![("SecurityGroupId", &w.other_vpc), ("NetworkInterfaceId", "eni-1b")], 403, "InvalidOperation.VpcMismatch", "The specified network interface and security group are not in the same VPC.".into()),
        (vec![("SecurityGroupId", a), ("InstanceId", "i-1")], 403, "InvalidInstanceId.AlreadyExists", "The specified instance already exists in the specified security group.".into()),
        (vec![("SecurityGroupId", &w.enterprise), ("InstanceId", "i-1")], 400, "InvalidOperation.MultiGroupType", "The specified instance can't join different types of security group.".into()),
    ];
    for (params, status, code, message) in cases {
        let d = w.api.ecs("JoinSecurityGroup", &params).await;
        assert_error(&d, status, code, &message);
    }
    // The ENI form needs RegionId.
    let d = w
        .api
        .get(&[
            ("Action", "JoinSecurityGroup"),
            ("Version", ECS),
            ("SecurityGroupId", b),
            ("NetworkInterfaceId", "eni-1b"),
        ])
        .await;
    assert_error(
        &d,
        400,
        "MissingParameter.RegionId",
        "The specified RegionId should not be null.",
    );
    // The instance form finds the instance without one; with another region it is not found there.
    let d = w
        .api
        .get(&[
            ("Action", "JoinSecurityGroup"),
            ("Version", ECS),
            ("SecurityGroupId", b),
            ("InstanceId", "i-1"),
        ])
        .await;
    assert_eq!(d.body, empty_ok(), "{}", d.text);
    let d = w
        .api
        .ecs(
            "JoinSecurityGroup",
            &[
                ("RegionId", "cn-beijing"),
                ("SecurityGroupId", b),
                ("InstanceId", "i-1"),
            ],
        )
        .await;
    assert_error(
        &d,
        404,
        "InvalidInstanceId.NotFound",
        "The specified InstanceId does not exist.",
    );
    // Nothing but the one successful join changed anything.
    assert_eq!(ecs_groups_of(&w.api, "i-1").await, json!([a, b]));
}

#[tokio::test]
async fn ecs_join_limits_per_interface_and_per_group() {
    let api = Api::with(Config {
        groups_per_eni: 2,
        ..Config::default()
    });
    let g: Vec<String> = vec![
        api.group(&[]).await,
        api.group(&[]).await,
        api.group(&[]).await,
    ];
    declare(&api, json!([{"id": "i-1", "vpc_id": "vpc-test", "network_interfaces": [{"id": "eni-1", "security_group_ids": [g[0], g[1]]}]}])).await;
    let d = api
        .ecs(
            "JoinSecurityGroup",
            &[("SecurityGroupId", &g[2]), ("InstanceId", "i-1")],
        )
        .await;
    assert_error(
        &d,
        400,
        "InstanceSecurityGroupLimitExceeded",
        "Exceeding the allowed amount of security groups that an instance can be in.",
    );
    // Re-joining a group of a full instance says AlreadyExists: membership is checked first.
    let d = api
        .ecs(
            "JoinSecurityGroup",
            &[("SecurityGroupId", &g[0]), ("InstanceId", "i-1")],
        )
        .await;
    assert_eq!(d.get("Code"), "InvalidInstanceId.AlreadyExists");
    // A classic group holds 1,000 interfaces.
    let classic = api
        .ecs("CreateSecurityGroup", &[])
        .await
        .get("SecurityGroupId");
    let many: Vec<Value> = (0..1000)
        .map(|n| json!({"id": format!("i-c{n}"), "network_interfaces": [{"id": format!("eni-c{n}"), "security_group_ids": [classic]}]}))
        .collect();
    assert_eq!(
        declare(&api, json!(many)).await.body,
        json!({"instances": 1000})
    );
    declare(&api, json!([{"id": "i-last"}])).await;
    let d = api
        .ecs(
            "JoinSecurityGroup",
            &[("SecurityGroupId", &classic), ("InstanceId", "i-last")],
        )
        .await;
    assert_error(
        &d,
        403,
        "SecurityGroupInstanceLimitExceeded",
        "The maximum number of instances in a security group is exceeded.",
    );
    let s = api
        .ecs("DescribeSecurityGroups", &[("SecurityGroupId", &classic)])
        .await
        .ok();
    let s = &s["SecurityGroups"]["SecurityGroup"][0];
    assert_eq!(
        (&s["EcsCount"], &s["AvailableInstanceAmount"]),
        (&json!(1000), &json!(0))
    );
}

/// A ClientToken sent with Join is honoured like on every ECS write: the retry answers success
/// instead of `AlreadyExists`; the same token with other parameters is refused.
#[tokio::test]
async fn ecs_join_retried_with_its_client_token_succeeds_once() {
    let w = world().await;
    let join = [
        ("SecurityGroupId", w.b.as_str()),
        ("InstanceId", "i-1"),
        ("ClientToken", "join-b"),
    ];
    for _ in 0..2 {
        assert_eq!(w.api.ecs("JoinSecurityGroup", &join).await.body, empty_ok());
    }
    let d = w
        .api
        .ecs(
            "JoinSecurityGroup",
            &[("SecurityGroupId", &w.b), ("InstanceId", "i-1")],
        )
        .await;
    assert_eq!(d.get("Code"), "InvalidInstanceId.AlreadyExists");
    let d = w
        .api
        .ecs(
            "LeaveSecurityGroup",
            &[
                ("SecurityGroupId", &w.a),
                ("InstanceId", "i-1"),
                ("ClientToken", "join-b"),
            ],
        )
        .await;
    assert_error(
        &d,
        400,
        "IdempotentParameterMismatch",
        "The request is retried with updated parameters.",
    );
    assert_eq!(ecs_groups_of(&w.api, "i-1").await, json!([w.a, w.b]));
}

// ---------------------------------------------------------------- ECS LeaveSecurityGroup (§3)

#[tokio::test]
async fn ecs_leave_answers_each_documented_error_and_keeps_one_group() {
    let w = world().await;
    let (a, b) = (w.a.as_str(), w.b.as_str());
    let d = w
        .api
        .ecs(
            "LeaveSecurityGroup",
            &[("SecurityGroupId", b), ("InstanceId", "i-1")],
        )
        .await;
    assert_error(&d, 400, "InvalidSecurityGroupAssociation.NotFound", &format!("The specified instance or network interface i-1 is not associated with the security group {b}."));
    let d = w
        .api
        .ecs(
            "LeaveSecurityGroup",
            &[("SecurityGroupId", a), ("InstanceId", "i-1")],
        )
        .await;
    assert_error(
        &d,
        403,
        "InstanceLastSecurityGroup",
        "The specified security group is the last security group for the instance.",
    );
    let d = w
        .api
        .ecs(
            "LeaveSecurityGroup",
            &[("SecurityGroupId", a), ("NetworkInterfaceId", "eni-1")],
        )
        .await;
    assert_error(
        &d,
        403,
        "InvalidOperation.AtLeastInOneGroup",
        "The specified network interface must stay in at least one security group.",
    );
    let d = w
        .api
        .ecs(
            "LeaveSecurityGroup",
            &[("SecurityGroupId", a), ("InstanceId", "i-2")],
        )
        .await;
    assert_error(
        &d,
        403,
        "IncorrectInstanceStatus",
        "The current status of the resource does not support this operation.",
    );
    // With a second group the first can be left.
    w.api
        .ecs(
            "JoinSecurityGroup",
            &[("SecurityGroupId", b), ("InstanceId", "i-1")],
        )
        .await
        .ok();
    let d = w
        .api
        .ecs(
            "LeaveSecurityGroup",
            &[("SecurityGroupId", a), ("InstanceId", "i-1")],
        )
        .await;
    assert_eq!((d.status, d.body), (200, empty_ok()));
    assert_eq!(ecs_groups_of(&w.api, "i-1").await, json!([b]));
}

// ---------------------------------------------------------------- membership elsewhere (§5)

#[tokio::test]
async fn a_group_with_members_cannot_be_deleted_and_members_come_before_references() {
    let w = world().await;
    // `a` is both referenced by b's rule and has a member: the members are reported.
    w.api
        .ecs(
            "AuthorizeSecurityGroup",
            &[
                ("SecurityGroupId", &w.b),
                ("IpProtocol", "tcp"),
                ("PortRange", "22/22"),
                ("SourceGroupId", &w.a),
            ],
        )
        .await
        .ok();
    let d = w
        .api
        .ecs("DeleteSecurityGroup", &[("SecurityGroupId", &w.a)])
        .await;
    assert_error(
        &d,
        403,
        "DependencyViolation",
        "There is still instance(s) in the specified security group.",
    );
    w.api
        .admin("DELETE", "/_sgmock/instances/i-1", None)
        .await
        .ok();
    let d = w
        .api
        .ecs("DeleteSecurityGroup", &[("SecurityGroupId", &w.a)])
        .await;
    assert_error(
        &d,
        403,
        "DependencyViolation",
        "The specified security group has been authorized in another one.",
    );
}

#[tokio::test]
async fn ecs_describe_instances_filters_by_ids_group_and_vpc() {
    let w = world().await;
    let d = w
        .api
        .ecs("DescribeInstances", &[("SecurityGroupId", &w.a)])
        .await
        .ok();
    assert_eq!(
        d,
        json!({"RequestId": "<id>", "PageNumber": 1, "PageSize": 10, "TotalCount": 1,
            "Instances": {"Instance": [{
                "InstanceId": "i-1", "RegionId": REGION, "ZoneId": "cn-hangzhou-h", "Status": "Running",
                "InstanceNetworkType": "vpc", "VpcAttributes": {"VpcId": "vpc-test"},
                "SecurityGroupIds": {"SecurityGroupId": [w.a]},
                "NetworkInterfaces": {"NetworkInterface": [
                    {"NetworkInterfaceId": "eni-1", "Type": "Primary", "SecurityGroupIds": {"SecurityGroupId": [w.a]}},
                    {"NetworkInterfaceId": "eni-1b", "Type": "Secondary", "SecurityGroupIds": {"SecurityGroupId": []}}]}}]}})
    );
    let ids = |d: Value| -> Vec<String> {
        d["Instances"]["Instance"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["InstanceId"].as_str().unwrap().to_string())
            .collect()
    };
    let all = w.api.ecs("DescribeInstances", &[]).await.ok();
    assert_eq!(ids(all), ["i-1", "i-2"]);
    let some = w
        .api
        .ecs("DescribeInstances", &[("InstanceIds", "[\"i-2\",\"i-9\"]")])
        .await
        .ok();
    assert_eq!(ids(some), ["i-2"]);
    let none = w
        .api
        .ecs("DescribeInstances", &[("VpcId", "vpc-other")])
        .await
        .ok();
    assert_eq!(none["TotalCount"], 0);
    let elsewhere = w
        .api
        .ecs("DescribeInstances", &[("RegionId", "cn-beijing")])
        .await
        .ok();
    assert_eq!(elsewhere["TotalCount"], 0);
    let bad = w
        .api
        .ecs("DescribeInstances", &[("InstanceIds", "i-1")])
        .await;
    assert_eq!(
        (bad.status, bad.get("Code")),
        (400, "InvalidParameter".to_string())
    );
}

// ---------------------------------------------------------------- ENS (§4, §5)

async fn ens_world() -> (Api, String, String) {
    let api = Api::new();
    let a = api.ens_group(&[]).await;
    let b = api.ens_group(&[]).await;
    let body = json!({"product": "ens", "instances": [
        {"id": "i-e1", "ens_region_id": "cn-beijing-cmcc",
         "network_interfaces": [{"id": "eni-e1", "primary": true}, {"id": "eni-e1b"}]},
        {"id": "i-e2", "status": "Pending"}]})
    .to_string();
    let d = api.admin("PUT", "/_sgmock/instances", Some(&body)).await;
    assert_eq!(d.body, json!({"instances": 2}), "{}", d.text);
    (api, a, b)
}

#[tokio::test]
async fn ens_join_and_leave_are_lenient_where_the_pages_are_silent() {
    let (api, a, b) = ens_world().await;
    for _ in 0..2 {
        let d = api
            .ens(
                "JoinSecurityGroup",
                &[("SecurityGroupId", &a), ("InstanceId", "i-e1")],
            )
            .await;
        assert_eq!((d.status, d.body), (200, empty_ok()));
    }
    let d = api
        .ens(
            "JoinSecurityGroup",
            &[("SecurityGroupId", &b), ("NetworkInterfaceId", "eni-e1b")],
        )
        .await;
    assert_eq!(d.body, empty_ok(), "{}", d.text);
    let g = api.ens("DescribeSecurityGroups", &[]).await.ok();
    let by_id = |id: &str| {
        g["SecurityGroups"]["SecurityGroup"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["SecurityGroupId"] == id)
            .cloned()
            .unwrap()
    };
    let ga = by_id(&a);
    assert_eq!(
        (
            &ga["InstanceCount"],
            &ga["InstanceIds"],
            &ga["NetworkInterfaceIds"]
        ),
        (
            &json!(1),
            &json!({"InstanceId": ["i-e1"]}),
            &json!({"NetworkInterfaceId": []})
        )
    );
    let gb = by_id(&b);
    assert_eq!(
        (
            &gb["InstanceCount"],
            &gb["InstanceIds"],
            &gb["NetworkInterfaceIds"]
        ),
        (
            &json!(1),
            &json!({"InstanceId": []}),
            &json!({"NetworkInterfaceId": ["eni-e1b"]})
        )
    );
    // Leaving a group one is not in changes nothing; so does leaving the last one.
    for g in [&b, &a, &a] {
        let d = api
            .ens(
                "LeaveSecurityGroup",
                &[("SecurityGroupId", g), ("InstanceId", "i-e1")],
            )
            .await;
        assert_eq!((d.status, d.body), (200, empty_ok()));
    }
    let g = api
        .ens("DescribeSecurityGroups", &[("SecurityGroupId", &a)])
        .await
        .ok();
    assert_eq!(g["SecurityGroups"]["SecurityGroup"][0]["InstanceCount"], 0);
}

#[tokio::test]
async fn ens_membership_errors_are_all_400() {
    let (api, a, _) = ens_world().await;
    for (params, code, message) in [
        (vec![("InstanceId", "i-e1")], "MissingParameter", "The input parameter SecurityGroupId that is mandatory for processing this request is not supplied."),
        (vec![("SecurityGroupId", a.as_str())], "MissingParameter", "The input parameter InstanceId that is mandatory for processing this request is not supplied."),
        (vec![("SecurityGroupId", a.as_str()), ("InstanceId", "i-e1"), ("NetworkInterfaceId", "eni-e1")], "InvalidParameter", "The errorMessage is InstanceId and NetworkInterfaceId cannot be given together. Please check it again."),
        // The group first, then the instance.
        (vec![("SecurityGroupId", "sg-none"), ("InstanceId", "i-none")], "InvalidSecurityGroupId.NotFound", "The specified SecurityGroupId does not exist: sg-none."),
        (vec![("SecurityGroupId", a.as_str()), ("InstanceId", "i-none")], "InvalidParameter.InstanceId", "The specified field InstanceId invalid. Please check it again."),
        (vec![("SecurityGroupId", a.as_str()), ("NetworkInterfaceId", "eni-none")], "InvalidParameter.NetworkInterfaceId", "The specified field NetworkInterfaceId invalid. Please check it again."),
        (vec![("SecurityGroupId", a.as_str()), ("InstanceId", "i-e2")], "IncorrectInstanceStatus", "The current status of the resource does not support this operation."),
    ] {
        for action in ["JoinSecurityGroup", "LeaveSecurityGroup"] {
            let d = api.ens(action, &params).await;
            assert_ens_error(&d, code, message);
        }
    }
    // An ECS call never sees an ENS instance.
    let d = api
        .ecs(
            "JoinSecurityGroup",
            &[("SecurityGroupId", &a), ("InstanceId", "i-e1")],
        )
        .await;
    assert_eq!(d.status, 404);
    // ENS DeleteSecurityGroup with members: 400 DependencyViolation.
    api.ens(
        "JoinSecurityGroup",
        &[("SecurityGroupId", &a), ("InstanceId", "i-e1")],
    )
    .await
    .ok();
    let d = api
        .ens("DeleteSecurityGroup", &[("SecurityGroupId", &a)])
        .await;
    assert_ens_error(
        &d,
        "DependencyViolation",
        "There is still instance(s) in the specified security group.",
    );
}

/// Terraform's `alicloud_ens_instance_security_group_attachment` (docs/reference/membership.md §8):
/// Join, then DescribeInstances until the first group listed is the attached one; Leave, then
/// DescribeInstances with the group filter until nothing is listed.
#[tokio::test]
async fn terraform_ens_attachment_reads_its_group_first_and_waits_for_it_to_go() {
    let (api, a, b) = ens_world().await;
    api.ens(
        "JoinSecurityGroup",
        &[("SecurityGroupId", &a), ("InstanceId", "i-e1")],
    )
    .await
    .ok();
    api.ens(
        "JoinSecurityGroup",
        &[("SecurityGroupId", &b), ("InstanceId", "i-e1")],
    )
    .await
    .ok();
    let d = api
        .ens(
            "DescribeInstances",
            &[("InstanceId", "i-e1"), ("SecurityGroupId", &b)],
        )
        .await
        .ok();
    assert_eq!(
        d,
        json!({"RequestId": "<id>", "PageNumber": 1, "PageSize": 10, "TotalCount": 1,
            "Instances": {"Instance": [{"InstanceId": "i-e1", "EnsRegionId": "cn-beijing-cmcc",
                "Status": "Running", "SecurityGroupIds": {"SecurityGroupId": [b, a]}}]}})
    );
    api.ens(
        "LeaveSecurityGroup",
        &[("SecurityGroupId", &b), ("InstanceId", "i-e1")],
    )
    .await
    .ok();
    let d = api
        .ens(
            "DescribeInstances",
            &[("InstanceId", "i-e1"), ("SecurityGroupId", &b)],
        )
        .await
        .ok();
    assert_eq!(
        (&d["TotalCount"], &d["Instances"]),
        (&json!(0), &json!({"Instance": []}))
    );
}

/// Terraform's `alicloud_instance` security-group update (docs/reference/membership.md §8): Leave
/// removed groups first, then Join added ones, ignoring every error but two. `[A]` → `[B]`: Leave A
/// is refused (last group), Join B succeeds, and the instance ends in both.
#[tokio::test]
async fn terraform_instance_update_from_the_only_group_to_another_ends_in_both() {
    let w = world().await;
    let leave = w
        .api
        .ecs(
            "LeaveSecurityGroup",
            &[("InstanceId", "i-1"), ("SecurityGroupId", &w.a)],
        )
        .await;
    assert_eq!(leave.get("Code"), "InstanceLastSecurityGroup");
    let join = w
        .api
        .ecs(
            "JoinSecurityGroup",
            &[("InstanceId", "i-1"), ("SecurityGroupId", &w.b)],
        )
        .await;
    assert_eq!(join.status, 200);
    assert_eq!(ecs_groups_of(&w.api, "i-1").await, json!([w.a, w.b]));
}

// ---------------------------------------------------------------- state (§6)

#[tokio::test]
async fn instances_are_in_the_state_document_and_a_reset_of_their_account() {
    let w = world().await;
    let state = w.api.state().await;
    let account = &state["accounts"][sgmock::DEFAULT_ACCOUNT];
    assert_eq!(
        account["ecs_instances"][REGION][0],
        json!({"id": "i-1", "vpc_id": "vpc-test", "zone_id": "cn-hangzhou-h", "status": "Running",
            "network_interfaces": [{"id": "eni-1", "primary": true, "security_group_ids": [w.a]},
                                   {"id": "eni-1b", "primary": false}]})
    );
    // The document loads back as it was.
    let api = Api::new();
    api.admin("PUT", "/_sgmock/state", Some(&state.to_string()))
        .await
        .ok();
    assert_eq!(api.state().await, state);
    // A document whose member interface names a group it does not have is refused.
    let mut broken = state.clone();
    broken["accounts"][sgmock::DEFAULT_ACCOUNT]["ecs"] = json!({});
    let d = api
        .admin("PUT", "/_sgmock/state", Some(&broken.to_string()))
        .await;
    assert_eq!(
        (d.status, d.body),
        (
            400,
            json!({"code": "InvalidState", "message": format!("network interface eni-1 is in group {}, which is not in its account and region", w.a)})
        )
    );
    let d = w
        .api
        .admin(
            "POST",
            &format!("/_sgmock/reset?account={}", sgmock::DEFAULT_ACCOUNT),
            None,
        )
        .await;
    assert_eq!(d.status, 200);
    assert_eq!(
        w.api.admin("GET", "/_sgmock/instances", None).await.ok(),
        json!([])
    );
}
