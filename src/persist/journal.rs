//! Durable state: a snapshot file plus an append-only journal beside it (`PATH` and `PATH.journal`).
//!
//! Every request's events are one JSON line, written (and with `--fsync`, fsynced) before the request
//! is answered: a write to the OS survives `kill -9`, an fsync also survives power loss. A line that
//! cannot be written whole is cut off again, so the journal only ever holds whole records.
//!
//! When the journal passes a size it is compacted on a thread of its own, off the state's lock: a
//! cheap copy of the state (groups are shared) is written to `PATH.compact.tmp`, fsynced and renamed
//! over `PATH`; then the records written meanwhile are moved into a fresh journal (`PATH.journal.tmp`,
//! renamed over `PATH.journal`). Records carry a sequence number and the snapshot the last one it
//! includes, so a crash between any two steps replays nothing twice and loses nothing; a failed step
//! removes its temporary file.
//!
//! On start: one process per state file (an exclusive lock on `PATH.lock`); the snapshot is loaded
//! and the journal replayed. Only an incomplete last line (a crash mid-write) is skipped and cut off.
//! Any other damage stops the start with the file, line and byte offset, changing no file, unless
//! `--recover-journal` says to keep a copy of the journal and cut it before the damage.

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::disk::{Disk, DiskFaults};
use super::doc;
use super::error::{PersistError, RecordError};
use super::events::{self, decode, encode, Record};
use super::read;
use crate::domain::store::{Clock, Compaction, Event, Limits, Sink, SinkError, State};

/// Compact when the journal is larger than this.
pub const DEFAULT_COMPACT_BYTES: u64 = 64 * 1024 * 1024;

/// After a failed compaction (a full disk, say), wait this long before trying again.
const RETRY_COMPACTION: Duration = Duration::from_secs(10);

/// What a journal needs to rebuild a state.
#[derive(Clone)]
pub struct Options {
    pub fsync: bool,
    pub compact_bytes: u64,
    pub limits: Limits,
    pub seed: Option<u64>,
    pub clock: Clock,
    /// Start despite a damaged journal record: copy the journal aside, cut it before the damage.
    pub recover: bool,
    /// Injected I/O faults (tests).
    pub faults: Option<Arc<DiskFaults>>,
}

/// The files of one state.
#[derive(Clone)]
struct Paths {
    snapshot: PathBuf,
    log: PathBuf,
    lock: PathBuf,
    /// A snapshot being written synchronously (state import, shutdown).
    tmp: PathBuf,
    /// A snapshot being written by a background compaction.
    compact_tmp: PathBuf,
    /// The journal's newest records, being moved into a fresh journal.
    log_tmp: PathBuf,
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

impl Paths {
    fn new(path: &Path) -> Paths {
        Paths {
            snapshot: path.to_path_buf(),
            log: with_suffix(path, ".journal"),
            lock: with_suffix(path, ".lock"),
            tmp: with_suffix(path, ".tmp"),
            compact_tmp: with_suffix(path, ".compact.tmp"),
            log_tmp: with_suffix(path, ".journal.tmp"),
        }
    }
}

fn err(action: &'static str, path: &Path, e: std::io::Error) -> PersistError {
    PersistError::io(action, path, e)
}

/// The journal file and what is known about it; shared with a running compaction, which swaps the
/// file when it moves the newest records into a fresh journal.
struct Files {
    file: File,
    /// The last record written.
    seq: u64,
    /// Length of the journal's whole records.
    bytes: u64,
    /// A failed write may have left part of a record past `bytes`: cut it off before the next one.
    dirty: bool,
    /// Bumped by every synchronous snapshot: a compaction that started before one is stale.
    generation: u64,
}

pub struct Journal {
    paths: Paths,
    opts: Options,
    disk: Disk,
    files: Arc<Mutex<Files>>,
    compacting: Arc<AtomicBool>,
    retry_at: Arc<Mutex<Option<Instant>>>,
    /// Held for the journal's life: one process per state file.
    _lock: File,
}

fn lock(files: &Mutex<Files>) -> MutexGuard<'_, Files> {
    files.lock().unwrap_or_else(|e| e.into_inner())
}

/// A complete journal line that cannot be replayed.
struct Damage {
    line: u64,
    offset: u64,
    why: RecordError,
}

struct Loaded {
    state: State,
    seq: u64,
    /// Length of the journal's replayed records (where a torn tail or the damage starts).
    good: u64,
    /// Length of the journal file.
    len: u64,
    damage: Option<Damage>,
}

