use anyhow::Context;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    forklift_shared::telemetry::init("inventory");
    let config = forklift_inventory::Config::from_env()?;
    let listener = std::net::TcpListener::bind(config.addr)
        .with_context(|| format!("cannot listen on {}", config.addr))?;
    tracing::info!(addr = %config.addr, "inventory service listening");
    forklift_inventory::run(config, listener).await
}
