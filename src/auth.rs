//! Who is calling. Access keys map to accounts; with `--auth verify` every request must carry a valid
//! signature (RPC HMAC-SHA1 or ACS3-HMAC-SHA256), a timestamp within 15 minutes of the server's clock,
//! and a nonce not seen in that window. With `--auth off` nothing is checked: a known key still selects
//! its account, any other request lands in the default account.
//!
//! Secrets never leave this module: `AccessKey`'s `Debug` hides them and no error carries one.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::BuildHasher;
use std::str::FromStr;
use std::sync::Mutex;

use axum::http::HeaderMap;

use crate::rpc::signature;

/// How far a request's clock may be from ours (the common 15-minute window, docs/reference/wire.md §3.2).
pub const WINDOW_SECS: i64 = 15 * 60;

/// Nonces remembered at most. Each costs about 25 bytes; a nonce is never forgotten while its request
/// could still be replayed, so past this many a signed request is refused (`Throttling`) instead.
pub const MAX_NONCES: usize = 8_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthMode {
    Off,
    Verify,
}

/// `ID:SECRET[:ACCOUNT]`. Without ACCOUNT the key is its own account, named after the key id.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessKey {
    pub id: String,
    secret: String,
    pub account: String,
}

impl AccessKey {
    pub fn new(id: &str, secret: &str, account: Option<&str>) -> AccessKey {
        AccessKey {
            id: id.to_string(),
            secret: secret.to_string(),
            account: account.unwrap_or(id).to_string(),
        }
    }
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "AccessKey {{ id: {:?}, secret: \"***\", account: {:?} }}",
            self.id, self.account
        )
    }
}

impl FromStr for AccessKey {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let mut parts = s.splitn(3, ':');
        let id = parts.next().unwrap_or_default().trim();
        let secret = parts.next().unwrap_or_default().trim();
        let account = parts.next().map(str::trim).filter(|a| !a.is_empty());
        if id.is_empty() || secret.is_empty() {
            return Err("expected ID:SECRET or ID:SECRET:ACCOUNT".into());
        }
        Ok(AccessKey::new(id, secret, account))
    }
}

