//! The connection layer: accepting, per-connection limits, and the stop. `axum::serve` offers no
//! timeouts, no bound on the drain and no hook for hyper's own refusals, so connections are served
//! here with hyper directly:
//!
//! - a client gets `header_timeout` to send a request's head (from its first byte, or from the
//!   connection's start) and may sit idle between requests for `idle_timeout`: slow or silent
//!   clients cannot pin connections (slowloris);
//! - on the stop signal no new connection is accepted, requests in flight finish, idle connections
//!   close, and after `drain_timeout` the rest are dropped: a half-sent request cannot keep the
//!   process alive;
//! - when the process runs out of file descriptors, accepting pauses briefly and a log line says so;
//! - requests hyper refuses before the application sees them (a URI over 64 KiB, too many or too
//!   large headers, a malformed request line) get an Alibaba error envelope, not an empty body.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Sleep;
use tokio_rustls::TlsAcceptor;

/// Connection limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
    pub drain_timeout: Duration,
    pub handshake_timeout: Duration,
}

/// The first byte of a TLS connection: a handshake record (a ClientHello's record type).
const TLS_HANDSHAKE: u8 = 0x16;

/// Serve `router` on `listener` until `stop` resolves, then drain for at most `drain_timeout`.
/// With `tls`, each connection is TLS or plain HTTP as its first byte says.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    tls: Option<TlsAcceptor>,
    stop: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let open = Arc::new(AtomicUsize::new(0));
    let mut fd_log = FdExhaustion {
        limit: open_files_limit(),
        ..FdExhaustion::default()
    };
    let mut stop = std::pin::pin!(stop);
    // Dropped when the stop comes: every receiver's `changed()` then returns.
    let stopping = tokio::sync::watch::Sender::new(());
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            () = &mut stop => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                fd_log.note(&e);
                // Out of descriptors, or a connection reset before it was accepted: pause a moment
                // rather than spin (a closing connection frees a descriptor).
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let watcher = graceful.watcher();
        let open = OpenGuard::new(open.clone());
        let router = router.clone();
        let Some(acceptor) = tls.clone() else {
            tokio::spawn(async move {
                let _open = open;
                serve_connection(stream, router, limits, watcher).await;
            });
            continue;
        };
        let mut stopping = stopping.subscribe();
        // Everything about one connection, its TLS handshake included, happens in its own task: a
        // slow or broken client never holds up the accept loop.
        tokio::spawn(async move {
            let _open = open;
            // Until its first byte and its handshake, a connection is idle: the stop closes it at
            // once, as hyper's graceful shutdown closes an idle HTTP connection.
            let ready = tokio::select! {
                r = first_byte(stream, acceptor, limits) => r,
                _ = stopping.changed() => None,
            };
            match ready {
                Some(Ready::Plain(stream)) => {
                    serve_connection(stream, router, limits, watcher).await
                }
                Some(Ready::Tls(stream)) => {
                    serve_connection(*stream, router, limits, watcher).await
                }
                None => {}
            }
        });
    }
    // Connections still waiting for their first byte or handshake give up now.
    drop(stopping);
    drop(listener);
    let in_flight = open.load(Ordering::SeqCst);
    tracing::info!(
        connections = in_flight,
        drain_timeout_s = limits.drain_timeout.as_secs_f64(),
        "stopped accepting; letting requests in flight finish"
    );
    if tokio::time::timeout(limits.drain_timeout, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            connections = open.load(Ordering::SeqCst),
            "connections still open after the drain timeout are dropped"
        );
    }
}

/// A connection ready for HTTP: it spoke plain HTTP first, or finished its TLS handshake.
enum Ready {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
}

/// TLS or plain HTTP, as the connection's first byte says; `None` if it closed, stayed silent past
/// the header timeout, or failed or stalled its handshake (past the handshake timeout).
async fn first_byte(stream: TcpStream, acceptor: TlsAcceptor, limits: Limits) -> Option<Ready> {
    let mut first = [0u8; 1];
    match tokio::time::timeout(limits.header_timeout, stream.peek(&mut first)).await {
        Ok(Ok(1)) if first[0] == TLS_HANDSHAKE => {}
        Ok(Ok(1)) => return Some(Ready::Plain(stream)),
        _ => return None,
    }
    match tokio::time::timeout(limits.handshake_timeout, acceptor.accept(stream)).await {
        Ok(Ok(tls)) => Some(Ready::Tls(Box::new(tls))),
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "TLS handshake failed");
            None
        }
        Err(_) => {
            tracing::debug!("TLS handshake timed out");
            None
        }
    }
}

