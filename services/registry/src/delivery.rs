//! Handling one delivery of a push request, from decoding it to acknowledging it.

use std::future::Future;
use std::time::Duration;

use async_nats::jetstream::{AckKind, Message};
use forklift_shared::bus::BusError;
use forklift_shared::events::PushRequest;
use tracing::Instrument as _;

use crate::report::Reporter;
use crate::Service;

/// Deliveries of one request before the task is failed: each was cut short by a stopped
/// registry service, and one that stops every time would otherwise loop forever.
const MAX_DELIVERIES: u32 = 3;
/// How long JetStream holds back a request this service could not report on.
const RETRY_DELAY: Duration = Duration::from_secs(10);
/// Shortest pause between progress reports, whatever the configured ack wait.
const MIN_PROGRESS_PERIOD: Duration = Duration::from_millis(100);

impl Service {
    /// Pushes what `message` asks for and acknowledges it once every event about it is stored.
    pub(crate) async fn handle(&self, message: Message) {
        let request: PushRequest = match serde_json::from_slice(&message.payload) {
            Ok(request) => request,
            Err(e) => {
                tracing::error!(nats.subject = %message.subject, error = %e, "dropping an undecodable push request");
                settle(&message, AckKind::Term).await;
                return;
            }
        };
        let delivery = message
            .info()
            .map_or(1, |info| u32::try_from(info.delivered).unwrap_or(u32::MAX));

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
            let period = (self.ack_wait / 3).max(MIN_PROGRESS_PERIOD);
            keep_alive(message, period, self.push(request))
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

/// Runs `work`, telling JetStream every `period` that it is still going, so that a long push
/// is not handed to another instance meanwhile.
async fn keep_alive<F: Future>(message: &Message, period: Duration, work: F) -> F::Output {
    let mut work = std::pin::pin!(work);
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    loop {
        tokio::select! {
            output = &mut work => return output,
            _ = ticks.tick() => {
                if let Err(e) = message.ack_with(AckKind::Progress).await {
                    tracing::warn!(error = %e, "cannot tell JetStream the push is still going");
                }
            }
        }
    }
}

/// Acknowledges `message` as `ack` says, waiting for JetStream to confirm a final one.
async fn settle(message: &Message, ack: AckKind) {
    let label = format!("{ack:?}");
    // A lost final ack would mean pushing the same image again.
    let result = match ack {
        AckKind::Ack | AckKind::Term => message.double_ack_with(ack).await,
        other => message.ack_with(other).await,
    };
    if let Err(e) = result {
        tracing::warn!(nats.ack = %label, error = %e, "cannot acknowledge a push request");
    }
}
