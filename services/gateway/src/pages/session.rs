//! The browser session: the same signed token as the API, carried in an HttpOnly cookie.

use actix_web::HttpRequest;

/// Name of the session cookie.
pub const COOKIE: &str = "forklift_session";

/// The token in the session cookie, if any.
pub fn token_from_cookie(req: &HttpRequest) -> Option<String> {
    req.cookie(COOKIE).map(|c| c.value().to_string())
}
