//! The one writer of RPC answers: RequestId, JSON or XML, success and error bodies.
//!
//! Success: `{RequestId, …}` (XML root `<{Action}Response>`). Error:
//! `{RequestId, HostId, Code, Message, Recommend}` (XML root `<Error>`) with the product's HTTP status
//! (docs/reference/wire.md §3.5, §3.6). Success bodies never carry `Code` (pop-core treats one as an error,
//! docs/reference/clients.md §5).

use axum::body::Bytes;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

/// JSON text written by our own writers (`products::json`): trusted, so it is copied into the
/// answer as it is, never parsed or re-checked on the way out (its values come from `&str`s and
/// its keys are literals: it is UTF-8 by construction).
#[derive(Debug)]
pub struct RawJson(Vec<u8>);

impl RawJson {
    /// Bytes our writer produced.
    pub fn written(bytes: Vec<u8>) -> RawJson {
        RawJson(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// One member of a success body: a JSON value, or JSON already serialized (large lists are written
/// straight from the state, without building a `Value` tree).
#[derive(Debug)]
pub enum Part {
    Value(Value),
    Raw(RawJson),
}

/// A success body, members in order (`RequestId` is added first by [`success`]).
#[derive(Debug, Default)]
pub struct Reply {
    parts: Vec<(String, Part)>,
}

impl Reply {
    pub fn insert(&mut self, key: String, value: Value) {
        self.parts.push((key, Part::Value(value)));
    }

    pub fn insert_raw(&mut self, key: String, raw: RawJson) {
        self.parts.push((key, Part::Raw(raw)));
    }

    /// The member `key` as a value (tests and XML).
    pub fn get(&self, key: &str) -> Option<Value> {
        self.parts
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, p)| part_value(p))
    }

    fn into_map(self) -> Map<String, Value> {
        self.parts
            .into_iter()
            .map(|(k, p)| {
                let v = part_value(&p);
                (k, v)
            })
            .collect()
    }
}

fn part_value(p: &Part) -> Value {
    match p {
        Part::Value(v) => v.clone(),
        // Serialized by us from plain structs: it parses.
        Part::Raw(r) => serde_json::from_slice(r.as_bytes()).unwrap_or(Value::Null),
    }
}

impl FromIterator<(String, Value)> for Reply {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        Reply {
            parts: iter.into_iter().map(|(k, v)| (k, Part::Value(v))).collect(),
        }
    }
}

/// An error as a product describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorInfo {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl ErrorInfo {
    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> ErrorInfo {
        ErrorInfo {
            status,
            code: code.into(),
            message: message.into(),
        }
    }
}

/// An upper-case UUID, as Alibaba's RequestIds look (`473469C7-AA6F-4DC5-B3DB-A3DC0DE3C83E`).
pub fn new_request_id() -> String {
    // A version-4 UUID from the thread-local generator: no system call per request.
    let bytes = fastrand::u128(..).to_le_bytes();
    let id = uuid::Builder::from_random_bytes(bytes).into_uuid();
    let mut buf = uuid::Uuid::encode_buffer();
    id.hyphenated().encode_upper(&mut buf).to_string()
}

const JSON_TYPE: &str = "application/json;charset=utf-8";
const XML_TYPE: &str = "text/xml;charset=utf-8";

/// A 200 whose body is `chunks`, sent one after the other (see [`reply_json`]).
fn respond_chunks(
    format: Format,
    request_id: &str,
    chunks: std::collections::VecDeque<Bytes>,
) -> Response {
    if tracing::enabled!(target: "sgmock::body", tracing::Level::TRACE) {
        let whole: Vec<u8> = chunks.iter().flat_map(|c| c.iter().copied()).collect();
        return respond(200, format, request_id, whole);
    }
    let body = if chunks.len() == 1 {
        // Most answers are one small chunk: a plain body.
        axum::body::Body::from(chunks.into_iter().next().unwrap_or_default())
    } else {
        let left = chunks.iter().map(|c| c.len() as u64).sum();
        axum::body::Body::new(Chunks { chunks, left })
    };
    let mut resp = Response::new(body);
    set_headers(&mut resp, format, request_id);
    resp
}

fn set_headers(resp: &mut Response, format: Format, request_id: &str) {
    let ct = match format {
        Format::Json => JSON_TYPE,
        Format::Xml => XML_TYPE,
    };
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        resp.headers_mut().insert("x-acs-request-id", v);
    }
}

fn respond(status: u16, format: Format, request_id: &str, body: Vec<u8>) -> Response {
    tracing::trace!(target: "sgmock::body", request_id, status, body = %String::from_utf8_lossy(&body), "response");
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = (status, body).into_response();
    set_headers(&mut resp, format, request_id);
    resp
}

/// `{"RequestId": …, members…}` written member by member, as chunks: a raw part (a rule list,
/// up to ~600 KB) is sent as it was written, never copied into one buffer with the rest (issue 18).
fn reply_json(request_id: &str, reply: Reply) -> Vec<Bytes> {
    let mut chunks = Vec::new();
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(b"{\"RequestId\":");
    let _ = serde_json::to_writer(&mut out, request_id);
    for (k, p) in reply.parts {
        out.push(b',');
        let _ = serde_json::to_writer(&mut out, &k);
        out.push(b':');
        match p {
            Part::Value(v) => {
                let _ = serde_json::to_writer(&mut out, &v);
            }
            Part::Raw(r) => {
                chunks.push(Bytes::from(std::mem::take(&mut out)));
                chunks.push(Bytes::from(r.0));
            }
        }
    }
    out.push(b'}');
    chunks.push(Bytes::from(out));
    chunks
}

