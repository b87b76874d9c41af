//! Handling one delivery of a build request, from decoding it to acknowledging it.

use std::time::Instant;

use async_nats::jetstream::{AckKind, Message};
use forklift_shared::bus::BusError;
use forklift_shared::events::BuildRequest;
use forklift_shared::service::task_log::TaskLog;
use forklift_shared::service::work_queue::{keep_alive, settle, RETRY_DELAY};
use tracing::Instrument as _;

use crate::attempt::Attempt;
use crate::report::Reporter;
use crate::Builder;

impl Builder {
    /// Builds what `message` asks for and acknowledges it once every event about it is stored.
    pub(crate) async fn handle(&self, message: Message) {
        let key_of = |r: &BuildRequest| format!("build.{}", r.task_id);
        let Some((request, attempt)) = self
            .deliveries
            .receive(&message, "build request", key_of)
            .await
        else {
            return;
        };

        let span =
            tracing::info_span!("build", task.id = %request.task_id, build.attempt = attempt);
        self.handle_request(&message, &request, attempt)
            .instrument(span)
            .await;
    }

    async fn handle_request(&self, message: &Message, request: &BuildRequest, attempt: u32) {
        let reporter = Reporter {
            bus: &self.bus,
            task_id: request.task_id,
            attempt,
        };
        let outcome = if attempt > self.max_attempts {
            tracing::warn!(
                build.max_attempts = self.max_attempts,
                "giving up on a build request"
            );
            reporter.gave_up(attempt - 1).await.map(|()| AckKind::Term)
        } else {
            let work = self.attempt(&reporter, request);
            let period = self.queue.progress_period();
            keep_alive(message, period, work)
                .await
                .map(|()| AckKind::Ack)
        };

        match outcome {
            Ok(ack) => settle(message, ack).await,
            Err(e) => {
                tracing::error!(error = %e, "cannot report on a build; it will be retried");
                settle(message, AckKind::Nak(Some(RETRY_DELAY))).await;
            }
        }
    }

    /// Runs one attempt and publishes its outcome: its log first, then its result.
    async fn attempt(
        &self,
        reporter: &Reporter<'_>,
        request: &BuildRequest,
    ) -> Result<(), BusError> {
        reporter.started().await?;
        let started = Instant::now();
        let mut attempt = Attempt {
            builder: self,
            request,
            log: TaskLog::new(self.bus.clone(), request.task_id, reporter.attempt, 0),
            distro: None,
        };
        let outcome = attempt.build().await;
        let Attempt { log, distro, .. } = attempt;
        let lines = log.finish().await?;

        let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match outcome {
            Ok(built) => {
                tracing::info!(image.ref = %built.reference, image.id = %built.image.id, duration_ms, log.lines = lines, "build completed");
                reporter.built(&built, lines).await
            }
            Err(failure) => {
                // The user's build failed, not the builder: no operator needs to act.
                tracing::info!(reason = %failure, duration_ms, log.lines = lines, "build failed");
                reporter.failed(&failure, distro.as_ref()).await
            }
        }
    }
}
