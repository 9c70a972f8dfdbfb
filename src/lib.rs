//! sgmock: a local emulator of the Alibaba Cloud ECS (2014-05-26) and ENS (2017-11-10)
//! security-group APIs. `app()` builds the router; tests call it in-process.

// Any input, no crash: request data must never reach a panic (a panic is a 5xx). Enforced outside
// tests, where `unwrap` on known-good fixtures is fine.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable,
        clippy::indexing_slicing
    )
)]

pub mod admin;
pub mod auth;
pub mod config;
pub mod domain;
pub mod evaluate;
pub mod faults;
pub mod logbuf;
pub mod persist;
pub mod products;
pub mod requests;
pub mod rpc;
pub mod serve;
pub mod testing;
pub mod timefmt;
pub mod tls;

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
use faults::Faults;
use persist::error::{DocError, PersistError};
use persist::journal::{Journal, Options};
use requests::{Entry, RequestLog};
use rpc::{envelope, Format, RpcRequest, MAX_BODY_BYTES};

/// The account requests land in while authentication is off.
pub const DEFAULT_ACCOUNT: &str = "1234567890123456";

/// What the binary prints on stdout once it serves, followed by the address: tools and tests read
/// the port from it (`--listen 127.0.0.1:0`).
pub const READY_LINE: &str = "sgmock listening on ";

/// Shared application state.
pub struct App {
    pub store: Store,
    pub auth: Auth,
    pub faults: Faults,
    pub requests: RequestLog,
    pub config: Config,
    pub started: Instant,
    /// TLS for the listener, when `--tls on`.
    pub tls: Option<tls::Tls>,
    clock: Clock,
}

