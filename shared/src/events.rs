//! Every message Forklift puts on NATS: the subjects and their JSON payloads.
//!
//! This module is the contract with outside subscribers and is mirrored in `docs/events.md`.
//! All subjects start with a deployment prefix (`forklift` unless configured otherwise), so that
//! several deployments, or several test runs, can share one NATS server.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::spec::BuildSpec;

/// Where a task is in its life. Tasks only move forward: pending, running (again on a retry),
/// then exactly one of the terminal states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Pending,
    Running,
    Completed,
    Error,
    Cancelled,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 5] = [
        TaskStatus::Pending,
        TaskStatus::Running,
        TaskStatus::Completed,
        TaskStatus::Error,
        TaskStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Pending => "pending",
            TaskStatus::Running => "running",
            TaskStatus::Completed => "completed",
            TaskStatus::Error => "error",
            TaskStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }

    /// Completed, error and cancelled tasks never change again.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            TaskStatus::Completed | TaskStatus::Error | TaskStatus::Cancelled
        )
    }
}

impl std::fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The subject names of one deployment.
#[derive(Debug, Clone)]
pub struct Subjects {
    prefix: String,
}

impl Subjects {
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
        }
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Build requests, consumed by builders from a work-queue stream.
    pub fn build_requests(&self) -> String {
        format!("{}.build.requests", self.prefix)
    }

    /// Push requests, consumed by the registry service from a work-queue stream.
    pub fn push_requests(&self) -> String {
        format!("{}.push.requests", self.prefix)
    }

    /// Status changes of one task ([`StatusEvent`]).
    pub fn task_status(&self, task: Uuid) -> String {
        format!("{}.events.task.{task}.status", self.prefix)
    }

    /// Log lines of one task ([`LogEvent`]).
    pub fn task_log(&self, task: Uuid) -> String {
        format!("{}.events.task.{task}.log", self.prefix)
    }

    /// The image a task built ([`ImageEvent`]).
    pub fn task_image(&self, task: Uuid) -> String {
        format!("{}.events.task.{task}.image", self.prefix)
    }

    /// Push progress and outcome of one task ([`PushEvent`]).
    pub fn task_push(&self, task: Uuid) -> String {
        format!("{}.events.task.{task}.push", self.prefix)
    }

    /// Every event of every task: what the inventory service stores.
    pub fn all_events(&self) -> String {
        format!("{}.events.>", self.prefix)
    }

    /// Every log line of every task, for live followers.
    pub fn all_logs(&self) -> String {
        format!("{}.events.task.*.log", self.prefix)
    }

    /// Stream holding build requests until a builder acknowledges them.
    pub fn builds_stream(&self) -> String {
        format!("{}_BUILDS", self.stream_prefix())
    }

    /// Stream holding push requests until the registry service acknowledges them.
    pub fn pushes_stream(&self) -> String {
        format!("{}_PUSHES", self.stream_prefix())
    }

    /// Stream holding every event for the inventory service and late subscribers.
    pub fn events_stream(&self) -> String {
        format!("{}_EVENTS", self.stream_prefix())
    }

    /// Key-value bucket counting the deliveries of each build and push request.
    pub fn deliveries_bucket(&self) -> String {
        format!("{}_DELIVERIES", self.stream_prefix())
    }

    fn stream_prefix(&self) -> String {
        // Stream names may not contain dots, spaces or wildcards.
        self.prefix
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect()
    }

    /// The task id inside an event subject, if it is one of ours.
    pub fn task_of(&self, subject: &str) -> Option<Uuid> {
        let rest = subject.strip_prefix(&self.prefix)?;
        let rest = rest.strip_prefix(".events.task.")?;
        let (id, _kind) = rest.split_once('.')?;
        Uuid::parse_str(id).ok()
    }
}

/// Published by the gateway on `<prefix>.build.requests` once a task is recorded.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuildRequest {
    pub task_id: Uuid,
    pub owner_id: Uuid,
    pub spec: BuildSpec,
    pub requested_at: DateTime<Utc>,
}

/// Published on `<prefix>.events.task.<id>.status` at every change of a task's status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StatusEvent {
    pub task_id: Uuid,
    pub status: TaskStatus,
    /// Which delivery of the build request this is about, from 1; 0 before any builder saw it.
    pub attempt: u32,
    pub at: DateTime<Utc>,
    /// Why a task failed or was cancelled, or what a running task is doing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The built image's id (`sha256:...`), on completion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_id: Option<String>,
    /// The base distro written into the image, once the builder knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_distro: Option<String>,
}

impl StatusEvent {
    pub fn new(task_id: Uuid, status: TaskStatus, attempt: u32) -> Self {
        Self {
            task_id,
            status,
            attempt,
            at: Utc::now(),
            message: None,
            image_id: None,
            base_distro: None,
        }
    }

    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }
}

/// Published on `<prefix>.events.task.<id>.log`, one per line of build output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LogEvent {
    pub task_id: Uuid,
    pub attempt: u32,
    /// Position of the line within its attempt, from 0, without gaps.
    pub seq: u64,
    pub line: String,
    pub at: DateTime<Utc>,
}

/// Published on `<prefix>.events.task.<id>.image` when a build produced an image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ImageEvent {
    pub task_id: Uuid,
    pub image_id: String,
    pub reference: String,
    pub size_bytes: i64,
    pub labels: BTreeMap<String, String>,
    pub created_at: DateTime<Utc>,
}

/// Published by the builder on `<prefix>.push.requests` after a successful build asked to push.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    pub task_id: Uuid,
    pub image_id: String,
    pub reference: String,
    /// The build attempt that produced the image; push log lines belong to it.
    #[serde(default)]
    pub attempt: u32,
    /// The `seq` the push's first log line takes, continuing the build's log.
    #[serde(default)]
    pub next_log_seq: u64,
}

/// What a push event reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PushPhase {
    Started,
    Retrying,
    Pushed,
    Failed,
}

/// Published on `<prefix>.events.task.<id>.push` as a push starts, retries and ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PushEvent {
    pub task_id: Uuid,
    pub phase: PushPhase,
    pub reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_carry_the_prefix_and_task() {
        let s = Subjects::new("forklift");
        let id = Uuid::nil();
        assert_eq!(
            s.task_status(id),
            "forklift.events.task.00000000-0000-0000-0000-000000000000.status"
        );
        assert_eq!(s.task_of(&s.task_log(id)), Some(id));
        assert_eq!(s.task_of("other.events.task.x.log"), None);
        assert_eq!(Subjects::new("t.1-a").builds_stream(), "T_1-A_BUILDS");
    }

    #[test]
    fn statuses_round_trip_and_only_three_are_terminal() {
        for status in TaskStatus::ALL {
            assert_eq!(TaskStatus::parse(status.as_str()), Some(status));
        }
        let terminal: Vec<_> = TaskStatus::ALL
            .into_iter()
            .filter(|s| s.is_terminal())
            .collect();
        assert_eq!(
            terminal,
            [
                TaskStatus::Completed,
                TaskStatus::Error,
                TaskStatus::Cancelled
            ]
        );
    }
}