/// HTTP/1.1 over one connection (plain or TLS), with the connection's limits, watched for the stop.
async fn serve_connection<S>(
    stream: S,
    router: Router,
    limits: Limits,
    watcher: hyper_util::server::graceful::Watcher,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let io = TokioIo::new(Guarded::new(stream, limits));
    let service = TowerToHyperService::new(router);
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(io, service);
    // A connection's errors (a timeout, a reset) end that connection only.
    let _ = watcher.watch(conn).await;
}

/// Counts a connection while it lives.
struct OpenGuard(Arc<AtomicUsize>);

impl OpenGuard {
    fn new(n: Arc<AtomicUsize>) -> OpenGuard {
        n.fetch_add(1, Ordering::SeqCst);
        OpenGuard(n)
    }
}

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Logs accept failures, at most every ten seconds, saying when descriptors ran out.
#[derive(Default)]
struct FdExhaustion {
    last: Option<Instant>,
    since: u64,
    /// Read at start: with no descriptor left, `/proc/self/limits` cannot be opened.
    limit: Option<String>,
}

impl FdExhaustion {
    fn note(&mut self, e: &io::Error) {
        self.since += 1;
        if self
            .last
            .is_some_and(|t| t.elapsed() < Duration::from_secs(10))
        {
            return;
        }
        // EMFILE (the process's limit) and ENFILE (the system's).
        if matches!(e.raw_os_error(), Some(24) | Some(23)) {
            tracing::error!(
                failures = self.since,
                limit = self.limit.as_deref().unwrap_or("unknown"),
                "cannot accept connections: out of file descriptors ({e}); new connections wait \
                 until some close. Raise the limit (ulimit -n) or close idle connections"
            );
        } else {
            tracing::warn!(failures = self.since, "cannot accept a connection: {e}");
        }
        self.last = Some(Instant::now());
        self.since = 0;
    }
}

/// The process's soft limit on open files, as `/proc/self/limits` says.
fn open_files_limit() -> Option<String> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3).map(str::to_string)
}

// ---------------------------------------------------------------- one connection's IO

/// Where a connection is between requests.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// Waiting for a request's head. `head_since`: when its first byte came; `line`: bytes in the
    /// current header line (an empty line ends the head); `lines`: whether a line has ended yet.
    Head {
        head_since: Option<Instant>,
        line: usize,
        lines: bool,
    },
    /// The head is in; the application has the request (no limit of ours applies).
    Request,
}

const HEAD: Phase = Phase::Head {
    head_since: None,
    line: 0,
    lines: false,
};

/// A stream (TCP, or TLS over TCP) with the connection's timeouts, and the rewriting of hyper's
/// bodiless refusals.
struct Guarded<S> {
    inner: S,
    limits: Limits,
    phase: Phase,
    /// No request has started on this connection yet.
    first: bool,
    last_activity: Instant,
    timer: Option<Pin<Box<Sleep>>>,
    /// A refusal being written in place of hyper's: (bytes, written so far, length hyper wrote).
    rewrite: Option<(Vec<u8>, usize, usize)>,
}

impl<S> Guarded<S> {
    fn new(inner: S, limits: Limits) -> Guarded<S> {
        Guarded {
            inner,
            limits,
            phase: HEAD,
            first: true,
            last_activity: Instant::now(),
            timer: None,
            rewrite: None,
        }
    }

    /// Follow the bytes of a request head until its empty line.
    fn saw(&mut self, bytes: &[u8]) {
        self.last_activity = Instant::now();
        let Phase::Head {
            mut head_since,
            mut line,
            mut lines,
        } = self.phase
        else {
            return;
        };
        for &b in bytes {
            if head_since.is_none() {
                head_since = Some(Instant::now());
            }
            match b {
                b'\n' if line == 0 && lines => {
                    self.phase = Phase::Request;
                    self.first = false;
                    return;
                }
                b'\n' => {
                    line = 0;
                    lines = true;
                }
                b'\r' => {}
                _ => line += 1,
            }
        }
        self.phase = Phase::Head {
            head_since,
            line,
            lines,
        };
    }

