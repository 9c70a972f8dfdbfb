//! The `sgmock` binary: flags → logging → state → serve; a graceful stop on SIGTERM/SIGINT.

// As in the library: bad flags or a bad state file end with a message and an exit code, never a panic.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::unreachable,
    clippy::indexing_slicing
)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use sgmock::config::LogFormat;
use sgmock::logbuf::{LogBuffer, LogBufferHandle};
use sgmock::{App, Config};
use tracing_subscriber::EnvFilter;

/// `--health-check`: GET /_sgmock/health on the listen address (a wildcard address probes loopback).
fn health_check(listen: &str) -> ExitCode {
    let addrs: Vec<SocketAddr> = listen
        .to_socket_addrs()
        .map(|a| a.collect())
        .unwrap_or_default();
    let Some(mut addr) = addrs.into_iter().next() else {
        eprintln!("sgmock: cannot resolve {listen}");
        return ExitCode::FAILURE;
    };
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    let probe = || -> std::io::Result<bool> {
        let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
        s.set_read_timeout(Some(Duration::from_secs(2)))?;
        write!(
            s,
            "GET /_sgmock/health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )?;
        let mut head = [0u8; 12];
        s.read_exact(&mut head)?;
        Ok(head.starts_with(b"HTTP/1.1 200"))
    };
    match probe() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("sgmock: health check of {addr} failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Resolves when SIGTERM or SIGINT arrives.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::parse();
    if config.health_check {
        return health_check(&config.listen);
    }
    // Logs go to stderr; stdout carries only the ready line, so a harness that starts sgmock on
    // port 0 can read the address it got.
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Colours only for a terminal: a log file or a container's log stays plain.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    // Lines are written in batches by a thread of their own (src/logbuf.rs: a write per line cost
    // more than an Authorize); everything pending is written before the process exits.
    let log = LogBuffer::start(Box::new(std::io::stderr()));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(LogBufferHandle(log.clone()))
        .with_ansi(ansi);
    match config.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
    // Request lines (one per call) are written by sgmock itself in the same format, without
    // tracing's formatting machinery; a terminal's coloured lines stay with tracing.
    if !ansi {
        sgmock::logbuf::install(log.clone(), config.log_format == LogFormat::Json);
    }
    let code = serve(config).await;
    log.flush();
    code
}

async fn serve(config: Config) -> ExitCode {
    // Bind first: a start that cannot listen creates no file (and takes no state-file lock).
    let listener = match tokio::net::TcpListener::bind(&config.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("sgmock: cannot listen on {}: {e}", config.listen);
            return ExitCode::FAILURE;
        }
    };
    let app = match App::new(config) {
        Ok(a) => Arc::new(a),
        Err(e) => {
            eprintln!("sgmock: {e}");
            return ExitCode::FAILURE;
        }
    };
    let local = listener.local_addr().ok();
    if let Some(warning) =
        local.and_then(|a| sgmock::config::exposure_warning(a, app.config.admin_token.is_some()))
    {
        tracing::warn!("{warning}");
    }
    match &app.tls {
        Some(t) if t.ca_pem.is_some() => tracing::info!(
            "TLS and plain HTTP on the same port; clients that check certificates trust sgmock's CA: \
             GET /_sgmock/ca.pem, or --tls-ca-out PATH"
        ),
        Some(_) => tracing::info!("TLS (your certificate) and plain HTTP on the same port"),
        None => {}
    }
    for warning in sgmock::config::startup_warnings(&app.config) {
        tracing::warn!("{warning}");
    }
    let addr = local.map(|a| a.to_string()).unwrap_or_default();
    tracing::info!(
        %addr,
        version = env!("CARGO_PKG_VERSION"),
        auth = ?app.config.auth,
        state_file = ?app.config.state_file,
        "sgmock {} listening",
        env!("CARGO_PKG_VERSION")
    );
    println!("{}{addr}", sgmock::READY_LINE);
    let limits = app.config.connection_limits();
    sgmock::serve::serve(
        listener,
        sgmock::router(app.clone()),
        limits,
        app.tls.as_ref().map(|t| t.acceptor.clone()),
        shutdown_signal(),
    )
    .await;
    // Every write is already in the journal; a final snapshot makes the next start fast.
    if let Err(e) = app.store.flush() {
        tracing::error!(error = %e, "could not write the final snapshot");
    }
    ExitCode::SUCCESS
}
