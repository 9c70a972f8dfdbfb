//! HTTPS on the same port (issue 12): TLS and plain HTTP served side by side, certificates a
//! strict client accepts for every name Alibaba's clients call, handshakes that stall or break
//! dropped without holding up anyone else, the CA kept with the state, the user's own certificate,
//! and Terraform's rule update and destroy (always HTTPS: docs/reference/terraform.md §0.1 T3)
//! replayed over TLS.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use serde_json::{json, Value};
use sgmock::config::TlsMode;
use sgmock::testing::TestServer;
use sgmock::Config;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// Long enough for any loaded CI machine, short enough that a hang fails the test.
const BOUND: Duration = Duration::from_secs(20);

fn tls_config() -> Config {
    Config {
        tls: TlsMode::On,
        ..Config::default()
    }
}

fn client(roots: &[CertificateDer<'static>]) -> Arc<ClientConfig> {
    let mut store = RootCertStore::empty();
    for r in roots {
        store.add(r.clone()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(store)
            .with_no_client_auth(),
    )
}

fn trusting(pem: &str) -> Arc<ClientConfig> {
    let roots: Vec<_> = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap();
    client(&roots)
}

/// One HTTP/1.1 exchange (`Connection: close`) over `stream`: the status and the body.
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    method: &str,
    target: &str,
) -> io::Result<(u16, String)> {
    let req = format!(
        "{method} {target} HTTP/1.1\r\nHost: ecs.aliyuncs.com\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(req.as_bytes()).await?;
    let mut raw = Vec::new();
    // A peer that closes without close_notify is still a complete answer here (Connection: close).
    match stream.read_to_end(&mut raw).await {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof && !raw.is_empty() => {}
        Err(e) => return Err(e),
    }
    let text = String::from_utf8(raw).map_err(|e| io::Error::other(e.to_string()))?;
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| io::Error::other(format!("no HTTP head in {text:?}")))?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::other(format!("no status in {head:?}")))?;
    Ok((status, body.to_string()))
}

/// `method target` over TLS to `addr`, verifying the certificate for `name`.
async fn https(
    addr: &str,
    name: &str,
    config: Arc<ClientConfig>,
    method: &str,
    target: &str,
) -> io::Result<(u16, String)> {
    let tcp = TcpStream::connect(addr).await?;
    let server_name =
        ServerName::try_from(name.to_string()).map_err(|e| io::Error::other(e.to_string()))?;
    let tls = TlsConnector::from(config).connect(server_name, tcp).await?;
    exchange(tls, method, target).await
}

async fn http(addr: &str, method: &str, target: &str) -> io::Result<(u16, String)> {
    exchange(TcpStream::connect(addr).await?, method, target).await
}

fn json_body(body: &str) -> Value {
    let mut v: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    if let Some(o) = v.as_object_mut() {
        if o.contains_key("RequestId") {
            o.insert("RequestId".into(), json!("<redacted>"));
        }
    }
    v
}

async fn bounded<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(BOUND, f)
        .await
        .expect("no answer in time")
}

fn query(params: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish()
}

#[tokio::test]
async fn https_and_plain_http_share_the_port_and_answer_alike() {
    let server = TestServer::with_config(tls_config()).await;
    let addr = server.endpoint();
    // The CA comes over plain HTTP from the same port, as the README tells a new user.
    let (status, ca) = bounded(http(&addr, "GET", "/_sgmock/ca.pem"))
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"), "{ca}");
    assert_eq!(Some(ca.as_str()), server.ca_pem());
    let config = trusting(&ca);

    let create = format!(
        "/?{}",
        query(&[
            ("Action", "CreateSecurityGroup"),
            ("Version", "2014-05-26"),
            ("Format", "JSON"),
            ("RegionId", "cn-hangzhou"),
            ("SecurityGroupName", "over-tls"),
        ])
    );
    let (status, body) = bounded(https(&addr, "localhost", config.clone(), "POST", &create))
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    let created = json_body(&body);
    let sg = created["SecurityGroupId"].as_str().unwrap().to_string();
    assert_eq!(
        created,
        json!({"RequestId": "<redacted>", "SecurityGroupId": sg})
    );
    // The group made over TLS is the one plain HTTP reads: one store, one port.
    let describe = format!(
        "/?{}",
        query(&[
            ("Action", "DescribeSecurityGroups"),
            ("Version", "2014-05-26"),
            ("RegionId", "cn-hangzhou"),
        ])
    );
    let (_, over_tls) = bounded(https(&addr, "127.0.0.1", config, "GET", &describe))
        .await
        .unwrap();
    let (_, plain) = bounded(http(&addr, "GET", &describe)).await.unwrap();
    assert_eq!(json_body(&over_tls), json_body(&plain));
    assert_eq!(
        json_body(&plain)["SecurityGroups"]["SecurityGroup"][0]["SecurityGroupId"],
        json!(sg)
    );
}

