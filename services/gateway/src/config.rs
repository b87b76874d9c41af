//! The gateway's configuration, read from the environment once at start-up.

use std::net::SocketAddr;
use std::time::Duration;

use forklift_shared::config::{self, ConfigError, NatsConfig};
use forklift_shared::secrets::CredentialsKey;

/// Shortest JWT secret accepted: HS256 keys shorter than the hash are guessable.
const MIN_SECRET_LEN: usize = 32;

#[derive(Debug, Clone)]
pub struct Config {
    pub nats: NatsConfig,
    /// `FORKLIFT_DATABASE_URL`.
    pub database_url: String,
    /// `FORKLIFT_GATEWAY_ADDR`, default `127.0.0.1:8000`.
    pub addr: SocketAddr,
    /// `FORKLIFT_JWT_SECRET` (required, at least 32 bytes): signs access tokens and sessions.
    pub jwt_secret: String,
    /// `FORKLIFT_TOKEN_TTL_SECS`, default 43200 (12 hours).
    pub token_ttl: Duration,
    /// `FORKLIFT_ADMIN_USERNAME` and `FORKLIFT_ADMIN_PASSWORD`: the admin account made or
    /// updated at start-up; no admin when unset.
    pub admin: Option<(String, String)>,
    /// `FORKLIFT_STATIC_DIR`, default `static` next to the workspace: htmx, CSS, Swagger UI.
    pub static_dir: String,
    /// `FORKLIFT_CREDENTIALS_KEY`: encrypts the registry credentials admins store; without it
    /// the `/registries/` endpoints answer 503. The same key as the registry service's.
    pub credentials_key: Option<CredentialsKey>,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let jwt_secret = config::required("FORKLIFT_JWT_SECRET")?;
        if jwt_secret.len() < MIN_SECRET_LEN {
            return Err(ConfigError::Invalid {
                name: "FORKLIFT_JWT_SECRET",
                value: "(hidden)".into(),
                reason: format!("use at least {MIN_SECRET_LEN} characters"),
            });
        }
        let admin = match (
            config::optional("FORKLIFT_ADMIN_USERNAME"),
            config::optional("FORKLIFT_ADMIN_PASSWORD"),
        ) {
            (Some(user), Some(password)) => Some((user, password)),
            _ => None,
        };
        Ok(Self {
            nats: NatsConfig::from_env()?,
            database_url: config::database_url(),
            addr: config::listen_addr("FORKLIFT_GATEWAY_ADDR", "127.0.0.1:8000")?,
            jwt_secret,
            token_ttl: Duration::from_secs(config::parsed_or("FORKLIFT_TOKEN_TTL_SECS", 43_200)?),
            admin,
            static_dir: config::optional("FORKLIFT_STATIC_DIR")
                .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../../static").into()),
            credentials_key: config::credentials_key()?,
        })
    }
}
