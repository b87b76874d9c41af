//! Registry credentials: one user and secret per registry host, the secret encrypted with the
//! deployment's [`CredentialsKey`] before it is written, and bound to its host.
//!
//! Listing returns [`RegistryCredential`], which has no secret; only [`Store::registry_login`],
//! used by the services that push and pull, decrypts one.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::RunQueryDsl;

use super::schema::registry_credentials;
use super::{Store, StoreError};
use crate::image_ref::ImageRef;
use crate::secrets::{CredentialsKey, Sealed, Secret};

/// The host Docker uses for references without a registry.
pub const DOCKER_HUB: &str = "docker.io";

/// Stored credentials as admins see them: everything but the secret.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = registry_credentials)]
pub struct RegistryCredential {
    pub host: String,
    pub username: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a push or pull presents to a registry. `Debug` redacts the secret.
#[derive(Debug, Clone)]
pub struct RegistryLogin {
    pub host: String,
    pub username: String,
    pub secret: Secret,
}

/// Why no login could be had for a registry.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "the stored secret for {host} cannot be decrypted with FORKLIFT_CREDENTIALS_KEY: the key \
         changed since it was stored, or the row was altered; store the credentials again"
    )]
    Undecryptable { host: String },
}

#[derive(Insertable)]
#[diesel(table_name = registry_credentials)]
struct NewRow<'a> {
    host: &'a str,
    username: &'a str,
    secret_nonce: Vec<u8>,
    secret_ciphertext: Vec<u8>,
}

/// Columns an update sets; `None` leaves a column as it is.
#[derive(AsChangeset)]
#[diesel(table_name = registry_credentials)]
struct Changes<'a> {
    username: Option<&'a str>,
    secret_nonce: Option<Vec<u8>>,
    secret_ciphertext: Option<Vec<u8>>,
    updated_at: DateTime<Utc>,
}

/// The row key of a registry host: host names are case-insensitive.
pub fn host_key(host: &str) -> String {
    host.trim().to_ascii_lowercase()
}

/// The row key of the registry an image reference names; Docker Hub when it names none.
pub fn host_key_of(reference: &ImageRef) -> String {
    host_key(reference.registry_host().unwrap_or(DOCKER_HUB))
}

impl Store {
    /// Stores credentials for a registry; `Conflict` when it has some already.
    pub async fn create_registry_credential(
        &self,
        key: &CredentialsKey,
        host: &str,
        username: &str,
        secret: &Secret,
    ) -> Result<RegistryCredential, StoreError> {
        let host = host_key(host);
        let sealed = key.seal(secret, &host);
        let row = NewRow {
            host: &host,
            username,
            secret_nonce: sealed.nonce,
            secret_ciphertext: sealed.ciphertext,
        };
        let mut conn = self.conn().await?;
        let inserted = diesel::insert_into(registry_credentials::table)
            .values(&row)
            .returning(RegistryCredential::as_returning())
            .get_result(&mut conn)
            .await;
        match inserted {
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                Err(StoreError::Conflict("credentials for this registry"))
            }
            other => Ok(other?),
        }
    }

    /// Every registry with stored credentials, by host.
    pub async fn registry_credentials(&self) -> Result<Vec<RegistryCredential>, StoreError> {
        let mut conn = self.conn().await?;
        Ok(registry_credentials::table
            .order(registry_credentials::host.asc())
            .select(RegistryCredential::as_select())
            .load(&mut conn)
            .await?)
    }

    /// Changes the user, the secret or both; `None` when the registry has no credentials.
    pub async fn update_registry_credential(
        &self,
        key: &CredentialsKey,
        host: &str,
        username: Option<&str>,
        secret: Option<&Secret>,
    ) -> Result<Option<RegistryCredential>, StoreError> {
        let host = host_key(host);
        let sealed = secret.map(|s| key.seal(s, &host));
        let (secret_nonce, secret_ciphertext) = match sealed {
            Some(Sealed { nonce, ciphertext }) => (Some(nonce), Some(ciphertext)),
            None => (None, None),
        };
        let changes = Changes {
            username,
            secret_nonce,
            secret_ciphertext,
            updated_at: Utc::now(),
        };
        let mut conn = self.conn().await?;
        Ok(diesel::update(registry_credentials::table.find(&host))
            .set(&changes)
            .returning(RegistryCredential::as_returning())
            .get_result(&mut conn)
            .await
            .optional()?)
    }

    /// Forgets a registry's credentials; false when it had none.
    pub async fn delete_registry_credential(&self, host: &str) -> Result<bool, StoreError> {
        let mut conn = self.conn().await?;
        let deleted = diesel::delete(registry_credentials::table.find(host_key(host)))
            .execute(&mut conn)
            .await?;
        Ok(deleted > 0)
    }

    /// The decrypted login for `host`, if credentials are stored for it.
    pub async fn registry_login(
        &self,
        key: &CredentialsKey,
        host: &str,
    ) -> Result<Option<RegistryLogin>, LoginError> {
        let host = host_key(host);
        let mut conn = self.conn().await.map_err(LoginError::Store)?;
        let row: Option<(String, Vec<u8>, Vec<u8>)> = registry_credentials::table
            .find(&host)
            .select((
                registry_credentials::username,
                registry_credentials::secret_nonce,
                registry_credentials::secret_ciphertext,
            ))
            .first(&mut conn)
            .await
            .optional()
            .map_err(StoreError::from)?;
        let Some((username, nonce, ciphertext)) = row else {
            return Ok(None);
        };

        let sealed = Sealed { nonce, ciphertext };
        let secret = key
            .open(&sealed, &host)
            .map_err(|_| LoginError::Undecryptable { host: host.clone() })?;
        Ok(Some(RegistryLogin {
            host,
            username,
            secret,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_keyed_case_insensitively_and_hub_by_its_name() {
        assert_eq!(
            host_key(" Registry.Example.com:5000 "),
            "registry.example.com:5000"
        );
        let hub = ImageRef::parse("library/python:3.11").map(|r| host_key_of(&r));
        assert_eq!(hub.as_deref(), Ok(DOCKER_HUB));
        let private = ImageRef::parse("127.0.0.1:5001/ml/base:1").map(|r| host_key_of(&r));
        assert_eq!(private.as_deref(), Ok("127.0.0.1:5001"));
    }
}
