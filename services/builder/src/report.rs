//! The events an attempt publishes about its task: status changes, the image, push requests.

use forklift_shared::bus::{Bus, BusError};
use forklift_shared::distro::BaseDistro;
use forklift_shared::events::{ImageEvent, PushRequest, StatusEvent, TaskStatus};
use uuid::Uuid;

use crate::attempt::Built;
use crate::failure::BuildFailure;

/// Who publishes, about which task and attempt.
pub(crate) struct Reporter<'a> {
    pub(crate) bus: &'a Bus,
    pub(crate) task_id: Uuid,
    pub(crate) attempt: u32,
}

impl Reporter<'_> {
    /// Announces that this attempt started.
    pub(crate) async fn started(&self) -> Result<(), BusError> {
        let event = StatusEvent::new(self.task_id, TaskStatus::Running, self.attempt)
            .with_message(format!("building (attempt {})", self.attempt));
        self.status(event, None).await
    }

    /// Publishes the image, then either asks for the push or completes the task. The push
    /// continues this attempt's log, whose `log_lines` lines are all stored.
    pub(crate) async fn built(&self, built: &Built, log_lines: u64) -> Result<(), BusError> {
        let image = ImageEvent {
            task_id: self.task_id,
            image_id: built.image.id.clone(),
            reference: built.reference.clone(),
            size_bytes: built.image.size_bytes,
            labels: built.image.labels.clone().into_iter().collect(),
            created_at: built.image.created_at,
        };
        let image_id = self.msg_id("image");
        let subject = self.bus.subjects.task_image(self.task_id);
        self.bus.publish(subject, &image, Some(image_id)).await?;

        let mut event = if built.spec.auto_push {
            self.request_push(built, log_lines).await?;
            let registry = built.spec.target.registry_host().unwrap_or("docker.io");
            StatusEvent::new(self.task_id, TaskStatus::Running, self.attempt)
                .with_message(format!("built; waiting for the push to {registry}"))
        } else {
            StatusEvent::new(self.task_id, TaskStatus::Completed, self.attempt)
        };
        event.image_id = Some(built.image.id.clone());
        event.base_distro = Some(built.distro.to_string());
        // Two running events in one attempt: the second needs an id of its own.
        let stage = built.spec.auto_push.then_some("push");
        self.status(event, stage).await
    }

    /// Fails the task with `failure` as the reason.
    pub(crate) async fn failed(
        &self,
        failure: &BuildFailure,
        distro: Option<&BaseDistro>,
    ) -> Result<(), BusError> {
        let mut event = StatusEvent::new(self.task_id, TaskStatus::Error, self.attempt)
            .with_message(failure.to_string());
        event.base_distro = distro.map(ToString::to_string);
        self.status(event, None).await
    }

    /// Fails a task whose request was delivered too often: builders keep dying on it.
    pub(crate) async fn gave_up(&self, attempts: u32) -> Result<(), BusError> {
        let event =
            StatusEvent::new(self.task_id, TaskStatus::Error, self.attempt).with_message(format!(
                "gave up after {attempts} attempts: the builder stopped before finishing each time"
            ));
        self.status(event, None).await
    }

    async fn request_push(&self, built: &Built, next_log_seq: u64) -> Result<(), BusError> {
        let request = PushRequest {
            task_id: self.task_id,
            image_id: built.image.id.clone(),
            reference: built.reference.clone(),
            attempt: self.attempt,
            next_log_seq,
        };
        // One push per task, however many attempts got this far.
        let msg_id = Some(self.task_id.to_string());
        let subject = self.bus.subjects.push_requests();
        self.bus.publish(subject, &request, msg_id).await
    }

    async fn status(&self, event: StatusEvent, stage: Option<&str>) -> Result<(), BusError> {
        let kind = match stage {
            Some(stage) => format!("status:{}:{stage}", event.status),
            None => format!("status:{}", event.status),
        };
        let subject = self.bus.subjects.task_status(self.task_id);
        self.bus
            .publish(subject, &event, Some(self.msg_id(&kind)))
            .await
    }

    /// `<task>:<attempt>:<kind>`: a republish of the same event is dropped by JetStream.
    fn msg_id(&self, kind: &str) -> String {
        format!("{}:{}:{kind}", self.task_id, self.attempt)
    }
}
