//! ECS prefix lists and port range lists (docs/reference/lists.md): each action's parameters,
//! answer shapes (object wrappers for prefix lists, bare arrays for port range lists) and errors,
//! rules that reference them (precedence, checks, identity, Modify), associations, the weighted
//! rule quota, Terraform's `alicloud_ecs_prefix_list` sequence, and the state document.

use serde_json::{json, Value};
use sgmock::Config;

use crate::support::*;

async fn prefix_list(api: &Api, family: &str, max: &str, cidrs: &[&str]) -> String {
    let mut p: Vec<(String, String)> = vec![
        ("AddressFamily".into(), family.into()),
        ("MaxEntries".into(), max.into()),
        ("PrefixListName".into(), "office".into()),
    ];
    for (i, c) in cidrs.iter().enumerate() {
        p.push((format!("Entry.{}.Cidr", i + 1), c.to_string()));
    }
    let p: Vec<(&str, &str)> = p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let a = api.ecs("CreatePrefixList", &p).await;
    let id = a.get("PrefixListId");
    assert!(id.starts_with("pl-"), "{}", a.text);
    id
}

async fn port_list(api: &Api, max: &str, ranges: &[&str]) -> String {
    let mut p: Vec<(String, String)> = vec![
        ("MaxEntries".into(), max.into()),
        ("PortRangeListName".into(), "web-ports".into()),
    ];
    for (i, r) in ranges.iter().enumerate() {
        p.push((format!("Entry.{}.PortRange", i + 1), r.to_string()));
    }
    let p: Vec<(&str, &str)> = p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let a = api.ecs("CreatePortRangeList", &p).await;
    let id = a.get("PortRangeListId");
    assert!(id.starts_with("prl-"), "{}", a.text);
    id
}

const NOW_MINUTES: &str = "2026-11-23T12:00Z";

// ---------------------------------------------------------------- prefix lists (§1)

#[tokio::test]
async fn a_prefix_list_is_created_normalised_described_and_deleted() {
    let api = Api::new();
    let id = prefix_list(&api, "ipv4", "10", &["10.0.0.0/8", "192.168.1.7"]).await;
    let d = api
        .ecs("DescribePrefixListAttributes", &[("PrefixListId", &id)])
        .await
        .ok();
    assert_eq!(
        d,
        json!({"RequestId": "<id>", "PrefixListId": id, "PrefixListName": "office", "AddressFamily": "IPv4",
            "MaxEntries": 10, "Description": "", "CreationTime": NOW_MINUTES,
            "Entries": {"Entry": [{"Cidr": "10.0.0.0/8", "Description": ""},
                                  {"Cidr": "192.168.1.7/32", "Description": ""}]}})
    );
    let l = api.ecs("DescribePrefixLists", &[]).await.ok();
    assert_eq!(
        l,
        json!({"RequestId": "<id>", "NextToken": "", "PrefixLists": {"PrefixList": [
            {"PrefixListId": id, "PrefixListName": "office", "AddressFamily": "IPv4", "MaxEntries": 10,
             "AssociationCount": 0, "Description": "", "CreationTime": NOW_MINUTES, "ResourceGroupId": "",
             "Tags": {"Tag": []}}]}})
    );
    let d = api.ecs("DeletePrefixList", &[("PrefixListId", &id)]).await;
    assert_eq!(d.body, empty_ok());
    let d = api.ecs("DeletePrefixList", &[("PrefixListId", &id)]).await;
    assert_error(
        &d,
        404,
        "InvalidPrefixListId.NotFound",
        "The specified prefix list was not found.",
    );
}

