//! The in-process harness: one router per test, a pinned clock, whole bodies with RequestId redacted.

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use serde_json::{json, Map, Value};
use sgmock::{App, Config};
use tower::ServiceExt;

/// The pinned clock of every test: 2026-11-23T12:00:00Z.
pub const NOW: i64 = 1_795_435_200;
pub const NOW_TEXT: &str = "2026-11-23T12:00:00Z";
pub const REGION: &str = "cn-hangzhou";
pub const ECS: &str = "2014-05-26";

pub struct Api {
    router: axum::Router,
    pub app: Arc<App>,
}

/// An answer: status, body with the RequestId replaced by `<id>`, and the raw text.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub text: String,
    pub content_type: String,
}

impl Answer {
    /// The body of a 200, or a panic naming what came back instead.
    pub fn ok(self) -> Value {
        assert_eq!(self.status, 200, "expected success, got {}", self.text);
        self.body
    }

    pub fn get(&self, key: &str) -> String {
        self.body[key].as_str().unwrap_or_default().to_string()
    }
}

impl Api {
    pub fn new() -> Api {
        Api::with(Config::default())
    }

    pub fn with(config: Config) -> Api {
        Api::at(config, NOW)
    }

    /// An app whose clock is `clock` (a test moves it).
    pub fn moving(config: Config, clock: Arc<std::sync::atomic::AtomicI64>) -> Api {
        let read = move || clock.load(std::sync::atomic::Ordering::SeqCst);
        let app = Arc::new(App::with_clock(config, Arc::new(read)).expect("app"));
        let router = sgmock::router(app.clone());
        Api { router, app }
    }

    /// An app whose clock stands still at `now`.
    pub fn at(config: Config, now: i64) -> Api {
        let app = Arc::new(App::with_clock(config, Arc::new(move || now)).expect("app"));
        let router = sgmock::router(app.clone());
        Api { router, app }
    }

    /// Any request.
    pub async fn send(&self, req: Request<Body>) -> Answer {
        let resp = self
            .router
            .clone()
            .oneshot(req)
            .await
            .expect("router is infallible");
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        let text = String::from_utf8_lossy(&bytes).to_string();
        let body = serde_json::from_str::<Value>(&text)
            .map(redact)
            .unwrap_or(Value::Null);
        Answer {
            status,
            body,
            text,
            content_type,
        }
    }

