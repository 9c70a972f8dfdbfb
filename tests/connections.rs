//! The connection layer of a real `sgmock` process (issue 9): slow and idle clients are cut off, the
//! stop drains for a bounded time, running out of file descriptors is logged and survived, and what
//! HTTP refuses before the application sees it still gets an Alibaba error envelope.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sgmock::testing::Process;

/// Start the binary (through `bash -c PREFIX`, when given) and wait for its ready line.
fn start_with(prefix: Option<&str>, args: &[&str]) -> Server {
    let bin = env!("CARGO_BIN_EXE_sgmock");
    let mut cmd = match prefix {
        Some(p) => {
            let mut c = Command::new("bash");
            c.arg("-c")
                .arg(format!("{p} && exec \"$0\" \"$@\""))
                .arg(bin);
            c
        }
        None => Command::new(bin),
    };
    cmd.args(["--listen", "127.0.0.1:0"]).args(args);
    Server(Process::spawn(cmd).expect("sgmock starts"))
}

fn start(args: &[&str]) -> Server {
    start_with(None, args)
}

/// The process, with the waits these tests need (each bounded at 20 s).
struct Server(Process);

impl std::ops::Deref for Server {
    type Target = Process;
    fn deref(&self) -> &Process {
        &self.0
    }
}

impl Server {
    /// The first log line containing `needle`.
    fn logged(&self, needle: &str) -> String {
        self.0
            .logged(needle, Duration::from_secs(20))
            .unwrap_or_else(|| panic!("no log line with {needle:?} within 20 s"))
    }

    /// The exit status after a signal, else fail with `why`.
    fn exit_within_bound(&mut self, why: &str) -> std::process::ExitStatus {
        self.0
            .wait_within(Duration::from_secs(20))
            .unwrap_or_else(|e| panic!("{why}: {e}"))
    }

    fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(&self.addr).expect("connect");
        // A bound on every read: a server that never answers fails the test instead of hanging it.
        s.set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        s
    }
}

/// Read until the server closes the connection; `Err` if it does not within the read timeout.
fn read_to_close(s: &mut TcpStream) -> Result<Vec<u8>, std::io::Error> {
    let mut out = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return Ok(out),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return Ok(out),
            Err(e) => return Err(e),
        }
    }
}

/// One response off a connection: (status, headers, body). Reads by Content-Length.
fn response(s: &mut TcpStream) -> (u16, String, Vec<u8>) {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        let n = s.read(&mut byte).expect("read head");
        assert_eq!(
            n,
            1,
            "connection closed mid-head: {:?}",
            String::from_utf8_lossy(&buf)
        );
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).to_string();
    let status = head[9..12].parse().expect("status");
    let len: usize = head
        .to_ascii_lowercase()
        .lines()
        .find_map(|l| {
            l.strip_prefix("content-length:")
                .map(|v| v.trim().parse().expect("length"))
        })
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).expect("body");
    (status, head, body)
}

fn redact(mut v: Value) -> Value {
    let id = v["RequestId"].as_str().unwrap_or_default().to_string();
    if let Some(o) = v.as_object_mut() {
        for (_, val) in o.iter_mut() {
            if let Value::String(s) = val {
                *s = s.replace(&id, "<id>");
            }
        }
    }
    v
}

fn envelope(code: &str, message: &str) -> Value {
    json!({
        "RequestId": "<id>", "HostId": "ecs.aliyuncs.com", "Code": code, "Message": message,
        "Recommend": format!("https://api.aliyun.com/troubleshoot?q={code}&product=Ecs&requestId=<id>"),
    })
}