#[tokio::test]
async fn create_prefix_list_answers_each_documented_error() {
    let api = Api::new();
    let base = [
        ("AddressFamily", "IPv4"),
        ("MaxEntries", "2"),
        ("PrefixListName", "office"),
    ];
    let with = |extra: &[(&'static str, &'static str)]| -> Vec<(&'static str, &'static str)> {
        let mut v: Vec<(&str, &str)> = base.to_vec();
        for (k, val) in extra {
            v.retain(|(x, _)| x != k);
            v.push((*k, *val));
        }
        v
    };
    for (params, code, message) in [
        (
            with(&[("AddressFamily", "IPv5")]),
            "InvalidParameter.AddressFamily",
            "The parameter AddressFamily should be IPv4 or IPv6.",
        ),
        (
            with(&[("MaxEntries", "201")]),
            "InvalidParameter",
            "The specified parameter MaxEntries is not valid.",
        ),
        (
            with(&[("MaxEntries", "0")]),
            "InvalidParameter",
            "The specified parameter MaxEntries is not valid.",
        ),
        (
            with(&[("PrefixListName", "1office")]),
            "InvalidParameter.PrefixListName",
            "The parameter PrefixListName is not valid.",
        ),
        (
            with(&[("PrefixListName", "com.aliyun.x")]),
            "InvalidParameter.PrefixListName",
            "The parameter PrefixListName is not valid.",
        ),
        (
            with(&[("Description", "http://x")]),
            "InvalidDescription.Malformed",
            "The specified Description is wrongly formed.",
        ),
        (
            with(&[("Entry.1.Cidr", "10.0.0.1/8")]),
            "InvalidParameter.CidrMalformed",
            "The specified CIDR 10.0.0.1/8 is not valid.",
        ),
        (
            with(&[("Entry.1.Cidr", "2001:db8::/32")]),
            "InvalidParameter.CidrMalformed",
            "The specified CIDR 2001:db8::/32 is not valid.",
        ),
        (
            with(&[
                ("Entry.1.Cidr", "10.0.0.1"),
                ("Entry.2.Cidr", "10.0.0.1/32"),
            ]),
            "InvalidParameter.CidrDuplicated",
            "The specified CIDR 10.0.0.1/32 is duplicated.",
        ),
        (
            with(&[
                ("Entry.1.Cidr", "10.0.0.1"),
                ("Entry.2.Cidr", "10.0.0.2"),
                ("Entry.3.Cidr", "10.0.0.3"),
            ]),
            "LimitExceed.MaxEntries",
            "The number of entries exceeds the MaxEntries of the specified prefix list.",
        ),
        (
            with(&[("Entry.1.Cidr", "10.0.0.1"), ("Entry.1.Description", "x")]),
            "InvalidDescription.Malformed",
            "The specified Description is wrongly formed.",
        ),
        (
            with(&[("Entry.201.Cidr", "10.0.0.1")]),
            "LimitExceed.Entry",
            "The number of entries added or removed exceeds the limit.",
        ),
    ] {
        let d = api.ecs("CreatePrefixList", &params).await;
        assert_error(&d, 400, code, message);
    }
    let d = api
        .ecs(
            "CreatePrefixList",
            &[("MaxEntries", "2"), ("PrefixListName", "office")],
        )
        .await;
    assert_eq!(
        (d.status, d.get("Code")),
        (400, "MissingAddressFamily".to_string())
    );
    assert_eq!(
        api.ecs("DescribePrefixLists", &[]).await.ok()["PrefixLists"],
        json!({"PrefixList": []})
    );
}

