//! One client connection with at most one request in flight, on hyper's HTTP/1.1 connection API:
//! kept alive between requests, or (`fresh`) a new connection for every request. Plain TCP or TLS
//! (the server certificate checked for `localhost`).

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{handshake, SendRequest};
use hyper::header::{CONNECTION, CONTENT_TYPE, HOST};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::Res;

/// A status and a whole body.
pub struct Reply {
    pub status: u16,
    pub body: Bytes,
}

pub struct Conn {
    addr: String,
    tls: Option<TlsConnector>,
    fresh: bool,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Conn {
    pub fn new(addr: &str) -> Conn {
        Conn {
            addr: addr.to_string(),
            tls: None,
            fresh: false,
            sender: None,
        }
    }

    /// Connect over TLS.
    pub fn with_tls(mut self, connector: Option<TlsConnector>) -> Conn {
        self.tls = connector;
        self
    }

    /// A new connection for every request (`Connection: close`).
    pub fn fresh(mut self, fresh: bool) -> Conn {
        self.fresh = fresh;
        self
    }

    async fn connect(&self) -> Res<SendRequest<Full<Bytes>>> {
        let tcp = TcpStream::connect(&self.addr)
            .await
            .map_err(|e| format!("connect {}: {e}", self.addr))?;
        let _ = tcp.set_nodelay(true);
        let handshake_failed = |e: hyper::Error| format!("HTTP/1.1 with {}: {e}", self.addr);
        match &self.tls {
            None => {
                let (sender, conn) = handshake(TokioIo::new(tcp))
                    .await
                    .map_err(handshake_failed)?;
                tokio::spawn(conn);
                Ok(sender)
            }
            Some(connector) => {
                let name = ServerName::try_from("localhost").map_err(|e| e.to_string())?;
                let tls = connector
                    .connect(name, tcp)
                    .await
                    .map_err(|e| format!("TLS handshake with {}: {e}", self.addr))?;
                let (sender, conn) = handshake(TokioIo::new(tls))
                    .await
                    .map_err(handshake_failed)?;
                tokio::spawn(conn);
                Ok(sender)
            }
        }
    }

    /// One request; a kept-alive connection the server has closed is replaced once.
    pub async fn request(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: String,
    ) -> Res<Reply> {
        let body = Bytes::from(body);
        let mut last = String::new();
        for _attempt in 0..2 {
            let mut sender = match self.sender.take() {
                Some(s) if !s.is_closed() => s,
                _ => self.connect().await?,
            };
            if sender.ready().await.is_err() {
                last = "the connection closed".into();
                continue;
            }
            let mut req = Request::builder()
                .method(method.clone())
                .uri(path)
                .header(HOST, &self.addr)
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded");
            if self.fresh {
                req = req.header(CONNECTION, "close");
            }
            for (name, value) in headers {
                req = req.header(*name, *value);
            }
            let req = req
                .body(Full::new(body.clone()))
                .map_err(|e| e.to_string())?;
            match sender.send_request(req).await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let body = resp
                        .into_body()
                        .collect()
                        .await
                        .map_err(|e| format!("reading an answer from {}: {e}", self.addr))?
                        .to_bytes();
                    if !self.fresh {
                        self.sender = Some(sender);
                    }
                    return Ok(Reply { status, body });
                }
                Err(e) => last = e.to_string(),
            }
        }
        Err(format!("{method} {path} to {}: {last}", self.addr))
    }
}

/// A TLS client that trusts the CA certificates in `pem`.
pub fn trusting(pem: &[u8]) -> Res<TlsConnector> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem) {
        roots
            .add(cert.map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}
