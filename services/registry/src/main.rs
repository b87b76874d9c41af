//! The `forklift-registry` binary: reads its configuration and runs the registry service.

use std::process::ExitCode;

use anyhow::Context as _;
use forklift_registry::Config;

#[tokio::main]
async fn main() -> ExitCode {
    forklift_shared::telemetry::init("registry");
    match start().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The one place a fatal error is reported.
            tracing::error!(error = format!("{e:#}"), "registry service stopped");
            ExitCode::FAILURE
        }
    }
}

async fn start() -> anyhow::Result<()> {
    let config = Config::from_env().context("invalid configuration")?;
    let listener = std::net::TcpListener::bind(config.addr)
        .with_context(|| format!("cannot listen on {}", config.addr))?;
    let addr = listener.local_addr()?;
    tracing::info!(http.addr = %addr, "health endpoints listening");

    forklift_registry::run(
        config,
        listener,
        forklift_shared::service::work_queue::stop_signal(),
    )
    .await
}