/// Load the snapshot (if any) and replay the journal (if any), stopping at the first damaged record.
fn load(paths: &Paths, opts: &Options) -> Result<Loaded, PersistError> {
    let now = (opts.clock)();
    let (mut state, snapshot_seq) = match fs::read(&paths.snapshot) {
        Ok(bytes) if bytes.is_empty() => {
            // Not a torn snapshot (snapshots are renamed into place whole): someone's empty file.
            return Err(PersistError::EmptySnapshot(paths.snapshot.clone()));
        }
        Ok(bytes) => {
            let read = read::read_state(&bytes, opts.limits, opts.seed, now).map_err(|source| {
                PersistError::Snapshot {
                    path: paths.snapshot.clone(),
                    source: Box::new(source),
                }
            })?;
            (read.state, read.journal_seq.unwrap_or(0))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            (State::new(opts.limits, opts.seed), 0)
        }
        Err(e) => return Err(err("cannot read snapshot", &paths.snapshot, e)),
    };
    let mut seq = snapshot_seq;
    let mut good = 0u64;
    let mut len = 0u64;
    let mut damage = None;
    let f = match File::open(&paths.log) {
        Ok(f) => Some(f),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(err("cannot read journal", &paths.log, e)),
    };
    if let Some(f) = f {
        let mut reader = BufReader::with_capacity(1 << 20, f);
        let mut line = Vec::new();
        let mut number = 0u64;
        let mut last_seen = 0u64;
        loop {
            line.clear();
            let n = reader
                .read_until(b'\n', &mut line)
                .map_err(|e| err("cannot read journal", &paths.log, e))?;
            if n == 0 {
                break;
            }
            number += 1;
            len += n as u64;
            if line.last() != Some(&b'\n') {
                // The last line, unfinished: a crash in the middle of writing it. It was never
                // acknowledged (a request is answered after its whole line is written).
                break;
            }
            let replayed = (|| -> Result<(), RecordError> {
                let record = decode(&line)?;
                if record.seq <= last_seen {
                    return Err(RecordError::OutOfOrder {
                        seq: record.seq,
                        last: last_seen,
                    });
                }
                last_seen = record.seq;
                if record.seq <= seq {
                    // Already in the snapshot.
                    return Ok(());
                }
                if record.seq != seq + 1 {
                    return Err(RecordError::Missing {
                        seq: record.seq,
                        after: seq,
                    });
                }
                let events = record
                    .events
                    .iter()
                    .map(|e| events::event_from(e, now))
                    .collect::<Result<Vec<Event>, _>>()?;
                for event in events {
                    state.apply(event);
                }
                seq = record.seq;
                Ok(())
            })();
            if let Err(why) = replayed {
                damage = Some(Damage {
                    line: number,
                    offset: good,
                    why,
                });
                // Count the rest of the file, for the message.
                let mut rest = Vec::new();
                len += reader
                    .read_to_end(&mut rest)
                    .map_err(|e| err("cannot read journal", &paths.log, e))?
                    as u64;
                break;
            }
            good += n as u64;
        }
    }
    state.set_clock(opts.clock.clone());
    Ok(Loaded {
        state,
        seq,
        good,
        len,
        damage,
    })
}

/// Take the state's lock file, or say which process-wide lock is held.
fn take_lock(paths: &Paths) -> Result<File, PersistError> {
    let f = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&paths.lock)
        .map_err(|e| err("cannot create lock file", &paths.lock, e))?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(fs::TryLockError::WouldBlock) => Err(PersistError::Locked {
            state: paths.snapshot.clone(),
            lock: paths.lock.clone(),
        }),
        Err(fs::TryLockError::Error(e)) => Err(err("cannot lock", &paths.lock, e)),
    }
}

/// Make a rename durable; some filesystems refuse to fsync a directory, which is not an error.
fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

/// Write `tmp` through `fill`, and fsync it; on any failure remove it again (a partial temporary
/// file on a full disk would keep the disk full).
fn write_tmp(
    disk: &Disk,
    tmp: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), PersistError> {
    let written = (|| -> std::io::Result<()> {
        let mut f = File::create(tmp)?;
        {
            let mut w = BufWriter::with_capacity(1 << 20, disk.writer(&mut f));
            fill(&mut w)?;
            w.flush()?;
        }
        f.sync_all()
    })();
    written.map_err(|e| {
        let _ = fs::remove_file(tmp);
        err("cannot write", tmp, e)
    })
}

