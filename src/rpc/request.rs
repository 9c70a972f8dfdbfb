//! Turn an HTTP request into RPC parameters: the decoded query string plus an
//! `application/x-www-form-urlencoded` body (tea-rpc puts business parameters in the body and the
//! signature parameters in the query, docs/reference/terraform.md §0.1 T1), and the action and version from
//! the parameters or the `x-acs-action` / `x-acs-version` headers every client sends (docs/reference/clients.md §1).

use axum::http::HeaderMap;

use super::envelope::Format;
use super::params::{ParamError, Params};

/// Decoded name/value pairs in wire order.
pub type Pairs = Vec<(String, String)>;

/// Bodies above this are refused with a 4xx before parsing.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// An RPC call, decoded but not yet interpreted.
#[derive(Debug)]
pub struct RpcRequest {
    pub method: String,
    pub action: Option<String>,
    pub version: Option<String>,
    pub format: Format,
    /// How many of the pairs come from the query string (the first ones).
    query_len: usize,
    /// Decoded query and form-body parameters (`params.pairs()`, in wire order: what an RPC
    /// signature covers).
    pub params: Params,
    /// A key sent twice with different values.
    pub repeated: Option<ParamError>,
}

/// Decode `query` and, when it is a form, `body` into name/value pairs: query + body, and how many
/// of them came from the query (decoded once; the query's pairs are the first ones).
pub fn pairs(query: Option<&str>, headers: &HeaderMap, body: &[u8]) -> (usize, Pairs) {
    let mut out: Pairs = Vec::new();
    if let Some(q) = query {
        decode_form(q.as_bytes(), &mut out);
    }
    let query_len = out.len();
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // aiohttp sends an unsigned `application/octet-stream` on the empty POST (docs/reference/clients.md §2): only a
    // form content type, or none with a non-empty body, is read as parameters.
    let is_form = content_type
        .to_ascii_lowercase()
        .starts_with("application/x-www-form-urlencoded")
        || (content_type.is_empty() && !body.is_empty());
    if is_form {
        decode_form(body, &mut out);
    }
    (query_len, out)
}

/// The pairs of an `application/x-www-form-urlencoded` text, exactly as
/// `form_urlencoded::parse(input).into_owned()` reads them (a test holds the two side by side):
/// `&`-separated, empty pieces skipped, split at the first `=`, `+` a space, `%XX` decoded, invalid
/// UTF-8 replaced. A part with nothing to decode — nearly every one an SDK sends — is checked and
/// copied once: form_urlencoded's three passes over it (`+`, `%`, UTF-8 repair) and their copies were
/// ~1,500 instructions a pair, most of an Authorize's parameter decoding (issue 18).
fn decode_form(input: &[u8], out: &mut Pairs) {
    // Valid UTF-8 as a whole means every part is (the separators are ASCII, so no part starts or
    // ends inside a character): checked once, not once per part.
    let text = std::str::from_utf8(input).ok();
    out.reserve(input.iter().filter(|&&b| b == b'&').count() + 1);
    // One pass: where the piece began, where its first `=` is, whether name and value need decoding.
    let mut start = 0;
    let mut eq: Option<usize> = None;
    // What the name, and the value, hold that needs decoding.
    let (mut name_holds, mut value_holds) = (Holds::default(), Holds::default());
    let end = std::iter::once((input.len(), b'&'));
    for (at, b) in input.iter().copied().enumerate().chain(end) {
        match b {
            b'&' => {
                if at > start {
                    let name_end = eq.unwrap_or(at);
                    let value_start = eq.map_or(at, |e| e + 1);
                    out.push((
                        decode_part(input, text, start..name_end, name_holds),
                        decode_part(input, text, value_start..at, value_holds),
                    ));
                }
                start = at + 1;
                eq = None;
                (name_holds, value_holds) = (Holds::default(), Holds::default());
            }
            b'=' if eq.is_none() => eq = Some(at),
            b'%' if eq.is_some() => value_holds.percent = true,
            b'+' if eq.is_some() => value_holds.plus = true,
            b'%' => name_holds.percent = true,
            b'+' => name_holds.plus = true,
            _ => {}
        }
    }
}

/// Whether a part holds a `%` or a `+`.
#[derive(Clone, Copy, Default)]
struct Holds {
    percent: bool,
    plus: bool,
}

