//! `POST /build/general_submit/` and `POST /build/dockerfile/preview`.

use actix_web::http::header;
use actix_web::{post, web, HttpResponse};
use forklift_shared::events::TaskStatus;
use forklift_shared::spec::BuildSpec;

use super::views::Accepted;
use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorBody};
use crate::json::ValidJson;
use crate::state::AppState;
use crate::submit;

/// Queues a build; answers at once with the new task's id.
#[utoipa::path(
    tag = "builds",
    request_body = BuildSpec,
    security(("oauth2" = []), ("bearer" = [])),
    responses(
        (status = 202, description = "Recorded and queued", body = Accepted,
            headers(("Location" = String, description = "The task's URL"))),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 422, description = "Invalid request; nothing recorded", body = ErrorBody),
        (status = 503, description = "Queue or store unavailable; nothing recorded", body = ErrorBody),
    )
)]
#[post("/build/general_submit/")]
pub async fn general_submit(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<BuildSpec>,
) -> Result<HttpResponse, ApiError> {
    let task = submit::submit(&state, &user, body.0).await?;
    Ok(HttpResponse::Accepted()
        .insert_header((header::LOCATION, format!("/build/tasks/{}", task.id)))
        .json(Accepted {
            task_id: task.id,
            status: TaskStatus::Pending,
        }))
}

/// The Dockerfile a request would build, without building it.
#[utoipa::path(
    tag = "builds",
    request_body = BuildSpec,
    security(("oauth2" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The Dockerfile", body = String, content_type = "text/plain"),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 422, description = "Invalid request", body = ErrorBody),
    )
)]
#[post("/build/dockerfile/preview")]
pub async fn preview(
    _user: AuthUser,
    body: ValidJson<BuildSpec>,
) -> Result<HttpResponse, ApiError> {
    let dockerfile = submit::preview(&body.0).map_err(ApiError::Validation)?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(dockerfile))
}
