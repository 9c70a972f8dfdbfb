//! The products on the shared wire and domain. Each product is a table of actions, an error table
//! (`Failure` → `(Code, HTTP status, Message)`) and renderers; handlers never write an error string.

pub mod action;
pub mod ecs;
pub mod ens;
pub mod json;
pub mod paging;
pub mod rule_fields;

use std::time::Instant;

use axum::response::Response;
use serde_json::Value;

use crate::auth::{AuthError, Signed};
use crate::domain::group::{Group, Namespace, Scope};
use crate::domain::policy::{GroupPolicy, Namespacing};
use crate::domain::rule::Rule;
use crate::domain::store::State;
use crate::domain::store::Token;
use crate::domain::{Attr, DomainError, Problem};
pub use crate::rpc::Reply;
use crate::rpc::{envelope, ErrorInfo, Format, ParamError, Params, RpcRequest};
use crate::App;
pub use action::Action;

/// Everything that can make a call fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    Param(ParamError),
    Domain(DomainError),
    /// Rule parameters of two kinds that must not be combined: flat fields with `Permissions.N`,
    /// or `SecurityGroupRuleId.N` with rules.
    Conflict,
    /// A value the action does not accept; the product picks the code by parameter name.
    BadValue {
        name: String,
        hint: &'static str,
    },
    /// `DryRun=true` passed its checks.
    DryRun,
    BadNextToken,
    /// Page-number paging mixed with token paging.
    PagingMixed,
    UnknownRegion(String),
    /// A resource id of a resource-generic action (TagResources, JoinResourceGroup) that does not exist.
    ResourceNotFound(String),
}

/// What the gateway refuses before any product's action runs: the same answer whatever the product
/// (docs/reference/wire.md §3.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GatewayError {
    MissingAction,
    MissingVersion,
    UnknownVersion(String),
    UnknownAction(String),
    BodyTooLarge,
    Method,
    Auth(AuthError),
    /// HTTP refused the request before any product saw it: a URI over hyper's 65,534 bytes …
    UriTooLong,
    /// … more than 100 headers, or oversized ones …
    HeadersTooLarge,
    /// … or a request line or header that is not HTTP/1.1.
    MalformedHttp,
}

impl From<ParamError> for Failure {
    fn from(e: ParamError) -> Self {
        Failure::Param(e)
    }
}

impl From<DomainError> for Failure {
    fn from(e: DomainError) -> Self {
        Failure::Domain(e)
    }
}

/// What a handler gets.
pub struct Ctx<'a> {
    pub app: &'a App,
    pub account: &'a str,
    pub action: Action,
    pub params: &'a Params,
}

/// Parameters every RPC call may carry that are not business parameters: left out of the
/// ClientToken fingerprint so a retry with a fresh nonce and timestamp is still "the same request".
const COMMON_PARAMS: &[&str] = &[
    "Action",
    "Version",
    "Format",
    "Timestamp",
    "SignatureNonce",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureType",
    "Signature",
    "AccessKeyId",
    "SecurityToken",
    "ClientToken",
    "OwnerId",
    "OwnerAccount",
    "ResourceOwnerId",
    "ResourceOwnerAccount",
];

impl Ctx<'_> {
    /// The request's `ClientToken`, if any: ASCII, at most 64 characters (docs/reference/ecs.md §1.0).
    pub fn token(&self) -> Result<Option<Token>, Failure> {
        let Some(value) = self.params.present("ClientToken") else {
            return Ok(None);
        };
        if !value.is_ascii() || value.len() > 64 {
            return Err(
                DomainError::invalid(Attr::ClientToken, "ClientToken", Problem::Malformed).into(),
            );
        }
        Ok(Some(Token {
            value: value.to_string(),
            fingerprint: format!(
                "{}\n{}",
                self.action.as_str(),
                self.params.fingerprint(COMMON_PARAMS)
            ),
        }))
    }
}

pub type Handler = fn(&Ctx) -> Result<Reply, Failure>;