/// A body of byte chunks whose total length is known, so it goes out with `content-length`.
struct Chunks {
    chunks: std::collections::VecDeque<Bytes>,
    left: u64,
}

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let next = self.chunks.pop_front();
        if let Some(b) = &next {
            self.left = self.left.saturating_sub(b.len() as u64);
        }
        std::task::Poll::Ready(next.map(|b| Ok(http_body::Frame::data(b))))
    }

    fn is_end_stream(&self) -> bool {
        self.chunks.is_empty()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.left)
    }
}

/// A success answer. `action` must be a known action name (it becomes the XML root element).
pub fn success(format: Format, action: &str, request_id: &str, reply: Reply) -> Response {
    let bytes = match format {
        Format::Json => {
            let chunks: std::collections::VecDeque<Bytes> = reply_json(request_id, reply)
                .into_iter()
                .filter(|c| !c.is_empty())
                .collect();
            return respond_chunks(format, request_id, chunks);
        }
        Format::Xml => {
            let mut body = Map::new();
            body.insert("RequestId".into(), Value::String(request_id.to_string()));
            body.extend(reply.into_map());
            to_xml(&format!("{action}Response"), &body).into_bytes()
        }
    };
    respond(200, format, request_id, bytes)
}

/// An error answer. `product` names the product in `Recommend` (`Ecs`, `Ens`).
pub fn error(
    format: Format,
    request_id: &str,
    host_id: &str,
    product: &str,
    info: &ErrorInfo,
) -> Response {
    let bytes = error_body(format, request_id, host_id, product, info);
    respond(info.status, format, request_id, bytes)
}

/// The body of an error answer (also written by the connection layer, for requests HTTP refused).
pub fn error_body(
    format: Format,
    request_id: &str,
    host_id: &str,
    product: &str,
    info: &ErrorInfo,
) -> Vec<u8> {
    let mut body = Map::new();
    body.insert("RequestId".into(), request_id.into());
    body.insert("HostId".into(), host_id.into());
    body.insert("Code".into(), info.code.clone().into());
    body.insert("Message".into(), info.message.clone().into());
    body.insert(
        "Recommend".into(),
        format!(
            "https://api.aliyun.com/troubleshoot?q={}&product={}&requestId={}",
            info.code, product, request_id
        )
        .into(),
    );
    match format {
        Format::Json => serde_json::to_vec(&Value::Object(body)).unwrap_or_default(),
        Format::Xml => to_xml("Error", &body).into_bytes(),
    }
}

/// `s` with every character XML cannot carry replaced by U+FFFD. Inputs are refused before they get
/// here (names, descriptions, tags); this keeps an answer parseable whatever text reaches it (an
/// echoed unknown action name, an id in a message).
fn xml_chars(s: &str) -> std::borrow::Cow<'_, str> {
    use crate::domain::names::is_text_char as is_xml_char;
    if s.chars().all(is_xml_char) {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(
            s.chars()
                .map(|c| if is_xml_char(c) { c } else { '\u{FFFD}' })
                .collect(),
        )
    }
}

/// Alibaba's XML mapping of the JSON shape: an object is an element per key; an array under key `K`
/// is one `<K>` element per item (so `{"Permissions":{"Permission":[a,b]}}` becomes
/// `<Permissions><Permission>a</Permission><Permission>b</Permission></Permissions>`).
pub fn to_xml(root: &str, body: &Map<String, Value>) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    out.push('<');
    out.push_str(root);
    out.push('>');
    write_members(&mut out, body);
    out.push_str("</");
    out.push_str(root);
    out.push('>');
    out
}

fn write_members(out: &mut String, map: &Map<String, Value>) {
    for (k, v) in map {
        match v {
            Value::Array(items) => {
                for item in items {
                    write_element(out, k, item);
                }
            }
            other => write_element(out, k, other),
        }
    }
}

fn write_element(out: &mut String, name: &str, v: &Value) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    match v {
        Value::Object(m) => write_members(out, m),
        Value::String(s) => out.push_str(&quick_xml::escape::escape(&*xml_chars(s))),
        Value::Null => {}
        // Nested arrays do not occur in these APIs; render items in sequence if they ever do.
        Value::Array(items) => {
            for item in items {
                write_element(out, name, item);
            }
        }
        other => out.push_str(&other.to_string()),
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn xml_follows_the_json_shape_with_arrays_as_repeated_elements() {
        let body = json!({
            "RequestId": "R",
            "Permissions": {"Permission": [{"PortRange": "22/22"}, {"PortRange": "-1/-1"}]},
            "Description": "a<b&c",
            "TotalCount": 2,
            "Empty": {"Tag": []}
        });
        let Value::Object(m) = body else {
            unreachable!()
        };
        assert_eq!(
            to_xml("DescribeSecurityGroupAttributeResponse", &m),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><DescribeSecurityGroupAttributeResponse>\
             <RequestId>R</RequestId><Permissions><Permission><PortRange>22/22</PortRange></Permission>\
             <Permission><PortRange>-1/-1</PortRange></Permission></Permissions>\
             <Description>a&lt;b&amp;c</Description><TotalCount>2</TotalCount><Empty></Empty>\
             </DescribeSecurityGroupAttributeResponse>"
        );
    }

    #[test]
    fn request_ids_are_upper_case_uuids() {
        let id = new_request_id();
        assert_eq!(id.len(), 36);
        assert_eq!(id, id.to_ascii_uppercase());
        assert_eq!(id.matches('-').count(), 4);
    }
}
