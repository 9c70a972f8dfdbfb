//! ListTagResources for security groups (docs/reference/ecs.md §1.15): footmark, the library behind
//! Ansible's Alibaba modules, lists a group's tags before every tag change.

use serde_json::{json, Value};

use crate::support::*;

async fn tag(api: &Api, sg: &str, key: &str, value: &str) -> Answer {
    api.ecs(
        "TagResources",
        &[
            ("ResourceType", "securitygroup"),
            ("ResourceId.1", sg),
            ("Tag.1.Key", key),
            ("Tag.1.Value", value),
        ],
    )
    .await
}

fn pair(sg: &str, k: &str, v: &str) -> Value {
    json!({"ResourceId": sg, "ResourceType": "securitygroup", "TagKey": k, "TagValue": v})
}

#[tokio::test]
async fn list_tag_resources_by_id_and_by_tag() {
    let api = Api::new();
    let a = api.group(&[]).await;
    let b = api.group(&[]).await;
    tag(&api, &a, "env", "prod").await.ok();
    tag(&api, &a, "team", "web").await.ok();
    tag(&api, &b, "env", "test").await.ok();

    // By id: every tag of the named groups, in their order; an id of no group is left out.
    let by_id = api
        .ecs(
            "ListTagResources",
            &[
                ("ResourceType", "securitygroup"),
                ("ResourceId.1", &a),
                ("ResourceId.2", "sg-nothere00000000000000"),
            ],
        )
        .await
        .ok();
    assert_eq!(
        by_id,
        json!({"RequestId": "<id>", "NextToken": "",
               "TagResources": {"TagResource": [pair(&a, "env", "prod"), pair(&a, "team", "web")]}})
    );
    // By tag: a key alone matches any value; key and value must both match.
    let by_key = api
        .ecs(
            "ListTagResources",
            &[("ResourceType", "securitygroup"), ("Tag.1.Key", "env")],
        )
        .await
        .ok();
    let listed: Vec<Value> = by_key["TagResources"]["TagResource"]
        .as_array()
        .unwrap()
        .to_vec();
    assert_eq!(listed.len(), 3, "{by_key}");
    let by_pair = api
        .ecs(
            "ListTagResources",
            &[
                ("ResourceType", "securitygroup"),
                ("Tag.1.Key", "env"),
                ("Tag.1.Value", "test"),
            ],
        )
        .await
        .ok();
    assert_eq!(
        by_pair["TagResources"]["TagResource"],
        json!([pair(&b, "env", "test")])
    );
    // Both: a resource must satisfy both.
    let both = api
        .ecs(
            "ListTagResources",
            &[
                ("ResourceType", "securitygroup"),
                ("ResourceId.1", &a),
                ("Tag.1.Key", "env"),
                ("Tag.1.Value", "test"),
            ],
        )
        .await
        .ok();
    assert_eq!(both["TagResources"]["TagResource"], json!([]));
    // Neither: what to list is missing.
    let a_none = api
        .ecs("ListTagResources", &[("ResourceType", "securitygroup")])
        .await;
    assert_error(
        &a_none,
        400,
        "MissingResourceId",
        "ResourceId is mandatory for this action.",
    );
}

#[tokio::test]
async fn list_tag_resources_pages_by_fifty_with_next_token() {
    let api = Api::new();
    let mut groups = Vec::new();
    for _ in 0..4 {
        let sg = api.group(&[]).await;
        let mut params: Vec<(String, String)> = vec![
            ("ResourceType".into(), "securitygroup".into()),
            ("ResourceId.1".into(), sg.clone()),
        ];
        for n in 1..=20 {
            params.push((format!("Tag.{n}.Key"), format!("k{n}")));
            params.push((format!("Tag.{n}.Value"), "v".into()));
        }
        let p: Vec<(&str, &str)> = params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        api.ecs("TagResources", &p).await.ok();
        groups.push(sg);
    }
    let mut seen = 0;
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let mut p = vec![("ResourceType", "securitygroup"), ("Tag.1.Key", "k1")];
        if !token.is_empty() {
            p.push(("NextToken", &token));
        }
        let page = api.ecs("ListTagResources", &p).await.ok();
        seen += page["TagResources"]["TagResource"]
            .as_array()
            .unwrap()
            .len();
        pages += 1;
        token = page["NextToken"].as_str().unwrap().to_string();
        if token.is_empty() {
            break;
        }
        assert!(pages < 10);
    }
    assert_eq!((seen, pages), (80, 2));
    let bad = api
        .ecs(
            "ListTagResources",
            &[
                ("ResourceType", "securitygroup"),
                ("Tag.1.Key", "k1"),
                ("NextToken", "zz"),
            ],
        )
        .await;
    assert_eq!(
        (bad.status, bad.body["Code"].as_str()),
        (400, Some("InValidParameter.NextToken"))
    );
}