fn system_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl App {
    /// The app for `config`: its state loaded from `--state-file` and `--fixtures` when given.
    pub fn new(config: Config) -> Result<App, StartError> {
        App::with_clock(config, Arc::new(system_clock))
    }

    /// The same, with a clock of its own (creation times, the signature time window): tests pin it.
    pub fn with_clock(config: Config, clock: Clock) -> Result<App, StartError> {
        let limits = Limits {
            rules_per_group: config.rule_limit,
            groups_per_scope: config.group_quota,
            groups_per_nic: config.groups_per_eni,
            ..Limits::default()
        };
        let (mut state, journal) = match &config.state_file {
            Some(path) => {
                let opts = Options {
                    fsync: config.fsync,
                    compact_bytes: config.compact_bytes,
                    limits,
                    seed: config.seed,
                    clock: clock.clone(),
                    recover: config.recover_journal,
                    faults: config.disk_faults.clone(),
                };
                let (journal, state) = Journal::open(path, opts)?;
                (state, Some(journal))
            }
            None => (DomainState::new(limits, config.seed), None),
        };
        state.set_clock(clock.clone());
        // Fixtures seed an empty state only: a persisted sandbox keeps what it has on restart.
        let mut seeded = false;
        if let Some(path) = &config.fixtures {
            if state.counts().1 == 0 {
                persist::read_fixtures(path, clock())?
                    .load_into(&mut state)
                    .and_then(|()| served_regions_only(&state))
                    .map_err(|source| StartError::Fixtures {
                        path: path.clone(),
                        source,
                    })?;
                seeded = true;
            }
        }
        let store = Store::new(state);
        if let Some(mut journal) = journal {
            if seeded {
                store
                    .read(|s| domain::store::Sink::snapshot(&mut journal, s))
                    .map_err(StartError::Snapshot)?;
            }
            store.attach(Box::new(journal));
        }
        let tls = match config.tls {
            config::TlsMode::Off => None,
            config::TlsMode::On => Some(match (&config.tls_cert, &config.tls_key) {
                (Some(cert), Some(key)) => tls::user(cert, key)?,
                _ => {
                    let regions: Vec<&str> = products::ecs::served_regions().collect();
                    let names = tls::server_names(&regions, &config.tls_names);
                    // With a state file the CA is kept beside it, so clients trust it once.
                    let files = config.state_file.as_deref().map(tls::ca_paths);
                    tls::own(&names, files.as_ref())?
                }
            }),
        };
        if let (Some(path), Some(pem)) = (
            &config.tls_ca_out,
            tls.as_ref().and_then(|t| t.ca_pem.as_ref()),
        ) {
            std::fs::write(path, pem).map_err(|source| StartError::CaOut {
                path: path.clone(),
                source,
            })?;
        }
        Ok(App {
            tls,
            store,
            auth: Auth::new(config.auth, &config.access_keys, DEFAULT_ACCOUNT),
            faults: Faults::new(config.seed),
            requests: RequestLog::default(),
            config,
            started: Instant::now(),
            clock,
        })
    }

    /// Unix seconds by the app's clock.
    pub fn now(&self) -> i64 {
        (self.clock)()
    }

    /// Empty the state, or one account's part of it (`POST /_sgmock/reset`). A full reset also
    /// clears fault rules and the request log. Ids keep counting, so they never repeat.
    pub fn reset(&self, account: Option<&str>) -> Result<(), domain::DomainError> {
        self.store.write(|s| {
            s.reset(account);
            Ok(())
        })?;
        if account.is_none() {
            self.faults.clear();
            self.requests.clear();
        }
        Ok(())
    }

    /// Replace the state with a state document (`PUT /_sgmock/state`): (groups, rules) loaded. A
    /// document without an id seed continues the running state's sequence. Blocks for as long as a
    /// large document takes to read.
    pub fn import_state(&self, document: &[u8]) -> Result<(usize, usize), ImportError> {
        let (limits, seed) = self.store.read(|s| (s.limits(), s.id_state().0));
        let state = persist::read::read_state(document, limits, Some(seed), self.now())
            .map_err(ImportError::Invalid)?
            .state;
        served_regions_only(&state).map_err(ImportError::Invalid)?;
        let (_, groups, rules) = state.counts();
        self.store
            .replace(state)
            .map_err(|e| ImportError::Storage(e.to_string()))?;
        Ok((groups, rules))
    }

    /// The state document (`GET /_sgmock/state`).
    pub fn export_state(&self) -> Vec<u8> {
        let frozen = self.store.read(|s| s.freeze());
        let mut out = Vec::with_capacity(1 << 16);
        // Writing JSON into memory cannot fail.
        let _ = persist::doc::write_doc(&mut out, &frozen, None);
        out
    }
}

/// A state document's ECS groups, instances and lists must live in regions sgmock serves: elsewhere no
/// request could reach them (`RegionId` is checked against the same list).
fn served_regions_only(state: &DomainState) -> Result<(), DocError> {
    use domain::group::Namespace;
    let scopes = state
        .all_groups()
        .map(|g| &g.scope)
        .chain(state.all_instances().map(|i| &i.scope))
        .chain(state.all_lists().map(|l| &l.scope));
    let mut unknown: Vec<(&str, &str)> = scopes
        .filter_map(|s| match &s.namespace {
            Namespace::Region(r) if !products::ecs::is_served_region(r) => {
                Some((s.account.as_str(), r.as_str()))
            }
            _ => None,
        })
        .collect();
    unknown.sort_unstable();
    match unknown.first() {
        None => Ok(()),
        Some((account, region)) => Err(DocError::UnservedRegion {
            account: account.to_string(),
            region: region.to_string(),
            served: products::ecs::served_regions()
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// Why a state document was not imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Not a valid state document; nothing changed.
    #[error("{0}")]
    Invalid(DocError),
    /// It could not be made durable; nothing changed.
    #[error("{0}")]
    Storage(String),
}

/// Why the server cannot start: each names the file or flag at fault.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Persist(#[from] PersistError),
    #[error("fixtures {}: {source}", path.display())]
    Fixtures {
        path: std::path::PathBuf,
        source: DocError,
    },
    #[error("cannot write the snapshot of the loaded fixtures: {0}")]
    Snapshot(domain::store::SinkError),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error("cannot write the CA certificate to {}: {source}", path.display())]
    CaOut {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// The router for `config`.
pub fn app(config: Config) -> Result<Router, StartError> {
    Ok(router(Arc::new(App::new(config)?)))
}

/// The router over an existing app.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .merge(admin::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(admin::method_not_allowed)
        .layer(axum::middleware::from_fn(admin::refuse_oversized))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            admin::require_token,
        ))
        // Added after the layers, so the API's own route skips them: both only concern
        // `/_sgmock/…`, and running them cost every API call ~8,000 instructions (issue 18).
        .route("/", any(rpc_handler))
        .with_state(app)
}

