//! The builder's configuration, read once from the environment at start-up.

use std::net::SocketAddr;
use std::time::Duration;

use forklift_shared::config::{self, ConfigError, NatsConfig};
use forklift_shared::dockerfile::BuildSettings;

use crate::credentials::RegistryAccess;

/// Everything the builder needs to know about its deployment.
///
/// Docker is found through the usual `DOCKER_HOST` variable (default: the local socket).
#[derive(Debug, Clone)]
pub struct Config {
    /// `FORKLIFT_NATS_URL` and `FORKLIFT_NATS_PREFIX`, see [`NatsConfig`].
    pub nats: NatsConfig,
    /// `FORKLIFT_BUILDER_ADDR`, default `127.0.0.1:8001`: where `/healthz` and `/readyz` listen.
    pub addr: SocketAddr,
    /// `FORKLIFT_BUILDER_CONCURRENCY`, default 2: builds this process runs at once.
    pub concurrency: usize,
    /// `FORKLIFT_BUILDER_MAX_ATTEMPTS`, default 3: deliveries of one build request before the
    /// task is failed. A delivery is only repeated when a builder stopped in the middle of it.
    pub max_attempts: u32,
    /// `FORKLIFT_BUILDER_ACK_WAIT_SECS`, default 60: how long JetStream waits for a sign of life
    /// from a builder before handing its request to another one. A running build reports
    /// progress every third of this.
    pub ack_wait: Duration,
    /// `FORKLIFT_BUILD_TIMEOUT_SECS`, default 3600: longest a pull of the source image, or a
    /// `docker build`, may take.
    pub build_timeout: Duration,
    /// `FORKLIFT_CHECK_TIMEOUT_SECS`, default 120: longest the check script may run inside the
    /// built image.
    pub check_timeout: Duration,
    /// `FORKLIFT_APT_MIRROR`, `FORKLIFT_PIP_INDEX_URL`, `FORKLIFT_BUILD_CA_FILE`, see
    /// [`config::build_settings_from_env`].
    pub settings: BuildSettings,
    /// `FORKLIFT_DATABASE_URL`, `FORKLIFT_CREDENTIALS_KEY` and `FORKLIFT_INSECURE_REGISTRIES`,
    /// for pulling private source images, see [`RegistryAccess`].
    pub registries: RegistryAccess,
    /// `FORKLIFT_SHUTDOWN_GRACE_SECS`, default 30: on SIGTERM the builder takes no new request
    /// and gives the builds in flight this long to finish; the rest go to another builder.
    pub shutdown_grace: Duration,
}

impl Config {
    /// Reads every variable, reporting the first one that is not valid.
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            nats: NatsConfig::from_env()?,
            addr: config::listen_addr("FORKLIFT_BUILDER_ADDR", "127.0.0.1:8001")?,
            concurrency: config::at_least_one("FORKLIFT_BUILDER_CONCURRENCY", 2)?,
            max_attempts: config::at_least_one("FORKLIFT_BUILDER_MAX_ATTEMPTS", 3)?,
            ack_wait: seconds("FORKLIFT_BUILDER_ACK_WAIT_SECS", 60)?,
            build_timeout: seconds("FORKLIFT_BUILD_TIMEOUT_SECS", 3600)?,
            check_timeout: seconds("FORKLIFT_CHECK_TIMEOUT_SECS", 120)?,
            settings: config::build_settings_from_env()?,
            registries: registry_access()?,
            shutdown_grace: Duration::from_secs(config::parsed_or(
                "FORKLIFT_SHUTDOWN_GRACE_SECS",
                30,
            )?),
        })
    }
}

/// A whole number of seconds, at least 1.
fn seconds(name: &'static str, default: u64) -> Result<Duration, ConfigError> {
    config::at_least_one(name, default).map(Duration::from_secs)
}

/// The stored credentials and the plain-HTTP list the registry service reads too.
fn registry_access() -> Result<RegistryAccess, ConfigError> {
    Ok(RegistryAccess {
        database_url: config::database_url(),
        credentials_key: config::credentials_key()?,
        insecure_registries: config::parsed_or("FORKLIFT_INSECURE_REGISTRIES", Default::default())?,
    })
}
