use anyhow::Context;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    forklift_shared::telemetry::init("gateway");
    let config = forklift_gateway::Config::from_env()?;
    let listener = std::net::TcpListener::bind(config.addr)
        .with_context(|| format!("cannot listen on {}", config.addr))?;
    tracing::info!(addr = %config.addr, "gateway listening on http://{}", config.addr);
    forklift_gateway::run(config, listener).await
}