    /// A GET with exactly these query parameters.
    pub async fn get(&self, params: &[(&str, &str)]) -> Answer {
        let q = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        self.send(
            Request::get(format!("/?{q}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await
    }

    /// An ECS call: adds `Action`, `Version` and, unless given, `RegionId`.
    pub async fn ecs(&self, action: &str, params: &[(&str, &str)]) -> Answer {
        let mut all: Vec<(&str, &str)> = vec![("Action", action), ("Version", ECS)];
        if !params.iter().any(|(k, _)| *k == "RegionId") {
            all.push(("RegionId", REGION));
        }
        all.extend_from_slice(params);
        self.get(&all).await
    }

    /// Create a VPC group and return its id.
    pub async fn group(&self, extra: &[(&str, &str)]) -> String {
        let mut p = extra.to_vec();
        if !p.iter().any(|(k, _)| *k == "VpcId") {
            p.push(("VpcId", "vpc-test"));
        }
        let a = self.ecs("CreateSecurityGroup", &p).await;
        let id = a.get("SecurityGroupId");
        assert!(id.starts_with("sg-"), "create failed: {}", a.text);
        id
    }

    /// The `Permissions.Permission` array of a group.
    pub async fn rules(&self, sg: &str, extra: &[(&str, &str)]) -> Vec<Value> {
        let mut p = vec![("SecurityGroupId", sg)];
        p.extend_from_slice(extra);
        let b = self.ecs("DescribeSecurityGroupAttribute", &p).await.ok();
        b["Permissions"]["Permission"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

/// Replace the RequestId (wherever it appears, e.g. inside `Recommend`) with `<id>`.
pub fn redact(v: Value) -> Value {
    let id = v["RequestId"].as_str().map(str::to_string);
    let Some(id) = id else { return v };
    let text = serde_json::to_string(&v)
        .unwrap_or_default()
        .replace(&id, "<id>");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// The whole ECS error body for `code` and `message`.
pub fn ecs_error(code: &str, message: &str) -> Value {
    json!({
        "RequestId": "<id>",
        "HostId": "ecs.aliyuncs.com",
        "Code": code,
        "Message": message,
        "Recommend": format!("https://api.aliyun.com/troubleshoot?q={code}&product=Ecs&requestId=<id>"),
    })
}

/// Assert an ECS error: status and whole body.
#[track_caller]
pub fn assert_error(a: &Answer, status: u16, code: &str, message: &str) {
    assert_eq!(
        (a.status, &a.body),
        (status, &ecs_error(code, message)),
        "raw: {}",
        a.text
    );
}

/// A success body with nothing but the RequestId.
pub fn empty_ok() -> Value {
    json!({"RequestId": "<id>"})
}

/// One `Permissions.Permission` element as ECS renders it: every documented field, `""` where it does
/// not apply (docs/reference/ecs.md §1.4), with `fields` overriding.
pub fn permission(fields: Value) -> Value {
    let mut base: Map<String, Value> = serde_json::from_value(json!({
        "SecurityGroupRuleId": "", "Direction": "ingress", "IpProtocol": "TCP", "PortRange": "",
        "SourcePortRange": "", "Policy": "Accept", "Priority": "1", "NicType": "intranet",
        "SourceCidrIp": "", "Ipv6SourceCidrIp": "", "SourceGroupId": "", "SourceGroupName": "",
        "SourceGroupOwnerAccount": "", "SourcePrefixListId": "", "SourcePrefixListName": "",
        "DestCidrIp": "", "Ipv6DestCidrIp": "", "DestGroupId": "", "DestGroupName": "",
        "DestGroupOwnerAccount": "", "DestPrefixListId": "", "DestPrefixListName": "",
        "PortRangeListId": "", "PortRangeListName": "", "Description": "", "CreateTime": NOW_TEXT,
    }))
    .expect("object");
    if let Value::Object(o) = fields {
        base.extend(o);
    }
    Value::Object(base)
}

/// Rule ids of a rules array, in order.
pub fn ids(rules: &[Value]) -> Vec<String> {
    rules
        .iter()
        .map(|r| {
            r["SecurityGroupRuleId"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

pub const ENS: &str = "2017-11-10";

impl Api {
    /// An ENS call: adds `Action` and `Version` (ENS has no RegionId).
    pub async fn ens(&self, action: &str, params: &[(&str, &str)]) -> Answer {
        let mut all: Vec<(&str, &str)> = vec![("Action", action), ("Version", ENS)];
        all.extend_from_slice(params);
        self.get(&all).await
    }

    /// Create an ENS group (optionally with a `Permissions` JSON array) and return its id.
    pub async fn ens_group(&self, extra: &[(&str, &str)]) -> String {
        let a = self.ens("CreateSecurityGroup", extra).await;
        let id = a.get("SecurityGroupId");
        assert!(id.starts_with("sg-"), "create failed: {}", a.text);
        id
    }

    /// The ENS `Permissions.Permission` array of a group.
    pub async fn ens_rules(&self, sg: &str) -> Vec<Value> {
        let b = self
            .ens("DescribeSecurityGroupAttribute", &[("SecurityGroupId", sg)])
            .await
            .ok();
        b["Permissions"]["Permission"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

/// The whole ENS error body: always HTTP 400 (ENS seeds).
#[track_caller]
pub fn assert_ens_error(a: &Answer, code: &str, message: &str) {
    let body = json!({
        "RequestId": "<id>",
        "HostId": "ens.aliyuncs.com",
        "Code": code,
        "Message": message,
        "Recommend": format!("https://api.aliyun.com/troubleshoot?q={code}&product=Ens&requestId=<id>"),
    });
    assert_eq!((a.status, &a.body), (400, &body), "raw: {}", a.text);
}

/// One ENS `Permissions.Permission` element: every documented field, `""` where not set, Priority a
/// number, with `fields` overriding.
pub fn ens_permission(fields: Value) -> Value {
    let mut base: Map<String, Value> = serde_json::from_value(json!({
        "Direction": "ingress", "IpProtocol": "TCP", "PortRange": "", "SourcePortRange": "", "Policy": "Accept",
        "Priority": 1, "SourceCidrIp": "", "DestCidrIp": "", "Ipv6SourceCidrIp": "", "Ipv6DestCidrIp": "",
        "Description": "", "CreationTime": NOW_TEXT,
    }))
    .expect("object");
    if let Value::Object(o) = fields {
        base.extend(o);
    }
    Value::Object(base)
}

impl Api {
    /// An admin call (`/_sgmock/...`), with an optional JSON body.
    pub async fn admin(&self, method: &str, path: &str, body: Option<&str>) -> Answer {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/json")
            .body(Body::from(body.unwrap_or_default().to_string()))
            .expect("request");
        self.send(req).await
    }

    /// `GET /_sgmock/state`.
    pub async fn state(&self) -> Value {
        self.admin("GET", "/_sgmock/state", None).await.ok()
    }
}
