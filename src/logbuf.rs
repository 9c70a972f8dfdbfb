//! The log's writer: lines are gathered in memory and written to stderr by a background thread,
//! in batches, instead of one `write` system call per line on the request's thread.
//!
//! Measured (issue 18, the server pinned to one core): one `write` per request line cost Authorize
//! 4 % of its requests/s with the log in a file and 7 % with it on `/dev/null`. Request lines are
//! also formatted here ([`request_line`]), without tracing's machinery. Nothing is dropped: past
//! [`MAX_PENDING`] bytes waiting, a writer waits for the background thread (the old behaviour: a
//! slow stderr slows the server). Lines reach stderr within [`FLUSH_EVERY`], and
//! [`LogBuffer::flush`] writes what is pending (the server calls it before it exits).

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError};
use std::time::Duration;

/// How long a line may wait in memory.
pub const FLUSH_EVERY: Duration = Duration::from_millis(50);
/// Bytes waiting that wake the writer thread at once.
const WAKE_AT: usize = 64 * 1024;
/// Bytes waiting past which a writer blocks until they are written.
pub const MAX_PENDING: usize = 8 * 1024 * 1024;

#[derive(Default)]
struct Pending {
    bytes: Vec<u8>,
    /// Batches taken by the writer thread; a waiting flush returns once its bytes are in one.
    taken: u64,
    written: u64,
}

/// The shared buffer; tracing's formatter reaches it through a [`LogBufferHandle`].
pub struct LogBuffer {
    pending: Mutex<Pending>,
    /// The writer thread waits on it for bytes; writers and flushes wait on it for a batch written.
    changed: Condvar,
}

