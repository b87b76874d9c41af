//! `/registries/`: the credentials Forklift presents to each registry, managed by admins.
//!
//! The rules live in [`crate::registries`], shared with the Registries page; these handlers
//! only read JSON and answer it. Secrets go in and never come out.

use actix_web::{delete, get, post, put, web, HttpResponse};
use chrono::{DateTime, Utc};
use forklift_shared::store::credentials::RegistryCredential;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorBody};
use crate::json::ValidJson;
use crate::registries::{self, CredentialChange, NewCredential};
use crate::state::AppState;

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
    let stored = registries::create(&state, &user, body.0).await?;
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
    let stored = registries::list(&state, &user).await?;
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
    let updated = registries::change(&state, &user, &host, body.0).await?;
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
    registries::remove(&state, &user, &host).await?;
    Ok(HttpResponse::NoContent().finish())
}
