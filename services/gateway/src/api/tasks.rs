//! `GET /build/tasks/`, `GET /build/tasks/{id}` and `GET /build/tasks/{id}/dockerfile`.

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use forklift_shared::events::TaskStatus;
use forklift_shared::store::{Task, TaskFilter};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::views::{TaskList, TaskView};
use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

const MAX_PER_PAGE: i64 = 200;

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// pending, running, completed, error or cancelled.
    pub status: Option<String>,
    /// Page number from 1 (default 1).
    pub page: Option<i64>,
    /// Tasks per page, 1 to 200 (default 50).
    pub per_page: Option<i64>,
}

impl ListQuery {
    /// The store filter this query asks for, or the field that is wrong.
    pub fn to_filter(&self, user: &AuthUser) -> Result<(TaskFilter, i64, i64), ApiError> {
        let status = match self.status.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(TaskStatus::parse(s).ok_or_else(|| {
                ApiError::field(
                    "status",
                    "use pending, running, completed, error or cancelled",
                )
            })?),
        };
        let page = self.page.unwrap_or(1);
        if page < 1 {
            return Err(ApiError::field("page", "pages start at 1"));
        }
        let per_page = self.per_page.unwrap_or(50);
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(ApiError::field("per_page", "use 1 to 200"));
        }
        let filter = TaskFilter {
            owner: user.owner_filter(),
            status,
            limit: per_page,
            offset: (page - 1).saturating_mul(per_page),
        };
        Ok((filter, page, per_page))
    }
}

/// Lists the caller's tasks (an admin's: everybody's), newest first.
#[utoipa::path(
    tag = "tasks",
    params(ListQuery),
    security(("oauth2" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of tasks", body = TaskList),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 422, description = "Bad filter", body = ErrorBody),
    )
)]
#[get("/build/tasks/")]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let (filter, page, per_page) = query.to_filter(&user)?;
    let found = state.store.list_tasks(&filter).await?;
    Ok(HttpResponse::Ok().json(TaskList {
        tasks: found.tasks.into_iter().map(TaskView::from).collect(),
        total: found.total,
        page,
        per_page,
    }))
}

/// One task: status, times, error message, image.
#[utoipa::path(
    tag = "tasks",
    params(("id" = Uuid, Path, description = "Task id")),
    security(("oauth2" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The task", body = TaskView),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such task visible to the caller", body = ErrorBody),
    )
)]
#[get("/build/tasks/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let task = visible_task(&state, &user, &id).await?;
    Ok(HttpResponse::Ok().json(TaskView::from(task)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DockerfileQuery {
    /// Send as an attachment named `Dockerfile`.
    pub download: Option<bool>,
}

/// The Dockerfile a task builds.
#[utoipa::path(
    tag = "tasks",
    params(("id" = Uuid, Path, description = "Task id"), DockerfileQuery),
    security(("oauth2" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The Dockerfile", body = String, content_type = "text/plain"),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such task visible to the caller", body = ErrorBody),
    )
)]
#[get("/build/tasks/{id}/dockerfile")]
pub async fn dockerfile(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    query: web::Query<DockerfileQuery>,
) -> Result<HttpResponse, ApiError> {
    let task = visible_task(&state, &user, &id).await?;
    let mut response = HttpResponse::Ok();
    response.content_type("text/plain; charset=utf-8");
    if query.download.unwrap_or(false) {
        response.insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"Dockerfile\"",
        ));
    }
    Ok(response.body(task.dockerfile))
}

/// The task `id` names, when the caller may see it. Another user's task is reported as missing,
/// so ids cannot be probed.
pub async fn visible_task(state: &AppState, user: &AuthUser, id: &str) -> Result<Task, ApiError> {
    let not_found = ApiError::NotFound("task");
    let id = Uuid::parse_str(id).map_err(|_| ApiError::NotFound("task"))?;
    match state.store.task(id).await? {
        Some(task) if user.may_see(task.owner_id) => Ok(task),
        _ => Err(not_found),
    }
}