/// Rename a written temporary file over `target`, durably; remove it if that fails.
fn commit(tmp: &Path, target: &Path) -> Result<(), PersistError> {
    fs::rename(tmp, target).map_err(|e| {
        let _ = fs::remove_file(tmp);
        err("cannot rename over", target, e)
    })?;
    sync_dir(target);
    Ok(())
}

fn write_snapshot(
    disk: &Disk,
    tmp: &Path,
    state: &crate::domain::store::Frozen,
    seq: u64,
) -> Result<(), PersistError> {
    write_tmp(disk, tmp, |w| {
        doc::write_doc(w, state, Some(seq)).map_err(std::io::Error::other)
    })
}

impl Journal {
    /// Open (or create) the state at `path`: the loaded state, and the journal to attach to it.
    pub fn open(path: &Path, opts: Options) -> Result<(Journal, State), PersistError> {
        let paths = Paths::new(path);
        let lock_file = take_lock(&paths)?;
        let disk = Disk::new(opts.faults.clone());
        let mut loaded = load(&paths, &opts)?;
        let mut good = loaded.good;
        let damaged = loaded.damage.is_some();
        if let Some(d) = loaded.damage.take() {
            let at = format!(
                "journal {} is damaged at line {} (byte offset {}): {}",
                paths.log.display(),
                d.line,
                d.offset,
                d.why
            );
            if !opts.recover {
                return Err(PersistError::Damaged {
                    path: paths.log.clone(),
                    line: d.line,
                    offset: d.offset,
                    following: loaded.len - d.offset,
                    before: d.line - 1,
                    why: Box::new(d.why),
                });
            }
            let backup = with_suffix(&paths.log, &format!(".damaged-{}", (opts.clock)()));
            fs::copy(&paths.log, &backup)
                .and_then(|_| File::open(&backup)?.sync_all())
                .map_err(|e| err("cannot keep a copy of the damaged journal at", &backup, e))?;
            tracing::warn!(backup = %backup.display(), "{at}; --recover-journal: the journal was copied and is cut before the damage");
            good = d.offset;
        }
        // Temporary files are never authoritative (a rename commits them): left by a crash, they
        // are removed so they cannot keep a full disk full.
        for tmp in [&paths.tmp, &paths.compact_tmp, &paths.log_tmp] {
            if tmp.exists() {
                tracing::warn!(file = %tmp.display(), "removing a temporary file left by an interrupted snapshot");
                fs::remove_file(tmp).map_err(|e| err("cannot remove", tmp, e))?;
            }
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&paths.log)
            .map_err(|e| err("cannot open journal", &paths.log, e))?;
        if loaded.len > good {
            if !damaged {
                tracing::warn!(journal = %paths.log.display(), offset = good, "skipping an unfinished last journal record (a crash while it was written)");
            }
            // Cut it off, so the next record starts on a line of its own.
            disk.set_len(&file, good)
                .map_err(|e| err("cannot truncate journal", &paths.log, e))?;
        }
        let journal = Journal {
            paths,
            disk,
            files: Arc::new(Mutex::new(Files {
                file,
                seq: loaded.seq,
                bytes: good,
                dirty: false,
                generation: 0,
            })),
            compacting: Arc::new(AtomicBool::new(false)),
            retry_at: Arc::new(Mutex::new(None)),
            opts,
            _lock: lock_file,
        };
        Ok((journal, loaded.state))
    }
}

/// The background compaction: snapshot `frozen` (which includes records up to `seq`, the journal's
/// first `cut` bytes), then move the journal's newer records into a fresh journal. `Ok(false)` when
/// a synchronous snapshot made it stale.
fn compact(
    paths: &Paths,
    disk: &Disk,
    files: &Mutex<Files>,
    frozen: &crate::domain::store::Frozen,
    seq: u64,
    cut: u64,
    generation: u64,
) -> Result<bool, PersistError> {
    write_snapshot(disk, &paths.compact_tmp, frozen, seq)?;
    let mut f = lock(files);
    if f.generation != generation {
        let _ = fs::remove_file(&paths.compact_tmp);
        return Ok(false);
    }
    commit(&paths.compact_tmp, &paths.snapshot)?;
    // The snapshot holds records up to `seq` now; the journal may keep them (they are skipped on
    // load) until the newer ones are in a journal of their own.
    let tail = f.bytes.saturating_sub(cut);
    let moved = (|| -> std::io::Result<File> {
        let mut src = File::open(&paths.log)?;
        src.seek(SeekFrom::Start(cut))?;
        let mut buf = Vec::new();
        src.take(tail).read_to_end(&mut buf)?;
        if buf.len() as u64 != tail {
            return Err(std::io::Error::other(
                "the journal is shorter than expected",
            ));
        }
        let mut out = File::create(&paths.log_tmp)?;
        disk.write_all(&mut out, &buf)?;
        out.sync_all()?;
        Ok(out)
    })();
    if let Err(e) = moved {
        let _ = fs::remove_file(&paths.log_tmp);
        return Err(err("cannot write", &paths.log_tmp, e));
    }
    commit(&paths.log_tmp, &paths.log)?;
    let file = OpenOptions::new()
        .append(true)
        .open(&paths.log)
        .map_err(|e| err("cannot reopen journal", &paths.log, e))?;
    f.file = file;
    f.bytes = tail;
    f.dirty = false;
    Ok(true)
}

