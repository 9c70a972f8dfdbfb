//! The two request-signing schemes of Alibaba Cloud's RPC APIs, as pure functions (docs/reference/clients.md §4):
//! RPC HMAC-SHA1 (SignatureVersion 1.0) and ACS3-HMAC-SHA256. Both canonicalise *decoded* parameters
//! and re-encode them, because clients encode differently on the wire. Comparisons are constant-time
//! (`Mac::verify_slice`).

use axum::http::HeaderMap;
use base64::Engine;
use hmac::{Hmac, Mac};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

/// Everything but `A–Z a–z 0–9 - _ . ~` is percent-encoded, upper-case hex (space → `%20`, `*` → `%2A`).
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// RFC 3986 percent-encoding as both schemes define it.
pub fn pct(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED).to_string()
}

fn sorted(pairs: &[(String, String)]) -> Vec<&(String, String)> {
    let mut v: Vec<&(String, String)> = pairs.iter().collect();
    // Byte order of names (`Permissions.1.X` < `Permissions.10.X` < `Permissions.2.X`), then values.
    v.sort();
    v
}

/// RPC v1.0: `METHOD&%2F&pct(sorted name=value pairs)`, every parameter (query and form body) but
/// `Signature`, empty values included.
pub fn rpc_string_to_sign(method: &str, pairs: &[(String, String)]) -> String {
    let canonical = sorted(pairs)
        .into_iter()
        .filter(|(k, _)| k != "Signature")
        .map(|(k, v)| format!("{}={}", pct(k), pct(v)))
        .collect::<Vec<_>>()
        .join("&");
    format!("{}&{}&{}", method, pct("/"), pct(&canonical))
}

/// Base64 of HMAC-SHA1 keyed with `secret + "&"`.
pub fn rpc_sign(secret: &str, string_to_sign: &str) -> String {
    rpc_mac(secret, string_to_sign)
        .map(|m| base64::engine::general_purpose::STANDARD.encode(m.finalize().into_bytes()))
        .unwrap_or_default()
}

/// HMAC-SHA1 keyed with `secret + "&"` over `string_to_sign`. HMAC takes keys of any length, so
/// `None` never happens in practice; returning it keeps this path free of panics.
fn rpc_mac(secret: &str, string_to_sign: &str) -> Option<Hmac<sha1::Sha1>> {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(format!("{secret}&").as_bytes()).ok()?;
    mac.update(string_to_sign.as_bytes());
    Some(mac)
}

/// Does `provided` (base64) sign `string_to_sign` with `secret`? Constant-time.
pub fn rpc_verify(secret: &str, string_to_sign: &str, provided: &str) -> bool {
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(provided.trim()) else {
        return false;
    };
    rpc_mac(secret, string_to_sign).is_some_and(|m| m.verify_slice(&bytes).is_ok())
}

/// The parts of an `Authorization: ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acs3Authorization {
    pub key_id: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

pub const ACS3: &str = "ACS3-HMAC-SHA256";

