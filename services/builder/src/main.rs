//! The `forklift-builder` binary: reads its configuration and runs the builder.

use std::process::ExitCode;

use anyhow::Context as _;
use forklift_builder::Config;

#[tokio::main]
async fn main() -> ExitCode {
    forklift_shared::telemetry::init("builder");
    match start().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The one place a fatal error is reported.
            tracing::error!(error = format!("{e:#}"), "builder stopped");
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

    forklift_builder::run(
        config,
        listener,
        forklift_shared::service::work_queue::stop_signal(),
    )
    .await
}