#[test]
fn a_client_that_never_finishes_its_head_is_cut_off() {
    let server = start(&["--header-timeout", "0.5", "--idle-timeout", "60"]);
    // Slowloris: a head that never ends, trickled.
    let mut slow = server.connect();
    slow.write_all(b"GET /?Action=DescribeRegions HTTP/1.1\r\nHost: x\r\n")
        .expect("write");
    // Silent: connects, sends nothing.
    let mut silent = server.connect();
    let started = Instant::now();
    assert!(
        read_to_close(&mut slow).is_ok(),
        "the slow client was not cut off"
    );
    assert!(
        read_to_close(&mut silent).is_ok(),
        "the silent client was not cut off"
    );
    assert!(started.elapsed() < Duration::from_secs(15));
    // Others are served as before.
    let mut ok = server.connect();
    ok.write_all(b"GET /_sgmock/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("write");
    assert_eq!(response(&mut ok).0, 200);
}

#[test]
fn an_idle_kept_alive_connection_is_closed_after_the_idle_timeout() {
    let server = start(&["--header-timeout", "60", "--idle-timeout", "0.5"]);
    let mut s = server.connect();
    for _ in 0..3 {
        s.write_all(b"GET /_sgmock/health HTTP/1.1\r\nHost: x\r\n\r\n")
            .expect("write");
        assert_eq!(
            response(&mut s).0,
            200,
            "kept alive between prompt requests"
        );
    }
    // Then idle: closed by the server (the header timeout, 60 s, is not what closes it).
    let started = Instant::now();
    assert_eq!(read_to_close(&mut s).expect("closed"), b"");
    assert!(started.elapsed() < Duration::from_secs(15));
}

#[test]
fn the_stop_drains_requests_in_flight_and_does_not_wait_for_half_sent_ones() {
    let server = start(&["--header-timeout", "600", "--drain-timeout", "1"]);
    // A request in flight when the stop comes: held by a latency fault, answered in full.
    let mut admin = server.connect();
    let fault = r#"{"action":"DescribeRegions","latency_ms":700}"#;
    write!(
        admin,
        "PUT /_sgmock/faults HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{fault}",
        fault.len()
    )
    .expect("write");
    assert_eq!(response(&mut admin).0, 200);
    let mut in_flight = server.connect();
    in_flight
        .write_all(b"GET /?Action=DescribeRegions&Version=2014-05-26 HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("write");
    // A client holding a half-sent request (the header timeout is far away).
    let mut half = server.connect();
    half.write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nAction=")
        .expect("write");
    // The stop must find the request in flight: wait (bounded) until the fault has fired on it.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        admin
            .write_all(b"GET /_sgmock/faults HTTP/1.1\r\nHost: x\r\n\r\n")
            .expect("write");
        let (_, _, body) = response(&mut admin);
        let faults: Value = serde_json::from_slice(&body).expect("json");
        if faults[0]["fired"] == 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the request never reached the server"
        );
    }
    let mut server = server;
    server.terminate();
    let (status, _, body) = response(&mut in_flight);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    server.logged("connections still open after the drain timeout are dropped");
    // The process is gone within a bounded time.
    let exit = server.exit_within_bound("the process kept running after its drain timeout");
    assert!(exit.success(), "{exit:?}");
    assert!(read_to_close(&mut half).is_ok());
}

