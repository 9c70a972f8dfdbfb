//! sgmock: a local emulator of the Alibaba Cloud ECS (2014-05-26) and ENS (2017-11-10)
//! security-group APIs. `app()` builds the router; tests call it in-process.

pub mod auth;
pub mod config;
pub mod domain;
pub mod products;
pub mod rpc;

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::response::Response;
use axum::routing::any;
use axum::Router;

use auth::{Auth, Signed};
pub use config::Config;
use domain::store::{Clock, Limits, State as DomainState, Store};
use rpc::{envelope, Format, RpcRequest, MAX_BODY_BYTES};

/// The account requests land in while authentication is off.
pub const DEFAULT_ACCOUNT: &str = "1234567890123456";

/// Shared application state.
pub struct App {
    pub store: Store,
    pub auth: Auth,
    pub config: Config,
    clock: Clock,
}

fn system_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl App {
    pub fn new(config: Config) -> App {
        App::with_clock(config, Arc::new(system_clock))
    }

    /// An app whose clock (creation times, signature time window) is `clock` — tests pin it.
    pub fn with_clock(config: Config, clock: Clock) -> App {
        let limits = Limits {
            rules_per_group: config.rule_limit,
            groups_per_scope: config.group_quota,
            ..Limits::default()
        };
        let mut state = DomainState::new(limits, config.seed);
        state.set_clock(clock.clone());
        let store = Store::new(state);
        App {
            store,
            auth: Auth::new(config.auth, &config.access_keys, DEFAULT_ACCOUNT),
            config,
            clock,
        }
    }

    /// Unix seconds by the app's clock.
    pub fn now(&self) -> i64 {
        (self.clock)()
    }
}

/// The router for a fresh in-memory state.
pub fn app(config: Config) -> Router {
    router(Arc::new(App::new(config)))
}

/// The router over an existing state.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", any(rpc_handler))
        .fallback(not_found)
        .with_state(app)
}

async fn rpc_handler(State(app): State<Arc<App>>, req: Request) -> Response {
    let started = Instant::now();
    let request_id = envelope::new_request_id();
    let (parts, body) = req.into_parts();
    let (resp, outcome) = if parts.method != Method::GET && parts.method != Method::POST {
        products::gateway_error(Format::Json, &request_id, &products::Failure::Method)
    } else {
        match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
            Err(_) => {
                products::gateway_error(Format::Json, &request_id, &products::Failure::BodyTooLarge)
            }
            Ok(bytes) => {
                let rpc = RpcRequest::decode(
                    parts.method.as_str(),
                    parts.uri.query(),
                    &parts.headers,
                    &bytes,
                );
                let signed = Signed {
                    method: parts.method.as_str(),
                    path: parts.uri.path(),
                    headers: &parts.headers,
                    query: &rpc.query,
                    params: &rpc.pairs,
                    body: &bytes,
                };
                products::handle(&app, &rpc, &signed, &request_id)
            }
        }
    };
    products::log(&outcome, &request_id, started);
    resp
}

async fn not_found(req: Request) -> Response {
    let request_id = envelope::new_request_id();
    let (resp, outcome) = products::gateway_error(
        Format::Json,
        &request_id,
        &products::Failure::UnknownAction(req.uri().path().to_string()),
    );
    products::log(&outcome, &request_id, Instant::now());
    resp
}