#[tokio::test]
async fn modify_prefix_list_adds_removes_and_redescribes_all_or_nothing() {
    let api = Api::new();
    let id = prefix_list(&api, "IPv6", "3", &["2001:DB8::/32"]).await;
    let d = api
        .ecs(
            "ModifyPrefixList",
            &[
                ("PrefixListId", &id),
                ("PrefixListName", "office-v6"),
                ("Description", "offices"),
                (
                    "AddEntry.1.Cidr",
                    "2001:0db8:0000:0000:0000:0000:0000:0000/32",
                ),
                ("AddEntry.1.Description", "hq"),
                ("AddEntry.2.Cidr", "2400:cb00::/32"),
            ],
        )
        .await;
    assert_eq!(d.body, empty_ok(), "{}", d.text);
    let entries = |d: Value| d["Entries"]["Entry"].clone();
    let a = api
        .ecs("DescribePrefixListAttributes", &[("PrefixListId", &id)])
        .await
        .ok();
    assert_eq!(
        (&a["PrefixListName"], &a["Description"]),
        (&json!("office-v6"), &json!("offices"))
    );
    assert_eq!(
        entries(a.clone()),
        json!([{"Cidr": "2001:db8::/32", "Description": "hq"}, {"Cidr": "2400:cb00::/32", "Description": ""}])
    );
    for (params, code, message) in [
        (
            vec![
                ("AddEntry.1.Cidr", "2001:db9::/32"),
                ("RemoveEntry.1.Cidr", "2001:db9::/32"),
            ],
            "InvalidParameter.CidrDuplicated",
            "The specified CIDR 2001:db9::/32 is duplicated.",
        ),
        (
            vec![("RemoveEntry.1.Cidr", "2001:db9::/32")],
            "InvalidParameter",
            "The specified entry 2001:db9::/32 does not exist.",
        ),
        (
            vec![
                ("AddEntry.1.Cidr", "2001:db9::/32"),
                ("AddEntry.2.Cidr", "2001:dba::/32"),
            ],
            "LimitExceed.MaxEntries",
            "The number of entries exceeds the MaxEntries of the specified prefix list.",
        ),
        (
            vec![("AddEntry.1.Cidr", "10.0.0.0/8")],
            "InvalidParameter.CidrMalformed",
            "The specified CIDR 10.0.0.0/8 is not valid.",
        ),
    ] {
        let mut p = vec![("PrefixListId", id.as_str()), ("PrefixListName", "renamed")];
        p.extend(params);
        let d = api.ecs("ModifyPrefixList", &p).await;
        assert_error(&d, 400, code, message);
    }
    // Nothing of the refused calls happened (not even the rename).
    assert_eq!(
        api.ecs("DescribePrefixListAttributes", &[("PrefixListId", &id)])
            .await
            .ok(),
        a
    );
    let d = api
        .ecs(
            "ModifyPrefixList",
            &[("RegionId", "cn-beijing"), ("PrefixListId", &id)],
        )
        .await;
    assert_error(
        &d,
        404,
        "InvalidPrefixListId.NotFound",
        "The specified prefix list was not found.",
    );
}

/// Terraform's `alicloud_ecs_prefix_list` (docs/reference/lists.md §7): Create with a ClientToken
/// and every entry's description sent (empty when unset), Read, Update by remove + add, Delete,
/// then Read is `InvalidPrefixListId.NotFound`.
#[tokio::test]
async fn terraform_prefix_list_create_read_update_delete() {
    let api = Api::new();
    let create = [
        ("AddressFamily", "IPv4"),
        ("MaxEntries", "5"),
        ("PrefixListName", "tf-test"),
        ("ClientToken", "TF-CreatePrefixList-1"),
        ("Entry.1.Cidr", "192.168.0.0/24"),
        ("Entry.1.Description", ""),
        ("Entry.2.Cidr", "10.0.0.0/8"),
        ("Entry.2.Description", "vpc"),
    ];
    let first = api
        .ecs("CreatePrefixList", &create)
        .await
        .get("PrefixListId");
    // A retry with the same token creates nothing.
    assert_eq!(
        api.ecs("CreatePrefixList", &create)
            .await
            .get("PrefixListId"),
        first
    );
    let read = api
        .ecs("DescribePrefixListAttributes", &[("PrefixListId", &first)])
        .await
        .ok();
    assert_eq!(read["MaxEntries"], 5);
    assert_eq!(
        read["Entries"]["Entry"],
        json!([{"Cidr": "192.168.0.0/24", "Description": ""}, {"Cidr": "10.0.0.0/8", "Description": "vpc"}])
    );
    let d = api
        .ecs(
            "ModifyPrefixList",
            &[
                ("PrefixListId", &first),
                ("RemoveEntry.1.Cidr", "192.168.0.0/24"),
                ("AddEntry.1.Cidr", "172.16.0.0/12"),
                ("AddEntry.1.Description", ""),
            ],
        )
        .await;
    assert_eq!(d.body, empty_ok());
    let l = api
        .ecs("DescribePrefixLists", &[("MaxResults", "50")])
        .await
        .ok();
    assert_eq!(l["PrefixLists"]["PrefixList"][0]["MaxEntries"], 5);
    assert_eq!(
        api.ecs("DeletePrefixList", &[("PrefixListId", &first)])
            .await
            .status,
        200
    );
    let d = api
        .ecs("DescribePrefixListAttributes", &[("PrefixListId", &first)])
        .await;
    assert_error(
        &d,
        404,
        "InvalidPrefixListId.NotFound",
        "The specified prefix list was not found.",
    );
}

