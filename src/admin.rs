//! The admin API under `/_sgmock/` (README "Admin API"): health, info, reset, state export/import, fault
//! injection and the recent-requests log. Answers are plain JSON; errors are
//! `{"code": …, "message": …}` with a 4xx.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::Path;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::domain::group::Namespace;
use crate::domain::instance::DeclareError;
use crate::faults::FaultSpec;
use crate::persist::doc::{instance_doc, instance_from, InstanceDoc};
use crate::products::{admin_scope, ScopeProblem};
use crate::App;

/// State documents can be large (a million rules is a few hundred MB).
const MAX_STATE_BYTES: usize = 1 << 30;
/// Other admin bodies (fault rules): axum's default limit.
const MAX_ADMIN_BYTES: usize = 2 * 1024 * 1024;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/_sgmock/health", get(health).head(health))
        .route("/_sgmock/ca.pem", get(ca_pem))
        .route("/_sgmock/info", get(info))
        .route("/_sgmock/reset", post(reset))
        .route(
            "/_sgmock/state",
            get(get_state)
                .put(put_state)
                .layer(DefaultBodyLimit::max(MAX_STATE_BYTES)),
        )
        .route(
            "/_sgmock/faults",
            get(get_faults).put(put_faults).delete(delete_faults),
        )
        .route("/_sgmock/requests", get(requests).delete(delete_requests))
        .route("/_sgmock/instances", get(get_instances).put(put_instances))
        .route("/_sgmock/instances/{id}", delete(delete_instance))
        .route("/_sgmock/evaluate", post(crate::evaluate::handler))
        .route("/_sgmock/ui", get(ui_redirect))
        .route("/_sgmock/ui/", get(ui_index))
        .route("/_sgmock/ui/app.js", get(ui_js))
        .route("/_sgmock/ui/app.css", get(ui_css))
        .route("/_sgmock/lint", get(crate::evaluate::lint))
}

/// Refuse an admin request whose declared body is over its route's limit before reading it (so
/// `Expect: 100-continue` gets the 413, not a `100 Continue`).
pub async fn refuse_oversized(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = req.uri().path();
    if path.starts_with("/_sgmock/") {
        let limit = if path == "/_sgmock/state" {
            MAX_STATE_BYTES
        } else {
            MAX_ADMIN_BYTES
        };
        let declared = req
            .headers()
            .get(axum::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestEntityTooLarge",
                format!("the body exceeds the limit of {limit} bytes"),
            );
        }
    }
    next.run(req).await
}

/// With `--admin-token`, every `/_sgmock/*` path but `health` needs `Authorization: Bearer TOKEN`
/// (unknown ones too, so a probe learns nothing); otherwise a 401 with a JSON body.
pub async fn require_token(
    State(app): State<Arc<App>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let Some(token) = &app.config.admin_token else {
        return next.run(req).await;
    };
    let path = req.uri().path();
    // Health and the CA certificate (public by nature) stay open.
    let guarded = (path == "/_sgmock" || path.starts_with("/_sgmock/"))
        && path != "/_sgmock/health"
        && path != "/_sgmock/ca.pem"
        // The console's files hold no data; its calls to the API carry the token.
        && !path.starts_with("/_sgmock/ui");
    if !guarded {
        return next.run(req).await;
    }
    let presented = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if presented.is_some_and(|p| token.matches(p.trim())) {
        return next.run(req).await;
    }
    let mut resp = error(
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
        if presented.is_some() {
            "the admin token does not match"
        } else {
            "the admin API needs `Authorization: Bearer TOKEN` (sgmock runs with --admin-token)"
        },
    );
    resp.headers_mut().insert(
        axum::http::header::WWW_AUTHENTICATE,
        axum::http::HeaderValue::from_static("Bearer realm=\"sgmock\""),
    );
    resp
}

/// A query string the route cannot read: a JSON error like every other admin error (axum's own
/// rejection is plain text).
fn bad_query(e: QueryRejection) -> Response {
    error(StatusCode::BAD_REQUEST, "InvalidQuery", e.body_text())
}

