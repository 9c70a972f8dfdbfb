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
    #[arg(long, env = "SGMOCK_RULE_LIMIT", default_value_t = 200, value_parser = at_least_one)]
    pub rule_limit: usize,

    /// Security groups per account and region (Alibaba: "at least 100").
    #[arg(long, env = "SGMOCK_GROUP_QUOTA", default_value_t = 100, value_parser = at_least_one)]
    pub group_quota: usize,

    /// Security groups an ECS instance or network interface may be in (Alibaba: 5 by default).
    #[arg(long, env = "SGMOCK_GROUPS_PER_ENI", default_value_t = 5, value_parser = at_least_one)]
    pub groups_per_eni: usize,

    /// Prefix lists, and port range lists, per account and region (Alibaba: 100 prefix lists).
    #[arg(long, env = "SGMOCK_LISTS_PER_REGION", default_value_t = 100, value_parser = at_least_one)]
    pub lists_per_region: usize,

    /// Seed for generated ids and probabilistic faults, so a run can be reproduced.
    #[arg(long, env = "SGMOCK_SEED")]
    pub seed: Option<u64>,

    /// Durable state: a snapshot at PATH and a journal at PATH.journal. Every acknowledged write
    /// survives `kill -9`.
    #[arg(long, env = "SGMOCK_STATE_FILE")]
    pub state_file: Option<PathBuf>,

    /// fsync the journal on every write (also survives power loss; costs a disk flush per write).
    /// The variable takes the usual spellings: 1/0, true/false, yes/no, on/off.
    #[arg(long, env = "SGMOCK_FSYNC", value_parser = clap::builder::BoolishValueParser::new())]
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

    /// `on`: serve TLS and plain HTTP on the same port (clients that default to HTTPS work
    /// unchanged); `off`: plain HTTP only.
    #[arg(long, env = "SGMOCK_TLS", value_enum, default_value = "on")]
    pub tls: TlsMode,

    /// Another name (host or IP) for the generated server certificate (repeatable).
    #[arg(
        long = "tls-name",
        env = "SGMOCK_TLS_NAMES",
        value_delimiter = ',',
        value_name = "NAME"
    )]
    pub tls_names: Vec<String>,

    /// Write the CA certificate (PEM) that clients should trust to this file at start.
    #[arg(long, env = "SGMOCK_TLS_CA_OUT", value_name = "PATH")]
    pub tls_ca_out: Option<PathBuf>,

    /// Your own certificate chain (PEM) instead of sgmock's; needs --tls-key.
    #[arg(
        long,
        env = "SGMOCK_TLS_CERT",
        value_name = "PATH",
        requires = "tls_key"
    )]
    pub tls_cert: Option<PathBuf>,

    /// The private key (PEM) of --tls-cert.
    #[arg(
        long,
        env = "SGMOCK_TLS_KEY",
        value_name = "PATH",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,

    /// Seconds a client has to finish the TLS handshake.
    #[arg(long, env = "SGMOCK_TLS_HANDSHAKE_TIMEOUT", default_value_t = 10.0, value_parser = positive_seconds, value_name = "SECS")]
    pub tls_handshake_timeout: f64,

    /// Require `Authorization: Bearer TOKEN` on every `/_sgmock/*` route but `health`.
    #[arg(long, env = "SGMOCK_ADMIN_TOKEN", value_name = "TOKEN")]
    pub admin_token: Option<Secret>,

    /// Log lines as `text` or `json`; `RUST_LOG` sets the level.
    #[arg(long, env = "SGMOCK_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,

    /// Compact the journal into a snapshot when it grows past this many bytes.
    #[arg(long, env = "SGMOCK_COMPACT_BYTES", default_value_t = crate::persist::journal::DEFAULT_COMPACT_BYTES, hide = true)]
    pub compact_bytes: u64,

    /// Seconds a client has to send a request's head (from its first byte, or from connecting).
    #[arg(long, env = "SGMOCK_HEADER_TIMEOUT", default_value_t = 10.0, value_parser = positive_seconds, value_name = "SECS")]
    pub header_timeout: f64,

    /// Seconds a kept-alive connection may sit idle between requests before it is closed.
    #[arg(long, env = "SGMOCK_IDLE_TIMEOUT", default_value_t = 60.0, value_parser = positive_seconds, value_name = "SECS")]
    pub idle_timeout: f64,

    /// Seconds the stop (SIGTERM/SIGINT) waits for requests in flight before closing connections.
    #[arg(long, env = "SGMOCK_DRAIN_TIMEOUT", default_value_t = 10.0, value_parser = positive_seconds, value_name = "SECS")]
    pub drain_timeout: f64,

    /// Probe `http://LISTEN/_sgmock/health` and exit 0 if it answers 200 (for container health checks).
    #[arg(long)]
    pub health_check: bool,
}

