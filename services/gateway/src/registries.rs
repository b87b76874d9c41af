//! Registry credentials as admins manage them: who may, what is valid, and what is stored.
//!
//! One implementation behind two views: the `/registries/` endpoints answer in JSON, the
//! Registries page in HTML, and both call these functions so their rules cannot drift apart.
//! Secrets go in and never come out: they are encrypted with the deployment's credentials key
//! before they are stored, and no answer, log line or error message carries them.

use forklift_shared::image_ref::check_registry_host;
use forklift_shared::secrets::{CredentialsKey, Secret};
use forklift_shared::store::credentials::{host_key, RegistryCredential};
use forklift_shared::validation::ValidationErrors;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

/// Longest user name and secret accepted; registry tokens are a few hundred bytes.
const MAX_USERNAME: usize = 255;
const MAX_SECRET: usize = 8192;

/// Credentials for one registry. `Debug` redacts the secret.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCredential {
    /// The registry as image references write it: `host[:port]`, `docker.io` for Docker Hub.
    #[schema(example = "registry.example.com:5000")]
    pub host: String,
    #[schema(example = "ci-bot")]
    pub username: String,
    /// A password or an access token. Stored encrypted; never returned.
    #[schema(value_type = String, format = Password)]
    pub secret: Secret,
}

/// What to change; fields left out keep their value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialChange {
    pub username: Option<String>,
    /// A new password or access token.
    #[schema(value_type = Option<String>, format = Password)]
    pub secret: Option<Secret>,
}

/// Every registry with stored credentials, by host, without the secrets (admins only).
pub async fn list(state: &AppState, user: &AuthUser) -> Result<Vec<RegistryCredential>, ApiError> {
    admin_with_key(state, user)?;
    Ok(state.store.registry_credentials().await?)
}

/// Checks and stores credentials for a registry that has none yet (admins only).
pub async fn create(
    state: &AppState,
    user: &AuthUser,
    form: NewCredential,
) -> Result<RegistryCredential, ApiError> {
    let key = admin_with_key(state, user)?;
    let mut errors = ValidationErrors::new();
    check_host(&mut errors, &form.host);
    check_username(&mut errors, &form.username);
    check_secret(&mut errors, &form.secret);
    errors.into_result(()).map_err(ApiError::Validation)?;

    let stored = state
        .store
        .create_registry_credential(key, &form.host, &form.username, &form.secret)
        .await?;
    tracing::info!(registry.host = %stored.host, user.id = %user.id, "registry credentials stored");
    Ok(stored)
}

/// Checks and applies a new user name, secret or both; `NotFound` for a registry without
/// credentials (admins only).
pub async fn change(
    state: &AppState,
    user: &AuthUser,
    host: &str,
    change: CredentialChange,
) -> Result<RegistryCredential, ApiError> {
    let key = admin_with_key(state, user)?;
    let mut errors = ValidationErrors::new();
    if let Some(username) = &change.username {
        check_username(&mut errors, username);
    }
    if let Some(secret) = &change.secret {
        check_secret(&mut errors, secret);
    }
    errors.into_result(()).map_err(ApiError::Validation)?;

    let username = change.username.as_deref();
    let updated = state
        .store
        .update_registry_credential(key, host, username, change.secret.as_ref())
        .await?
        .ok_or(ApiError::NotFound("credentials for this registry"))?;
    tracing::info!(registry.host = %updated.host, user.id = %user.id, "registry credentials changed");
    Ok(updated)
}

/// Forgets a registry's credentials; `NotFound` when it had none (admins only).
pub async fn remove(state: &AppState, user: &AuthUser, host: &str) -> Result<(), ApiError> {
    admin_with_key(state, user)?;
    if !state.store.delete_registry_credential(host).await? {
        return Err(ApiError::NotFound("credentials for this registry"));
    }
    tracing::info!(registry.host = %host_key(host), user.id = %user.id, "registry credentials deleted");
    Ok(())
}

/// The credentials key, once the caller is known to be an admin.
fn admin_with_key<'a>(
    state: &'a AppState,
    user: &AuthUser,
) -> Result<&'a CredentialsKey, ApiError> {
    if !user.is_admin {
        return Err(ApiError::Forbidden(
            "only admins manage registry credentials",
        ));
    }
    state.credentials_key.as_ref().ok_or_else(|| {
        ApiError::Unavailable(
            "credentials key not configured: set FORKLIFT_CREDENTIALS_KEY on the gateway".into(),
        )
    })
}

fn check_host(errors: &mut ValidationErrors, host: &str) {
    if let Err(e) = check_registry_host(host) {
        errors.add("host", e.reason());
    }
}

fn check_username(errors: &mut ValidationErrors, username: &str) {
    // Docker sends the user name in HTTP basic auth, where a ':' ends it.
    let bad_char = username.chars().any(|c| c.is_control() || c == ':');
    if username.trim().is_empty() || username.len() > MAX_USERNAME || bad_char {
        errors.add(
            "username",
            format!("use 1 to {MAX_USERNAME} characters, without ':' or control characters"),
        );
    }
}

fn check_secret(errors: &mut ValidationErrors, secret: &Secret) {
    let secret = secret.expose();
    if secret.is_empty() || secret.len() > MAX_SECRET {
        // The message never quotes the secret.
        errors.add("secret", format!("use 1 to {MAX_SECRET} bytes"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(check: impl FnOnce(&mut ValidationErrors)) -> Vec<String> {
        let mut errors = ValidationErrors::new();
        check(&mut errors);
        errors.errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn hosts_follow_the_reference_grammar() {
        for good in [
            "127.0.0.1:5001",
            "registry.example.com",
            "localhost:5000",
            "docker.io",
        ] {
            assert!(fields(|e| check_host(e, good)).is_empty(), "{good}");
        }
        for bad in [
            "",
            "myregistry",
            "https://r.example.com",
            "r.example.com/ns",
            "r:0",
        ] {
            assert_eq!(fields(|e| check_host(e, bad)), ["host"], "{bad}");
        }
    }

    #[test]
    fn user_names_and_secrets_are_bounded() {
        assert!(fields(|e| check_username(e, "ci-bot")).is_empty());
        assert_eq!(fields(|e| check_username(e, "a:b")), ["username"]);
        assert_eq!(fields(|e| check_username(e, " ")), ["username"]);
        assert!(fields(|e| check_secret(e, &Secret::new("x"))).is_empty());
        assert_eq!(fields(|e| check_secret(e, &Secret::new(""))), ["secret"]);
    }

    #[test]
    fn a_new_credential_never_shows_its_secret() {
        let form: Result<NewCredential, _> = serde_json::from_str(
            r#"{"host":"r.example.com","username":"u","secret":"hunter2-hunter2"}"#,
        );
        let shown = format!("{form:?}");
        assert!(
            shown.contains("r.example.com") && !shown.contains("hunter2"),
            "{shown}"
        );
    }
}