/// An admin route called with a method it does not have.
pub async fn method_not_allowed(req: axum::extract::Request) -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        format!("{} is not a method of {}", req.method(), req.uri().path()),
    )
}

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (
        status,
        Json(json!({"code": code, "message": message.into()})),
    )
        .into_response()
}

/// The CA certificate clients trust for HTTPS (PEM), when sgmock made its own.
async fn ca_pem(State(app): State<Arc<App>>) -> Response {
    match app.tls.as_ref().and_then(|t| t.ca_pem.clone()) {
        Some(pem) => (
            [(axum::http::header::CONTENT_TYPE, "application/x-pem-file")],
            pem,
        )
            .into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            "NoCA",
            if app.tls.is_some() {
                "sgmock serves your certificate (--tls-cert); it has no CA of its own"
            } else {
                "TLS is off (--tls off): there is no CA"
            },
        ),
    }
}

async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

async fn info(State(app): State<Arc<App>>) -> Json<Value> {
    let c = &app.config;
    let (accounts, groups, rules) = app.store.read(|s| s.counts());
    Json(json!({
        "name": "sgmock",
        "version": env!("CARGO_PKG_VERSION"),
        "uptime_seconds": app.started.elapsed().as_secs(),
        // What the console (and other tools) may use.
        "features": ["instances", "prefix_lists", "port_range_lists", "evaluate", "lint", "ui"],
        "products": crate::products::all()
            .map(|p| (p.policy.key.to_string(), Value::from(p.version)))
            .collect::<serde_json::Map<_, _>>(),
        "config": {
            "listen": c.listen,
            "auth": format!("{:?}", c.auth).to_lowercase(),
            // Key ids and accounts only: secrets never leave the auth module.
            "access_keys": c.access_keys.iter().map(|k| json!({"id": k.id, "account": k.account})).collect::<Vec<_>>(),
            "default_account": crate::DEFAULT_ACCOUNT,
            "rule_limit": c.rule_limit,
            "groups_per_eni": c.groups_per_eni,
            "lists_per_region": c.lists_per_region,
            "group_quota": c.group_quota,
            "seed": c.seed,
            "state_file": c.state_file,
            "fsync": c.fsync,
            "fixtures": c.fixtures,
            "log_format": format!("{:?}", c.log_format).to_lowercase(),
            "admin_token": c.admin_token.is_some(),
        },
        "counts": {"accounts": accounts, "groups": groups, "rules": rules, "faults": app.faults.len()},
        // What the bounded caches hold (they never grow past their limits).
        "memory": {
            "request_log_entries": app.requests.size().0,
            "request_log_bytes": app.requests.size().1,
            "nonces": app.auth.nonces(),
        },
    }))
}

#[derive(Deserialize)]
struct ResetQuery {
    account: Option<String>,
}

/// Empty state, or one account's part of it. Faults and the request log are cleared with a full
/// reset; ids keep counting so they never repeat.
async fn reset(
    State(app): State<Arc<App>>,
    q: Result<Query<ResetQuery>, QueryRejection>,
) -> Response {
    let q = match q {
        Ok(Query(q)) => q,
        Err(e) => return bad_query(e),
    };
    let account = q.account.filter(|a| !a.is_empty());
    if app.reset(account.as_deref()).is_err() {
        // The cause is logged by the store; file paths are not answered.
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "the reset could not be made durable; nothing changed",
        );
    }
    Json(json!({"reset": account.unwrap_or_else(|| "all".into())})).into_response()
}

/// The state document, written from a cheap copy off the state's lock and off the async workers
/// (a million rules take a second to write).
async fn get_state(State(app): State<Arc<App>>) -> Response {
    match tokio::task::spawn_blocking(move || app.export_state()).await {
        Ok(bytes) => (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            bytes,
        )
            .into_response(),
        _ => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "the state could not be written",
        ),
    }
}

