//! Errors on pages: rendered as HTML pages or fragments, never as JSON, and a missing session
//! becomes a trip to the sign-in page.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use forklift_shared::store::StoreError;
use maud::{html, Markup};

use super::layout;
use crate::error::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// No valid session: sign in, then come back to `next`.
    #[error("sign in first")]
    SignIn { next: String, htmx: bool },
    /// A post that did not come from one of our pages.
    #[error("this form is stale or came from another site; reload the page and try again")]
    Forged,
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl PageError {
    /// Sends the browser that made `req` to the sign-in page.
    pub fn sign_in(req: &HttpRequest) -> Self {
        let next = req
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_string();
        PageError::SignIn {
            next,
            htmx: req.headers().contains_key("HX-Request"),
        }
    }

    pub fn internal(what: &str) -> Self {
        PageError::Api(ApiError::Internal(what.to_string()))
    }

    pub fn not_found(what: &'static str) -> Self {
        PageError::Api(ApiError::NotFound(what))
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        PageError::Api(e.into())
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::SignIn { htmx: false, .. } => StatusCode::SEE_OTHER,
            PageError::SignIn { htmx: true, .. } => StatusCode::UNAUTHORIZED,
            PageError::Forged => StatusCode::FORBIDDEN,
            PageError::Api(e) => e.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            PageError::SignIn { next, htmx } => {
                let location = format!("/login?next={}", encode_path(next));
                // htmx follows redirects inside its request; HX-Redirect moves the whole page.
                let name = if *htmx {
                    "HX-Redirect"
                } else {
                    header::LOCATION.as_str()
                };
                HttpResponse::build(self.status_code())
                    .insert_header((name, location))
                    .finish()
            }
            other => layout::respond(self.status_code(), error_page(self.status_code(), other)),
        }
    }
}

/// The page shown for a failed request.
fn error_page(status: StatusCode, error: &PageError) -> Markup {
    let title = status.canonical_reason().unwrap_or("Error");
    layout::bare(
        title,
        html! {
            section .error-page role="alert" {
                h1 { (status.as_u16()) " — " (title) }
                p { (message(error)) }
                p { a href="/" { "Back to the summary" } }
            }
        },
    )
}

/// What a user is told about `error`; internal details stay in the log.
pub fn message(error: &PageError) -> String {
    match error {
        PageError::Api(ApiError::Internal(_)) => {
            "something went wrong on our side; the details are in the gateway's log".into()
        }
        PageError::Api(ApiError::Validation(errors)) => errors.to_string(),
        other => other.to_string(),
    }
}

/// An inline notice for a panel that could not be filled, so the rest of the page still works.
pub fn notice(error: &PageError) -> Markup {
    html! { p .notice .notice-error role="alert" { (message(error)) } }
}

/// Keeps `next` a local path and escapes what a query value cannot hold.
fn encode_path(path: &str) -> String {
    let local = if path.starts_with('/') && !path.starts_with("//") {
        path
    } else {
        "/"
    };
    local
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The local path `next` names, or the summary: sign-in never sends a browser off-site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(
            encode_path("/tasks?status=running"),
            "/tasks%3Fstatus%3Drunning"
        );
        assert_eq!(encode_path("//evil.example"), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("/builder")), "/builder");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn a_store_outage_is_a_page_that_says_so() {
        let outage = StoreError::Unavailable("connection refused".into());
        let response = PageError::from(outage).error_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let content_type = response.headers().get(header::CONTENT_TYPE).expect("type");
        assert_eq!(content_type, "text/html; charset=utf-8");
        let body = actix_web::body::to_bytes(response.into_body());
        let body = futures::executor::block_on(body).expect("body");
        let text = String::from_utf8_lossy(&body);
        assert!(
            text.contains("the task store (PostgreSQL) is unavailable"),
            "{text}"
        );
        assert!(
            !text.contains("connection refused"),
            "details stay in the log: {text}"
        );
    }

    #[test]
    fn a_queue_outage_is_a_page_that_says_so() {
        let message = "the build queue (NATS JetStream) is unavailable; try again";
        let error = PageError::Api(ApiError::Unavailable(message.into()));
        assert_eq!(error.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(super::message(&error), message);
        assert!(notice(&error).into_string().contains("NATS JetStream"));
    }
}
