//! Authentication through the router: the captured client requests replayed in verify mode, each
//! documented rejection, and accounts that cannot see each other.

use axum::body::Body;
use axum::http::Request;
use serde_json::{json, Value};
use sgmock::auth::{AccessKey, AuthMode};
use sgmock::Config;

use crate::support::*;

const VECTORS: &str = include_str!("../fixtures/signature-vectors.jsonl");

fn vectors() -> Vec<Value> {
    VECTORS
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn verify(keys: &[&str]) -> Config {
    Config {
        auth: AuthMode::Verify,
        access_keys: keys
            .iter()
            .map(|k| k.parse::<AccessKey>().unwrap())
            .collect(),
        ..Default::default()
    }
}

/// The captured request, as it came off the wire.
fn request(v: &Value) -> Request<Body> {
    let q = v["query_raw"].as_str().unwrap();
    let uri = if q.is_empty() {
        "/".to_string()
    } else {
        format!("/?{q}")
    };
    let mut b = Request::builder()
        .method(v["method"].as_str().unwrap())
        .uri(uri);
    for h in v["headers"].as_array().unwrap() {
        b = b.header(h[0].as_str().unwrap(), h[1].as_str().unwrap());
    }
    b.body(Body::from(
        v["body_raw"].as_str().unwrap_or_default().to_string(),
    ))
    .unwrap()
}

fn ts(v: &Value) -> i64 {
    v["ts"].as_f64().unwrap() as i64
}

/// What the action answers for the vector's (non-existent) group.
fn not_found_message(v: &Value) -> String {
    let raw = format!(
        "{}&{}",
        v["query_raw"].as_str().unwrap_or_default(),
        v["body_raw"].as_str().unwrap_or_default()
    );
    let sg = raw
        .split('&')
        .find_map(|p| p.strip_prefix("SecurityGroupId="))
        .unwrap();
    format!("The specified SecurityGroupId does not exist: {sg}.")
}

#[tokio::test]
async fn every_captured_client_request_passes_verification() {
    // The requests reach the action: sg-1 / sg-ens do not exist, which each product reports its way.
    for v in vectors() {
        let api = Api::at(verify(&["testid:testsecret"]), ts(&v));
        let a = api.send(request(&v)).await;
        let ens = v["query_raw"].as_str().unwrap().contains("2017-11-10")
            || v["body_raw"].as_str().unwrap_or("").contains("2017-11-10");
        let message = not_found_message(&v);
        if ens {
            assert_ens_error(&a, "InvalidSecurityGroupId.NotFound", &message);
        } else {
            assert_error(&a, 404, "InvalidSecurityGroupId.NotFound", &message);
        }
    }
}

#[tokio::test]
async fn a_wrong_secret_is_signature_does_not_match_with_the_string_to_sign() {
    // docs/reference/clients.md §6: the message ends with "server string to sign is:<StringToSign>".
    let v = &vectors()[4];
    let api = Api::at(verify(&["testid:wrongsecret"]), ts(v));
    let a = api.send(request(v)).await;
    let sts = "POST&%2F&AccessKeyId%3Dtestid%26Action%3DRevokeSecurityGroupEgress%26Format%3DJSON%26RegionId%3Dcn-hangzhou%26SecurityGroupId%3Dsg-1%26SecurityGroupRuleId.1%3Dsgr-a%26SecurityGroupRuleId.2%3Dsgr-b%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Debc846b7562229c902b65074ded3de11%26SignatureVersion%3D1.0%26Timestamp%3D2026-11-23T18%253A26%253A49Z%26Version%3D2014-05-26";
    assert_error(&a, 400, "SignatureDoesNotMatch", &format!("Specified signature is not matched with our calculation. server string to sign is:{sts}"));
    let acs3 = &vectors()[0];
    let api = Api::at(verify(&["testid:wrongsecret"]), ts(acs3));
    assert_error(
        &api.send(request(acs3)).await,
        400,
        "SignatureDoesNotMatch",
        "Specified signature is not matched with our calculation. server string to sign is:ACS3-HMAC-SHA256\n3196900fac720a7f1956c640195ae86a2d06d8d1dac566f1259ecd7c77652ceb",
    );
}

#[tokio::test]
async fn unknown_keys_stale_clocks_and_reused_nonces_are_refused() {
    for v in vectors() {
        let (name, ens) = (
            v["vector"].as_str().unwrap().to_string(),
            v["query_raw"].as_str().unwrap().contains("2017-11-10"),
        );
        let host = if ens {
            "ens.aliyuncs.com"
        } else {
            "ecs.aliyuncs.com"
        };
        let product = if ens { "Ens" } else { "Ecs" };
        let check = |a: &Answer, status: u16, code: &str, message: &str| {
            let body = json!({
                "RequestId": "<id>", "HostId": host, "Code": code, "Message": message,
                "Recommend": format!("https://api.aliyun.com/troubleshoot?q={code}&product={product}&requestId=<id>"),
            });
            assert_eq!((a.status, &a.body), (status, &body), "{name}: {}", a.text);
        };
        // A key the server does not know: 404 (docs/reference/conflicts.md #19).
        let api = Api::at(verify(&["someone:else"]), ts(&v));
        check(
            &api.send(request(&v)).await,
            404,
            "InvalidAccessKeyId.NotFound",
            "Specified access key is not found.",
        );
        // Outside the 15-minute window.
        let api = Api::at(verify(&["testid:testsecret"]), ts(&v) + 16 * 60);
        check(
            &api.send(request(&v)).await,
            400,
            "InvalidTimeStamp.Expired",
            "Specified time stamp or date value is expired.",
        );
        // The same nonce twice within the window.
        let api = Api::at(verify(&["testid:testsecret"]), ts(&v));
        check(
            &api.send(request(&v)).await,
            if ens { 400 } else { 404 },
            "InvalidSecurityGroupId.NotFound",
            &not_found_message(&v),
        );
        check(
            &api.send(request(&v)).await,
            400,
            "SignatureNonceUsed",
            "Specified signature nonce was used already.",
        );
    }
}

#[tokio::test]
async fn unsigned_or_half_signed_requests_are_refused_in_verify_mode() {
    let api = Api::at(verify(&["testid:testsecret"]), NOW);
    assert_error(
        &api.ecs("DescribeRegions", &[]).await,
        400,
        "MissingParameter",
        "The input parameter \"AccessKeyId\" that is mandatory for processing this request is not supplied.",
    );
    assert_error(
        &api.ecs("DescribeRegions", &[("AccessKeyId", "testid"), ("Signature", "x"), ("SignatureMethod", "HMAC-SHA1"), ("SignatureVersion", "1.0")]).await,
        400,
        "MissingParameter",
        "The input parameter \"SignatureNonce\" that is mandatory for processing this request is not supplied.",
    );
    assert_error(
        &api.ecs(
            "DescribeRegions",
            &[
                ("AccessKeyId", "testid"),
                ("Signature", "x"),
                ("SignatureMethod", "RSA"),
                ("SignatureVersion", "1.0"),
            ],
        )
        .await,
        400,
        "InvalidParamater",
        "The specified parameter \"SignatureMethod\" is not valid.",
    );
    let signed = [
        ("AccessKeyId", "testid"),
        ("Signature", "x"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("SignatureNonce", "n1"),
        ("Timestamp", "2026-11-23 12:00:00"),
    ];
    assert_error(
        &api.ecs("DescribeRegions", &signed).await,
        400,
        "InvalidTimeStamp.Format",
        "Specified time stamp or date value is not well formatted.",
    );
    let req = Request::post("/?Action=DescribeRegions&Version=2014-05-26")
        .header("authorization", "ACS3-HMAC-SHA256 Credential=testid")
        .body(Body::empty())
        .unwrap();
    assert_error(
        &api.send(req).await,
        400,
        "IncompleteSignature",
        "The request signature does not conform to Aliyun standards: expected Credential=…,SignedHeaders=…,Signature=….",
    );
    let req = Request::post("/?Action=DescribeRegions&Version=2014-05-26")
        .header(
            "authorization",
            "ACS3-RSA-SHA256 Credential=testid,SignedHeaders=host,Signature=00",
        )
        .body(Body::empty())
        .unwrap();
    assert_error(
        &api.send(req).await,
        400,
        "IncompleteSignature",
        "The request signature does not conform to Aliyun standards: only ACS3-HMAC-SHA256 is supported.",
    );
}

#[tokio::test]
async fn accounts_cannot_see_or_change_each_others_groups() {
    // With auth off, known keys still select their account; unknown keys share the default one.
    let api = Api::with(Config {
        access_keys: ["alice:sa:team", "bob:sb", "carol:sc:team"]
            .iter()
            .map(|k| k.parse().unwrap())
            .collect(),
        ..Default::default()
    });
    let sg = api
        .ecs(
            "CreateSecurityGroup",
            &[("AccessKeyId", "alice"), ("VpcId", "vpc-1")],
        )
        .await
        .get("SecurityGroupId");
    let ens = api
        .ens("CreateSecurityGroup", &[("AccessKeyId", "alice")])
        .await
        .get("SecurityGroupId");
    let count = |who: &'static str| {
        let api = &api;
        async move {
            let e = api
                .ecs("DescribeSecurityGroups", &[("AccessKeyId", who)])
                .await
                .ok()["TotalCount"]
                .clone();
            let n = api
                .ens("DescribeSecurityGroups", &[("AccessKeyId", who)])
                .await
                .ok()["TotalCount"]
                .clone();
            (e, n)
        }
    };
    assert_eq!(count("alice").await, (json!(1), json!(1)));
    assert_eq!(
        count("carol").await,
        (json!(1), json!(1)),
        "carol shares alice's account"
    );
    assert_eq!(count("bob").await, (json!(0), json!(0)));
    assert_eq!(count("stranger").await, (json!(0), json!(0)));
    // Bob gets not-found, and can change nothing.
    assert_error(
        &api.ecs(
            "DeleteSecurityGroup",
            &[("AccessKeyId", "bob"), ("SecurityGroupId", &sg)],
        )
        .await,
        404,
        "InvalidSecurityGroup.NotFound",
        &format!("The specified security group is not found: {sg}."),
    );
    assert_error(
        &api.ecs(
            "AuthorizeSecurityGroup",
            &[
                ("AccessKeyId", "bob"),
                ("SecurityGroupId", &sg),
                ("IpProtocol", "tcp"),
                ("PortRange", "1/1"),
                ("SourceCidrIp", "1.1.1.1"),
            ],
        )
        .await,
        404,
        "InvalidSecurityGroupId.NotFound",
        &format!("The specified SecurityGroupId does not exist: {sg}."),
    );
    assert_ens_error(
        &api.ens(
            "DescribeSecurityGroupAttribute",
            &[("AccessKeyId", "bob"), ("SecurityGroupId", &ens)],
        )
        .await,
        "InvalidSecurityGroupId.NotFound",
        &format!("The specified SecurityGroupId does not exist: {ens}."),
    );
    // Bob cannot name alice's group as a peer of his own rules either.
    let bobs = api
        .ecs(
            "CreateSecurityGroup",
            &[("AccessKeyId", "bob"), ("VpcId", "vpc-1")],
        )
        .await
        .get("SecurityGroupId");
    assert_error(
        &api.ecs(
            "AuthorizeSecurityGroup",
            &[
                ("AccessKeyId", "bob"),
                ("SecurityGroupId", &bobs),
                ("IpProtocol", "tcp"),
                ("PortRange", "1/1"),
                ("SourceGroupId", &sg),
            ],
        )
        .await,
        404,
        "InvalidSourceGroupId.NotFound",
        &format!("The SourceGroupId provided does not exist in our records: {sg}."),
    );
    // Alice's group is untouched.
    assert!(api.rules(&sg, &[("AccessKeyId", "alice")]).await.is_empty());
}

#[tokio::test]
async fn a_nonce_is_remembered_as_long_as_its_timestamp_is_accepted() {
    // Timestamps are accepted within 15 minutes either side of the server's clock
    // (docs/reference/wire.md §3.7 InvalidTimeStamp.Expired), so a captured request is replayable until its own timestamp
    // plus 15 minutes — however early it arrived.
    for v in vectors() {
        let name = v["vector"].as_str().unwrap().to_string();
        let clock = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(ts(&v) - 899));
        let api = Api::moving(verify(&["testid:testsecret"]), clock.clone());
        let first = api.send(request(&v)).await;
        assert!(
            first.body["Code"].as_str().unwrap().ends_with("NotFound"),
            "{name}: {}",
            first.text
        );
        // 29 minutes 58 seconds later the timestamp is still within the window: still a replay.
        clock.store(ts(&v) + 899, std::sync::atomic::Ordering::SeqCst);
        let replay = api.send(request(&v)).await;
        assert_eq!(replay.body["Code"], "SignatureNonceUsed", "{name}");
        // Once the timestamp is out of the window the request is refused for that instead.
        clock.store(ts(&v) + 901, std::sync::atomic::Ordering::SeqCst);
        let late = api.send(request(&v)).await;
        assert_eq!(late.body["Code"], "InvalidTimeStamp.Expired", "{name}");
    }
}

#[tokio::test]
async fn acs3_requests_must_sign_their_date_and_nonce() {
    // Unsigned, x-acs-date and x-acs-signature-nonce could be replaced on a captured request to get
    // past the clock window and the nonce check.
    let v = &vectors()[0];
    for dropped in ["x-acs-date", "x-acs-signature-nonce"] {
        let mut req = request(v);
        let auth = req.headers()["authorization"].to_str().unwrap().to_string();
        let narrowed = auth
            .replace(&format!("{dropped};"), "")
            .replace(&format!(";{dropped}"), "");
        assert_ne!(narrowed, auth);
        req.headers_mut()
            .insert("authorization", narrowed.parse().unwrap());
        let api = Api::at(verify(&["testid:testsecret"]), ts(v));
        let a = api.send(req).await;
        assert_eq!(a.status, 400, "{}", a.text);
        assert_eq!(
            a.body,
            ecs_error(
                "IncompleteSignature",
                "The request signature does not conform to Aliyun standards: SignedHeaders must \
                 include x-acs-date and x-acs-signature-nonce."
            )
        );
    }
}
