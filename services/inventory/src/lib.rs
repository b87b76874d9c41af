//! Forklift's inventory service: reads every event from JetStream and keeps tasks, their
//! complete logs and built images in PostgreSQL.
//!
//! It is the only consumer that writes what builders report, so a builder never needs the
//! database, and a database outage only delays the inventory: events wait in the stream.

mod apply;
mod consumer;

use std::net::SocketAddr;
use std::time::Duration;

use forklift_shared::bus::Bus;
use forklift_shared::config::{self, ConfigError, NatsConfig};
use forklift_shared::service::health;
use forklift_shared::store::Store;

/// The inventory service's configuration, read from the environment once at start-up.
#[derive(Debug, Clone)]
pub struct Config {
    pub nats: NatsConfig,
    /// `FORKLIFT_DATABASE_URL`.
    pub database_url: String,
    /// `FORKLIFT_INVENTORY_ADDR`, default `127.0.0.1:8002`: health endpoints.
    pub addr: SocketAddr,
    /// `FORKLIFT_INVENTORY_ACK_WAIT_SECS`, default 30: how soon JetStream redelivers events
    /// the inventory failed to store.
    pub ack_wait: Duration,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            nats: NatsConfig::from_env()?,
            database_url: config::database_url(),
            addr: config::listen_addr("FORKLIFT_INVENTORY_ADDR", "127.0.0.1:8002")?,
            ack_wait: Duration::from_secs(config::parsed_or(
                "FORKLIFT_INVENTORY_ACK_WAIT_SECS",
                30,
            )?),
        })
    }
}

/// Runs the service until it fails: migrations, then the event consumer and the health server.
pub async fn run(config: Config, listener: std::net::TcpListener) -> anyhow::Result<()> {
    let store = Store::connect(&config.database_url).await?;
    store.migrate().await?;
    let bus = Bus::connect(&config.nats).await?;

    let dependencies = health::Dependencies {
        bus: bus.clone(),
        docker: None,
        store: Some(store.clone()),
    };
    let consumer = consumer::run(bus, store, config.ack_wait);
    health::serve_while(listener, dependencies, consumer).await
}