/// One part (`range` of `input`), decoded; `text` is `input` when all of it is valid UTF-8.
fn decode_part(
    input: &[u8],
    text: Option<&str>,
    range: std::ops::Range<usize>,
    holds: Holds,
) -> String {
    if !holds.percent && !holds.plus {
        if let Some(part) = text.and_then(|t| t.get(range.clone())) {
            return part.to_owned();
        }
    }
    let bytes = input.get(range).unwrap_or_default();
    // `+` first, then `%XX` (a `%2B` stays a plus sign).
    let decoded: Vec<u8> = if holds.plus {
        let spaced: Vec<u8> = bytes
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        percent_encoding::percent_decode(&spaced).collect()
    } else {
        percent_encoding::percent_decode(bytes).collect()
    };
    match String::from_utf8(decoded) {
        Ok(part) => part,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

impl RpcRequest {
    pub fn decode(
        method: &str,
        query: Option<&str>,
        headers: &HeaderMap,
        body: &[u8],
    ) -> RpcRequest {
        let (query_len, pairs) = pairs(query, headers, body);
        let first = |name: &str| {
            pairs
                .iter()
                .find(|(k, v)| k == name && !v.is_empty())
                .map(|(_, v)| v.clone())
        };
        let action = first("Action").or_else(|| header(headers, "x-acs-action"));
        let version = first("Version").or_else(|| header(headers, "x-acs-version"));
        let format = match first("Format") {
            Some(f) if f.eq_ignore_ascii_case("xml") => Format::Xml,
            _ => Format::Json,
        };
        let (params, repeated) = Params::build(pairs);
        RpcRequest {
            method: method.to_string(),
            action,
            version,
            format,
            query_len,
            params,
            repeated,
        }
    }
}

impl RpcRequest {
    /// The query string's parameters, in wire order (what an ACS3 signature covers).
    pub fn query(&self) -> &[(String, String)] {
        self.params
            .pairs()
            .get(..self.query_len)
            .unwrap_or_default()
    }

    /// Every decoded pair, in wire order (what an RPC signature covers).
    pub fn pairs(&self) -> &[(String, String)] {
        self.params.pairs()
    }

    /// The parameters, unless a key was sent twice with different values.
    pub fn checked_params(&self) -> Result<&Params, &ParamError> {
        match &self.repeated {
            Some(e) => Err(e),
            None => Ok(&self.params),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn query_and_form_body_are_merged_and_decoded() {
        let mut h = HeaderMap::new();
        h.insert(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded; charset=utf-8"),
        );
        let r = RpcRequest::decode(
            "POST",
            Some("Action=CreateSecurityGroup&Format=json&Version=2014-05-26"),
            &h,
            b"RegionId=cn-hangzhou&Description=a+b%2Fc",
        );
        assert_eq!(r.action.as_deref(), Some("CreateSecurityGroup"));
        assert_eq!(r.format, Format::Json);
        let p = r.checked_params().unwrap();
        assert_eq!(p.get("RegionId"), Some("cn-hangzhou"));
        assert_eq!(p.get("Description"), Some("a b/c"));
        let query: Vec<&str> = r.query().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(query, ["Action", "Format", "Version"]);
        assert_eq!(r.pairs().len(), 5);
    }

    /// The decoder reads every form exactly as form_urlencoded does: seeded random texts over an
    /// alphabet of the characters that matter (separators, `+`, `%` and hex digits, multi-byte and
    /// invalid UTF-8).
    #[test]
    fn forms_decode_exactly_as_form_urlencoded_decodes_them() {
        const ALPHABET: &[&[u8]] = &[
            b"a",
            b"B",
            b"=",
            b"&",
            b"+",
            b"%",
            b"2",
            b"f",
            b"F",
            b"0",
            b"%41",
            b"%2",
            b"%zz",
            b"\xc3\xa9",
            b"\xc3",
            b"\xff",
            b" ",
            b"%C3%A9",
            b"%FF",
        ];
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..20_000 {
            let len = (next() % 24) as usize;
            let mut text = Vec::new();
            for _ in 0..len {
                text.extend_from_slice(ALPHABET[(next() % ALPHABET.len() as u64) as usize]);
            }
            let mut ours = Vec::new();
            decode_form(&text, &mut ours);
            let theirs: Vec<(String, String)> =
                form_urlencoded::parse(&text).into_owned().collect();
            assert_eq!(ours, theirs, "{:?}", String::from_utf8_lossy(&text));
        }
    }

    #[test]
    fn action_and_version_fall_back_to_headers() {
        let mut h = HeaderMap::new();
        h.insert("x-acs-action", HeaderValue::from_static("DescribeRegions"));
        h.insert("x-acs-version", HeaderValue::from_static("2014-05-26"));
        h.insert(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
        let r = RpcRequest::decode("POST", Some("Format=XML"), &h, b"ignored=1");
        assert_eq!(r.action.as_deref(), Some("DescribeRegions"));
        assert_eq!(r.version.as_deref(), Some("2014-05-26"));
        assert_eq!(r.format, Format::Xml);
        assert_eq!(r.checked_params().unwrap().get("ignored"), None);
    }
}