/// Replace the whole state with a document; a malformed or invalid one is a 400 that changes nothing.
async fn put_state(State(app): State<Arc<App>>, body: Bytes) -> Response {
    // Reading a large document takes CPU for a while: off the async workers, off the lock.
    match tokio::task::spawn_blocking(move || app.import_state(&body)).await {
        Ok(Ok((groups, rules))) => Json(json!({"groups": groups, "rules": rules})).into_response(),
        Ok(Err(crate::ImportError::Invalid(e))) => {
            error(StatusCode::BAD_REQUEST, "InvalidState", e.to_string())
        }
        Ok(Err(crate::ImportError::Storage(e))) => {
            tracing::error!(error = %e, "could not write the imported state");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                "the state could not be made durable; nothing changed",
            )
        }
        Err(_) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "the state document could not be read",
        ),
    }
}

async fn get_faults(State(app): State<Arc<App>>) -> Json<Value> {
    Json(app.faults.list())
}

/// Replace the fault rules: one rule object or an array of them.
async fn put_faults(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let specs: Vec<FaultSpec> = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Array(items)) => match items.into_iter().map(serde_json::from_value).collect() {
            Ok(s) => s,
            Err(e) => return error(StatusCode::BAD_REQUEST, "InvalidFault", e.to_string()),
        },
        Ok(one @ Value::Object(_)) => match serde_json::from_value(one) {
            Ok(s) => vec![s],
            Err(e) => return error(StatusCode::BAD_REQUEST, "InvalidFault", e.to_string()),
        },
        Ok(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "InvalidFault",
                "expected a fault object or an array of them",
            )
        }
        Err(e) => return error(StatusCode::BAD_REQUEST, "InvalidFault", e.to_string()),
    };
    if let Err(e) = crate::faults::Faults::validate(&specs) {
        return error(StatusCode::BAD_REQUEST, "InvalidFault", e);
    }
    // A rule naming no action would silently never fire.
    for (i, spec) in specs.iter().enumerate() {
        if let Some(action) = &spec.action {
            if let Err(close) = crate::products::check_action(spec.product.as_deref(), action) {
                let product = spec
                    .product
                    .as_deref()
                    .map(|p| format!(" in product {p}"))
                    .unwrap_or_default();
                let hint = if close.is_empty() {
                    String::new()
                } else {
                    format!("; did you mean {}?", close.join(", "))
                };
                return error(
                    StatusCode::BAD_REQUEST,
                    "InvalidFault",
                    format!("faults[{i}]: there is no action {action:?}{product}{hint}"),
                );
            }
        }
    }
    if let Err(e) = app.faults.set(specs) {
        return error(StatusCode::BAD_REQUEST, "InvalidFault", e);
    }
    Json(app.faults.list()).into_response()
}

async fn delete_faults(State(app): State<Arc<App>>) -> Json<Value> {
    app.faults.clear();
    Json(json!([]))
}

#[derive(Deserialize)]
struct RequestsQuery {
    limit: Option<usize>,
}

async fn requests(
    State(app): State<Arc<App>>,
    q: Result<Query<RequestsQuery>, QueryRejection>,
) -> Response {
    let q = match q {
        Ok(Query(q)) => q,
        Err(e) => return bad_query(e),
    };
    let limit = q.limit.unwrap_or(crate::requests::CAPACITY);
    Json(app.requests.recent(limit)).into_response()
}

async fn delete_requests(State(app): State<Arc<App>>) -> Json<Value> {
    app.requests.clear();
    Json(json!([]))
}

/// `PUT /_sgmock/instances`: virtual instances of one product, account and region (docs/reference/membership.md §6).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InstancesBody {
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    product: Option<String>,
    #[serde(default)]
    region: Option<String>,
    instances: Vec<InstanceDoc>,
}

