//! The registry credentials the builder pulls with and the registry service pushes with:
//! stored per registry host, decrypted on use.

use anyhow::Context as _;
use bollard::auth::DockerCredentials;

use crate::secrets::CredentialsKey;
use crate::store::credentials::{LoginError, RegistryLogin};
use crate::store::Store;

/// Stored registry credentials, when the service has a key to read them.
#[derive(Clone)]
pub struct Logins {
    source: Option<(Store, CredentialsKey)>,
}

impl Logins {
    /// Connects to the store when a key is configured; without one, every pull and push is
    /// anonymous.
    pub async fn connect(database_url: &str, key: Option<&CredentialsKey>) -> anyhow::Result<Self> {
        let Some(key) = key else {
            return Ok(Self { source: None });
        };
        let store = Store::connect(database_url)
            .await
            .context("cannot open the credentials store")?;
        // The gateway usually creates the table; a service started first must not fail its
        // first lookups.
        store.migrate().await?;
        Ok(Self {
            source: Some((store, key.clone())),
        })
    }

    /// Whether stored credentials can be read at all: false without a credentials key.
    pub fn can_read(&self) -> bool {
        self.source.is_some()
    }

    /// The store, for readiness checks; `None` without a key.
    pub fn store(&self) -> Option<&Store> {
        self.source.as_ref().map(|(store, _)| store)
    }

    /// The decrypted login stored for `host`; `None` when none is, or without a key.
    pub async fn login(&self, host: &str) -> Result<Option<RegistryLogin>, LoginError> {
        match &self.source {
            Some((store, key)) => store.registry_login(key, host).await,
            None => Ok(None),
        }
    }
}

/// What Docker sends the registry for `login`.
pub fn docker_credentials(login: &RegistryLogin) -> DockerCredentials {
    DockerCredentials {
        username: Some(login.username.clone()),
        password: Some(login.secret.expose().to_string()),
        serveraddress: Some(login.host.clone()),
        ..Default::default()
    }
}
