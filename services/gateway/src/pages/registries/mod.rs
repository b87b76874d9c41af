//! The Registries page: admins add, change and delete the credentials Forklift presents to
//! registries, through plain forms and redirect-after-post.
//!
//! A view over [`crate::registries`], the same checks and storage as `/registries/` in the API.
//! What an admin typed comes back on a refused form, except the secret: a password input is
//! never refilled, and no page, message or log line carries a secret.

mod view;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use forklift_shared::secrets::Secret;
use forklift_shared::validation::ValidationErrors;
use serde::Deserialize;

use super::error::PageError;
use super::fields::value;
use super::layout::{self, Section};
use super::session::SignedIn;
use crate::error::ApiError;
use crate::registries::{self, CredentialChange, NewCredential};
use crate::state::AppState;
use view::{Feedback, Notice, Typed};

type Pairs = web::Form<Vec<(String, String)>>;

/// Where every successful post sends the browser back to, saying what happened.
const PAGE: &str = "/registries";

#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    /// What the previous post did: `added`, `changed` or `deleted`.
    pub done: Option<String>,
}

/// `GET /registries`: the stored credentials and the forms that manage them.
pub async fn page(
    state: web::Data<AppState>,
    session: SignedIn,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, PageError> {
    let feedback = Feedback {
        notice: query.done.as_deref().and_then(Notice::done),
        ..Feedback::default()
    };
    render(&state, &session, StatusCode::OK, &feedback).await
}

/// `POST /registries`: stores credentials for a registry that has none.
pub async fn add(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: SignedIn,
    form: Pairs,
) -> Result<HttpResponse, PageError> {
    super::check_post(&req, &state, &form)?;
    let new = NewCredential {
        host: value(&form, "host").to_string(),
        username: value(&form, "username").to_string(),
        secret: Secret::new(value(&form, "secret")),
    };
    let failure = match registries::create(&state, &session.user, new).await {
        Ok(_) => return Ok(back("added")),
        Err(failure) => failure,
    };

    let mut typed = Typed::from_form(&form);
    let status = match failure {
        ApiError::Validation(errors) => {
            typed.errors = errors;
            StatusCode::UNPROCESSABLE_ENTITY
        }
        ApiError::Conflict(_) => {
            let message = "this registry has credentials already; change them in its row below";
            typed.errors.add("host", message);
            StatusCode::CONFLICT
        }
        other => return Err(other.into()),
    };
    let feedback = Feedback {
        added: typed,
        ..Feedback::default()
    };
    render(&state, &session, status, &feedback).await
}

/// `POST /registries/change`: a new user name, and a new secret when one was typed.
pub async fn change(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: SignedIn,
    form: Pairs,
) -> Result<HttpResponse, PageError> {
    super::check_post(&req, &state, &form)?;
    let host = value(&form, "host");
    let secret = value(&form, "secret");
    let change = CredentialChange {
        username: Some(value(&form, "username").to_string()),
        // A blank secret field keeps the stored secret, as the field's hint says.
        secret: (!secret.is_empty()).then(|| Secret::new(secret)),
    };
    let failure = match registries::change(&state, &session.user, host, change).await {
        Ok(_) => return Ok(back("changed")),
        Err(failure) => failure,
    };

    let (status, feedback) = match failure {
        ApiError::Validation(errors) => {
            let typed = Typed {
                errors,
                ..Typed::from_form(&form)
            };
            // Said at the top too: the row's fold may be far down a long table.
            let message = format!(
                "the credentials for '{host}' were not changed; see the messages in its row"
            );
            let feedback = Feedback {
                changed: Some(typed),
                notice: Some(Notice::Problem(message)),
                ..Feedback::default()
            };
            (StatusCode::UNPROCESSABLE_ENTITY, feedback)
        }
        ApiError::NotFound(_) => (StatusCode::NOT_FOUND, unknown(host, "changed")),
        other => return Err(other.into()),
    };
    render(&state, &session, status, &feedback).await
}

/// `POST /registries/delete`: forgets a registry's credentials.
pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: SignedIn,
    form: Pairs,
) -> Result<HttpResponse, PageError> {
    super::check_post(&req, &state, &form)?;
    let host = value(&form, "host");
    match registries::remove(&state, &session.user, host).await {
        Ok(()) => Ok(back("deleted")),
        Err(ApiError::NotFound(_)) => {
            let feedback = unknown(host, "deleted");
            render(&state, &session, StatusCode::NOT_FOUND, &feedback).await
        }
        Err(other) => Err(other.into()),
    }
}

/// The page with the stored rows; without a credentials key (or a store), only the reason.
async fn render(
    state: &AppState,
    session: &SignedIn,
    status: StatusCode,
    feedback: &Feedback,
) -> Result<HttpResponse, PageError> {
    let body = match registries::list(state, &session.user).await {
        Ok(stored) => view::body(&stored, feedback, &session.csrf),
        Err(ApiError::Unavailable(reason)) => {
            let markup = view::unavailable(&reason);
            let page = layout::page(session, Section::Registries, "Registries", markup);
            return Ok(layout::respond(StatusCode::SERVICE_UNAVAILABLE, page));
        }
        Err(other) => return Err(other.into()),
    };
    let page = layout::page(session, Section::Registries, "Registries", body);
    Ok(layout::respond(status, page))
}

/// Redirect-after-post: a reload shows the page, it does not repeat the post.
fn back(done: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("{PAGE}?done={done}")))
        .finish()
}

/// The notice for a row that is gone: deleted meanwhile, or never there.
fn unknown(host: &str, action: &str) -> Feedback {
    let message = format!(
        "no credentials are stored for '{host}', so nothing was {action}; \
         another admin may have deleted them"
    );
    Feedback {
        notice: Some(Notice::Problem(message)),
        ..Feedback::default()
    }
}

impl Typed {
    /// The host and user name as the form carried them; never the secret.
    fn from_form(form: &[(String, String)]) -> Self {
        Typed {
            host: value(form, "host").to_string(),
            username: value(form, "username").to_string(),
            errors: ValidationErrors::new(),
        }
    }
}