/// The certificate covers loopback, `*.aliyuncs.com`, each region's `*.<region>.aliyuncs.com` and
/// `ecs-<region>.aliyuncs.com` (a wildcard covers one label only), and `--tls-name` additions.
#[tokio::test]
async fn the_certificate_covers_every_name_clients_call() {
    let server = TestServer::with_config(Config {
        tls_names: vec!["sgmock.internal".into(), "10.9.8.7".into()],
        ..tls_config()
    })
    .await;
    let addr = server.endpoint();
    let config = trusting(server.ca_pem().unwrap());
    for name in [
        "localhost",
        "127.0.0.1",
        "::1",
        "ecs.aliyuncs.com",
        "ens.aliyuncs.com",
        "ecs.cn-hangzhou.aliyuncs.com",
        "ecs-cn-hangzhou.aliyuncs.com",
        "ecs.ap-southeast-1.aliyuncs.com",
        "ecs-ap-southeast-1.aliyuncs.com",
        "sgmock.internal",
        "10.9.8.7",
    ] {
        let (status, _) = bounded(https(&addr, name, config.clone(), "GET", "/_sgmock/health"))
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(status, 200, "{name}");
    }
    // A name the certificate does not hold is refused by the client, as it should be.
    let err = bounded(https(&addr, "example.com", config, "GET", "/"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not valid for name"), "{err}");
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_ca_gets_a_tls_error_not_a_hang() {
    let server = TestServer::with_config(tls_config()).await;
    let err = bounded(https(
        &server.endpoint(),
        "localhost",
        client(&[]),
        "GET",
        "/_sgmock/health",
    ))
    .await
    .unwrap_err();
    assert!(err.to_string().contains("UnknownIssuer"), "{err}");
    // The server is none the worse for it.
    let config = trusting(server.ca_pem().unwrap());
    let (status, _) = bounded(https(
        &server.endpoint(),
        "localhost",
        config,
        "GET",
        "/_sgmock/health",
    ))
    .await
    .unwrap();
    assert_eq!(status, 200);
}

/// A garbage first byte, a handshake cut short, a handshake that stops half way and a connection
/// that never speaks: none of them holds up another client, and the stalled handshake is dropped
/// after `--tls-handshake-timeout`.
#[tokio::test]
async fn broken_and_stalled_handshakes_do_not_stall_other_clients() {
    let server = TestServer::with_config(Config {
        tls_handshake_timeout: 1.0,
        ..tls_config()
    })
    .await;
    let addr = server.endpoint();
    let config = trusting(server.ca_pem().unwrap());

    // Garbage: not TLS, so it is plain HTTP, which refuses it with an error.
    let mut garbage = TcpStream::connect(&addr).await.unwrap();
    garbage.write_all(&[0xff, 0x00, 0x13, 0x37]).await.unwrap();
    garbage.write_all(b"\r\n\r\n").await.unwrap();
    // Truncated: a handshake record header promising 512 bytes, 3 of them sent, then the end.
    let mut truncated = TcpStream::connect(&addr).await.unwrap();
    truncated
        .write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01])
        .await
        .unwrap();
    truncated.shutdown().await.unwrap();
    // Stalled: the same start, then silence with the connection held open.
    let mut stalled = TcpStream::connect(&addr).await.unwrap();
    stalled
        .write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
        .await
        .unwrap();
    // Silent: connects and says nothing.
    let _silent = TcpStream::connect(&addr).await.unwrap();

    // Meanwhile, TLS and plain clients are served.
    for _ in 0..3 {
        let (status, _) = bounded(https(
            &addr,
            "localhost",
            config.clone(),
            "GET",
            "/_sgmock/health",
        ))
        .await
        .unwrap();
        assert_eq!(status, 200);
        let (status, _) = bounded(http(&addr, "GET", "/_sgmock/health"))
            .await
            .unwrap();
        assert_eq!(status, 200);
    }

    // The garbage got an answer and the connection's end.
    let mut answer = Vec::new();
    bounded(garbage.read_to_end(&mut answer)).await.unwrap();
    assert!(
        answer.starts_with(b"HTTP/1.1 400"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    // The truncated and the stalled handshakes are closed by the server (the stalled one by the
    // handshake timeout: the read below would otherwise wait out BOUND and fail).
    for (what, conn) in [("truncated", &mut truncated), ("stalled", &mut stalled)] {
        let mut rest = Vec::new();
        let closed = bounded(conn.read_to_end(&mut rest)).await;
        assert!(
            matches!(closed, Ok(0)) || closed.is_err(),
            "{what}: {closed:?} {rest:?}"
        );
    }
}

#[tokio::test]
async fn the_ca_is_kept_with_the_state_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let config = || Config {
        state_file: Some(state.clone()),
        tls_ca_out: Some(dir.path().join("ca-out.pem")),
        ..tls_config()
    };
    let first = TestServer::with_config(config()).await;
    let ca = first.ca_pem().unwrap().to_string();
    assert_eq!(
        std::fs::read_to_string(dir.path().join("state.json.ca.pem")).unwrap(),
        ca
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("ca-out.pem")).unwrap(),
        ca
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("state.json.ca-key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the CA key is private");
    }
    first.stop();
    // The state file's lock is released when the stopped server's app is gone.
    let second = loop {
        match TestServer::try_start(config()).await {
            Ok(s) => break s,
            Err(sgmock::StartError::Persist(sgmock::persist::error::PersistError::Locked {
                ..
            })) => tokio::task::yield_now().await,
            Err(e) => panic!("{e}"),
        }
    };
    assert_eq!(second.ca_pem(), Some(ca.as_str()));
    // A client that trusted the first start's CA trusts the second's server certificate.
    let (status, _) = bounded(https(
        &second.endpoint(),
        "localhost",
        trusting(&ca),
        "GET",
        "/_sgmock/health",
    ))
    .await
    .unwrap();
    assert_eq!(status, 200);
}

#[tokio::test]
async fn half_a_ca_beside_the_state_stops_the_start_naming_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    std::fs::write(dir.path().join("state.json.ca.pem"), "kept").unwrap();
    let err = TestServer::try_start(Config {
        state_file: Some(state),
        ..tls_config()
    })
    .await
    .err()
    .unwrap()
    .to_string();
    assert!(err.contains("state.json.ca-key.pem"), "{err}");
    // Nothing was overwritten.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("state.json.ca.pem")).unwrap(),
        "kept"
    );
}

