//! Protection against cross-site form posts.
//!
//! A signed-in browser proves a post came from one of our pages with a token derived from its
//! session (an HMAC of the session token under the gateway's secret), sent in a hidden form
//! field or, for htmx requests, in the `X-CSRF-Token` header. Before sign-in there is no
//! session, so the sign-in and sign-up forms use a random token kept in a cookie of its own
//! (double submit). Independently, a post whose `Origin` names another site is refused.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::HttpRequest;
use hmac::{Hmac, KeyInit, Mac};
use rand::RngCore;
use sha2::Sha256;

/// Name of the hidden form field carrying the token.
pub const FIELD: &str = "csrf";
/// Header carrying the token on htmx requests.
pub const HEADER: &str = "X-CSRF-Token";
/// Cookie holding the token of a browser that is not signed in yet.
pub const ANONYMOUS_COOKIE: &str = "forklift_csrf";

/// The key session tokens are signed with: a keyed HMAC, cloned for every use.
#[derive(Clone)]
pub struct CsrfKey(Hmac<Sha256>);

impl CsrfKey {
    /// A key derived from the gateway's secret, kept apart from the JWT key by a label.
    pub fn new(secret: &str) -> Result<Self, hmac::digest::InvalidLength> {
        let key = format!("forklift-csrf:{secret}");
        Ok(Self(<Hmac<Sha256> as KeyInit>::new_from_slice(
            key.as_bytes(),
        )?))
    }

    /// The token pages put into their forms for the session `session_token`.
    pub fn token_for(&self, session_token: &str) -> String {
        hex(&self.mac(session_token).finalize().into_bytes())
    }

    /// Whether `given` is the token of `session_token`, compared in constant time.
    pub fn verify(&self, session_token: &str, given: &str) -> bool {
        unhex(given).is_some_and(|bytes| self.mac(session_token).verify_slice(&bytes).is_ok())
    }

    fn mac(&self, message: &str) -> Hmac<Sha256> {
        let mut mac = self.0.clone();
        mac.update(message.as_bytes());
        mac
    }
}

/// The token a request carries: the header first, else the form field.
pub fn submitted(req: &HttpRequest, form: &[(String, String)]) -> Option<String> {
    let header = req.headers().get(HEADER).and_then(|v| v.to_str().ok());
    header.map(str::to_string).or_else(|| {
        form.iter()
            .find(|(k, _)| k == FIELD)
            .map(|(_, v)| v.clone())
    })
}

/// Whether the `Origin` header, when present, names this very site.
pub fn same_origin(req: &HttpRequest) -> bool {
    let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        // Browsers send Origin on every cross-site post; its absence means a same-site
        // navigation or a non-browser client, which the token still has to convince.
        return true;
    };
    let host = req.connection_info().host().to_string();
    let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
    origin_host.eq_ignore_ascii_case(&host)
}

/// The anonymous token of this browser, and the cookie to set when it had none.
pub fn anonymous_token(req: &HttpRequest) -> (String, Option<Cookie<'static>>) {
    if let Some(existing) = req.cookie(ANONYMOUS_COOKIE) {
        return (existing.value().to_string(), None);
    }
    let mut bytes = [0_u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = hex(&bytes);
    let cookie = Cookie::build(ANONYMOUS_COOKIE, token.clone())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish();
    (token, Some(cookie))
}

/// Whether an anonymous form's token matches the browser's cookie.
pub fn anonymous_ok(req: &HttpRequest, form: &[(String, String)]) -> bool {
    let cookie = req.cookie(ANONYMOUS_COOKIE);
    match (cookie, submitted(req, form)) {
        (Some(cookie), Some(given)) => {
            !given.is_empty() && constant_time_eq(cookie.value().as_bytes(), given.as_bytes())
        }
        _ => false,
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_belong_to_one_session_and_one_key() {
        let key = CsrfKey::new("0123456789abcdef0123456789abcdef").expect("key");
        let token = key.token_for("session-a");
        assert!(key.verify("session-a", &token));
        assert!(!key.verify("session-b", &token));
        let other = CsrfKey::new("another-secret").expect("key");
        assert!(!other.verify("session-a", &token));
        assert!(!key.verify("session-a", "zz"));
        assert!(!key.verify("session-a", ""));
    }
}