#[tokio::test]
async fn describe_prefix_lists_filters_and_pages() {
    let api = Api::new();
    let a = prefix_list(&api, "IPv4", "1", &[]).await;
    let b = prefix_list(&api, "IPv6", "1", &[]).await;
    let c = prefix_list(&api, "IPv4", "1", &[]).await;
    let ids = |d: &Value| -> Vec<String> {
        d["PrefixLists"]["PrefixList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["PrefixListId"].as_str().unwrap().to_string())
            .collect()
    };
    // Oldest first; lists made in the same second (the clock is pinned here) by id.
    let mut all = [a.clone(), b.clone(), c.clone()];
    all.sort();
    let mut v4_ids = vec![a, c];
    v4_ids.sort();
    let v4 = api
        .ecs("DescribePrefixLists", &[("AddressFamily", "IPv4")])
        .await
        .ok();
    assert_eq!(ids(&v4), v4_ids);
    let some = api
        .ecs(
            "DescribePrefixLists",
            &[("PrefixListId.1", &b), ("PrefixListId.2", "pl-none")],
        )
        .await
        .ok();
    assert_eq!(ids(&some), std::slice::from_ref(&b));
    let p1 = api
        .ecs("DescribePrefixLists", &[("MaxResults", "2")])
        .await
        .ok();
    assert_eq!(ids(&p1), all[..2]);
    let token = p1["NextToken"].as_str().unwrap().to_string();
    assert!(!token.is_empty());
    let p2 = api
        .ecs(
            "DescribePrefixLists",
            &[("MaxResults", "2"), ("NextToken", &token)],
        )
        .await
        .ok();
    assert_eq!(
        (ids(&p2), &p2["NextToken"]),
        (all[2..].to_vec(), &json!(""))
    );
}

#[tokio::test]
async fn the_lists_per_region_quota_is_configurable_and_a_token_retry_passes_it() {
    let api = Api::with(Config {
        lists_per_region: 1,
        ..Config::default()
    });
    let create = [
        ("AddressFamily", "IPv4"),
        ("MaxEntries", "1"),
        ("PrefixListName", "one"),
        ("ClientToken", "t-1"),
    ];
    let first = api
        .ecs("CreatePrefixList", &create)
        .await
        .get("PrefixListId");
    let d = api
        .ecs(
            "CreatePrefixList",
            &[
                ("AddressFamily", "IPv4"),
                ("MaxEntries", "1"),
                ("PrefixListName", "two"),
            ],
        )
        .await;
    assert_error(
        &d,
        404,
        "LimitExceed.PrefixListPerRegion",
        "The number of prefix lists in the region exceeds the limit.",
    );
    // The same token and parameters answer the first list, though the region is full.
    assert_eq!(
        api.ecs("CreatePrefixList", &create)
            .await
            .get("PrefixListId"),
        first
    );
    // Port range lists count apart.
    let d = api
        .ecs(
            "CreatePortRangeList",
            &[("MaxEntries", "1"), ("PortRangeListName", "ports")],
        )
        .await;
    assert_eq!(d.status, 200);
    let d = api
        .ecs(
            "CreatePortRangeList",
            &[("MaxEntries", "1"), ("PortRangeListName", "ports")],
        )
        .await;
    assert_error(
        &d,
        400,
        "InvalidOperation.MaxCountExceed",
        "The number of port range list in the current account has exceeded quota.",
    );
}

// ---------------------------------------------------------------- port range lists (§2, §3)

#[tokio::test]
async fn port_range_lists_answer_in_bare_arrays_and_not_found_is_400() {
    let api = Api::new();
    let id = port_list(&api, "10", &["80/80", "8000/8080"]).await;
    let l = api.ecs("DescribePortRangeLists", &[]).await.ok();
    assert_eq!(
        l,
        json!({"RequestId": "<id>", "NextToken": "", "PortRangeLists": [
            {"PortRangeListId": id, "PortRangeListName": "web-ports", "MaxEntries": 10, "AssociationCount": 0,
             "Description": "", "CreationTime": NOW_MINUTES, "ResourceGroupId": "", "Tags": []}]})
    );
    let e = api
        .ecs("DescribePortRangeListEntries", &[("PortRangeListId", &id)])
        .await
        .ok();
    assert_eq!(
        e,
        json!({"RequestId": "<id>", "Entries": [{"PortRange": "80/80", "Description": ""},
                                                {"PortRange": "8000/8080", "Description": ""}]})
    );
    let a = api
        .ecs(
            "DescribePortRangeListAssociations",
            &[("PortRangeListId", &id)],
        )
        .await
        .ok();
    assert_eq!(
        a,
        json!({"RequestId": "<id>", "NextToken": "", "PortRangeListAssociations": []})
    );
    let d = api
        .ecs(
            "DescribePortRangeListEntries",
            &[("PortRangeListId", "prl-none")],
        )
        .await;
    assert_error(
        &d,
        400,
        "InvalidPortRangeListId.NotFound",
        "The specified port range list was not found.",
    );
    for (params, code, message) in [
        (vec![("MaxEntries", "2001"), ("PortRangeListName", "p")], "InvalidOperation.MaxEntriesCountExceed", "The specified MaxEntries exceeded the upper limit."),
        (vec![("MaxEntries", "1"), ("PortRangeListName", "ports"), ("Entry.1.PortRange", "80/80"), ("Entry.2.PortRange", "81/81")], "InvalidOperation.EntryCountExceedMaxEntries", "The number of entries in the port list exceeds MaxEntries."),
        (vec![("MaxEntries", "2"), ("PortRangeListName", "ports"), ("Entry.1.PortRange", "80")], "InvalidParameter.PortRange", "The specified parameter PortRange is not valid. It should be two integers less than 65535 in specified format."),
        (vec![("MaxEntries", "2"), ("PortRangeListName", "ports"), ("Entry.1.PortRange", "80/80"), ("Entry.2.PortRange", "80/80")], "InvalidParameter.PortRangeDuplicated", "The specified PortRange is duplicated."),
        (vec![("MaxEntries", "2"), ("PortRangeListName", "-ports")], "InvalidParameter.PortRangeListName", "The specified parameter PortRangeListName is not valid."),
    ] {
        let d = api.ecs("CreatePortRangeList", &params).await;
        assert_error(&d, 400, code, message);
    }
    // Modify: re-adding an entry changes its description; over MaxEntries is LimitExceed.MaxEntries.
    let d = api
        .ecs(
            "ModifyPortRangeList",
            &[
                ("PortRangeListId", &id),
                ("AddEntry.1.PortRange", "80/80"),
                ("AddEntry.1.Description", "http"),
            ],
        )
        .await;
    assert_eq!(d.body, empty_ok());
    let e = api
        .ecs("DescribePortRangeListEntries", &[("PortRangeListId", &id)])
        .await
        .ok();
    assert_eq!(
        e["Entries"][0],
        json!({"PortRange": "80/80", "Description": "http"})
    );
    let small = port_list(&api, "1", &["22/22"]).await;
    let d = api
        .ecs(
            "ModifyPortRangeList",
            &[
                ("PortRangeListId", &small),
                ("AddEntry.1.PortRange", "23/23"),
            ],
        )
        .await;
    assert_error(
        &d,
        400,
        "LimitExceed.MaxEntries",
        "The number of entries exceeds the MaxEntries of the specified PortRangeList.",
    );
    assert_eq!(
        api.ecs("DeletePortRangeList", &[("PortRangeListId", &small)])
            .await
            .body,
        empty_ok()
    );
}

// ---------------------------------------------------------------- rules that reference lists (§4, §5)

#[tokio::test]
async fn rules_reference_lists_by_id_and_name_and_the_lists_know_their_groups() {
    let api = Api::new();
    let pl = prefix_list(&api, "IPv4", "10", &["10.0.0.0/8"]).await;
    let prl = port_list(&api, "5", &["80/80"]).await;
    let sg = api.group(&[]).await;
    let d = api
        .ecs(
            "AuthorizeSecurityGroup",
            &[
                ("SecurityGroupId", &sg),
                ("Permissions.1.IpProtocol", "tcp"),
                ("Permissions.1.PortRange", "22/22"),
                ("Permissions.1.SourcePrefixListId", &pl),
                ("Permissions.2.IpProtocol", "tcp"),
                ("Permissions.2.PortRangeListId", &prl),
                ("Permissions.2.SourceCidrIp", "192.168.0.0/16"),
            ],
        )
        .await;
    assert_eq!(d.body, empty_ok(), "{}", d.text);
    let rules = api.rules(&sg, &[]).await;
    assert_eq!(
        rules
            .iter()
            .map(|r| json!([
                r["PortRange"],
                r["SourcePrefixListId"],
                r["SourcePrefixListName"],
                r["SourceCidrIp"],
                r["PortRangeListId"],
                r["PortRangeListName"]
            ]))
            .collect::<Vec<_>>(),
        vec![
            json!(["22/22", pl, "office", "", "", ""]),
            json!(["", "", "", "192.168.0.0/16", prl, "web-ports"]),
        ]
    );
    let a = api
        .ecs("DescribePrefixListAssociations", &[("PrefixListId", &pl)])
        .await
        .ok();
    assert_eq!(
        a,
        json!({"RequestId": "<id>", "NextToken": "", "PrefixListAssociations": {"PrefixListAssociation": [
            {"ResourceId": sg, "ResourceType": "securitygroup"}]}})
    );
    let a = api
        .ecs(
            "DescribePortRangeListAssociations",
            &[("PortRangeListId", &prl)],
        )
        .await
        .ok();
    assert_eq!(
        a["PortRangeListAssociations"],
        json!([{"ResourceId": sg, "ResourceType": "SecurityGroup"}])
    );
    let l = api.ecs("DescribePrefixLists", &[]).await.ok();
    assert_eq!(l["PrefixLists"]["PrefixList"][0]["AssociationCount"], 1);
    // In use: neither can be deleted.
    let d = api.ecs("DeletePrefixList", &[("PrefixListId", &pl)]).await;
    assert_error(
        &d,
        400,
        "NotAllowed.AssociationExist",
        "The specified prefix list has associated resources.",
    );
    let d = api
        .ecs("DeletePortRangeList", &[("PortRangeListId", &prl)])
        .await;
    assert_error(
        &d,
        400,
        "InvalidPortRangeListId.AssociationExist",
        "The specified port range list has association resources.",
    );
    // The same rule again is the same rule (identity includes the lists).
    let d = api
        .ecs(
            "AuthorizeSecurityGroup",
            &[
                ("SecurityGroupId", &sg),
                ("IpProtocol", "tcp"),
                ("PortRange", "22/22"),
                ("SourcePrefixListId", &pl),
            ],
        )
        .await;
    assert_eq!(d.body, empty_ok());
    assert_eq!(api.rules(&sg, &[]).await.len(), 2);
    // Revoke by match, then the lists go.
    for params in [
        vec![
            ("SecurityGroupId", sg.as_str()),
            ("IpProtocol", "tcp"),
            ("PortRange", "22/22"),
            ("SourcePrefixListId", pl.as_str()),
        ],
        vec![
            ("SecurityGroupId", sg.as_str()),
            ("Permissions.1.IpProtocol", "tcp"),
            ("Permissions.1.PortRangeListId", prl.as_str()),
            ("Permissions.1.SourceCidrIp", "192.168.0.0/16"),
        ],
    ] {
        assert_eq!(
            api.ecs("RevokeSecurityGroup", &params).await.body,
            empty_ok()
        );
    }
    assert!(api.rules(&sg, &[]).await.is_empty());
    assert_eq!(
        api.ecs("DeletePrefixList", &[("PrefixListId", &pl)])
            .await
            .body,
        empty_ok()
    );
    assert_eq!(
        api.ecs("DeletePortRangeList", &[("PortRangeListId", &prl)])
            .await
            .body,
        empty_ok()
    );
}

#[tokio::test]
async fn a_list_rule_weighs_its_max_entries_against_the_rule_limit() {
    let api = Api::with(Config {
        rule_limit: 20,
        ..Config::default()
    });
    let pl = prefix_list(&api, "IPv4", "15", &[]).await;
    let sg = api.group(&[]).await;
    let rule = |port: &'static str| {
        vec![
            ("SecurityGroupId", sg.clone()),
            ("IpProtocol", "tcp".into()),
            ("PortRange", port.into()),
            ("SourcePrefixListId", pl.clone()),
        ]
    };
    let send = |p: Vec<(&'static str, String)>| {
        let api = &api;
        async move {
            let p: Vec<(&str, &str)> = p.iter().map(|(k, v)| (*k, v.as_str())).collect();
            api.ecs("AuthorizeSecurityGroup", &p).await
        }
    };
    assert_eq!(send(rule("22/22")).await.status, 200);
    // 15 + 15 > 20: refused, whole.
    let d = send(rule("23/23")).await;
    assert_error(
        &d,
        403,
        "AuthorizationLimitExceed",
        "The limit of authorization records in the security group reaches: at most 20 rules.",
    );
    // Five plain rules still fit (15 + 5 = 20), a sixth does not.
    for port in 1..=5 {
        let d = api
            .ecs(
                "AuthorizeSecurityGroup",
                &[
                    ("SecurityGroupId", &sg),
                    ("IpProtocol", "tcp"),
                    ("PortRange", &format!("{port}/{port}")),
                    ("SourceCidrIp", "10.0.0.0/8"),
                ],
            )
            .await;
        assert_eq!(d.status, 200, "{}", d.text);
    }
    let d = api
        .ecs(
            "AuthorizeSecurityGroup",
            &[
                ("SecurityGroupId", &sg),
                ("IpProtocol", "tcp"),
                ("PortRange", "6/6"),
                ("SourceCidrIp", "10.0.0.0/8"),
            ],
        )
        .await;
    assert_eq!(d.get("Code"), "AuthorizationLimitExceed");
}

