//! The events a push publishes about its task: push phases, then the task's final status.

use chrono::Utc;
use forklift_shared::bus::{Bus, BusError};
use forklift_shared::events::{PushEvent, PushPhase, PushRequest, StatusEvent, TaskStatus};

/// Publishes about the task a push request belongs to.
pub(crate) struct Reporter<'a> {
    pub(crate) bus: &'a Bus,
    pub(crate) request: &'a PushRequest,
}

impl Reporter<'_> {
    pub(crate) async fn started(&self) -> Result<(), BusError> {
        self.push(PushPhase::Started, None, None, "started").await
    }

    /// Announces retry number `retry` (from 1) and why.
    pub(crate) async fn retrying(&self, retry: u32, message: &str) -> Result<(), BusError> {
        let kind = format!("retrying:{retry}");
        self.push(PushPhase::Retrying, None, Some(message.into()), &kind)
            .await
    }

    /// Records the digest, then completes the task.
    pub(crate) async fn pushed(&self, digest: &str) -> Result<(), BusError> {
        self.push(PushPhase::Pushed, Some(digest.into()), None, "pushed")
            .await?;
        let message = format!("pushed to {} as {digest}", self.request.reference);
        self.status(TaskStatus::Completed, message).await
    }

    /// Reports the failure, then ends the task as an error with the same reason.
    pub(crate) async fn failed(&self, reason: &str) -> Result<(), BusError> {
        self.push(PushPhase::Failed, None, Some(reason.into()), "failed")
            .await?;
        self.status(TaskStatus::Error, reason.into()).await
    }

    async fn push(
        &self,
        phase: PushPhase,
        digest: Option<String>,
        message: Option<String>,
        kind: &str,
    ) -> Result<(), BusError> {
        let event = PushEvent {
            task_id: self.request.task_id,
            phase,
            reference: self.request.reference.clone(),
            digest,
            message,
            at: Utc::now(),
        };
        let subject = self.bus.subjects.task_push(self.request.task_id);
        let msg_id = self.msg_id(&format!("push:{kind}"));
        self.bus.publish(subject, &event, Some(msg_id)).await
    }

    async fn status(&self, status: TaskStatus, message: String) -> Result<(), BusError> {
        let mut event = StatusEvent::new(self.request.task_id, status, self.request.attempt)
            .with_message(message);
        event.image_id = Some(self.request.image_id.clone());
        let subject = self.bus.subjects.task_status(self.request.task_id);
        let msg_id = self.msg_id(&format!("status:{status}"));
        self.bus.publish(subject, &event, Some(msg_id)).await
    }

    /// `<task>:<attempt>:<kind>`, like the builder's: a republish of the same event is dropped.
    fn msg_id(&self, kind: &str) -> String {
        format!("{}:{}:{kind}", self.request.task_id, self.request.attempt)
    }
}