    /// Set the timer to the current deadline and register the task with it: `Ready` when the
    /// deadline has passed. Called from reads and writes alike, because after a response hyper may
    /// not read again before it sleeps; the timer must still wake it to see the deadline.
    fn arm(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(deadline) = self.deadline() else {
            return Poll::Pending;
        };
        let deadline = tokio::time::Instant::from_std(deadline);
        let timer = self
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        // Activity moves the deadline later on every request; moving the timer each time would
        // cost a timer-wheel update per read and write. It only moves when it would fire too late,
        // or fires early and is then moved on.
        if timer.deadline() > deadline {
            timer.as_mut().reset(deadline);
        }
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) if tokio::time::Instant::now() < deadline => {
                timer.as_mut().reset(deadline);
                timer.as_mut().poll(cx)
            }
            other => other,
        }
    }

    /// When this connection is closed if nothing more arrives.
    fn deadline(&self) -> Option<Instant> {
        match self.phase {
            Phase::Request => None,
            Phase::Head {
                head_since: Some(t),
                ..
            } => Some(t + self.limits.header_timeout),
            Phase::Head { .. } if self.first => {
                Some(self.last_activity + self.limits.header_timeout)
            }
            Phase::Head { .. } => Some(self.last_activity + self.limits.idle_timeout),
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for Guarded<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let filled = buf.filled();
                if let Some(new) = filled.get(before..) {
                    if !new.is_empty() {
                        this.saw(new);
                    }
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => match this.arm(cx) {
                Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the client sent no complete request in time",
                ))),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Guarded<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.last_activity = Instant::now();
        if this.rewrite.is_none() {
            if let Some(replacement) = refusal(buf) {
                this.rewrite = Some((replacement, 0, buf.len()));
            }
        }
        if let Some((bytes, written, claimed)) = this.rewrite.as_mut() {
            while *written < bytes.len() {
                let rest = bytes.get(*written..).unwrap_or_default();
                match Pin::new(&mut this.inner).poll_write(cx, rest) {
                    Poll::Ready(Ok(0)) => {
                        return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                    }
                    Poll::Ready(Ok(n)) => *written += n,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => return Poll::Pending,
                }
            }
            let claimed = *claimed;
            this.rewrite = None;
            return Poll::Ready(Ok(claimed));
        }
        // A response is going out: the next request's head starts from scratch.
        this.phase = HEAD;
        let written = Pin::new(&mut this.inner).poll_write(cx, buf);
        if this.arm(cx).is_ready() {
            // Already past the deadline: have the task poll again, so a read reports it.
            cx.waker().wake_by_ref();
        }
        written
    }

    /// Vectored writes let hyper send a large body from its own buffer, after the head, instead of
    /// first copying both into one (a 1,000-rule answer is ~600 KB; issue 18). A single slice goes
    /// through `poll_write`, where hyper's refusals are recognised (they are one head, no body).
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let mut slices = bufs.iter().filter(|b| !b.is_empty());
        let (Some(first), true) = (slices.next(), slices.next().is_some()) else {
            let one = bufs
                .iter()
                .find(|b| !b.is_empty())
                .map_or(&[][..], |b| &b[..]);
            return Pin::new(this).poll_write(cx, one);
        };
        if this.rewrite.is_some() || refusal(first).is_some() {
            return Pin::new(this).poll_write(cx, first);
        }
        this.last_activity = Instant::now();
        this.phase = HEAD;
        let written = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        if this.arm(cx).is_ready() {
            cx.waker().wake_by_ref();
        }
        written
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// If `buf` is one of hyper's automatic refusals — a 400, 414 or 431 head with `content-length: 0`
/// and nothing after it, written when a request cannot be parsed (the application never answers
/// with an empty error body) — the same refusal with an Alibaba error envelope.
fn refusal(buf: &[u8]) -> Option<Vec<u8>> {
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    if head_end + 4 != buf.len() {
        return None;
    }
    let head = std::str::from_utf8(buf.get(..head_end)?).ok()?;
    let status: u16 = head.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()?;
    let lower = head.to_ascii_lowercase();
    if !lower.contains("\r\ncontent-length: 0") {
        return None;
    }
    let (request_id, info, body) = crate::products::http_refusal(status)?;
    let date = head
        .split("\r\n")
        .find(|l| l.to_ascii_lowercase().starts_with("date:"));
    let reason = axum::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    tracing::info!(
        target: "sgmock::request",
        status,
        code = %info.code,
        request_id = %request_id,
        "refused before parsing"
    );
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json;charset=utf-8\r\n\
         content-length: {}\r\nx-acs-request-id: {request_id}\r\nconnection: close\r\n",
        body.len()
    );
    if let Some(d) = date {
        out.push_str(d);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&body);
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hypers_bodiless_refusals_get_an_envelope_and_nothing_else_is_touched() {
        let r = refusal(b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: Mon, 30 Nov 2026 12:00:00 GMT\r\n\r\n").unwrap();
        let text = String::from_utf8(r).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        assert!(head.contains("\r\ndate: Mon, 30 Nov 2026 12:00:00 GMT"));
        assert!(head.contains(&format!("\r\ncontent-length: {}", body.len())));
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["Code"], "RequestHeaderFieldsTooLarge");
        // A response with a body, another status, or a body after the head: left alone.
        assert!(refusal(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 2\r\n\r\n{}").is_none());
        assert!(refusal(b"HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n").is_none());
        assert!(refusal(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").is_none());
        assert!(
            refusal(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\nHTTP/1.1").is_none()
        );
    }
}
