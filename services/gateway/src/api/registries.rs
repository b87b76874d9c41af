//! `/registries/`: the credentials Forklift presents to each registry, managed by admins.
//!
//! Secrets go in and never come out: they are encrypted with the deployment's credentials key
//! before they are stored, and no answer, log line or error message carries them.

use actix_web::{delete, get, post, put, web, HttpResponse};
use chrono::{DateTime, Utc};
use forklift_shared::image_ref::check_registry_host;
use forklift_shared::secrets::{CredentialsKey, Secret};
use forklift_shared::store::credentials::{host_key, RegistryCredential};
use forklift_shared::validation::ValidationErrors;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorBody};
use crate::json::ValidJson;
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

/// Stored credentials as the API shows them: never the secret.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CredentialView {
    pub host: String,
    pub username: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<RegistryCredential> for CredentialView {
    fn from(c: RegistryCredential) -> Self {
        Self {
            host: c.host,
            username: c.username,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// Stores credentials for a registry (admins only).
#[utoipa::path(
    tag = "registries",
    request_body = NewCredential,
    security(("oauth2" = []), ("bearer" = [])),
    responses(
        (status = 201, description = "Stored", body = CredentialView),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 409, description = "The registry has credentials already", body = ErrorBody),
        (status = 422, description = "Invalid host, user name or secret", body = ErrorBody),
        (status = 503, description = "No credentials key configured", body = ErrorBody),
    )
)]
#[post("/registries/")]
pub async fn create(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<NewCredential>,
) -> Result<HttpResponse, ApiError> {
    let key = admin_with_key(&state, &user)?;
    let form = body.0;
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
    Ok(HttpResponse::Created().json(CredentialView::from(stored)))
}

/// Lists the registries that have credentials, without the secrets (admins only).
#[utoipa::path(
    tag = "registries",
    security(("oauth2" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Every registry with credentials, by host", body = [CredentialView]),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 503, description = "No credentials key configured", body = ErrorBody),
    )
)]
#[get("/registries/")]
pub async fn list(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    admin_with_key(&state, &user)?;
    let stored = state.store.registry_credentials().await?;
    let views: Vec<CredentialView> = stored.into_iter().map(CredentialView::from).collect();
    Ok(HttpResponse::Ok().json(views))
}

/// Changes the user name, the secret or both of a registry's credentials (admins only).
#[utoipa::path(
    tag = "registries",
    params(("host" = String, Path, description = "The registry, `host[:port]`")),
    request_body = CredentialChange,
    security(("oauth2" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = CredentialView),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No credentials for this registry", body = ErrorBody),
        (status = 422, description = "Invalid user name or secret", body = ErrorBody),
        (status = 503, description = "No credentials key configured", body = ErrorBody),
    )
)]
#[put("/registries/{host}")]
pub async fn update(
    state: web::Data<AppState>,
    user: AuthUser,
    host: web::Path<String>,
    body: ValidJson<CredentialChange>,
) -> Result<HttpResponse, ApiError> {
    let key = admin_with_key(&state, &user)?;
    let change = body.0;
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
        .update_registry_credential(key, &host, username, change.secret.as_ref())
        .await?
        .ok_or(ApiError::NotFound("credentials for this registry"))?;
    tracing::info!(registry.host = %updated.host, user.id = %user.id, "registry credentials changed");
    Ok(HttpResponse::Ok().json(CredentialView::from(updated)))
}

/// Forgets a registry's credentials (admins only).
#[utoipa::path(
    tag = "registries",
    params(("host" = String, Path, description = "The registry, `host[:port]`")),
    security(("oauth2" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No credentials for this registry", body = ErrorBody),
        (status = 503, description = "No credentials key configured", body = ErrorBody),
    )
)]
#[delete("/registries/{host}")]
pub async fn remove(
    state: web::Data<AppState>,
    user: AuthUser,
    host: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    admin_with_key(&state, &user)?;
    if !state.store.delete_registry_credential(&host).await? {
        return Err(ApiError::NotFound("credentials for this registry"));
    }
    tracing::info!(registry.host = %host_key(&host), user.id = %user.id, "registry credentials deleted");
    Ok(HttpResponse::NoContent().finish())
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
