//! JSON shapes the API returns.

use chrono::{DateTime, Utc};
use forklift_shared::events::TaskStatus;
use forklift_shared::store::Task;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Answer to an accepted build request.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Accepted {
    pub task_id: Uuid,
    pub status: TaskStatus,
}

/// A build task.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TaskView {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub status: TaskStatus,
    pub source_image: String,
    pub target_image: String,
    /// The request as submitted.
    pub spec: serde_json::Value,
    /// Delivery of the build request the task is on (1 for the first build attempt).
    pub attempt: i32,
    /// What a running task is doing, or a note on a completed one.
    pub status_message: Option<String>,
    /// Why the task failed or was cancelled.
    pub error_message: Option<String>,
    /// The built image's id.
    pub image_id: Option<String>,
    pub base_distro: Option<String>,
    /// Digest of the pushed image, when pushed.
    pub pushed_digest: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<Task> for TaskView {
    fn from(t: Task) -> Self {
        Self {
            status: t.status(),
            id: t.id,
            owner_id: t.owner_id,
            source_image: t.source_image,
            target_image: t.target_image,
            spec: t.spec,
            attempt: t.attempt,
            status_message: t.status_message,
            error_message: t.error_message,
            image_id: t.image_id,
            base_distro: t.base_distro,
            pushed_digest: t.pushed_digest,
            created_at: t.created_at,
            started_at: t.started_at,
            finished_at: t.finished_at,
        }
    }
}

/// One page of tasks, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TaskList {
    pub tasks: Vec<TaskView>,
    /// Tasks matching the filter, over all pages.
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}