#[tokio::test]
async fn the_users_own_certificate_is_served_and_there_is_no_ca_to_fetch() {
    let dir = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec!["my.test".to_string()]).unwrap();
    let cert = params.self_signed(&key).unwrap();
    std::fs::write(dir.path().join("cert.pem"), cert.pem()).unwrap();
    std::fs::write(dir.path().join("key.pem"), key.serialize_pem()).unwrap();
    let server = TestServer::with_config(Config {
        tls_cert: Some(dir.path().join("cert.pem")),
        tls_key: Some(dir.path().join("key.pem")),
        ..tls_config()
    })
    .await;
    assert_eq!(server.ca_pem(), None);
    let config = client(&[CertificateDer::from(cert.der().to_vec())]);
    let (status, body) = bounded(https(
        &server.endpoint(),
        "my.test",
        config,
        "GET",
        "/_sgmock/ca.pem",
    ))
    .await
    .unwrap();
    assert_eq!(status, 404);
    assert_eq!(
        json_body(&body),
        json!({"code": "NoCA", "message": "sgmock serves your certificate (--tls-cert); it has no CA of its own"})
    );
}

#[tokio::test]
async fn with_tls_off_there_is_no_tls_and_no_ca() {
    let server = TestServer::start().await;
    let (status, body) = bounded(http(&server.endpoint(), "GET", "/_sgmock/ca.pem"))
        .await
        .unwrap();
    assert_eq!(status, 404);
    assert_eq!(
        json_body(&body),
        json!({"code": "NoCA", "message": "TLS is off (--tls off): there is no CA"})
    );
    let tried = bounded(https(
        &server.endpoint(),
        "localhost",
        client(&[]),
        "GET",
        "/",
    ))
    .await;
    assert!(tried.is_err(), "{tried:?}");
}