/// One product: its version, endpoint host, actions and error table.
pub struct Product {
    /// As in `Recommend` links: `Ecs`, `Ens`.
    pub name: &'static str,
    pub host: &'static str,
    pub version: &'static str,
    pub actions: &'static [(Action, Handler)],
    /// The product's errors for its own actions (gateway errors are `common`'s).
    pub describe: fn(Action, &Failure) -> ErrorInfo,
    /// How its groups and rules behave; what persistence, faults and admin look up.
    pub policy: GroupPolicy,
    /// One rule as its DescribeSecurityGroupAttribute shows it.
    pub rule_json: fn(&State, &Group, &Rule) -> Value,
}

static PRODUCTS: &[&Product] = &[&ecs::PRODUCT, &ens::PRODUCT];

/// Every product.
pub fn all() -> impl Iterator<Item = &'static Product> {
    PRODUCTS.iter().copied()
}

/// The product whose policy key is `key` (`ecs`, `ens`; any case).
pub fn by_key(key: &str) -> Option<&'static Product> {
    all().find(|p| p.policy.key.eq_ignore_ascii_case(key))
}

/// Why an admin body's product, account and region name no scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeProblem {
    /// No product has this key; the keys there are.
    UnknownProduct { keys: Vec<&'static str> },
    /// A regional product, and no region.
    NoRegion,
    /// A region sgmock does not serve.
    UnservedRegion,
}

/// The product (`ecs` when none is named) and the scope an admin body names: its account (the
/// default one when none or empty) and, for a regional product, its region, which must be served.
/// Each admin endpoint words the problems in its own messages.
pub fn admin_scope(
    product: Option<&str>,
    account: Option<String>,
    region: Option<&str>,
) -> Result<(&'static Product, Scope), ScopeProblem> {
    let product = by_key(product.unwrap_or("ecs")).ok_or_else(|| ScopeProblem::UnknownProduct {
        keys: all().map(|p| p.policy.key).collect(),
    })?;
    let namespace = match product.policy.namespacing {
        Namespacing::Global => Namespace::Edge,
        Namespacing::Regional => match region {
            None | Some("") => return Err(ScopeProblem::NoRegion),
            Some(r) if !ecs::is_served_region(r) => return Err(ScopeProblem::UnservedRegion),
            Some(r) => Namespace::Region(r.to_string()),
        },
    };
    let account = account
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| crate::DEFAULT_ACCOUNT.to_string());
    Ok((product, Scope { account, namespace }))
}

/// The policy of the product that owns groups of this namespace.
pub fn policy_of(ns: &Namespace) -> &'static GroupPolicy {
    match all().find(|p| p.policy.owns(ns)) {
        Some(p) => &p.policy,
        // Every namespace has an owner: the unit test below checks the table covers both kinds.
        None => &ecs::PRODUCT.policy,
    }
}

/// Whether an action of that name exists: in `product` (`ecs`/`ens`, any case) when given, else in
/// any product. Otherwise, the names it may have meant.
pub fn check_action(product: Option<&str>, action: &str) -> Result<(), Vec<&'static str>> {
    let products: Vec<&Product> = PRODUCTS
        .iter()
        .copied()
        .filter(|p| product.is_none_or(|want| p.name.eq_ignore_ascii_case(want)))
        .collect();
    let names = || {
        products
            .iter()
            .flat_map(|p| p.actions.iter().map(|(a, _)| a.as_str()))
    };
    if names().any(|a| a == action) {
        return Ok(());
    }
    let lower = action.to_ascii_lowercase();
    let mut close: Vec<(usize, &'static str)> = names()
        .map(|a| (edit_distance(&lower, &a.to_ascii_lowercase()), a))
        .filter(|(d, a)| *d <= 3 || (lower.len() >= 4 && a.to_ascii_lowercase().contains(&lower)))
        .collect();
    close.sort_unstable();
    close.dedup_by(|x, y| x.1 == y.1);
    Err(close.into_iter().map(|(_, a)| a).take(5).collect())
}

