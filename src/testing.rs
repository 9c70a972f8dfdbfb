//! An sgmock server inside a Rust test: [`TestServer::start`] serves on a free loopback port from a
//! `#[tokio::test]`, and its handle resets, seeds and inspects the state without HTTP — the shape of
//! wiremock's `MockServer::start()`.
//!
//! ```
//! use std::io::{Read, Write};
//!
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! # async fn main() {
//! let server = sgmock::testing::TestServer::start().await;
//! // Point an SDK at `server.endpoint()` ("127.0.0.1:PORT", protocol http); here, plain HTTP.
//! let endpoint = server.endpoint();
//! let answer = tokio::task::spawn_blocking(move || {
//!     let mut s = std::net::TcpStream::connect(&endpoint).unwrap();
//!     write!(s, "GET /?Action=CreateSecurityGroup&Version=2014-05-26&RegionId=cn-hangzhou&VpcId=vpc-1 \
//!                HTTP/1.1\r\nHost: {endpoint}\r\nConnection: close\r\n\r\n").unwrap();
//!     let mut text = String::new();
//!     s.read_to_string(&mut text).unwrap();
//!     text
//! })
//! .await
//! .unwrap();
//! assert!(answer.starts_with("HTTP/1.1 200"));
//! assert_eq!(server.groups(), 1);
//! assert_eq!(server.requests(10)[0].action, "CreateSecurityGroup");
//! server.reset();
//! assert_eq!(server.groups(), 0);
//! # }
//! ```

mod process;
pub use process::{refused, Process};

use std::net::SocketAddr;
use std::sync::Arc;

use serde_json::Value;

use crate::faults::FaultSpec;
use crate::requests::Entry;
use crate::{App, Config, ImportError, StartError};

/// A running server. Dropping it stops it.
pub struct TestServer {
    addr: SocketAddr,
    app: Arc<App>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestServer {
    /// A server with the default configuration (authentication off, memory only).
    ///
    /// Panics if it cannot start (no loopback port): it is meant for tests, where that is the
    /// clearest failure.
    pub async fn start() -> TestServer {
        Self::with_config(Config::default()).await
    }

    /// A server with `config` (its `listen` is ignored: a free loopback port is used).
    ///
    /// Panics if it cannot start; [`TestServer::try_start`] returns the error instead.
    #[allow(clippy::panic)]
    pub async fn with_config(config: Config) -> TestServer {
        match Self::try_start(config).await {
            Ok(s) => s,
            Err(e) => panic!("sgmock test server: {e}"),
        }
    }

    /// A server with `config`, or why it could not start (a state file in use, a bad fixture, …).
    pub async fn try_start(mut config: Config) -> Result<TestServer, StartError> {
        config.listen = "127.0.0.1:0".into();
        let listen = |source| StartError::Listen {
            addr: "127.0.0.1:0".into(),
            source,
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(listen)?;
        let addr = listener.local_addr().map_err(listen)?;
        let app = Arc::new(App::new(config)?);
        let limits = app.config.connection_limits();
        let router = crate::router(app.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let tls = app.tls.as_ref().map(|t| t.acceptor.clone());
        tokio::spawn(crate::serve::serve(
            listener,
            router,
            limits,
            tls,
            async move {
                let _ = stopped.await;
            },
        ));
        Ok(TestServer {
            addr,
            app,
            stop: Some(stop),
        })
    }

    /// `127.0.0.1:PORT`: what SDK configurations call the endpoint (use protocol `http`).
    pub fn endpoint(&self) -> String {
        self.addr.to_string()
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `https://127.0.0.1:PORT`: the same port, over TLS (when the configuration turns TLS on).
    pub fn https_url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// The CA certificate (PEM) an HTTPS client should trust, when TLS is on with sgmock's own CA.
    pub fn ca_pem(&self) -> Option<&str> {
        self.app.tls.as_ref().and_then(|t| t.ca_pem.as_deref())
    }

    /// The application behind the server, for anything the methods here do not cover.
    pub fn app(&self) -> &Arc<App> {
        &self.app
    }

    /// Empty the state, the fault rules and the request log (`POST /_sgmock/reset`).
    pub fn reset(&self) {
        // Without a state file the reset cannot fail; with one, a failure is logged and the
        // state stays as it was, which a test's next assertion shows.
        let _ = self.app.reset(None);
    }

    /// Replace the state with a state document (the `GET /_sgmock/state` format).
    pub fn load_state(&self, document: &Value) -> Result<(), ImportError> {
        self.app
            .import_state(document.to_string().as_bytes())
            .map(|_| ())
    }

    /// The whole state as a state document.
    pub fn state(&self) -> Value {
        serde_json::from_slice(&self.app.export_state()).unwrap_or(Value::Null)
    }

    /// How many security groups exist (every account, both products).
    pub fn groups(&self) -> usize {
        self.app.store.read(|s| s.counts().1)
    }

    /// The last `limit` requests, oldest first (`GET /_sgmock/requests`).
    pub fn requests(&self, limit: usize) -> Vec<Entry> {
        self.app.requests.recent(limit)
    }

    /// Replace the fault rules (`PUT /_sgmock/faults`): one rule object or an array of them.
    pub fn set_faults(&self, rules: Value) -> Result<(), String> {
        let specs: Vec<FaultSpec> = match rules {
            Value::Array(items) => items
                .into_iter()
                .map(serde_json::from_value)
                .collect::<Result<_, _>>()
                .map_err(|e| e.to_string())?,
            one => vec![serde_json::from_value(one).map_err(|e| e.to_string())?],
        };
        self.app.faults.set(specs)
    }

    /// Stop serving (also what dropping the server does).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}
