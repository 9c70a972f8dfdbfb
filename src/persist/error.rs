//! Typed errors of persistence: what is wrong with a state document, a journal record, or the files
//! of a state. Their messages are what a user reads when a start stops (docs/architecture.md,
//! "Persistence"), so each names where the problem is.

use std::path::PathBuf;

use crate::domain::store::LoadError;

use super::doc::{FORMAT, VERSION};
use super::events::CODEC_VERSION;

/// A value of a state document that cannot be turned into state.
#[derive(Debug, thiserror::Error)]
pub enum ValueError {
    #[error("{what} {text:?} is not valid")]
    Invalid { what: &'static str, text: String },
    #[error("created {0:?} is not yyyy-MM-ddTHH:mm:ssZ")]
    Time(String),
    #[error("cidr {0:?} is not valid")]
    Cidr(String),
    #[error("give exactly one of cidr, group, prefix_list")]
    PeerKind,
    #[error("port_range {range:?} does not fit protocol {protocol}")]
    PortsForProtocol { range: String, protocol: String },
    #[error("rule id {0:?} is not sgr- followed by letters and digits")]
    RuleId(String),
    #[error("priority {0} is not 1 to 100")]
    Priority(i64),
    #[error("group id is empty")]
    GroupId,
    #[error("the same rule as an earlier one")]
    DuplicateRule,
    #[error("instance id is empty")]
    InstanceId,
    #[error("network interface id is empty")]
    NicId,
    #[error("at most one network interface may be primary")]
    Primary,
    #[error("list id {0:?} does not start with the kind's prefix (pl- or prl-)")]
    ListId(String),
    #[error("entry {0} is given twice")]
    DuplicateEntry(String),
    #[error("more entries than max_entries")]
    TooManyEntries,
}

/// Why a state document (a snapshot, `PUT /_sgmock/state`, a fixture) cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DocError {
    #[error("not a state document: {0}")]
    Json(#[from] serde_json::Error),
    #[error("format must be {FORMAT:?}, not {0:?}")]
    Format(String),
    #[error("version {0} is not supported (this sgmock reads version {VERSION})")]
    Version(u32),
    #[error("an account id is empty")]
    EmptyAccount,
    /// A value at a path of the document (`accounts.a.ecs.cn-hangzhou[0].rules[2]`, or `event`).
    #[error("{at}: {problem}")]
    Value { at: String, problem: ValueError },
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("converting the groups failed")]
    Converter,
    /// ECS groups of a region no request could reach (`RegionId` is checked against the same list).
    #[error("accounts.{account}.ecs.{region}: region {region:?} is not one sgmock serves (they are: {served})")]
    UnservedRegion {
        account: String,
        region: String,
        served: String,
    },
}

/// Why one journal line cannot be replayed.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("the checksum is not 8 hex digits")]
    ChecksumSyntax,
    #[error("the checksum does not match (a changed byte)")]
    Checksum,
    #[error("not a journal record ({0})")]
    Json(serde_json::Error),
    #[error("record format version {0} is not the one this sgmock reads ({CODEC_VERSION}): a newer sgmock wrote it")]
    Version(u32),
    #[error("record {seq} comes after record {last}")]
    OutOfOrder { seq: u64, last: u64 },
    #[error("record {seq} follows record {after}: records are missing")]
    Missing { seq: u64, after: u64 },
    #[error(transparent)]
    Event(#[from] DocError),
}

/// Why a state file cannot be opened, or a change cannot be made durable.
#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    #[error("{action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("state file {} is empty: sgmock writes it whole (never empty), so it did not write \
             this one. Remove it and sgmock creates it, or point --state-file elsewhere.", .0.display())]
    EmptySnapshot(PathBuf),
    #[error("cannot read snapshot {}: {source}", path.display())]
    Snapshot {
        path: PathBuf,
        source: Box<DocError>,
    },
    #[error("state file {} is in use by another sgmock process (it holds {}); one process per state file", state.display(), lock.display())]
    Locked { state: PathBuf, lock: PathBuf },
    #[error("journal {} is damaged at line {line} (byte offset {offset}): {why}. Only an unfinished \
             last line is skipped on start; this record is followed by {following} more bytes, so \
             acknowledged writes would be lost. No file was changed. To start anyway with the \
             {before} records before it, pass --recover-journal (the journal is first copied to \
             {}.damaged-<time>).", path.display(), path.display())]
    Damaged {
        path: PathBuf,
        line: u64,
        offset: u64,
        why: Box<RecordError>,
        /// Bytes from the damaged record to the end of the journal.
        following: u64,
        /// Whole records before the damaged one.
        before: u64,
    },
    /// A fixture file that is not a state document, or holds something no state can.
    #[error("fixtures {}: {source}", path.display())]
    Fixture { path: PathBuf, source: DocError },
    #[error("cannot encode a journal record: {0}")]
    Encode(serde_json::Error),
}

impl PersistError {
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        PersistError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
