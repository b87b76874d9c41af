//! The start of each worker service's binary: telemetry, configuration, the health port, and
//! one report of whatever ended the service.

use std::future::Future;
use std::net::{SocketAddr, TcpListener};
use std::process::ExitCode;

use anyhow::Context as _;

use crate::config::ConfigError;

/// Runs a service named `name` with `config`, its health endpoints on the address `addr_of`
/// reads from it, and returns the process's exit code. A fatal error is reported here, once.
pub async fn serve<C, F, W>(
    name: &'static str,
    config: Result<C, ConfigError>,
    addr_of: impl FnOnce(&C) -> SocketAddr,
    run: F,
) -> ExitCode
where
    F: FnOnce(C, TcpListener) -> W,
    W: Future<Output = anyhow::Result<()>>,
{
    crate::telemetry::init(name);
    match start(config, addr_of, run).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(service = name, error = format!("{e:#}"), "service stopped");
            ExitCode::FAILURE
        }
    }
}

async fn start<C, F, W>(
    config: Result<C, ConfigError>,
    addr_of: impl FnOnce(&C) -> SocketAddr,
    run: F,
) -> anyhow::Result<()>
where
    F: FnOnce(C, TcpListener) -> W,
    W: Future<Output = anyhow::Result<()>>,
{
    let config = config.context("invalid configuration")?;
    let addr = addr_of(&config);
    let listener = TcpListener::bind(addr).with_context(|| format!("cannot listen on {addr}"))?;
    tracing::info!(http.addr = %listener.local_addr()?, "health endpoints listening");

    run(config, listener).await
}

/// Completes when the process is asked to stop (SIGTERM, or SIGINT from a terminal).
pub async fn stop_signal() {
    use tokio::signal::unix::{signal, SignalKind};

    let (Ok(mut term), Ok(mut interrupt)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::warn!("cannot watch for stop signals; a stop will drop the work in flight");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM received"),
        _ = interrupt.recv() => tracing::info!("SIGINT received"),
    }
}
