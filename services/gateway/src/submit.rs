//! Accepting a build: the one path by which a request becomes a task, used by the API and the
//! pages alike.

use chrono::Utc;
use forklift_shared::dockerfile;
use forklift_shared::events::{BuildRequest, StatusEvent, TaskStatus};
use forklift_shared::spec::{self, BuildSpec};
use forklift_shared::store::{NewTask, Task};
use forklift_shared::validation::ValidationErrors;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

/// The Dockerfile a request would build, or what is wrong with the request.
pub fn preview(spec: &BuildSpec) -> Result<String, ValidationErrors> {
    let validated = spec::validate(spec)?;
    Ok(dockerfile::render(&validated).dockerfile)
}

/// Validates, records and queues a build. On any failure nothing stays behind: no task row,
/// no queued request.
pub async fn submit(state: &AppState, user: &AuthUser, spec: BuildSpec) -> Result<Task, ApiError> {
    let validated = spec::validate(&spec).map_err(ApiError::Validation)?;
    let context = dockerfile::render(&validated);
    let spec_json = serde_json::to_value(&spec).map_err(|e| ApiError::Internal(e.to_string()))?;

    let task = state
        .store
        .insert_task(NewTask {
            id: Uuid::new_v4(),
            owner_id: user.id,
            source_image: validated.source.to_string(),
            target_image: validated.target.to_string(),
            spec: spec_json,
            dockerfile: context.dockerfile,
        })
        .await?;

    if let Err(e) = queue(state, &task, user, spec).await {
        tracing::warn!(task.id = %task.id, error = %e, "cannot queue a build; withdrawing the task");
        withdraw(state, task.id).await;
        return Err(ApiError::Unavailable(
            "the build queue (NATS JetStream) is unavailable; nothing was recorded, try again"
                .into(),
        ));
    }
    tracing::info!(task.id = %task.id, user.id = %user.id, image.ref = %task.target_image, "build accepted");
    Ok(task)
}

/// Announces the task, then queues it. The announcement goes first so that subscribers see
/// `pending` before any builder can report `running`.
async fn queue(
    state: &AppState,
    task: &Task,
    user: &AuthUser,
    spec: BuildSpec,
) -> Result<(), forklift_shared::bus::BusError> {
    let bus = &state.bus;
    let pending = StatusEvent::new(task.id, TaskStatus::Pending, 0);
    bus.publish(
        bus.subjects.task_status(task.id),
        &pending,
        Some(format!("{}:0:status:pending", task.id)),
    )
    .await?;
    let request = BuildRequest {
        task_id: task.id,
        owner_id: user.id,
        spec,
        requested_at: Utc::now(),
    };
    bus.publish(
        bus.subjects.build_requests(),
        &request,
        Some(task.id.to_string()),
    )
    .await
}

/// Removes a task that could not be queued and tells subscribers it ended.
async fn withdraw(state: &AppState, task: Uuid) {
    if let Err(e) = state.store.delete_task(task).await {
        tracing::error!(task.id = %task, error = %e, "cannot remove a task that was never queued");
    }
    let event = StatusEvent::new(task, TaskStatus::Cancelled, 0)
        .with_message("the build could not be queued");
    let subject = state.bus.subjects.task_status(task);
    // Best effort: NATS is likely the reason we are here.
    let _ = state.bus.publish(subject, &event, None).await;
}
