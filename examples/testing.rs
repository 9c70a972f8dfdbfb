//! Start an in-process sgmock on a free port, call it, inspect it, reset it:
//!
//!     cargo run --example testing
//!
//! In a test the same lines go in a `#[tokio::test]` (see `tests/testing.rs`).

use std::io::{Read, Write};

use sgmock::testing::TestServer;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = TestServer::start().await;
    println!(
        "sgmock at {} (point an SDK at this endpoint, protocol http)",
        server.endpoint()
    );

    let endpoint = server.endpoint();
    let answer = tokio::task::spawn_blocking(move || -> std::io::Result<String> {
        let mut s = std::net::TcpStream::connect(&endpoint)?;
        write!(
            s,
            "GET /?Action=CreateSecurityGroup&Version=2014-05-26&RegionId=cn-hangzhou&VpcId=vpc-1 \
             HTTP/1.1\r\nHost: {endpoint}\r\nConnection: close\r\n\r\n"
        )?;
        let mut text = String::new();
        s.read_to_string(&mut text)?;
        Ok(text)
    })
    .await??;
    println!("{}", answer.lines().last().unwrap_or_default());
    println!("groups: {}", server.groups());
    for r in server.requests(10) {
        println!("request: {} {} -> {}", r.product, r.action, r.status);
    }
    server.reset();
    println!("after reset: {} groups", server.groups());
    Ok(())
}