/// Levenshtein distance (the names are short ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let here = row.get(j + 1).copied().unwrap_or(0);
            let left = row.get(j).copied().unwrap_or(0);
            let value = (prev + usize::from(ca != *cb)).min(here + 1).min(left + 1);
            if let Some(slot) = row.get_mut(j + 1) {
                *slot = value;
            }
            prev = here;
        }
    }
    row.last().copied().unwrap_or(0)
}

/// Errors no product owns: the gateway's own (docs/reference/wire.md §3.7).
fn gateway(g: &GatewayError) -> ErrorInfo {
    let missing = |p: &str| {
        format!("The input parameter \"{p}\" that is mandatory for processing this request is not supplied.")
    };
    match g {
        GatewayError::MissingAction => ErrorInfo::new(400, "MissingParameter", missing("Action")),
        GatewayError::MissingVersion => ErrorInfo::new(400, "MissingParameter", missing("Version")),
        GatewayError::UnknownVersion(v) => ErrorInfo::new(
            400,
            "InvalidVersion",
            format!("Specified parameter Version is not valid: {v}."),
        ),
        GatewayError::UnknownAction(a) => ErrorInfo::new(
            404,
            "InvalidAction.NotFound",
            format!("Specified api is not found, please check your url and method: {a}."),
        ),
        GatewayError::BodyTooLarge => ErrorInfo::new(
            413,
            "RequestEntityTooLarge",
            format!(
                "The request body exceeds the limit of {} bytes.",
                crate::rpc::MAX_BODY_BYTES
            ),
        ),
        GatewayError::Method => ErrorInfo::new(
            403,
            "UnsupportedHTTPMethod",
            "This http method is not supported.",
        ),
        GatewayError::Auth(a) => auth_error(a),
        // Undocumented (the gateway's own answers to these are unknown): our codes, docs/fidelity.md.
        GatewayError::UriTooLong => ErrorInfo::new(
            414,
            "RequestURITooLong",
            "The request URI is longer than 65,534 bytes: send the parameters as a form body (POST).",
        ),
        GatewayError::HeadersTooLarge => ErrorInfo::new(
            431,
            "RequestHeaderFieldsTooLarge",
            "The request has more than 100 headers, or headers larger than the server accepts.",
        ),
        GatewayError::MalformedHttp => ErrorInfo::new(
            400,
            "BadRequest",
            "The request is not valid HTTP/1.1: check the request line and headers (a target must be \
             percent-encoded ASCII).",
        ),
    }
}