#[tokio::test]
async fn list_rules_are_checked_for_family_protocol_network_and_existence() {
    let api = Api::new();
    let v6 = prefix_list(&api, "IPv6", "2", &[]).await;
    let prl = port_list(&api, "2", &["80/80"]).await;
    let sg = api.group(&[]).await;
    let classic = api
        .ecs("CreateSecurityGroup", &[])
        .await
        .get("SecurityGroupId");
    for (group, params, status, code, message) in [
        (&sg, vec![("IpProtocol", "tcp"), ("PortRange", "1/2"), ("SourcePrefixListId", "pl-none")], 404, "InvalidPrefixListId.NotFound", "The specified prefix list was not found: pl-none.".to_string()),
        (&sg, vec![("IpProtocol", "tcp"), ("PortRangeListId", "prl-none"), ("SourceCidrIp", "10.0.0.0/8")], 400, "InvalidPortRangeListId.NotFound", "The specified port range list was not found: prl-none.".to_string()),
        (&sg, vec![("IpProtocol", "icmp"), ("PortRange", "-1/-1"), ("SourcePrefixListId", v6.as_str())], 400, "InvalidParam.ProtocolAndAddressFamilyMismatch", "The specified protocol does not match the address family of the prefix list.".to_string()),
        (&classic, vec![("IpProtocol", "tcp"), ("PortRange", "1/2"), ("SourcePrefixListId", v6.as_str())], 400, "NotSupported.ClassicNetworkPrefixList", "The prefix list is not supported when the network type of security group is classic.".to_string()),
        (&classic, vec![("IpProtocol", "tcp"), ("PortRangeListId", prl.as_str()), ("SourceCidrIp", "10.0.0.0/8")], 400, "InvalidSecurityGroup.InvalidNetworkType", "The port range list is not supported when the network type of security group is classic.".to_string()),
        (&sg, vec![("IpProtocol", "icmp"), ("PortRangeListId", prl.as_str()), ("SourceCidrIp", "10.0.0.0/8")], 400, "InvalidParam.ProtocolNotSupportPortRangeList", "The specified protocol does not support the port range list.".to_string()),
    ] {
        let mut p: Vec<(&str, &str)> = vec![("SecurityGroupId", group.as_str())];
        p.extend(params.iter().copied());
        let d = api.ecs("AuthorizeSecurityGroup", &p).await;
        assert_error(&d, status, code, &message);
    }
    // Egress: an IPv6 list with an IPv4 source CIDR.
    let d = api
        .ecs(
            "AuthorizeSecurityGroupEgress",
            &[
                ("SecurityGroupId", &sg),
                ("IpProtocol", "tcp"),
                ("PortRange", "1/2"),
                ("DestPrefixListId", &v6),
                ("SourceCidrIp", "10.0.0.0/8"),
            ],
        )
        .await;
    assert_error(
        &d,
        400,
        "InvalidParam.PrefixListAddressFamilyMismatch",
        "The address family of the specified prefix list does not match the specified CidrIp.",
    );
    // A PortRange wins over a PortRangeListId, which is then not stored (and creates no association).
    let d = api
        .ecs(
            "AuthorizeSecurityGroup",
            &[
                ("SecurityGroupId", &sg),
                ("IpProtocol", "tcp"),
                ("PortRange", "443/443"),
                ("PortRangeListId", &prl),
                ("SourceCidrIp", "10.0.0.0/8"),
            ],
        )
        .await;
    assert_eq!(d.body, empty_ok());
    assert_eq!(api.rules(&sg, &[]).await[0]["PortRangeListId"], "");
    assert_eq!(
        api.ecs("DeletePortRangeList", &[("PortRangeListId", &prl)])
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn modify_by_id_cannot_switch_between_a_port_range_and_a_port_list() {
    let api = Api::new();
    let a = port_list(&api, "2", &["80/80"]).await;
    let b = port_list(&api, "2", &["81/81"]).await;
    let sg = api.group(&[]).await;
    api.ecs(
        "AuthorizeSecurityGroup",
        &[
            ("SecurityGroupId", &sg),
            ("IpProtocol", "tcp"),
            ("PortRangeListId", &a),
            ("SourceCidrIp", "10.0.0.0/8"),
        ],
    )
    .await
    .ok();
    let rid = ids(&api.rules(&sg, &[]).await)[0].clone();
    let d = api
        .ecs(
            "ModifySecurityGroupRule",
            &[
                ("SecurityGroupId", &sg),
                ("SecurityGroupRuleId", &rid),
                ("PortRange", "80/80"),
            ],
        )
        .await;
    assert_error(&d, 400, "InvalidOperation.ModifyPortRangeType", "The PortRange type is not allowed to be modified. You cannot modify a rule from using the port list to not using it, and vice versa.");
    // One list for another is allowed, and the associations move.
    let d = api
        .ecs(
            "ModifySecurityGroupRule",
            &[
                ("SecurityGroupId", &sg),
                ("SecurityGroupRuleId", &rid),
                ("PortRangeListId", &b),
            ],
        )
        .await;
    assert_eq!(d.body, empty_ok(), "{}", d.text);
    let assoc = |id: String| {
        let api = &api;
        async move {
            api.ecs(
                "DescribePortRangeListAssociations",
                &[("PortRangeListId", &id)],
            )
            .await
            .ok()["PortRangeListAssociations"]
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!((assoc(a.clone()).await, assoc(b.clone()).await), (0, 1));
    // Deleting the group ends its associations.
    api.ecs("DeleteSecurityGroup", &[("SecurityGroupId", &sg)])
        .await
        .ok();
    assert_eq!(assoc(b).await, 0);
}

// ---------------------------------------------------------------- state (§6)

#[tokio::test]
async fn lists_and_list_rules_are_in_the_state_document() {
    let api = Api::new();
    let pl = prefix_list(&api, "IPv4", "4", &["10.0.0.0/8"]).await;
    let prl = port_list(&api, "3", &["80/80"]).await;
    let sg = api.group(&[]).await;
    api.ecs(
        "AuthorizeSecurityGroup",
        &[
            ("SecurityGroupId", &sg),
            ("IpProtocol", "tcp"),
            ("PortRangeListId", &prl),
            ("SourcePrefixListId", &pl),
        ],
    )
    .await
    .ok();
    let state = api.state().await;
    let acct = &state["accounts"][sgmock::DEFAULT_ACCOUNT];
    assert_eq!(
        acct["ecs_prefix_lists"][REGION],
        json!([{"id": pl, "name": "office", "description": "", "address_family": "IPv4", "max_entries": 4,
            "entries": [{"cidr": "10.0.0.0/8", "description": ""}], "resource_group_id": "", "created": NOW_TEXT}])
    );
    assert_eq!(
        acct["ecs_port_range_lists"][REGION][0]["entries"],
        json!([{"port_range": "80/80", "description": ""}])
    );
    let rule = &acct["ecs"][REGION][0]["rules"][0];
    assert_eq!(
        (&rule["port_range_list"], &rule["source"]),
        (&json!(prl), &json!({"prefix_list": pl}))
    );
    let other = Api::new();
    other
        .admin("PUT", "/_sgmock/state", Some(&state.to_string()))
        .await
        .ok();
    assert_eq!(other.state().await, state);
    // A rule that references a list the document does not have is refused.
    let mut broken = state.clone();
    broken["accounts"][sgmock::DEFAULT_ACCOUNT]["ecs_port_range_lists"] = json!({});
    let d = other
        .admin("PUT", "/_sgmock/state", Some(&broken.to_string()))
        .await;
    assert_eq!(d.status, 400, "{}", d.text);
    assert!(
        d.text.contains(&format!("references list {prl}")),
        "{}",
        d.text
    );
}
