//! Handling one delivery of a push request, from decoding it to acknowledging it.

use async_nats::jetstream::{AckKind, Message};
use forklift_shared::bus::BusError;
use forklift_shared::events::PushRequest;
use forklift_shared::service::work_queue::{keep_alive, settle, RETRY_DELAY};
use tracing::Instrument as _;

use crate::report::Reporter;
use crate::Service;

/// Deliveries of one request before the task is failed: each was cut short by a stopped
/// registry service, and one that stops every time would otherwise loop forever.
const MAX_DELIVERIES: u32 = 3;

impl Service {
    /// Pushes what `message` asks for and acknowledges it once every event about it is stored.
    pub(crate) async fn handle(&self, message: Message) {
        let key_of = |r: &PushRequest| format!("push.{}.{}", r.task_id, r.attempt);
        let Some((request, delivery)) = self
            .deliveries
            .receive(&message, "push request", key_of)
            .await
        else {
            return;
        };

        let span = tracing::info_span!(
            "push",
            task.id = %request.task_id,
            image.ref = %request.reference,
            nats.delivery = delivery
        );
        self.handle_request(&message, &request, delivery)
            .instrument(span)
            .await;
    }

    async fn handle_request(&self, message: &Message, request: &PushRequest, delivery: u32) {
        let outcome = if delivery > MAX_DELIVERIES {
            tracing::warn!("giving up on a push request");
            self.give_up(request).await.map(|()| AckKind::Term)
        } else {
            let period = self.queue.progress_period();
            keep_alive(message, period, self.push(request, delivery))
                .await
                .map(|()| AckKind::Ack)
        };

        match outcome {
            Ok(ack) => settle(message, ack).await,
            Err(e) => {
                tracing::error!(error = %e, "cannot report on a push; it will be retried");
                settle(message, AckKind::Nak(Some(RETRY_DELAY))).await;
            }
        }
    }

    async fn give_up(&self, request: &PushRequest) -> Result<(), BusError> {
        let reporter = Reporter {
            bus: &self.bus,
            request,
        };
        let reason = format!(
            "cannot push {}: gave up after {MAX_DELIVERIES} tries, the registry service stopped \
             before finishing each time",
            request.reference
        );
        reporter.failed(&reason).await
    }
}
