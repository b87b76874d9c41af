//! The browser session: the same signed token as the API, carried in an HttpOnly cookie.

use std::future::{ready, Ready};
use std::time::Duration;

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::http::header;
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};

use super::error::PageError;
use crate::auth::AuthUser;
use crate::state::AppState;

/// Name of the session cookie.
pub const COOKIE: &str = "forklift_session";

/// The token in the session cookie, if any.
pub fn token_from_cookie(req: &HttpRequest) -> Option<String> {
    req.cookie(COOKIE).map(|c| c.value().to_string())
}

/// The session cookie for `token`: script-proof, sent on same-site navigations only, and
/// marked Secure when the gateway is reached over HTTPS.
pub fn cookie(req: &HttpRequest, token: String, ttl: Duration) -> Cookie<'static> {
    let max_age = time::Duration::seconds(i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX));
    Cookie::build(COOKIE, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(req.connection_info().scheme() == "https")
        .max_age(max_age)
        .finish()
}

/// A cookie that makes the browser forget its session.
pub fn expired_cookie() -> Cookie<'static> {
    let mut cookie = Cookie::build(COOKIE, "").path("/").http_only(true).finish();
    cookie.make_removal();
    cookie
}

/// A signed-in browser (or API client): who it is, and the token its forms must carry.
pub struct SignedIn {
    pub user: AuthUser,
    pub csrf: String,
}

impl FromRequest for SignedIn {
    type Error = PageError;
    type Future = Ready<Result<Self, PageError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(signed_in(req))
    }
}

fn signed_in(req: &HttpRequest) -> Result<SignedIn, PageError> {
    let user = AuthUser::from_request(req, &mut Payload::None)
        .into_inner()
        .map_err(|_| PageError::sign_in(req))?;
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| PageError::internal("application state missing"))?;
    Ok(SignedIn {
        user,
        csrf: state.csrf.token_for(&session_token(req)),
    })
}

/// The credential this request presented: the cookie, else the Authorization header.
pub fn session_token(req: &HttpRequest) -> String {
    token_from_cookie(req)
        .or_else(|| {
            let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
            Some(value.to_string())
        })
        .unwrap_or_default()
}