fn at_least_one(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("{s:?} is not a whole number of at least 1")),
    }
}

/// What to warn about at start, besides exposure: settings that make every request fail.
pub fn startup_warnings(config: &Config) -> Vec<String> {
    let mut out = Vec::new();
    if config.auth == AuthMode::Verify && config.access_keys.is_empty() {
        out.push(
            "--auth verify without any --access-key: every signed request will be refused with \
             InvalidAccessKeyId.NotFound. Add --access-key ID:SECRET (or SGMOCK_ACCESS_KEYS)."
                .to_string(),
        );
    }
    let own_ca_flags = config.tls_ca_out.is_some() || !config.tls_names.is_empty();
    if config.tls == TlsMode::Off && (own_ca_flags || config.tls_cert.is_some()) {
        out.push("--tls off: the other --tls-* flags are ignored (no CA is written)".to_string());
    } else if config.tls_cert.is_some() && own_ca_flags {
        out.push(
            "--tls-cert serves your certificate: --tls-ca-out and --tls-name apply to sgmock's own              and are ignored"
                .to_string(),
        );
    }
    out
}

fn positive_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 86_400.0 => Ok(v),
        _ => Err(format!(
            "{s:?} is not a number of seconds between 0 and 86400"
        )),
    }
}

impl Config {
    /// The connection limits the flags set.
    pub fn connection_limits(&self) -> crate::serve::Limits {
        crate::serve::Limits {
            header_timeout: std::time::Duration::from_secs_f64(self.header_timeout),
            idle_timeout: std::time::Duration::from_secs_f64(self.idle_timeout),
            drain_timeout: std::time::Duration::from_secs_f64(self.drain_timeout),
            handshake_timeout: std::time::Duration::from_secs_f64(self.tls_handshake_timeout),
        }
    }
}

/// A secret flag value: never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// Compare with a presented value in time independent of where they differ.
    pub fn matches(&self, presented: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), presented.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::str::FromStr for Secret {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s.is_empty() {
            return Err("the token must not be empty".into());
        }
        Ok(Secret(s.to_string()))
    }
}