/// The gateway's authentication errors (docs/reference/wire.md §3.7; docs/reference/clients.md §6).
fn auth_error(a: &AuthError) -> ErrorInfo {
    match a {
        AuthError::Missing(name) => ErrorInfo::new(
            400,
            "MissingParameter",
            format!("The input parameter \"{name}\" that is mandatory for processing this request is not supplied."),
        ),
        AuthError::Incomplete(why) => ErrorInfo::new(
            400,
            "IncompleteSignature",
            format!("The request signature does not conform to Aliyun standards: {why}."),
        ),
        AuthError::UnknownKey => ErrorInfo::new(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."),
        // `InvalidParamater` (sic) is the documented spelling.
        AuthError::BadParameter(name) => ErrorInfo::new(
            400,
            "InvalidParamater",
            format!("The specified parameter \"{name}\" is not valid."),
        ),
        AuthError::TimestampFormat => ErrorInfo::new(
            400,
            "InvalidTimeStamp.Format",
            "Specified time stamp or date value is not well formatted.",
        ),
        AuthError::Expired => ErrorInfo::new(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired."),
        AuthError::NonceUsed => ErrorInfo::new(400, "SignatureNonceUsed", "Specified signature nonce was used already."),
        // Clients retry throttling (docs/reference/wire.md §3.6: Terraform retries /Throttling/).
        AuthError::NonceMemoryFull => ErrorInfo::new(
            400,
            "Throttling",
            "Too many signed requests within 15 minutes to remember their nonces; retry later.",
        ),
        // The legacy Python SDK splits this message on ':' and compares the second part with its own
        // string to sign (docs/reference/clients.md §6): keep exactly one colon before it.
        AuthError::Mismatch { string_to_sign } => ErrorInfo::new(
            400,
            "SignatureDoesNotMatch",
            format!("Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}"),
        ),
    }
}

/// What the request log line needs to know about an answer.
pub struct Outcome {
    pub product: &'static str,
    pub account: String,
    pub action: String,
    pub status: u16,
    pub code: Option<String>,
    /// The error's message, for the request log (the console shows why a call failed).
    pub message: Option<String>,
}

/// An error answer outside any product (bad method, body too large, unknown version).
pub fn gateway_error(format: Format, request_id: &str, g: &GatewayError) -> (Response, Outcome) {
    let info = gateway(g);
    let resp = envelope::error(format, request_id, "ecs.aliyuncs.com", "Ecs", &info);
    let outcome = Outcome {
        product: "-",
        account: String::new(),
        action: String::new(),
        status: info.status,
        code: Some(info.code),
        message: Some(info.message),
    };
    (resp, outcome)
}

/// The answer to a request HTTP refused with `status` before any product saw it (the connection
/// layer writes it in place of hyper's empty one): (RequestId, error, JSON body).
pub fn http_refusal(status: u16) -> Option<(String, ErrorInfo, Vec<u8>)> {
    let refused = match status {
        400 => GatewayError::MalformedHttp,
        414 => GatewayError::UriTooLong,
        431 => GatewayError::HeadersTooLarge,
        _ => return None,
    };
    let info = gateway(&refused);
    let request_id = envelope::new_request_id();
    let body = envelope::error_body(Format::Json, &request_id, "ecs.aliyuncs.com", "Ecs", &info);
    Some((request_id, info, body))
}

/// A call that is routed and authenticated, ready to run.
pub struct Prepared<'a> {
    product: &'static Product,
    pub action: Action,
    handler: Handler,
    pub account: String,
    params: &'a Params,
    format: Format,
}

impl Prepared<'_> {
    pub fn product_name(&self) -> &'static str {
        self.product.name
    }

    fn answer_error(&self, info: &ErrorInfo, request_id: &str) -> (Response, Outcome) {
        let resp = envelope::error(
            self.format,
            request_id,
            self.product.host,
            self.product.name,
            info,
        );
        let outcome = Outcome {
            product: self.product.name,
            account: self.account.clone(),
            action: self.action.as_str().to_string(),
            status: info.status,
            code: Some(info.code.clone()),
            message: Some(info.message.clone()),
        };
        (resp, outcome)
    }

    /// Run the action and write its answer.
    pub fn run(&self, app: &App, request_id: &str) -> (Response, Outcome) {
        let ctx = Ctx {
            app,
            account: &self.account,
            action: self.action,
            params: self.params,
        };
        match (self.handler)(&ctx) {
            Ok(body) => (
                envelope::success(self.format, self.action.as_str(), request_id, body),
                Outcome {
                    product: self.product.name,
                    account: self.account.clone(),
                    action: self.action.as_str().to_string(),
                    status: 200,
                    code: None,
                    message: None,
                },
            ),
            Err(f) => {
                let info = (self.product.describe)(self.action, &f);
                self.answer_error(&info, request_id)
            }
        }
    }

    /// Answer with an injected fault instead of running the action.
    pub fn fault(&self, info: &ErrorInfo, request_id: &str) -> (Response, Outcome) {
        self.answer_error(info, request_id)
    }
}

