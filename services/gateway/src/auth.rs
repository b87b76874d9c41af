//! Accounts: password hashing, access tokens, and the extractor that says who is asking.

use std::future::{ready, Ready};
use std::time::Duration;

use actix_web::http::header;
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use argon2::password_hash::{phc::PasswordHash, PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;

/// The caller of a request, as proven by a valid token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser {
    pub id: Uuid,
    pub username: String,
    pub is_admin: bool,
}

impl AuthUser {
    /// Whose tasks this caller may see: only their own, or everybody's for an admin.
    pub fn owner_filter(&self) -> Option<Uuid> {
        (!self.is_admin).then_some(self.id)
    }

    pub fn may_see(&self, owner: Uuid) -> bool {
        self.is_admin || self.id == owner
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: Uuid,
    name: String,
    adm: bool,
    iat: u64,
    exp: u64,
}

/// Signs and checks access tokens (HS256).
#[derive(Clone)]
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    ttl: Duration,
}

impl Tokens {
    pub fn new(secret: &str, ttl: Duration) -> Result<Self, jsonwebtoken::errors::Error> {
        Ok(Self {
            encoding: EncodingKey::from_secret(secret.as_bytes())?,
            decoding: DecodingKey::from_secret(secret.as_bytes())?,
            ttl,
        })
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    pub fn issue(&self, user: &AuthUser) -> Result<String, ApiError> {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            sub: user.id,
            name: user.username.clone(),
            adm: user.is_admin,
            iat: now,
            exp: now + self.ttl.as_secs(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::Internal(format!("cannot sign a token: {e}")))
    }

    /// The user a token names, if it is ours and not expired.
    pub fn verify(&self, token: &str) -> Option<AuthUser> {
        let data =
            decode::<Claims>(token, &self.decoding, &Validation::new(Algorithm::HS256)).ok()?;
        Some(AuthUser {
            id: data.claims.sub,
            username: data.claims.name,
            is_admin: data.claims.adm,
        })
    }
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}

fn authenticate(req: &HttpRequest) -> Result<AuthUser, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Internal("application state missing".into()))?;
    let token = bearer_token(req)
        .or_else(|| crate::pages::session::token_from_cookie(req))
        .ok_or(ApiError::Unauthorized(
            "sign in first: send Authorization: Bearer <token> from POST /token/",
        ))?;
    state.tokens.verify(&token).ok_or(ApiError::Unauthorized(
        "the token is invalid or expired; get a new one",
    ))
}

fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// Hashes a password with Argon2id and a random salt. CPU-heavy: run it off the async threads.
pub async fn hash_password(password: String) -> Result<String, ApiError> {
    web::block(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(|e| ApiError::Internal(format!("cannot hash a password: {e}")))
}

/// Whether `password` matches a stored Argon2 hash.
pub async fn verify_password(password: String, hash: String) -> bool {
    web::block(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_tampering() {
        let tokens = Tokens::new("0123456789abcdef0123456789abcdef", Duration::from_secs(60))
            .expect("valid key");
        let user = AuthUser {
            id: Uuid::new_v4(),
            username: "ada".into(),
            is_admin: false,
        };
        let token = tokens.issue(&user).unwrap_or_default();
        assert_eq!(tokens.verify(&token), Some(user));
        let other = Tokens::new("another-secret-another-secret-xx", Duration::from_secs(60))
            .expect("valid key");
        assert_eq!(other.verify(&token), None);
        assert_eq!(tokens.verify("not.a.token"), None);
    }
}