/// Declare instances: each is created or replaced by id, all or none; 400 for a body that cannot
/// be taken as a whole, 409 for a VPC change under memberships.
async fn put_instances(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let bad = |m: String| error(StatusCode::BAD_REQUEST, "InvalidInstances", m);
    let body: InstancesBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return bad(e.to_string()),
    };
    let key = body.product.as_deref().unwrap_or("ecs");
    let region = body.region.as_deref();
    let (product, scope) = match admin_scope(body.product.as_deref(), body.account.clone(), region)
    {
        Ok(found) => found,
        Err(ScopeProblem::UnknownProduct { keys }) => {
            return bad(format!("product {key:?} is not {}", keys.join(" or ")))
        }
        Err(ScopeProblem::NoRegion) => {
            return bad(format!("region is required for {key} instances"))
        }
        Err(ScopeProblem::UnservedRegion) => {
            return bad(format!(
                "region {:?} is not one sgmock serves",
                region.unwrap_or("")
            ))
        }
    };
    let mut instances = Vec::with_capacity(body.instances.len());
    for (i, d) in body.instances.iter().enumerate() {
        match instance_from(d, scope.clone(), &|| format!("instances[{i}]")) {
            Ok(instance) => instances.push(instance),
            Err(e) => return bad(e.to_string()),
        }
    }
    let rules = product.policy.membership;
    // A refused declaration changes nothing (it validates everything first), so its error is a
    // value of the closure, not a failed write.
    match app
        .store
        .write(|s| Ok(s.declare_instances(instances, rules)))
    {
        Ok(Ok(n)) => Json(json!({"instances": n})).into_response(),
        Ok(Err(e @ DeclareError::VpcChange(_))) => {
            error(StatusCode::CONFLICT, "InstanceInUse", e.to_string())
        }
        Ok(Err(e)) => bad(e.to_string()),
        Err(_) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "the instances could not be made durable; nothing changed",
        ),
    }
}

/// Every instance, with its account, product, region and interfaces' groups, by id.
async fn get_instances(State(app): State<Arc<App>>) -> Json<Value> {
    Json(app.store.read(|s| {
        let mut all: Vec<_> = s.all_instances().collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        let items: Vec<Value> = all
            .into_iter()
            .map(|i| {
                let product = crate::products::policy_of(&i.scope.namespace).key;
                let region = match &i.scope.namespace {
                    Namespace::Region(r) => Value::from(r.as_str()),
                    Namespace::Edge => Value::Null,
                };
                let mut v = serde_json::to_value(instance_doc(i)).unwrap_or(Value::Null);
                if let Value::Object(m) = &mut v {
                    m.insert("account".into(), i.scope.account.as_str().into());
                    m.insert("product".into(), product.into());
                    m.insert("region".into(), region);
                }
                v
            })
            .collect();
        Value::Array(items)
    }))
}

/// Release an instance: its memberships go with it.
async fn delete_instance(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    match app.store.write(|s| Ok(s.release_instance(None, &id))) {
        Ok(true) => Json(json!({"released": id})).into_response(),
        Ok(false) => error(
            StatusCode::NOT_FOUND,
            "InstanceNotFound",
            format!("there is no instance {id}"),
        ),
        Err(_) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "the release could not be made durable; nothing changed",
        ),
    }
}

// ---------------------------------------------------------------- the console

/// The console's files, embedded at build time (no network at run time).
const UI_INDEX: &str = include_str!("ui/index.html");
const UI_JS: &str = include_str!("ui/app.js");
const UI_CSS: &str = include_str!("ui/app.css");

fn ui_file(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type),
            (axum::http::header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

async fn ui_redirect() -> Response {
    axum::response::Redirect::permanent("/_sgmock/ui/").into_response()
}

async fn ui_index() -> Response {
    ui_file("text/html; charset=utf-8", UI_INDEX)
}

async fn ui_js() -> Response {
    ui_file("text/javascript; charset=utf-8", UI_JS)
}

async fn ui_css() -> Response {
    ui_file("text/css; charset=utf-8", UI_CSS)
}
