//! sgmock: a local emulator of the Alibaba Cloud ECS (2014-05-26) and ENS (2017-11-10)
//! security-group APIs. `app()` builds the router; tests call it in-process.

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

pub use config::Config;
use domain::store::{Limits, Store};
use rpc::{envelope, Format, RpcRequest, MAX_BODY_BYTES};

/// The account requests land in while authentication is off.
pub const DEFAULT_ACCOUNT: &str = "1234567890123456";

/// Shared application state.
pub struct App {
    pub store: Store,
    pub config: Config,
    pub default_account: String,
}

impl App {
    pub fn new(config: Config) -> App {
        let limits = Limits {
            rules_per_group: config.rule_limit,
            groups_per_scope: config.group_quota,
            ..Limits::default()
        };
        App {
            store: Store::new(limits, config.seed),
            config,
            default_account: DEFAULT_ACCOUNT.to_string(),
        }
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
                products::handle(&app, rpc, &request_id)
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