impl LogBuffer {
    /// A buffer whose thread writes to `out` (stderr in the server, a pipe or file in tests).
    pub fn start(mut out: Box<dyn Write + Send>) -> Arc<LogBuffer> {
        let buf = Arc::new(LogBuffer {
            pending: Mutex::new(Pending::default()),
            changed: Condvar::new(),
        });
        let me = buf.clone();
        let spawned = std::thread::Builder::new()
            .name("sgmock-log".into())
            .spawn(move || loop {
                let (batch, number) = {
                    let mut p = me.lock();
                    while p.bytes.is_empty() {
                        p = me
                            .changed
                            .wait_timeout(p, FLUSH_EVERY)
                            .unwrap_or_else(PoisonError::into_inner)
                            .0;
                    }
                    if p.bytes.len() < WAKE_AT {
                        // Let a few more lines join the batch.
                        p = me
                            .changed
                            .wait_timeout(p, FLUSH_EVERY)
                            .unwrap_or_else(PoisonError::into_inner)
                            .0;
                    }
                    p.taken += 1;
                    (std::mem::take(&mut p.bytes), p.taken)
                };
                // A log that cannot be written is not a reason to stop serving.
                let _ = out.write_all(&batch).and_then(|()| out.flush());
                me.lock().written = number;
                me.changed.notify_all();
            });
        if spawned.is_err() {
            // No thread: `write` writes each line straight to stderr.
            buf.lock().taken = u64::MAX;
        }
        buf
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queue one formatted line (or several).
    pub fn write(&self, line: &[u8]) {
        let mut p = self.lock();
        if p.taken == u64::MAX {
            drop(p);
            let _ = std::io::stderr().write_all(line);
            return;
        }
        while p.bytes.len() > MAX_PENDING {
            p = self.changed.wait(p).unwrap_or_else(PoisonError::into_inner);
        }
        p.bytes.extend_from_slice(line);
        if p.bytes.len() >= WAKE_AT {
            self.changed.notify_all();
        }
    }

    /// Wait until everything queued so far is written (bounded: a stuck stderr cannot hold the
    /// exit for more than a few seconds).
    pub fn flush(&self) {
        let mut p = self.lock();
        if p.taken == u64::MAX {
            return;
        }
        let target = if p.bytes.is_empty() {
            p.taken
        } else {
            p.taken + 1
        };
        self.changed.notify_all();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while p.written < target {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return;
            }
            p = self
                .changed
                .wait_timeout(p, left.min(FLUSH_EVERY))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

/// What tracing's formatter writes one event into: the line is queued when it is dropped (the
/// formatter writes each event whole, then drops its writer).
pub struct LineWriter {
    buf: Arc<LogBuffer>,
    line: Vec<u8>,
}

impl Write for LineWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.line.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LineWriter {
    fn drop(&mut self) {
        if !self.line.is_empty() {
            self.buf.write(&self.line);
        }
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogBufferHandle {
    type Writer = LineWriter;

    fn make_writer(&'a self) -> LineWriter {
        LineWriter {
            buf: self.0.clone(),
            line: Vec::new(),
        }
    }
}

/// The handle tracing's formatter holds.
#[derive(Clone)]
pub struct LogBufferHandle(pub Arc<LogBuffer>);

/// The binary's log, once installed: where request lines go and in which format. The library
/// (embedded servers, `TestServer`) installs none and leaves every line to `tracing`.
struct Installed {
    buf: Arc<LogBuffer>,
    json: bool,
}

static INSTALLED: OnceLock<Installed> = OnceLock::new();

/// Write request lines ourselves, into `buf`, as tracing-subscriber's plain-text (`json: false`)
/// or JSON formatter would (not for a terminal's coloured lines: leave those to tracing).
pub fn install(buf: Arc<LogBuffer>, json: bool) {
    let _ = INSTALLED.set(Installed { buf, json });
}

/// One request's log line: the fields of the `sgmock::request` event, in its order.
pub struct RequestLine<'a> {
    pub product: &'a str,
    pub action: &'a str,
    pub account: &'a str,
    pub status: u16,
    pub code: &'a str,
    pub latency_us: u64,
    pub request_id: &'a str,
}

/// Write `line` the way tracing-subscriber formats the event
/// `info!(target: "sgmock::request", product, action = %…, account = %…, status, code, latency_us,
/// request_id = %…)` — byte for byte but the clock (the test below holds the two side by side) —
/// without its formatting machinery: that was ~12k instructions of every call (issue 18). False
/// when no log is installed or the line is filtered out: the caller then emits the event.
pub fn request_line(line: &RequestLine) -> bool {
    let Some(log) = INSTALLED.get() else {
        return false;
    };
    if !tracing::enabled!(target: "sgmock::request", tracing::Level::INFO) {
        return true;
    }
    let mut out = Vec::with_capacity(192);
    if log.json {
        json_line(&mut out, line, now());
    } else {
        text_line(&mut out, line, now());
    }
    log.buf.write(&out);
    true
}

fn now() -> (i64, u32) {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    (t.as_secs() as i64, t.subsec_micros())
}

/// `2026-11-30T15:19:21.822226Z`, tracing-subscriber's timestamp.
fn timestamp(out: &mut Vec<u8>, (secs, micros): (i64, u32)) {
    crate::timefmt::Iso(secs).push_to(out);
    if out.last() == Some(&b'Z') {
        out.pop();
    }
    out.push(b'.');
    let digits = itoa::Buffer::new().format(micros).len();
    out.extend(std::iter::repeat_n(b'0', 6usize.saturating_sub(digits)));
    out.extend_from_slice(itoa::Buffer::new().format(micros).as_bytes());
    out.push(b'Z');
}

/// A `&str` as `{:?}` writes it: quoted as is when it is printable ASCII without `"` or `\`.
fn debug_str(out: &mut Vec<u8>, s: &str) {
    if s.bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
    {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(format!("{s:?}").as_bytes());
    }
}

fn text_line(out: &mut Vec<u8>, l: &RequestLine, at: (i64, u32)) {
    let mut n = itoa::Buffer::new();
    timestamp(out, at);
    out.extend_from_slice(b"  INFO sgmock::request: product=");
    debug_str(out, l.product);
    out.extend_from_slice(b" action=");
    out.extend_from_slice(l.action.as_bytes());
    out.extend_from_slice(b" account=");
    out.extend_from_slice(l.account.as_bytes());
    out.extend_from_slice(b" status=");
    out.extend_from_slice(n.format(l.status).as_bytes());
    out.extend_from_slice(b" code=");
    debug_str(out, l.code);
    out.extend_from_slice(b" latency_us=");
    out.extend_from_slice(n.format(l.latency_us).as_bytes());
    out.extend_from_slice(b" request_id=");
    out.extend_from_slice(l.request_id.as_bytes());
    out.push(b'\n');
}

fn json_line(out: &mut Vec<u8>, l: &RequestLine, at: (i64, u32)) {
    use crate::products::json::push_str;
    let mut n = itoa::Buffer::new();
    out.extend_from_slice(b"{\"timestamp\":\"");
    timestamp(out, at);
    out.extend_from_slice(b"\",\"level\":\"INFO\",\"fields\":{\"product\":");
    push_str(out, l.product);
    out.extend_from_slice(b",\"action\":");
    push_str(out, l.action);
    out.extend_from_slice(b",\"account\":");
    push_str(out, l.account);
    out.extend_from_slice(b",\"status\":");
    out.extend_from_slice(n.format(l.status).as_bytes());
    out.extend_from_slice(b",\"code\":");
    push_str(out, l.code);
    out.extend_from_slice(b",\"latency_us\":");
    out.extend_from_slice(n.format(l.latency_us).as_bytes());
    out.extend_from_slice(b",\"request_id\":");
    push_str(out, l.request_id);
    out.extend_from_slice(b"},\"target\":\"sgmock::request\"}\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `Write` that keeps what it got, shared with the test.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_line_arrives_whole_and_in_order_after_a_flush() {
        let sink = Sink::default();
        let buf = LogBuffer::start(Box::new(sink.clone()));
        let handle = LogBufferHandle(buf.clone());
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let handle = handle.clone();
                std::thread::spawn(move || {
                    for i in 0..5000 {
                        use tracing_subscriber::fmt::MakeWriter;
                        let mut w = handle.make_writer();
                        writeln!(w, "thread {t} line {i}").unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        buf.flush();
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 20_000);
        for t in 0..4 {
            let mine: Vec<&str> = lines
                .iter()
                .copied()
                .filter(|l| l.starts_with(&format!("thread {t} ")))
                .collect();
            let expected: Vec<String> = (0..5000).map(|i| format!("thread {t} line {i}")).collect();
            assert_eq!(mine, expected);
        }
    }

    /// tracing-subscriber's own formatting of the same event: the oracle for `text_line` and
    /// `json_line`, with its timestamp swapped for ours.
    fn tracing_line(json: bool, l: &RequestLine) -> String {
        let sink = Sink::default();
        let out = sink.clone();
        let make = move || out.clone();
        let dispatch: tracing::Dispatch = if json {
            tracing_subscriber::fmt()
                .with_writer(make)
                .with_ansi(false)
                .json()
                .finish()
                .into()
        } else {
            tracing_subscriber::fmt()
                .with_writer(make)
                .with_ansi(false)
                .finish()
                .into()
        };
        tracing::dispatcher::with_default(&dispatch, || {
            tracing::info!(
                target: "sgmock::request",
                product = l.product,
                action = %l.action,
                account = %l.account,
                status = l.status,
                code = l.code,
                latency_us = l.latency_us,
                request_id = %l.request_id,
            );
        });
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        // The timestamp is the first 27 characters of a text line, and of a JSON line's
        // "timestamp" value.
        match text.find("\"timestamp\":\"") {
            Some(i) if json => {
                let start = i + "\"timestamp\":\"".len();
                format!(
                    "{}2026-11-30T15:19:21.000042Z{}",
                    &text[..start],
                    &text[start + 27..]
                )
            }
            _ => format!("2026-11-30T15:19:21.000042Z{}", &text[27..]),
        }
    }

    #[test]
    fn request_lines_match_tracing_subscribers_byte_for_byte() {
        let at = (1_796_051_961, 42);
        for l in [
            RequestLine {
                product: "Ecs",
                action: "AuthorizeSecurityGroup",
                account: "1234567890123456",
                status: 200,
                code: "",
                latency_us: 11,
                request_id: "6C003063-70AE-4552-8813-9108C52E4E2E",
            },
            RequestLine {
                product: "-",
                action: "Odd \"action\" \\ 中文\ttab",
                account: "",
                status: 404,
                code: "InvalidSecurityGroup.NotFound",
                latency_us: 1_234_567,
                request_id: "X",
            },
            RequestLine {
                product: "Ens",
                action: "",
                account: "acc",
                status: 400,
                code: "Weird\u{1}\"code\"",
                latency_us: 0,
                request_id: "",
            },
        ] {
            for json in [false, true] {
                let mut ours = Vec::new();
                if json {
                    json_line(&mut ours, &l, at);
                } else {
                    text_line(&mut ours, &l, at);
                }
                assert_eq!(
                    String::from_utf8(ours).unwrap(),
                    tracing_line(json, &l),
                    "json: {json}"
                );
            }
        }
    }
}
