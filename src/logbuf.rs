//! The log's writer: lines are gathered in memory and written to stderr by a background thread,
//! in batches, instead of one `write` system call per line on the request's thread.
//!
//! Measured (issue 18, the server pinned to one core): writing each request's line straight to a
//! file cost ~7 µs per call, more than the rest of an Authorize; batched, the line costs its
//! formatting only. Nothing is dropped: past [`MAX_PENDING`] bytes waiting, a writer waits for the
//! background thread (the old behaviour: a slow stderr slows the server). Lines reach stderr within
//! [`FLUSH_EVERY`], and [`LogBuffer::flush`] writes what is pending (the server calls it before it
//! exits).

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
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
            // No thread: `write` below writes through (see `through`).
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
}
