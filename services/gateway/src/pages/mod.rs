//! Server-rendered pages: maud for the HTML, htmx for the parts that change.
//!
//! A page is a view over the same logic as the API: builds go through [`crate::submit`],
//! accounts through [`crate::api::accounts`], registry credentials through
//! [`crate::registries`], tasks through the store's queries. Every route is listed in
//! [`crate::routes::pages`].

pub mod auth;
pub mod builder;
pub mod chart;
pub mod csrf;
pub mod docker_host;
pub mod environments;
pub mod error;
pub mod fields;
pub mod layout;
pub mod live_log;
pub mod registries;
pub mod session;
pub mod summary;
pub mod task;
pub mod tasks;

use actix_web::HttpRequest;

use crate::state::AppState;
use error::PageError;

/// Refuses a state-changing request of a signed-in browser that did not come from our pages:
/// another site's `Origin`, or a missing or wrong CSRF token.
pub fn check_post(
    req: &HttpRequest,
    state: &AppState,
    form: &[(String, String)],
) -> Result<(), PageError> {
    let given = csrf::submitted(req, form).unwrap_or_default();
    let token_ok = state.csrf.verify(&session::session_token(req), &given);
    if csrf::same_origin(req) && token_ok {
        Ok(())
    } else {
        tracing::warn!(path = %req.path(), "refused a post without a valid CSRF token");
        Err(PageError::Forged)
    }
}