/// Parse the header; `None` when any part is missing or malformed.
pub fn parse_authorization(value: &str) -> Option<Acs3Authorization> {
    let rest = value.strip_prefix(ACS3)?.strip_prefix(' ')?;
    let (mut key_id, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "Credential" => key_id = Some(v.to_string()),
            "SignedHeaders" => signed = Some(v.split(';').map(str::to_string).collect::<Vec<_>>()),
            "Signature" => signature = Some(v.to_string()),
            _ => {}
        }
    }
    let key_id = key_id.filter(|k| !k.is_empty())?;
    let signed_headers = signed.filter(|s| s.iter().all(|h| !h.is_empty()))?;
    let signature = signature.filter(|s| !s.is_empty())?;
    Some(Acs3Authorization {
        key_id,
        signed_headers,
        signature,
    })
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The ACS3 canonical request: method, path, sorted query (decoded, re-encoded), the client's signed
/// headers with their raw values (trimmed; repeats sorted and joined by `,`), the signed-header list
/// and the payload hash.
pub fn acs3_canonical_request(
    method: &str,
    path: &str,
    query: &[(String, String)],
    headers: &HeaderMap,
    signed_headers: &[String],
    payload_hash: &str,
) -> String {
    let canonical_query = sorted(query)
        .into_iter()
        .map(|(k, v)| format!("{}={}", pct(k), pct(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut canonical_headers = String::new();
    for name in signed_headers {
        let mut values: Vec<String> = headers
            .get_all(name.as_str())
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_string())
            .collect();
        values.sort();
        canonical_headers.push_str(name);
        canonical_headers.push(':');
        canonical_headers.push_str(&values.join(","));
        canonical_headers.push('\n');
    }
    format!(
        "{method}\n{path}\n{canonical_query}\n{canonical_headers}\n{}\n{payload_hash}",
        signed_headers.join(";")
    )
}

/// `ACS3-HMAC-SHA256\n` + hex(SHA-256(canonical request)).
pub fn acs3_string_to_sign(canonical_request: &str) -> String {
    format!("{ACS3}\n{}", sha256_hex(canonical_request.as_bytes()))
}

/// HMAC-SHA256 keyed with the secret (no `&`) over `string_to_sign`.
fn acs3_mac(secret: &str, string_to_sign: &str) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(string_to_sign.as_bytes());
    Some(mac)
}

/// Lower-case hex of HMAC-SHA256 keyed with the secret (no `&`).
pub fn acs3_sign(secret: &str, string_to_sign: &str) -> String {
    acs3_mac(secret, string_to_sign)
        .map(|m| hex::encode(m.finalize().into_bytes()))
        .unwrap_or_default()
}

/// Does `provided` (hex) sign `string_to_sign` with `secret`? Constant-time.
pub fn acs3_verify(secret: &str, string_to_sign: &str, provided: &str) -> bool {
    let Ok(bytes) = hex::decode(provided) else {
        return false;
    };
    acs3_mac(secret, string_to_sign).is_some_and(|m| m.verify_slice(&bytes).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn pct_follows_rfc3986_as_alibaba_uses_it() {
        assert_eq!(pct("a b/c*~+é!(')"), "a%20b%2Fc%2A~%2B%C3%A9%21%28%27%29");
        assert_eq!(pct("Az09-_.~"), "Az09-_.~");
    }

    #[test]
    fn the_documented_rpc_vector() {
        // docs/reference/wire.md §3.3: the DescribeRegions example of the signature doc, recomputed.
        let p = pairs(&[
            ("Action", "DescribeRegions"),
            ("AccessKeyId", "testid"),
            ("Format", "XML"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("SignatureVersion", "1.0"),
            ("Timestamp", "2016-02-23T12:46:24Z"),
            ("Version", "2014-05-26"),
        ]);
        let sts = rpc_string_to_sign("GET", &p);
        assert_eq!(rpc_sign("testsecret", &sts), "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
        assert!(rpc_verify(
            "testsecret",
            &sts,
            "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
        ));
        assert!(!rpc_verify("wrong", &sts, "OLeaidS1JvxuMvnyHOwuJ+uX5qY="));
        assert!(!rpc_verify("testsecret", &sts, "not base64!"));
    }

    #[test]
    fn authorization_headers_parse_and_malformed_ones_do_not() {
        let a = parse_authorization(
            "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-date,Signature=ab12",
        )
        .unwrap();
        assert_eq!(
            a,
            Acs3Authorization {
                key_id: "testid".into(),
                signed_headers: vec!["host".into(), "x-acs-date".into()],
                signature: "ab12".into()
            }
        );
        for bad in [
            "ACS3-HMAC-SHA256",
            "ACS3-HMAC-SHA256 Credential=testid,Signature=ab",
            "ACS3-HMAC-SHA256 Credential=,SignedHeaders=host,Signature=ab",
            "ACS3-HMAC-SM3 Credential=testid,SignedHeaders=host,Signature=ab",
            "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;;x,Signature=ab",
            "ACS3-HMAC-SHA256 garbage",
        ] {
            assert_eq!(parse_authorization(bad), None, "{bad}");
        }
    }
}
