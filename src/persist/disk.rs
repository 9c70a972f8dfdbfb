//! The journal's and snapshots' file operations, with a seam for faults: tests make the disk full,
//! or a truncation fail, without a real small filesystem (`Config::disk_faults`).

use std::fs::File;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};

/// Faults to inject into persistence I/O. Shared with the test that holds it; changes take effect on
/// the next operation.
#[derive(Debug, Default)]
pub struct DiskFaults {
    /// Bytes that may still be written; `None` is unlimited.
    space: Mutex<Option<u64>>,
    truncate_fails: AtomicBool,
    /// Snapshot writes wait while this is set (a compaction caught in the middle).
    hold: Mutex<Hold>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct Hold {
    on: bool,
    waiting: usize,
}

impl DiskFaults {
    /// From now on only `bytes` more bytes fit: a write past them writes what fits and fails with
    /// "no space left on device", as a full disk does.
    pub fn limit_space(&self, bytes: u64) {
        *self.space.lock().unwrap_or_else(|e| e.into_inner()) = Some(bytes);
    }

    /// Space again (an operator freed some).
    pub fn unlimited(&self) {
        *self.space.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Make every truncation fail (or work again).
    pub fn fail_truncate(&self, on: bool) {
        self.truncate_fails.store(on, Ordering::SeqCst);
    }

    /// Make snapshot writes wait (`true`) until released (`false`).
    pub fn hold_snapshots(&self, on: bool) {
        self.lock_hold().on = on;
        self.changed.notify_all();
    }

    /// Block until a snapshot write is waiting on the hold.
    pub fn wait_for_held_snapshot(&self) {
        let mut h = self.lock_hold();
        while h.waiting == 0 {
            h = self.changed.wait(h).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn lock_hold(&self) -> std::sync::MutexGuard<'_, Hold> {
        self.hold.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn pass_hold(&self) {
        let mut h = self.lock_hold();
        if !h.on {
            return;
        }
        h.waiting += 1;
        self.changed.notify_all();
        while h.on {
            h = self.changed.wait(h).unwrap_or_else(|e| e.into_inner());
        }
        h.waiting -= 1;
    }
}

fn storage_full() -> io::Error {
    io::Error::new(io::ErrorKind::StorageFull, "No space left on device")
}

/// File operations through the fault seam (a no-op without faults).
#[derive(Clone, Default)]
pub struct Disk {
    faults: Option<Arc<DiskFaults>>,
}

impl Disk {
    pub fn new(faults: Option<Arc<DiskFaults>>) -> Disk {
        Disk { faults }
    }

    /// Write all of `buf`, or fail having written a prefix of it (as a full disk does).
    pub fn write_all(&self, f: &mut File, buf: &[u8]) -> io::Result<()> {
        let Some(faults) = &self.faults else {
            return f.write_all(buf);
        };
        let allowed = {
            let mut space = faults.space.lock().unwrap_or_else(|e| e.into_inner());
            match space.as_mut() {
                None => buf.len(),
                Some(left) => {
                    let n = (*left).min(buf.len() as u64);
                    *left -= n;
                    n as usize
                }
            }
        };
        let (fits, _) = buf.split_at(allowed.min(buf.len()));
        f.write_all(fits)?;
        if fits.len() < buf.len() {
            return Err(storage_full());
        }
        Ok(())
    }

    pub fn set_len(&self, f: &File, len: u64) -> io::Result<()> {
        if let Some(faults) = &self.faults {
            if faults.truncate_fails.load(Ordering::SeqCst) {
                return Err(io::Error::other("truncation refused (injected fault)"));
            }
        }
        f.set_len(len)
    }

    /// A writer over `f` through the seam (for streaming a snapshot).
    pub fn writer<'a>(&'a self, f: &'a mut File) -> DiskWriter<'a> {
        DiskWriter {
            disk: self,
            file: f,
        }
    }
}

/// `Write` over a file through the fault seam.
pub struct DiskWriter<'a> {
    disk: &'a Disk,
    file: &'a mut File,
}

impl Write for DiskWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(faults) = &self.disk.faults {
            faults.pass_hold();
        }
        self.disk.write_all(self.file, buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}
