//! Durable state: a snapshot file plus an append-only journal beside it (`PATH` and `PATH.journal`).
//!
//! Every request's events are one JSON line, written (and with `--fsync`, fsynced) before the request
//! is answered: a write to the OS survives `kill -9`, an fsync also survives power loss. When the
//! journal passes a size the state is snapshotted (write a temporary file, fsync, rename over `PATH`)
//! and the journal truncated; records carry a sequence number, and the snapshot the last one it
//! includes, so a crash between the two replays nothing twice. On start the snapshot is loaded, the
//! journal replayed, and a torn last record (a crash mid-write) skipped with a warning and cut off.

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::doc::{self, EventDoc, StateDoc};
use crate::domain::store::{Clock, Event, Limits, Sink, State};

/// Compact when the journal is larger than this.
pub const DEFAULT_COMPACT_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Serialize, Deserialize)]
struct Record {
    seq: u64,
    events: Vec<EventDoc>,
}

/// What a journal needs to rebuild a state.
#[derive(Clone)]
pub struct Options {
    pub fsync: bool,
    pub compact_bytes: u64,
    pub limits: Limits,
    pub seed: Option<u64>,
    pub clock: Clock,
}

pub struct Journal {
    snapshot: PathBuf,
    log: PathBuf,
    file: File,
    seq: u64,
    bytes: u64,
    opts: Options,
}

fn journal_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".journal");
    PathBuf::from(p)
}

fn err(what: &str, path: &Path, e: impl std::fmt::Display) -> String {
    format!("{what} {}: {e}", path.display())
}

/// Load the snapshot (if any) and replay the journal (if any). Returns the state, the last sequence
/// number, and the length of the journal's good prefix.
fn load(snapshot: &Path, log: &Path, opts: &Options) -> Result<(State, u64, u64), String> {
    let now = (opts.clock)();
    let (mut state, mut seq) = match fs::read(snapshot) {
        Ok(bytes) => {
            let d: StateDoc = serde_json::from_slice(&bytes)
                .map_err(|e| err("cannot read snapshot", snapshot, e))?;
            let s = doc::from_doc(&d, opts.limits, opts.seed, now)
                .map_err(|e| err("invalid snapshot", snapshot, e))?;
            (s, d.journal_seq.unwrap_or(0))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            (State::new(opts.limits, opts.seed), 0)
        }
        Err(e) => return Err(err("cannot read snapshot", snapshot, e)),
    };
    let mut good = 0u64;
    match File::open(log) {
        Ok(f) => {
            let mut reader = BufReader::new(f);
            let mut line = Vec::new();
            loop {
                line.clear();
                let n = reader
                    .read_until(b'\n', &mut line)
                    .map_err(|e| err("cannot read journal", log, e))?;
                if n == 0 {
                    break;
                }
                let complete = line.last() == Some(&b'\n');
                let record = if complete {
                    serde_json::from_slice::<Record>(&line).ok()
                } else {
                    None
                };
                let Some(record) = record else {
                    // Only the last record can be torn (the journal is append-only): stop here, and
                    // the file is cut back to the good prefix below.
                    tracing::warn!(journal = %log.display(), offset = good, "skipping a torn last journal record");
                    break;
                };
                good += n as u64;
                if record.seq <= seq {
                    continue;
                }
                seq = record.seq;
                for e in &record.events {
                    let event = doc::event_from(e, now)
                        .map_err(|m| err("invalid journal record", log, m))?;
                    state.apply(event);
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(err("cannot read journal", log, e)),
    }
    Ok((state, seq, good))
}

impl Journal {
    /// Open (or create) the state at `path`: the loaded state, and the journal to attach to it.
    pub fn open(path: &Path, opts: Options) -> Result<(Journal, State), String> {
        let snapshot = path.to_path_buf();
        let log = journal_path(path);
        let (mut state, seq, good) = load(&snapshot, &log, &opts)?;
        state.set_clock(opts.clock.clone());
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .map_err(|e| err("cannot open journal", &log, e))?;
        // Cut a torn tail off, so the next record starts on a line of its own.
        file.set_len(good)
            .map_err(|e| err("cannot truncate journal", &log, e))?;
        Ok((
            Journal {
                snapshot,
                log,
                file,
                seq,
                bytes: good,
                opts,
            },
            state,
        ))
    }
}

impl Sink for Journal {
    fn append(&mut self, events: &[Event]) -> Result<(), String> {
        let record = Record {
            seq: self.seq + 1,
            events: events.iter().map(doc::event_doc).collect(),
        };
        let mut line = serde_json::to_vec(&record).map_err(|e| e.to_string())?;
        line.push(b'\n');
        self.file
            .write_all(&line)
            .map_err(|e| err("cannot write journal", &self.log, e))?;
        if self.opts.fsync {
            self.file
                .sync_data()
                .map_err(|e| err("cannot fsync journal", &self.log, e))?;
        }
        self.seq += 1;
        self.bytes += line.len() as u64;
        Ok(())
    }

    fn wants_snapshot(&self) -> bool {
        self.bytes > self.opts.compact_bytes
    }

    fn snapshot(&mut self, state: &State) -> Result<(), String> {
        let mut d = doc::to_doc(state);
        d.journal_seq = Some(self.seq);
        let bytes = serde_json::to_vec(&d).map_err(|e| e.to_string())?;
        let mut tmp = self.snapshot.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let mut f = File::create(&tmp).map_err(|e| err("cannot write snapshot", &tmp, e))?;
        f.write_all(&bytes)
            .map_err(|e| err("cannot write snapshot", &tmp, e))?;
        f.sync_all()
            .map_err(|e| err("cannot fsync snapshot", &tmp, e))?;
        fs::rename(&tmp, &self.snapshot)
            .map_err(|e| err("cannot rename snapshot", &self.snapshot, e))?;
        if let Some(dir) = self.snapshot.parent().filter(|d| !d.as_os_str().is_empty()) {
            // Make the rename itself durable; some filesystems refuse to fsync a directory.
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        // Everything up to `seq` is in the snapshot now.
        self.file
            .set_len(0)
            .map_err(|e| err("cannot truncate journal", &self.log, e))?;
        if self.opts.fsync {
            self.file
                .sync_all()
                .map_err(|e| err("cannot fsync journal", &self.log, e))?;
        }
        self.bytes = 0;
        Ok(())
    }

    fn reload(&mut self) -> Result<State, String> {
        let (mut state, seq, good) = load(&self.snapshot, &self.log, &self.opts)?;
        state.set_clock(self.opts.clock.clone());
        self.seq = seq;
        self.bytes = good;
        self.file
            .set_len(good)
            .map_err(|e| err("cannot truncate journal", &self.log, e))?;
        Ok(state)
    }
}
