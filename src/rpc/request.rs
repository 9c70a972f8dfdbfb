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
    let mut out: Vec<(String, String)> = query
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
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
        out.extend(form_urlencoded::parse(body).into_owned());
    }
    (query_len, out)
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