/// Why a request was not authenticated. Products turn these into the gateway's codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    /// A signature parameter or header is absent.
    Missing(&'static str),
    /// The Authorization header is not a well-formed ACS3-HMAC-SHA256 one.
    Incomplete(&'static str),
    UnknownKey,
    /// `SignatureMethod` / `SignatureVersion` of another value.
    BadParameter(&'static str),
    TimestampFormat,
    Expired,
    NonceUsed,
    /// Too many nonces to remember within the window: the request cannot be checked for replay.
    NonceMemoryFull,
    /// The signature does not match; carries the server's string to sign (clients read it back).
    Mismatch {
        string_to_sign: String,
    },
}

/// The parts of a request a signature covers.
pub struct Signed<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub headers: &'a HeaderMap,
    /// Decoded query parameters, in wire order.
    pub query: &'a [(String, String)],
    /// Decoded query and form-body parameters, in wire order.
    pub params: &'a [(String, String)],
    pub body: &'a [u8],
}

impl Signed<'_> {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The nonces of requests that could still be replayed. A request is accepted while its own
/// timestamp is within the window of the server's clock, so its nonce is kept until
/// `timestamp + WINDOW_SECS` — not for a while after it arrived, and never dropped early to make room
/// (either would let a captured request be replayed later).
///
/// A nonce is kept as a 64-bit keyed hash of (key id, nonce): about 25 bytes instead of two strings.
/// The key is random per process, so nobody can aim at a collision; by chance one is 2^-64 per pair.
struct Nonces {
    hasher: std::collections::hash_map::RandomState,
    seen: rustc_hash::FxHashSet<u64>,
    /// Expiry second → the hashes that expire then.
    expiry: BTreeMap<i64, Vec<u64>>,
    max: usize,
}

/// What became of a nonce.
#[derive(Debug, PartialEq, Eq)]
enum Use {
    Fresh,
    Replayed,
    Full,
}

impl Nonces {
    fn new(max: usize) -> Nonces {
        Nonces {
            hasher: std::collections::hash_map::RandomState::new(),
            seen: Default::default(),
            expiry: BTreeMap::new(),
            max,
        }
    }

    /// Record the nonce of a request stamped `stamp` (already checked to be within the window).
    fn use_once(&mut self, key: &str, nonce: &str, stamp: i64, now: i64) -> Use {
        // Forget what can no longer be replayed: its timestamp is out of the window now.
        while let Some(entry) = self.expiry.first_entry() {
            if *entry.key() >= now {
                break;
            }
            for h in entry.remove() {
                self.seen.remove(&h);
            }
        }
        if self.seen.capacity() > 1024 && self.seen.len() < self.seen.capacity() / 4 {
            // Give memory back after a burst.
            self.seen.shrink_to_fit();
        }
        let h = self.hasher.hash_one((key, nonce));
        if self.seen.contains(&h) {
            return Use::Replayed;
        }
        if self.seen.len() >= self.max {
            return Use::Full;
        }
        self.seen.insert(h);
        self.expiry.entry(stamp + WINDOW_SECS).or_default().push(h);
        Use::Fresh
    }

    fn len(&self) -> usize {
        self.seen.len()
    }
}

pub struct Auth {
    mode: AuthMode,
    keys: HashMap<String, AccessKey>,
    default_account: String,
    nonces: Mutex<Nonces>,
}

impl Auth {
    pub fn new(mode: AuthMode, keys: &[AccessKey], default_account: &str) -> Auth {
        Auth {
            mode,
            keys: keys.iter().map(|k| (k.id.clone(), k.clone())).collect(),
            default_account: default_account.to_string(),
            nonces: Mutex::new(Nonces::new(MAX_NONCES)),
        }
    }

    /// How many nonces are remembered (the admin API's info).
    pub fn nonces(&self) -> usize {
        self.nonces.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn mode(&self) -> AuthMode {
        self.mode
    }

    /// The caller's account, after checking the signature when verifying. `now` is Unix seconds.
    pub fn authenticate(&self, req: &Signed, now: i64) -> Result<String, AuthError> {
        let authorization = req.header("authorization");
        if self.mode == AuthMode::Off {
            let id = authorization
                .and_then(signature::parse_authorization)
                .map(|a| a.key_id)
                .or_else(|| req.param("AccessKeyId").map(str::to_string));
            return Ok(id
                .and_then(|id| self.keys.get(&id))
                .map_or_else(|| self.default_account.clone(), |k| k.account.clone()));
        }
        let (key, nonce, stamp) = match authorization {
            Some(value) => self.verify_acs3(req, value, now)?,
            None => self.verify_rpc(req, now)?,
        };
        let used = self
            .nonces
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .use_once(&key.id, &nonce, stamp, now);
        match used {
            Use::Fresh => Ok(key.account.clone()),
            Use::Replayed => Err(AuthError::NonceUsed),
            Use::Full => Err(AuthError::NonceMemoryFull),
        }
    }

    /// The request's time, if within the window.
    fn check_time(stamp: &str, now: i64) -> Result<i64, AuthError> {
        let t = crate::timefmt::parse(stamp).ok_or(AuthError::TimestampFormat)?;
        if (t - now).abs() > WINDOW_SECS {
            return Err(AuthError::Expired);
        }
        Ok(t)
    }

    /// RPC HMAC-SHA1 v1.0 (docs/reference/clients.md §4.1): signature parameters in the query or the form body.
    fn verify_rpc(&self, req: &Signed, now: i64) -> Result<(&AccessKey, String, i64), AuthError> {
        let need = |name: &'static str| {
            req.param(name)
                .filter(|v| !v.is_empty())
                .ok_or(AuthError::Missing(name))
        };
        let key_id = need("AccessKeyId")?;
        let provided = need("Signature")?;
        if need("SignatureMethod")? != "HMAC-SHA1" {
            return Err(AuthError::BadParameter("SignatureMethod"));
        }
        if need("SignatureVersion")? != "1.0" {
            return Err(AuthError::BadParameter("SignatureVersion"));
        }
        let nonce = need("SignatureNonce")?.to_string();
        let stamp = need("Timestamp")?;
        let key = self.keys.get(key_id).ok_or(AuthError::UnknownKey)?;
        let stamp = Self::check_time(stamp, now)?;
        let sts = signature::rpc_string_to_sign(req.method, req.params);
        if !signature::rpc_verify(&key.secret, &sts, provided) {
            return Err(AuthError::Mismatch {
                string_to_sign: sts,
            });
        }
        Ok((key, nonce, stamp))
    }

    /// ACS3-HMAC-SHA256 (docs/reference/clients.md §4.2): the client's own SignedHeaders, the raw Host, the body hash.
    fn verify_acs3(
        &self,
        req: &Signed,
        value: &str,
        now: i64,
    ) -> Result<(&AccessKey, String, i64), AuthError> {
        if !value.starts_with(signature::ACS3) {
            return Err(AuthError::Incomplete("only ACS3-HMAC-SHA256 is supported"));
        }
        let auth = signature::parse_authorization(value).ok_or(AuthError::Incomplete(
            "expected Credential=…,SignedHeaders=…,Signature=…",
        ))?;
        // The date and the nonce are what make a captured request unusable later: unsigned, they
        // could be swapped for fresh ones on a captured request.
        for needed in ["x-acs-date", "x-acs-signature-nonce"] {
            if !auth.signed_headers.iter().any(|h| h == needed) {
                return Err(AuthError::Incomplete(
                    "SignedHeaders must include x-acs-date and x-acs-signature-nonce",
                ));
            }
        }
        let key = self.keys.get(&auth.key_id).ok_or(AuthError::UnknownKey)?;
        let stamp = req
            .header("x-acs-date")
            .ok_or(AuthError::Missing("x-acs-date"))?;
        let nonce = req
            .header("x-acs-signature-nonce")
            .filter(|n| !n.is_empty())
            .ok_or(AuthError::Missing("x-acs-signature-nonce"))?
            .to_string();
        let stamp = Self::check_time(stamp, now)?;
        let body_hash = signature::sha256_hex(req.body);
        let payload_hash = req
            .header("x-acs-content-sha256")
            .unwrap_or(&body_hash)
            .to_string();
        let canonical = signature::acs3_canonical_request(
            req.method,
            req.path,
            req.query,
            req.headers,
            &auth.signed_headers,
            &payload_hash,
        );
        let sts = signature::acs3_string_to_sign(&canonical);
        // The declared body hash must be the body's: otherwise the signature covers another body.
        if payload_hash != body_hash || !signature::acs3_verify(&key.secret, &sts, &auth.signature)
        {
            return Err(AuthError::Mismatch {
                string_to_sign: sts,
            });
        }
        Ok((key, nonce, stamp))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderName, HeaderValue};
    use serde_json::Value;

    const VECTORS: &str = include_str!("../tests/fixtures/signature-vectors.jsonl");

    struct Vector {
        method: String,
        headers: HeaderMap,
        query: Vec<(String, String)>,
        params: Vec<(String, String)>,
        body: Vec<u8>,
        ts: i64,
    }

    fn pairs(v: &Value) -> Vec<(String, String)> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|p| {
                        (
                            p[0].as_str().unwrap_or_default().to_string(),
                            p[1].as_str().unwrap_or_default().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn vectors() -> Vec<(String, Vector)> {
        VECTORS
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                let mut headers = HeaderMap::new();
                for h in pairs(&v["headers"]) {
                    headers.append(
                        HeaderName::from_bytes(h.0.to_ascii_lowercase().as_bytes()).unwrap(),
                        HeaderValue::from_str(&h.1).unwrap(),
                    );
                }
                let query = pairs(&v["query"]);
                let mut params = query.clone();
                params.extend(pairs(&v["body_form"]));
                let vector = Vector {
                    method: v["method"].as_str().unwrap().to_string(),
                    headers,
                    query,
                    params,
                    body: v["body_raw"]
                        .as_str()
                        .unwrap_or_default()
                        .as_bytes()
                        .to_vec(),
                    ts: v["ts"].as_f64().unwrap() as i64,
                };
                (v["vector"].as_str().unwrap().to_string(), vector)
            })
            .collect()
    }

    fn auth() -> Auth {
        Auth::new(
            AuthMode::Verify,
            &["testid:testsecret".parse().unwrap()],
            "default",
        )
    }

    fn signed(v: &Vector) -> Signed<'_> {
        Signed {
            method: &v.method,
            path: "/",
            headers: &v.headers,
            query: &v.query,
            params: &v.params,
            body: &v.body,
        }
    }

    #[test]
    fn every_captured_vector_verifies() {
        let all = vectors();
        assert_eq!(all.len(), 6);
        for (name, v) in &all {
            assert_eq!(
                auth().authenticate(&signed(v), v.ts),
                Ok("testid".to_string()),
                "{name}"
            );
        }
    }

    #[test]
    fn the_captured_strings_to_sign_are_reproduced() {
        // docs/reference/clients.md §4.3: the StringToSign of V1, V2, V3 and V5.
        let all = vectors();
        let wrong = Auth::new(
            AuthMode::Verify,
            &["testid:wrong".parse().unwrap()],
            "default",
        );
        let sts = |i: usize| match wrong.authenticate(&signed(&all[i].1), all[i].1.ts) {
            Err(AuthError::Mismatch { string_to_sign }) => string_to_sign,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            sts(0),
            "ACS3-HMAC-SHA256\n3196900fac720a7f1956c640195ae86a2d06d8d1dac566f1259ecd7c77652ceb"
        );
        assert_eq!(
            sts(1),
            "ACS3-HMAC-SHA256\nf57ee8bac7300b25f52a5ba50e2f8d5a03dce3a74839f3bc61ccf8aa24f200f9"
        );
        assert!(sts(2).starts_with("POST&%2F&AccessKeyId%3Dtestid%26Action%3DRevokeSecurityGroupEgress%26Format%3DJSON%26Permissions.1.Description%3Da%2520b%252Fc%252A~%252B%25C3%25A9%2521%2528%2527%2529"));
        assert_eq!(
            sts(4),
            "POST&%2F&AccessKeyId%3Dtestid%26Action%3DRevokeSecurityGroupEgress%26Format%3DJSON%26RegionId%3Dcn-hangzhou%26SecurityGroupId%3Dsg-1%26SecurityGroupRuleId.1%3Dsgr-a%26SecurityGroupRuleId.2%3Dsgr-b%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Debc846b7562229c902b65074ded3de11%26SignatureVersion%3D1.0%26Timestamp%3D2026-11-23T18%253A26%253A49Z%26Version%3D2014-05-26"
        );
    }

    #[test]
    fn a_changed_parameter_breaks_the_signature() {
        for (name, mut v) in vectors() {
            if let Some(p) = v.params.iter_mut().find(|(k, _)| k == "SecurityGroupId") {
                p.1.push('x');
            }
            if let Some(p) = v.query.iter_mut().find(|(k, _)| k == "SecurityGroupId") {
                p.1.push('x');
            }
            assert!(
                matches!(
                    auth().authenticate(&signed(&v), v.ts),
                    Err(AuthError::Mismatch { .. })
                ),
                "{name}"
            );
        }
    }

    #[test]
    fn time_window_nonce_and_key_checks() {
        let all = vectors();
        let (_, v) = &all[2];
        assert_eq!(
            auth().authenticate(&signed(v), v.ts + WINDOW_SECS + 1),
            Err(AuthError::Expired)
        );
        assert_eq!(
            auth().authenticate(&signed(v), v.ts - WINDOW_SECS - 1),
            Err(AuthError::Expired)
        );
        let a = auth();
        assert!(a.authenticate(&signed(v), v.ts).is_ok());
        assert_eq!(
            a.authenticate(&signed(v), v.ts + 1),
            Err(AuthError::NonceUsed)
        );
        // After the window the nonce is forgotten (and the timestamp expired anyway).
        let unknown = Auth::new(AuthMode::Verify, &["other:x".parse().unwrap()], "default");
        assert_eq!(
            unknown.authenticate(&signed(v), v.ts),
            Err(AuthError::UnknownKey)
        );
        let (_, acs3) = &all[0];
        let mut no_date = acs3.headers.clone();
        no_date.remove("x-acs-date");
        let s = Signed {
            headers: &no_date,
            ..signed(acs3)
        };
        assert_eq!(
            auth().authenticate(&s, acs3.ts),
            Err(AuthError::Missing("x-acs-date"))
        );
        let mut body = acs3.body.clone();
        body.extend_from_slice(b"x");
        let s = Signed {
            body: &body,
            ..signed(acs3)
        };
        assert!(matches!(
            auth().authenticate(&s, acs3.ts),
            Err(AuthError::Mismatch { .. })
        ));
    }

    #[test]
    fn rpc_signature_parameters_are_required_and_checked() {
        let all = vectors();
        let (_, v) = &all[3];
        for (name, value, expected) in [
            (
                "SignatureMethod",
                "HMAC-SHA256",
                AuthError::BadParameter("SignatureMethod"),
            ),
            (
                "SignatureVersion",
                "2.0",
                AuthError::BadParameter("SignatureVersion"),
            ),
            (
                "Timestamp",
                "2026-11-23T18:26:49.123Z",
                AuthError::TimestampFormat,
            ),
            ("Signature", "", AuthError::Missing("Signature")),
            ("SignatureNonce", "", AuthError::Missing("SignatureNonce")),
        ] {
            let mut params = v.params.clone();
            if let Some(p) = params.iter_mut().find(|(k, _)| k == name) {
                p.1 = value.to_string();
            }
            let s = Signed {
                params: &params,
                ..signed(v)
            };
            assert_eq!(auth().authenticate(&s, v.ts), Err(expected), "{name}");
        }
        let none: Vec<(String, String)> = Vec::new();
        let s = Signed {
            params: &none,
            query: &none,
            ..signed(v)
        };
        assert_eq!(
            auth().authenticate(&s, v.ts),
            Err(AuthError::Missing("AccessKeyId"))
        );
    }

    #[test]
    fn off_mode_maps_known_keys_to_their_accounts_and_others_to_the_default() {
        let keys: Vec<AccessKey> = vec![
            "testid:testsecret:acct-a".parse().unwrap(),
            "k2:s2".parse().unwrap(),
        ];
        let off = Auth::new(AuthMode::Off, &keys, "default");
        let all = vectors();
        for (name, v) in &all {
            // Any signature, any time: only the key id matters.
            assert_eq!(
                off.authenticate(&signed(v), 0),
                Ok("acct-a".to_string()),
                "{name}"
            );
        }
        let empty: Vec<(String, String)> = Vec::new();
        let s = Signed {
            params: &empty,
            query: &empty,
            headers: &HeaderMap::new(),
            ..signed(&all[2].1)
        };
        assert_eq!(off.authenticate(&s, 0), Ok("default".to_string()));
    }

    #[test]
    fn a_flood_of_requests_never_pushes_a_live_nonce_out() {
        let mut n = Nonces::new(MAX_NONCES);
        let now = 1_000_000;
        assert_eq!(n.use_once("k", "captured", now, now), Use::Fresh);
        // More than the old count-bounded cache held (it then forgot the oldest).
        for i in 0..1_100_000 {
            n.use_once("k", &i.to_string(), now, now);
        }
        assert_eq!(n.use_once("k", "captured", now, now + 1), Use::Replayed);
        // A nonce is per key.
        assert_eq!(n.use_once("other", "captured", now, now + 1), Use::Fresh);
    }

    #[test]
    fn nonces_are_forgotten_when_their_timestamps_leave_the_window_and_memory_is_bounded() {
        let mut n = Nonces::new(3);
        let t = 1_000_000;
        assert_eq!(n.use_once("k", "a", t - 600, t), Use::Fresh);
        assert_eq!(n.use_once("k", "b", t + 600, t), Use::Fresh);
        assert_eq!(n.use_once("k", "c", t, t), Use::Fresh);
        // Full: refused, never made room for by forgetting a live nonce.
        assert_eq!(n.use_once("k", "d", t, t), Use::Full);
        assert_eq!(n.use_once("k", "a", t - 600, t + 299), Use::Replayed);
        // a (stamped t-600) leaves the window at t+300: forgotten, and d fits.
        assert_eq!(n.use_once("k", "d", t, t + 301), Use::Fresh);
        assert_eq!(n.len(), 3);
        // b, stamped in the future, is kept until its own stamp + 15 minutes.
        assert_eq!(n.use_once("k", "b", t + 600, t + 1499), Use::Replayed);
        assert_eq!(n.use_once("k", "e", t + 1501, t + 1501), Use::Fresh);
        assert_eq!(n.len(), 1, "b, c and d are gone");
    }

    #[test]
    fn access_keys_parse_and_hide_their_secret() {
        let k: AccessKey = "id:sec:acct".parse().unwrap();
        assert_eq!((k.id.as_str(), k.account.as_str()), ("id", "acct"));
        assert_eq!(
            format!("{k:?}"),
            "AccessKey { id: \"id\", secret: \"***\", account: \"acct\" }"
        );
        assert_eq!("id:sec".parse::<AccessKey>().unwrap().account, "id");
        assert!("id".parse::<AccessKey>().is_err());
        assert!(":sec".parse::<AccessKey>().is_err());
    }
}