impl Sink for Journal {
    fn append(&mut self, events: &[Event]) -> Result<(), SinkError> {
        let mut guard = lock(&self.files);
        let f = &mut *guard;
        let line = encode(&Record::new(
            f.seq + 1,
            events.iter().map(events::event_doc).collect(),
        ))
        .map_err(PersistError::Encode)?;
        if f.dirty {
            self.disk.set_len(&f.file, f.bytes).map_err(|e| {
                err(
                    "cannot cut a failed write off the journal (no write is possible until it is)",
                    &self.paths.log,
                    e,
                )
            })?;
            f.dirty = false;
        }
        let written = self.disk.write_all(&mut f.file, &line).and_then(|()| {
            if self.opts.fsync {
                f.file.sync_data()
            } else {
                Ok(())
            }
        });
        if let Err(e) = written {
            // Whatever part of the record reached the file is cut off again, so the journal holds
            // whole records only; if even that fails, the next write tries first.
            f.dirty = self.disk.set_len(&f.file, f.bytes).is_err();
            return Err(err("cannot write journal", &self.paths.log, e).into());
        }
        f.seq += 1;
        f.bytes += line.len() as u64;
        Ok(())
    }

    fn compaction(&mut self, state: &State) -> Option<Compaction> {
        let (seq, cut, generation) = {
            let f = lock(&self.files);
            if f.bytes <= self.opts.compact_bytes {
                return None;
            }
            (f.seq, f.bytes, f.generation)
        };
        let now = Instant::now();
        {
            let retry_at = self.retry_at.lock().unwrap_or_else(|e| e.into_inner());
            if retry_at.is_some_and(|t| now < t) {
                return None;
            }
        }
        if self.compacting.swap(true, Ordering::SeqCst) {
            return None;
        }
        let frozen = state.freeze();
        let paths = self.paths.clone();
        let disk = self.disk.clone();
        let files = self.files.clone();
        let compacting = self.compacting.clone();
        let retry_at = self.retry_at.clone();
        Some(Box::new(move || {
            let started = Instant::now();
            match compact(&paths, &disk, &files, &frozen, seq, cut, generation) {
                Ok(done) => {
                    tracing::info!(
                        journal_seq = seq,
                        ms = started.elapsed().as_millis() as u64,
                        superseded = !done,
                        "compacted the journal into a snapshot"
                    );
                    *retry_at.lock().unwrap_or_else(|e| e.into_inner()) = None;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "could not compact the journal (it still holds every write); retrying later");
                    *retry_at.lock().unwrap_or_else(|e| e.into_inner()) =
                        Some(Instant::now() + RETRY_COMPACTION);
                }
            }
            drop(frozen);
            compacting.store(false, Ordering::SeqCst);
        }))
    }

    fn snapshot(&mut self, state: &State) -> Result<(), SinkError> {
        let frozen = state.freeze();
        let mut f = lock(&self.files);
        write_snapshot(&self.disk, &self.paths.tmp, &frozen, f.seq)?;
        commit(&self.paths.tmp, &self.paths.snapshot)?;
        f.generation += 1;
        // Everything up to `seq` is in the snapshot now; if the journal cannot be emptied its
        // records are skipped on load, so that is not an error.
        match self.disk.set_len(&f.file, 0) {
            Ok(()) => {
                f.bytes = 0;
                f.dirty = false;
                if self.opts.fsync {
                    let _ = f.file.sync_all();
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, journal = %self.paths.log.display(), "could not empty the journal after a snapshot")
            }
        }
        Ok(())
    }
}
