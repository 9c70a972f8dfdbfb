//! Command-line flags and their environment variables (design.md §1).

use std::path::PathBuf;

use clap::Parser;

use crate::auth::{AccessKey, AuthMode};

#[derive(Debug, Clone, Parser)]
#[command(
    name = "sgmock",
    version,
    about = "A local emulator of the Alibaba Cloud ECS and ENS security-group APIs"
)]
pub struct Config {
    /// Address to serve on.
    #[arg(long, env = "SGMOCK_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,

    /// `off`: signatures are not checked; `verify`: HMAC-SHA1 (RPC) and ACS3-HMAC-SHA256 are.
    #[arg(long, env = "SGMOCK_AUTH", value_enum, default_value = "off")]
    pub auth: AuthMode,

    /// A known key, `ID:SECRET[:ACCOUNT]` (repeatable; the env var takes a comma-separated list).
    /// Each key is its own account, named after its id, unless ACCOUNT names a shared one.
    #[arg(long = "access-key", env = "SGMOCK_ACCESS_KEYS", value_delimiter = ',')]
    pub access_keys: Vec<AccessKey>,

    /// Rules per security group, inbound and outbound together (Alibaba: 200).
    #[arg(long, env = "SGMOCK_RULE_LIMIT", default_value_t = 200)]
    pub rule_limit: usize,

    /// Security groups per account and region (Alibaba: "at least 100").
    #[arg(long, env = "SGMOCK_GROUP_QUOTA", default_value_t = 100)]
    pub group_quota: usize,

    /// Seed for generated ids and probabilistic faults, so a run can be reproduced.
    #[arg(long, env = "SGMOCK_SEED")]
    pub seed: Option<u64>,

    /// Durable state: a snapshot at PATH and a journal at PATH.journal. Every acknowledged write
    /// survives `kill -9`.
    #[arg(long, env = "SGMOCK_STATE_FILE")]
    pub state_file: Option<PathBuf>,

    /// fsync the journal on every write (also survives power loss; costs a disk flush per write).
    #[arg(long, env = "SGMOCK_FSYNC")]
    pub fsync: bool,

    /// Start even though a journal record is damaged: copy the journal to PATH.journal.damaged-TIME,
    /// then keep only the records before the damage (without this flag such a start is refused).
    #[arg(long)]
    pub recover_journal: bool,

    /// Faults injected into persistence I/O (tests only; not a flag).
    #[arg(skip)]
    pub disk_faults: Option<std::sync::Arc<crate::persist::disk::DiskFaults>>,

    /// A state document (the `GET /_sgmock/state` format), or a folder of them, loaded at start when
    /// the state is empty.
    #[arg(long, env = "SGMOCK_FIXTURES")]
    pub fixtures: Option<PathBuf>,

    /// Log lines as `text` or `json`; `RUST_LOG` sets the level.
    #[arg(long, env = "SGMOCK_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,

    /// Compact the journal into a snapshot when it grows past this many bytes.
    #[arg(long, env = "SGMOCK_COMPACT_BYTES", default_value_t = crate::persist::journal::DEFAULT_COMPACT_BYTES, hide = true)]
    pub compact_bytes: u64,

    /// Probe `http://LISTEN/_sgmock/health` and exit 0 if it answers 200 (for container health checks).
    #[arg(long)]
    pub health_check: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            auth: AuthMode::Off,
            access_keys: Vec::new(),
            rule_limit: 200,
            group_quota: 100,
            seed: None,
            state_file: None,
            fsync: false,
            recover_journal: false,
            disk_faults: None,
            fixtures: None,
            log_format: LogFormat::Text,
            compact_bytes: crate::persist::journal::DEFAULT_COMPACT_BYTES,
            health_check: false,
        }
    }
}