/// docs/reference/terraform.md §2.3: the rule description update is ModifySecurityGroupRule sent
/// twice, and the destroy RevokeSecurityGroup, as GET with every parameter in the query and
/// `Description` always sent (even empty), over HTTPS whatever the provider's protocol setting.
#[tokio::test]
async fn terraform_rule_update_and_destroy_over_https() {
    let server = TestServer::with_config(tls_config()).await;
    let addr = server.endpoint();
    let config = trusting(server.ca_pem().unwrap());
    let call = |params: Vec<(&'static str, String)>| {
        let config = config.clone();
        let addr = addr.clone();
        async move {
            let mut all: Vec<(&str, &str)> = vec![
                ("Version", "2014-05-26"),
                ("Format", "JSON"),
                ("RegionId", "cn-hangzhou"),
            ];
            all.extend(params.iter().map(|(k, v)| (*k, v.as_str())));
            let target = format!("/?{}", query(&all));
            let (status, body) = bounded(https(
                &addr,
                "ecs-cn-hangzhou.aliyuncs.com",
                config,
                "GET",
                &target,
            ))
            .await
            .unwrap();
            (status, json_body(&body))
        }
    };
    let (_, created) = call(vec![("Action", "CreateSecurityGroup".into())]).await;
    let sg = created["SecurityGroupId"].as_str().unwrap().to_string();
    let rule = |action: &'static str, description: &str| {
        vec![
            ("Action", action.to_string()),
            ("SecurityGroupId", sg.clone()),
            ("IpProtocol", "tcp".into()),
            ("PortRange", "22/22".into()),
            ("Policy", "accept".into()),
            ("Priority", "1".into()),
            ("SourceCidrIp", "0.0.0.0/0".into()),
            ("NicType", "intranet".into()),
            ("Description", description.to_string()),
        ]
    };
    let ok = (200, json!({"RequestId": "<redacted>"}));
    assert_eq!(call(rule("AuthorizeSecurityGroup", "")).await, ok);
    for _ in 0..2 {
        assert_eq!(call(rule("ModifySecurityGroupRule", "ssh")).await, ok);
    }
    let read = || {
        call(vec![
            ("Action", "DescribeSecurityGroupAttribute".into()),
            ("SecurityGroupId", sg.clone()),
            // A classic group's read shows `internet` rules unless asked (docs/reference/ecs.md §1.4).
            ("NicType", "intranet".into()),
        ])
    };
    let (_, attrs) = read().await;
    assert_eq!(
        attrs["Permissions"]["Permission"][0]["Description"], "ssh",
        "{attrs}"
    );
    // Destroy: revoke, and a retry of the revoke, both 200 (the retry finds nothing to remove).
    for _ in 0..2 {
        assert_eq!(call(rule("RevokeSecurityGroup", "ssh")).await, ok);
    }
    let (_, attrs) = read().await;
    assert_eq!(attrs["Permissions"], json!({"Permission": []}));
}

/// The binary serves TLS by default (no flag), writes the CA where `--tls-ca-out` says, and that
/// file is what `GET /_sgmock/ca.pem` answers.
#[tokio::test]
async fn the_binary_serves_tls_by_default_and_writes_its_ca() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let ca_out = dir.path().join("ca.pem");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sgmock"))
        .args(["--listen", "127.0.0.1:0", "--tls-ca-out"])
        .arg(&ca_out)
        .env_remove("SGMOCK_TLS")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .map(|_| line)
    });
    let line = bounded(line).await.unwrap().unwrap();
    let addr = line
        .trim()
        .strip_prefix("sgmock listening on ")
        .unwrap()
        .to_string();
    let written = std::fs::read_to_string(&ca_out).unwrap();
    let (status, served) = bounded(https(
        &addr,
        "localhost",
        trusting(&written),
        "GET",
        "/_sgmock/ca.pem",
    ))
    .await
    .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!((status, served), (200, written));
}
