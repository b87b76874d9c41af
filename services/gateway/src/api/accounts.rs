//! `POST /register/` and `POST /token/`.

use actix_web::{post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::{self, AuthUser};
use crate::error::{ApiError, ErrorBody};
use crate::json::ValidJson;
use crate::state::AppState;

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    /// 3 to 32 characters: lowercase letters, digits, `.`, `_`, `-`; starts with a letter or digit.
    #[schema(example = "ada")]
    pub username: String,
    /// 8 to 256 characters.
    pub password: String,
}

/// The account as others may see it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub username: String,
    pub is_admin: bool,
}

/// OAuth2 password grant, as sent by Swagger UI's Authorize button.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// Must be `password`.
    pub grant_type: Option<String>,
    pub username: String,
    pub password: String,
}

/// OAuth2 access token response.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `bearer`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: u64,
}

/// Creates an account.
#[utoipa::path(
    tag = "accounts",
    request_body = Registration,
    responses(
        (status = 201, description = "Account created", body = UserView),
        (status = 409, description = "Name taken", body = ErrorBody),
        (status = 422, description = "Invalid name or password", body = ErrorBody),
    )
)]
#[post("/register/")]
pub async fn register(
    state: web::Data<AppState>,
    body: ValidJson<Registration>,
) -> Result<HttpResponse, ApiError> {
    let user = create_account(&state, body.0).await?;
    Ok(HttpResponse::Created().json(user))
}

/// Checks and creates an account; shared with the sign-up page.
pub async fn create_account(state: &AppState, form: Registration) -> Result<UserView, ApiError> {
    let mut errors = forklift_shared::validation::ValidationErrors::new();
    if let Some(problem) = username_problem(&form.username) {
        errors.add("username", problem);
    }
    let len = form.password.chars().count();
    if !(8..=256).contains(&len) {
        errors.add("password", "use 8 to 256 characters");
    }
    errors.into_result(()).map_err(ApiError::Validation)?;

    let hash = auth::hash_password(form.password).await?;
    let user = state
        .store
        .create_user(&form.username, &hash, false)
        .await?;
    tracing::info!(user.id = %user.id, "account created");
    Ok(UserView {
        id: user.id,
        username: user.username,
        is_admin: user.is_admin,
    })
}

fn username_problem(name: &str) -> Option<&'static str> {
    let valid_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    let starts_well = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !(3..=32).contains(&name.len()) {
        Some("use 3 to 32 characters")
    } else if !valid_chars || !starts_well {
        Some("use lowercase letters, digits, '.', '_' and '-', starting with a letter or digit")
    } else {
        None
    }
}

/// Exchanges a username and password for a bearer token (OAuth2 password flow).
#[utoipa::path(
    tag = "accounts",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Wrong username or password", body = ErrorBody),
    )
)]
#[post("/token/")]
pub async fn token(
    state: web::Data<AppState>,
    form: web::Form<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let form = form.into_inner();
    if form.grant_type.as_deref().is_some_and(|g| g != "password") {
        return Err(ApiError::field(
            "grant_type",
            "only the password grant is supported",
        ));
    }
    let user = sign_in(&state, &form.username, form.password).await?;
    let access_token = state.tokens.issue(&user)?;
    Ok(HttpResponse::Ok().json(TokenResponse {
        access_token,
        token_type: "bearer".into(),
        expires_in: state.tokens.ttl().as_secs(),
    }))
}

/// The account a username and password prove; shared with the sign-in page.
pub async fn sign_in(
    state: &AppState,
    username: &str,
    password: String,
) -> Result<AuthUser, ApiError> {
    let wrong = ApiError::Unauthorized("wrong username or password");
    let Some(user) = state.store.user_by_name(username).await? else {
        return Err(wrong);
    };
    if !auth::verify_password(password, user.password_hash.clone()).await {
        return Err(wrong);
    }
    Ok(AuthUser {
        id: user.id,
        username: user.username,
        is_admin: user.is_admin,
    })
}