/// What to warn about when serving beyond this machine: without an admin token, anyone who can
/// reach the port controls the emulator through `/_sgmock/*`.
pub fn exposure_warning(addr: std::net::SocketAddr, admin_token: bool) -> Option<String> {
    if admin_token || addr.ip().is_loopback() {
        return None;
    }
    Some(format!(
        "listening on {addr}, beyond this machine, without --admin-token: anyone who can reach this \
         port can read, replace and reset the whole state, inject faults and read recent requests' \
         parameters through /_sgmock/*. Set --admin-token (or SGMOCK_ADMIN_TOKEN) to require \
         `Authorization: Bearer TOKEN` there."
    ))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TlsMode {
    On,
    Off,
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
            groups_per_eni: 5,
            lists_per_region: 100,
            seed: None,
            state_file: None,
            fsync: false,
            recover_journal: false,
            admin_token: None,
            // The command line defaults to on; an embedded app serves what its owner wires up.
            tls: TlsMode::Off,
            tls_names: Vec::new(),
            tls_ca_out: None,
            tls_cert: None,
            tls_key: None,
            tls_handshake_timeout: 10.0,
            header_timeout: 10.0,
            idle_timeout: 60.0,
            drain_timeout: 10.0,
            disk_faults: None,
            fixtures: None,
            log_format: LogFormat::Text,
            compact_bytes: crate::persist::journal::DEFAULT_COMPACT_BYTES,
            health_check: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serving_beyond_loopback_without_an_admin_token_is_warned_about() {
        let any: std::net::SocketAddr = "0.0.0.0:8080".parse().unwrap();
        let lan: std::net::SocketAddr = "192.168.1.5:8080".parse().unwrap();
        let local: std::net::SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let local6: std::net::SocketAddr = "[::1]:8080".parse().unwrap();
        let warning = exposure_warning(any, false).unwrap();
        assert!(warning.starts_with("listening on 0.0.0.0:8080, beyond this machine, without --admin-token: anyone who can reach this port can read, replace and reset the whole state"), "{warning}");
        assert!(exposure_warning(lan, false).is_some());
        assert_eq!(exposure_warning(any, true), None);
        assert_eq!(exposure_warning(local, false), None);
        assert_eq!(exposure_warning(local6, false), None);
    }

    #[test]
    fn flags_refuse_zero_limits_and_warn_about_verify_without_keys() {
        let parse = |args: &[&str]| {
            Config::try_parse_from(std::iter::once("sgmock").chain(args.iter().copied()))
        };
        assert!(parse(&["--rule-limit", "0"]).is_err());
        assert!(parse(&["--group-quota", "0"]).is_err());
        assert_eq!(parse(&["--rule-limit", "1"]).unwrap().rule_limit, 1);
        let verify = parse(&["--auth", "verify"]).unwrap();
        assert_eq!(startup_warnings(&verify).len(), 1);
        assert!(startup_warnings(&verify)[0].starts_with("--auth verify without any --access-key"));
        let keyed = parse(&["--auth", "verify", "--access-key", "a:b"]).unwrap();
        assert!(startup_warnings(&keyed).is_empty());
    }

    #[test]
    fn tls_flags_default_on_need_each_other_and_warn_when_ignored() {
        let parse = |args: &[&str]| {
            Config::try_parse_from(std::iter::once("sgmock").chain(args.iter().copied()))
        };
        let default = parse(&[]).unwrap();
        assert_eq!(default.tls, TlsMode::On);
        assert_eq!(default.tls_handshake_timeout, 10.0);
        assert!(startup_warnings(&default).is_empty());
        // A certificate without its key (or the reverse) is refused by the parser.
        assert!(parse(&["--tls-cert", "c.pem"]).is_err());
        assert!(parse(&["--tls-key", "k.pem"]).is_err());
        assert!(parse(&["--tls-handshake-timeout", "0"]).is_err());
        assert_eq!(
            parse(&["--tls-name", "a.test", "--tls-name", "10.0.0.1"])
                .unwrap()
                .tls_names,
            ["a.test", "10.0.0.1"]
        );
        let off = parse(&["--tls", "off", "--tls-ca-out", "ca.pem"]).unwrap();
        assert_eq!(
            startup_warnings(&off),
            ["--tls off: the other --tls-* flags are ignored (no CA is written)"]
        );
        let own = parse(&[
            "--tls-cert",
            "c.pem",
            "--tls-key",
            "k.pem",
            "--tls-ca-out",
            "ca.pem",
        ])
        .unwrap();
        assert!(startup_warnings(&own)[0].starts_with("--tls-cert serves your certificate"));
    }

    #[test]
    fn secrets_compare_exactly_and_never_print() {
        let s: Secret = "tok".parse().unwrap();
        assert!(s.matches("tok"));
        assert!(!s.matches("tok2") && !s.matches("to") && !s.matches("TOK"));
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert!("".parse::<Secret>().is_err());
    }
}
