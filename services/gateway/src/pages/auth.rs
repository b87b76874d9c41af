//! Sign up, log in and log out. The session cookie carries the same token as the API.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use forklift_shared::validation::ValidationErrors;
use maud::{html, Markup};
use serde::Deserialize;

use super::error::{safe_next, PageError};
use super::fields::{value, Field};
use super::session::{self, SignedIn};
use super::{csrf, layout};
use crate::api::accounts::{create_account, sign_in, Registration};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

/// Which of the two account forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    LogIn,
    SignUp,
}

impl Kind {
    fn title(self) -> &'static str {
        match self {
            Kind::LogIn => "Log in",
            Kind::SignUp => "Sign up",
        }
    }

    fn action(self) -> &'static str {
        match self {
            Kind::LogIn => "/login",
            Kind::SignUp => "/signup",
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    pub next: Option<String>,
}

/// `GET /login`: the sign-in form.
pub async fn login_page(req: HttpRequest, query: web::Query<NextQuery>) -> HttpResponse {
    let next = safe_next(query.next.as_deref());
    form_response(
        &req,
        Kind::LogIn,
        StatusCode::OK,
        &[("next".into(), next)],
        None,
    )
}

/// `GET /signup`: the account creation form.
pub async fn signup_page(req: HttpRequest) -> HttpResponse {
    form_response(&req, Kind::SignUp, StatusCode::OK, &[], None)
}

/// `POST /login`: checks the password, then sets the session cookie.
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    check_anonymous(&req, &form)?;
    let password = value(&form, "password").to_string();
    match sign_in(&state, value(&form, "username"), password).await {
        Ok(user) => start_session(&req, &state, &user, value(&form, "next")),
        Err(ApiError::Unauthorized(message)) => {
            let mut errors = ValidationErrors::new();
            errors.add("password", message);
            Ok(form_response(
                &req,
                Kind::LogIn,
                StatusCode::UNAUTHORIZED,
                &form,
                Some(&errors),
            ))
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /signup`: creates the account with the API's rules, then signs it in.
pub async fn signup(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    check_anonymous(&req, &form)?;
    let registration = Registration {
        username: value(&form, "username").to_string(),
        password: value(&form, "password").to_string(),
    };
    let errors = match create_account(&state, registration).await {
        Ok(view) => {
            let user = AuthUser {
                id: view.id,
                username: view.username,
                is_admin: view.is_admin,
            };
            return start_session(&req, &state, &user, "/");
        }
        Err(ApiError::Validation(errors)) => errors,
        Err(ApiError::Conflict(_)) => {
            let mut errors = ValidationErrors::new();
            errors.add("username", "this name is taken; choose another");
            errors
        }
        Err(other) => return Err(other.into()),
    };
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(form_response(
        &req,
        Kind::SignUp,
        status,
        &form,
        Some(&errors),
    ))
}

/// `POST /logout`: forgets the session.
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: SignedIn,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    super::check_post(&req, &state, &form)?;
    tracing::info!(user.id = %session.user.id, "signed out");
    Ok(HttpResponse::SeeOther()
        .cookie(session::expired_cookie())
        .insert_header((header::LOCATION, "/login"))
        .finish())
}

fn check_anonymous(req: &HttpRequest, form: &[(String, String)]) -> Result<(), PageError> {
    if csrf::same_origin(req) && csrf::anonymous_ok(req, form) {
        Ok(())
    } else {
        Err(PageError::Forged)
    }
}

fn start_session(
    req: &HttpRequest,
    state: &AppState,
    user: &AuthUser,
    next: &str,
) -> Result<HttpResponse, PageError> {
    let token = state.tokens.issue(user)?;
    tracing::info!(user.id = %user.id, "signed in");
    Ok(HttpResponse::SeeOther()
        .cookie(session::cookie(req, token, state.tokens.ttl()))
        .insert_header((header::LOCATION, safe_next(Some(next))))
        .finish())
}

fn form_response(
    req: &HttpRequest,
    kind: Kind,
    status: StatusCode,
    form: &[(String, String)],
    errors: Option<&ValidationErrors>,
) -> HttpResponse {
    let (token, new_cookie) = csrf::anonymous_token(req);
    let mut response = layout::respond(status, account_form(kind, &token, form, errors));
    if let Some(cookie) = new_cookie {
        // A freshly made cookie cannot fail to encode.
        let _ = response.add_cookie(&cookie);
    }
    response
}

/// The sign-in or sign-up page.
fn account_form(
    kind: Kind,
    token: &str,
    form: &[(String, String)],
    errors: Option<&ValidationErrors>,
) -> Markup {
    let error = |field: &str| errors.and_then(|e| e.message_for(field));
    let mut username = Field::new("username", "username", "Username", value(form, "username"));
    username.required = true;
    username.error = error("username");
    username.autocomplete = Some("username");
    let mut password = Field::new("password", "password", "Password", "");
    password.kind = "password";
    password.required = true;
    password.error = error("password");
    password.autocomplete = Some(match kind {
        Kind::LogIn => "current-password",
        Kind::SignUp => "new-password",
    });
    if kind == Kind::SignUp {
        username.hint = Some("3 to 32 lowercase letters, digits, '.', '_' or '-'");
        password.hint = Some("8 to 256 characters");
    }
    layout::bare(
        kind.title(),
        html! {
            section .card .account-card {
                h1 { (kind.title()) }
                form method="post" action=(kind.action()) novalidate {
                    input type="hidden" name=(csrf::FIELD) value=(token);
                    input type="hidden" name="next" value=(value(form, "next"));
                    (username.input())
                    (password.input())
                    button .primary type="submit" { (kind.title()) }
                }
                @match kind {
                    Kind::LogIn => p { "No account yet? " a href="/signup" { "Sign up" } },
                    Kind::SignUp => p { "Already have an account? " a href="/login" { "Log in" } },
                }
            }
        },
    )
}