async fn rpc_handler(State(app): State<Arc<App>>, req: Request) -> Response {
    let started = Instant::now();
    let request_id = envelope::new_request_id();
    let (parts, body) = req.into_parts();
    let method = parts.method.as_str().to_string();
    let mut params = Vec::new();
    // A declared length over the limit is refused before the body is read — so a client that sent
    // `Expect: 100-continue` gets the 413 instead of an invitation to send it.
    let declared = parts
        .headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let (resp, outcome) = if parts.method != Method::GET && parts.method != Method::POST {
        products::gateway_error(Format::Json, &request_id, &products::GatewayError::Method)
    } else if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        products::gateway_error(
            Format::Json,
            &request_id,
            &products::GatewayError::BodyTooLarge,
        )
    } else {
        match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
            Err(_) => products::gateway_error(
                Format::Json,
                &request_id,
                &products::GatewayError::BodyTooLarge,
            ),
            Ok(bytes) => {
                let mut rpc = RpcRequest::decode(
                    parts.method.as_str(),
                    parts.uri.query(),
                    &parts.headers,
                    &bytes,
                );
                tracing::trace!(target: "sgmock::body", request_id = %request_id, params = ?requests::redact(rpc.pairs()), "request");
                let signed = Signed {
                    method: parts.method.as_str(),
                    path: parts.uri.path(),
                    headers: &parts.headers,
                    query: rpc.query(),
                    params: rpc.pairs(),
                    body: &bytes,
                };
                let answer = match products::prepare(&app, &rpc, &signed, &request_id) {
                    Err(refused) => *refused,
                    Ok(call) => {
                        let hit = app.faults.check(
                            call.product_name(),
                            call.action.as_str(),
                            &call.account,
                        );
                        if let Some(latency) = hit.as_ref().and_then(|h| h.latency) {
                            tokio::time::sleep(latency).await;
                        }
                        match hit.and_then(|h| h.error) {
                            Some(info) => call.fault(&info, &request_id),
                            None => call.run(&app, &request_id),
                        }
                    }
                };
                // Answered: the log takes the pairs themselves rather than a copy.
                params = requests::redact_owned(rpc.params.take_pairs());
                answer
            }
        }
    };
    products::log(&outcome, &request_id, started);
    app.requests.push(Entry {
        time: timefmt::format(app.now()),
        request_id,
        method,
        product: outcome.product.to_string(),
        action: outcome.action,
        account: outcome.account,
        status: outcome.status,
        code: outcome.code,
        message: outcome
            .message
            .map(|m| requests::cut(&m, requests::MAX_VALUE_BYTES).to_string()),
        latency_us: started.elapsed().as_micros() as u64,
        params,
    });
    resp
}

async fn not_found(req: Request) -> Response {
    let request_id = envelope::new_request_id();
    let (resp, outcome) = products::gateway_error(
        Format::Json,
        &request_id,
        &products::GatewayError::UnknownAction(req.uri().path().to_string()),
    );
    products::log(&outcome, &request_id, Instant::now());
    resp
}
