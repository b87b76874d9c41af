//! The Builder page: a form over the API's build request, a live Dockerfile preview, and
//! submission through the same [`crate::submit`] path as `POST /build/general_submit/`.

mod advanced;
pub mod form;
mod rows;
mod view;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use forklift_shared::validation::ValidationErrors;
use maud::html;

use super::error::PageError;
use super::layout::{self, Section};
use super::session::SignedIn;
use crate::error::ApiError;
use crate::state::AppState;
use crate::submit;
use form::BuilderForm;
use view::{Focus, Preview};

/// The errors a view shows next to fields, if the form was checked.
pub type Errors<'a> = Option<&'a ValidationErrors>;

type Pairs = web::Form<Vec<(String, String)>>;

/// `GET /builder`: an empty form.
pub async fn page(session: SignedIn) -> HttpResponse {
    let form = BuilderForm::default();
    layout::ok(full_page(&session, &form, None, &Preview::Empty, None))
}

/// `POST /builder/preview`: the Dockerfile for the form as typed so far, with every field's
/// message refilled beside it (htmx, on each keystroke pause).
pub async fn preview(
    req: HttpRequest,
    state: web::Data<AppState>,
    _session: SignedIn,
    pairs: Pairs,
) -> Result<HttpResponse, PageError> {
    super::check_post(&req, &state, &pairs)?;
    let form = BuilderForm::from_pairs(&pairs);
    let (preview, errors) = check(&form);
    Ok(layout::ok(html! {
        (view::preview_pane(&preview))
        (view::error_slots(&form, errors.as_ref()))
    }))
}

/// `POST /builder`: a row button, a Dockerfile download, or the build itself.
pub async fn post(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: SignedIn,
    pairs: Pairs,
) -> Result<HttpResponse, PageError> {
    super::check_post(&req, &state, &pairs)?;
    let mut form = BuilderForm::from_pairs(&pairs);
    let action = super::fields::value(&pairs, "action").to_string();
    let rows_before = (form.ports.len(), form.envs.len());
    if form.apply(&action) {
        return Ok(rows_changed(
            &req,
            &session,
            &form,
            focus_after(&action, rows_before),
        ));
    }
    let (preview, errors) = check(&form);
    let Some(errors) = errors else {
        return match action.as_str() {
            "download" => Ok(download(&preview)),
            _ => build(&state, &session, &form).await,
        };
    };
    let markup = full_page(&session, &form, Some(&errors), &preview, None);
    Ok(layout::respond(StatusCode::UNPROCESSABLE_ENTITY, markup))
}

/// Validates the form with the API's rules: its preview, or what is wrong.
fn check(form: &BuilderForm) -> (Preview, Option<ValidationErrors>) {
    let (spec, mut errors) = form.to_spec();
    let nothing_typed = spec.source_image.is_empty() && spec.target_image.is_empty();
    match submit::preview(&spec) {
        Ok(dockerfile) if errors.is_empty() => (Preview::Dockerfile(dockerfile), None),
        Ok(_) => (Preview::Invalid(errors.errors.len()), Some(errors)),
        Err(more) => {
            // A field the form could not even read (a port that is not a number) keeps that
            // message alone, rather than also getting the validator's about its stand-in value.
            let unread: Vec<String> = errors.errors.iter().map(|e| e.field.clone()).collect();
            let fresh = more
                .errors
                .into_iter()
                .filter(|e| !unread.contains(&e.field));
            errors.errors.extend(fresh);
            let preview = if nothing_typed {
                Preview::Empty
            } else {
                Preview::Invalid(errors.errors.len())
            };
            (preview, Some(errors))
        }
    }
}

/// Submits the build; on success the browser goes to the new task's page.
async fn build(
    state: &AppState,
    session: &SignedIn,
    form: &BuilderForm,
) -> Result<HttpResponse, PageError> {
    let (spec, _) = form.to_spec();
    let failure = match submit::submit(state, &session.user, spec).await {
        Ok(task) => {
            return Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, format!("/tasks/{}", task.id)))
                .finish())
        }
        Err(failure) => failure,
    };
    let (status, errors, banner) = match failure {
        ApiError::Validation(errors) => (StatusCode::UNPROCESSABLE_ENTITY, Some(errors), None),
        // The form stays filled in, so trying again is one click.
        ApiError::Unavailable(message) => (StatusCode::SERVICE_UNAVAILABLE, None, Some(message)),
        other => return Err(other.into()),
    };
    let (preview, _) = check(form);
    let markup = full_page(session, form, errors.as_ref(), &preview, banner.as_deref());
    Ok(layout::respond(status, markup))
}

fn download(preview: &Preview) -> HttpResponse {
    let text = match preview {
        Preview::Dockerfile(text) => text.clone(),
        _ => String::new(),
    };
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"Dockerfile\"",
        ))
        .body(text)
}

/// The form with its rows changed: swapped in place for htmx (with a fresh preview out of
/// band), a whole page otherwise.
fn rows_changed(
    req: &HttpRequest,
    session: &SignedIn,
    form: &BuilderForm,
    focus: Option<Focus>,
) -> HttpResponse {
    if !req.headers().contains_key("HX-Request") {
        return layout::ok(full_page(session, form, None, &check(form).0, None));
    }
    let (preview, _) = check(form);
    layout::ok(html! {
        (view::form_markup(form, None, &session.csrf, focus))
        div #preview hx-swap-oob="true" { (view::preview_pane(&preview)) }
    })
}

fn focus_after(action: &str, (ports, envs): (usize, usize)) -> Option<Focus> {
    match action {
        "add_port" => Some(Focus::Port(ports)),
        "add_env" => Some(Focus::Env(envs)),
        _ => None,
    }
}

fn full_page(
    session: &SignedIn,
    form: &BuilderForm,
    errors: Errors,
    preview: &Preview,
    banner: Option<&str>,
) -> maud::Markup {
    let body = view::body(form, errors, preview, banner, &session.csrf);
    layout::page(session, Section::Builder, "Builder", body)
}