/// Route one decoded RPC call to its product and action and authenticate it; or the answer that
/// refuses it.
pub fn prepare<'a>(
    app: &App,
    req: &'a RpcRequest,
    signed: &Signed,
    request_id: &str,
) -> Result<Prepared<'a>, Box<(Response, Outcome)>> {
    let Some(version) = req.version.as_deref() else {
        return Err(Box::new(gateway_error(
            req.format,
            request_id,
            &GatewayError::MissingVersion,
        )));
    };
    let Some(product) = PRODUCTS.iter().copied().find(|p| p.version == version) else {
        return Err(Box::new(gateway_error(
            req.format,
            request_id,
            &GatewayError::UnknownVersion(version.to_string()),
        )));
    };
    let action_name = req.action.clone().unwrap_or_default();
    // Before the action is found in the product's table a refusal is the gateway's; after, the
    // product's, for that action.
    let answer = |info: ErrorInfo, account: &str| -> (Response, Outcome) {
        let resp = envelope::error(req.format, request_id, product.host, product.name, &info);
        let outcome = Outcome {
            product: product.name,
            account: account.to_string(),
            action: action_name.clone(),
            status: info.status,
            code: Some(info.code),
            message: Some(info.message),
        };
        (resp, outcome)
    };
    if req.action.is_none() {
        return Err(Box::new(answer(gateway(&GatewayError::MissingAction), "")));
    }
    let account = match app.auth.authenticate(signed, app.now()) {
        Ok(a) => a,
        Err(e) => return Err(Box::new(answer(gateway(&GatewayError::Auth(e)), ""))),
    };
    let Some(&(action, handler)) = product
        .actions
        .iter()
        .find(|(a, _)| a.as_str() == action_name)
    else {
        return Err(Box::new(answer(
            gateway(&GatewayError::UnknownAction(action_name.clone())),
            &account,
        )));
    };
    let params = match req.checked_params() {
        Ok(p) => p,
        Err(e) => {
            return Err(Box::new(answer(
                (product.describe)(action, &Failure::Param(e.clone())),
                &account,
            )))
        }
    };
    Ok(Prepared {
        product,
        action,
        handler,
        account,
        params,
        format: req.format,
    })
}

pub use crate::timefmt::format as timestamp;

/// A body built from `(key, value)` pairs, in order.
pub fn body<const N: usize>(pairs: [(&str, Value); N]) -> Reply {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// Log one line per request.
pub fn log(outcome: &Outcome, request_id: &str, started: Instant) {
    let latency_us = started.elapsed().as_micros() as u64;
    // The binary writes this line itself (src/logbuf.rs, same bytes); embedded, it is an event.
    let written = crate::logbuf::request_line(&crate::logbuf::RequestLine {
        product: outcome.product,
        action: &outcome.action,
        account: &outcome.account,
        status: outcome.status,
        code: outcome.code.as_deref().unwrap_or(""),
        latency_us,
        request_id,
    });
    if written {
        return;
    }
    tracing::info!(
        target: "sgmock::request",
        product = outcome.product,
        action = %outcome.action,
        account = %outcome.account,
        status = outcome.status,
        code = outcome.code.as_deref().unwrap_or(""),
        latency_us,
        request_id = %request_id,
    );
}

/// An opaque paging token: the hex of where the next page starts.
pub fn encode_token(position: &str) -> String {
    hex::encode(position)
}

/// The inverse of [`encode_token`]; `None` for anything we did not issue.
pub fn decode_token(token: &str) -> Option<String> {
    if token.len() > 512 {
        return None;
    }
    String::from_utf8(hex::decode(token).ok()?).ok()
}

#[cfg(test)]
mod token_tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_garbage_is_refused() {
        assert_eq!(
            decode_token(&encode_token("sg-abc")).as_deref(),
            Some("sg-abc")
        );
        assert_eq!(decode_token("zz"), None);
        assert_eq!(decode_token("abc"), None);
        assert_eq!(decode_token("ff"), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::Namespacing;

    #[test]
    fn every_namespace_has_exactly_one_owner_and_keys_are_distinct() {
        for ns in [Namespace::Region("cn-hangzhou".into()), Namespace::Edge] {
            assert_eq!(all().filter(|p| p.policy.owns(&ns)).count(), 1, "{ns:?}");
        }
        assert_eq!(policy_of(&Namespace::Edge).namespacing, Namespacing::Global);
        let keys: std::collections::HashSet<_> = all().map(|p| p.policy.key).collect();
        assert_eq!(keys.len(), PRODUCTS.len());
        for p in all() {
            assert!(std::ptr::eq(
                by_key(&p.policy.key.to_uppercase()).unwrap(),
                p
            ));
        }
    }
}
