//! The registry service's configuration, read once from the environment at start-up.

use std::net::SocketAddr;
use std::time::Duration;

use forklift_shared::config::{self, ConfigError, NatsConfig};
use forklift_shared::secrets::CredentialsKey;

use crate::retry::RetryPolicy;
use forklift_shared::service::insecure::InsecureRegistries;

/// Everything the registry service needs to know about its deployment.
///
/// Docker is found through the usual `DOCKER_HOST` variable (default: the local socket); it must
/// be the daemon the builder builds on, since that is where the images are.
#[derive(Debug, Clone)]
pub struct Config {
    /// `FORKLIFT_NATS_URL` and `FORKLIFT_NATS_PREFIX`, see [`NatsConfig`].
    pub nats: NatsConfig,
    /// `FORKLIFT_DATABASE_URL`: where stored registry credentials are read. Only connected to
    /// when a credentials key is set.
    pub database_url: String,
    /// `FORKLIFT_CREDENTIALS_KEY`: decrypts stored registry credentials. Without it every push
    /// is anonymous.
    pub credentials_key: Option<CredentialsKey>,
    /// `FORKLIFT_REGISTRY_ADDR`, default `127.0.0.1:8003`: where `/healthz` and `/readyz` listen.
    pub addr: SocketAddr,
    /// `FORKLIFT_INSECURE_REGISTRIES`, default empty: comma-separated `host[:port]` of registries
    /// that may be pushed to over plain HTTP.
    pub insecure_registries: InsecureRegistries,
    /// `FORKLIFT_REGISTRY_CONCURRENCY`, default 2: pushes this process runs at once.
    pub concurrency: usize,
    /// `FORKLIFT_REGISTRY_ACK_WAIT_SECS`, default 60: how long JetStream waits for a sign of life
    /// before handing a push request to another instance. A running push reports progress every
    /// third of this.
    pub ack_wait: Duration,
    /// `FORKLIFT_PUSH_MAX_RETRIES` (default 4) and `FORKLIFT_PUSH_RETRY_DELAY_MS` (default 2000):
    /// how often a push that failed for a passing reason is tried again, and the first wait,
    /// doubled after each retry.
    pub retry: RetryPolicy,
    /// `FORKLIFT_PUSH_TIMEOUT_SECS`, default 3600: longest one try of a push may take.
    pub push_timeout: Duration,
    /// `FORKLIFT_SHUTDOWN_GRACE_SECS`, default 30: on SIGTERM the service takes no new request
    /// and gives the pushes in flight this long to finish; the rest go to another instance.
    pub shutdown_grace: Duration,
}

impl Config {
    /// Reads every variable, reporting the first one that is not valid.
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            nats: NatsConfig::from_env()?,
            database_url: config::database_url(),
            credentials_key: config::credentials_key()?,
            addr: config::listen_addr("FORKLIFT_REGISTRY_ADDR", "127.0.0.1:8003")?,
            insecure_registries: config::parsed_or(
                "FORKLIFT_INSECURE_REGISTRIES",
                InsecureRegistries::default(),
            )?,
            concurrency: config::at_least_one("FORKLIFT_REGISTRY_CONCURRENCY", 2)?,
            ack_wait: Duration::from_secs(config::at_least_one(
                "FORKLIFT_REGISTRY_ACK_WAIT_SECS",
                60,
            )?),
            retry: RetryPolicy {
                max_retries: config::parsed_or("FORKLIFT_PUSH_MAX_RETRIES", 4)?,
                first_delay: Duration::from_millis(config::parsed_or(
                    "FORKLIFT_PUSH_RETRY_DELAY_MS",
                    2000,
                )?),
            },
            push_timeout: Duration::from_secs(config::at_least_one(
                "FORKLIFT_PUSH_TIMEOUT_SECS",
                3600,
            )?),
            shutdown_grace: Duration::from_secs(config::parsed_or(
                "FORKLIFT_SHUTDOWN_GRACE_SECS",
                30,
            )?),
        })
    }
}