/// With TLS on (the default), a connection that has not yet sent its first byte, or is half way
/// through its handshake, is idle: the stop closes it at once instead of waiting out the drain.
#[test]
fn the_stop_does_not_wait_for_silent_connections_or_unfinished_handshakes() {
    let server = start(&[
        "--header-timeout",
        "600",
        "--tls-handshake-timeout",
        "600",
        "--drain-timeout",
        "600",
    ]);
    let mut silent = server.connect();
    let mut handshaking = server.connect();
    handshaking
        .write_all(&[0x16, 0x03, 0x01, 0x02, 0x00])
        .expect("write");
    // Both are accepted and waiting: a plain request on a third connection is answered after them.
    let mut probe = server.connect();
    probe
        .write_all(b"GET /_sgmock/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("write");
    assert_eq!(response(&mut probe).0, 200);
    drop(probe);
    let mut server = server;
    server.terminate();
    // Well before any of the 600 s limits: the connections are closed and the process exits.
    assert!(read_to_close(&mut silent).is_ok());
    assert!(read_to_close(&mut handshaking).is_ok());
    let exit = server.exit_within_bound("the stop waited for idle connections");
    assert!(exit.success(), "{exit:?}");
}

#[test]
fn running_out_of_file_descriptors_is_logged_and_survived() {
    let server = start_with(Some("ulimit -n 40"), &[]);
    // More connections than descriptors: the kernel completes them, accepting them fails.
    let mut held: Vec<TcpStream> = (0..60).map(|_| server.connect()).collect();
    let line = server.logged("out of file descriptors");
    assert!(line.contains("limit=\"40\""), "{line}");
    // Closing them frees descriptors: new connections are served again.
    held.clear();
    let mut s = server.connect();
    s.write_all(b"GET /_sgmock/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("write");
    assert_eq!(response(&mut s).0, 200);
}

#[test]
fn what_http_refuses_still_gets_an_alibaba_error_envelope() {
    let server = start(&[]);
    let long_uri = format!(
        "GET /?Action=DescribeRegions&Version=2014-05-26&X={} HTTP/1.1\r\nHost: x\r\n\r\n",
        "a".repeat(70_000)
    );
    let many_headers = format!(
        "GET /?Action=DescribeRegions HTTP/1.1\r\nHost: x\r\n{}\r\n",
        (0..120)
            .map(|i| format!("X-H{i}: v\r\n"))
            .collect::<String>()
    );
    let huge_header = format!(
        "GET /?Action=DescribeRegions HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "b".repeat(600_000)
    );
    // A byte that is neither ASCII nor part of UTF-8 (raw UTF-8 text passes HTTP and reaches the
    // application, which answers it like any other parameter).
    let mut non_ascii = b"GET /?Action=DescribeRegions&Version=2014-05-26&X=".to_vec();
    non_ascii.push(0xFF);
    non_ascii.extend_from_slice(b" HTTP/1.1\r\nHost: x\r\n\r\n");
    for (what, request, status, code, message) in [
        (
            "a URI over 64 KiB",
            long_uri.into_bytes(),
            414,
            "RequestURITooLong",
            "The request URI is longer than 65,534 bytes: send the parameters as a form body (POST).",
        ),
        (
            "120 headers",
            many_headers.into_bytes(),
            431,
            "RequestHeaderFieldsTooLarge",
            "The request has more than 100 headers, or headers larger than the server accepts.",
        ),
        (
            "a 600 KB header",
            huge_header.into_bytes(),
            431,
            "RequestHeaderFieldsTooLarge",
            "The request has more than 100 headers, or headers larger than the server accepts.",
        ),
        (
            "a raw non-ASCII target",
            non_ascii,
            400,
            "BadRequest",
            "The request is not valid HTTP/1.1: check the request line and headers (a target must be percent-encoded ASCII).",
        ),
    ] {
        let mut s = server.connect();
        s.write_all(&request).expect("write");
        let (got, head, body) = response(&mut s);
        assert_eq!(got, status, "{what}: {head}");
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: application/json;charset=utf-8"),
            "{what}: {head}"
        );
        let v: Value = serde_json::from_slice(&body).expect("a JSON body");
        assert_eq!(redact(v), envelope(code, message), "{what}");
    }
}

#[test]
fn an_oversized_body_announced_with_expect_100_continue_gets_413_first() {
    let server = start(&[]);
    for (path, code) in [
        ("/", "RequestEntityTooLarge"),
        ("/_sgmock/faults", "RequestEntityTooLarge"),
    ] {
        let mut s = server.connect();
        write!(
            s,
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: 5000000\r\nExpect: 100-continue\r\n\r\n"
        )
        .expect("write");
        let (status, head, body) = response(&mut s);
        assert_eq!(
            status, 413,
            "{path}: no 100 Continue before the refusal: {head}"
        );
        let v: Value = serde_json::from_slice(&body).expect("json");
        let got = v["Code"]
            .as_str()
            .or(v["code"].as_str())
            .unwrap_or_default()
            .to_string();
        assert_eq!(got, code, "{path}");
    }
}
