//! Handling one delivery of a build request, from decoding it to acknowledging it.

use std::future::Future;
use std::time::{Duration, Instant};

use async_nats::jetstream::{AckKind, Message};
use forklift_shared::bus::BusError;
use forklift_shared::events::BuildRequest;
use tracing::Instrument as _;

use crate::attempt::Attempt;
use crate::report::Reporter;
use crate::task_log::TaskLog;
use crate::Builder;

/// How long JetStream holds back a request this builder could not report on, before another
/// try. NATS trouble is usually a restart; retrying at once would likely fail again.
const RETRY_DELAY: Duration = Duration::from_secs(10);
/// Shortest pause between progress reports, whatever the configured ack wait.
const MIN_PROGRESS_PERIOD: Duration = Duration::from_millis(100);

impl Builder {
    /// Builds what `message` asks for and acknowledges it once every event about it is stored.
    pub(crate) async fn handle(&self, message: Message) {
        let request: BuildRequest = match serde_json::from_slice(&message.payload) {
            Ok(request) => request,
            Err(e) => {
                tracing::error!(nats.subject = %message.subject, error = %e, "dropping an undecodable build request");
                settle(&message, AckKind::Term).await;
                return;
            }
        };
        // `delivered` counts from 1 and only grows when a delivery was not acknowledged.
        let attempt = message
            .info()
            .map_or(1, |info| u32::try_from(info.delivered).unwrap_or(u32::MAX));

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
            let period = (self.ack_wait / 3).max(MIN_PROGRESS_PERIOD);
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
            log: TaskLog::new(self.bus.clone(), request.task_id, reporter.attempt),
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

/// Runs `work`, telling JetStream every `period` that it is still going, so that a long build
/// is not handed to another builder meanwhile.
async fn keep_alive<F: Future>(message: &Message, period: Duration, work: F) -> F::Output {
    let mut work = std::pin::pin!(work);
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    loop {
        tokio::select! {
            output = &mut work => return output,
            _ = ticks.tick() => {
                if let Err(e) = message.ack_with(AckKind::Progress).await {
                    tracing::warn!(error = %e, "cannot tell JetStream the build is still going");
                }
            }
        }
    }
}

/// Acknowledges `message` as `ack` says, waiting for JetStream to confirm a final one.
async fn settle(message: &Message, ack: AckKind) {
    let label = format!("{ack:?}");
    // Double acks confirm receipt: a lost ack would mean building the same request again.
    let result = match ack {
        AckKind::Ack | AckKind::Term => message.double_ack_with(ack).await,
        other => message.ack_with(other).await,
    };
    if let Err(e) = result {
        tracing::warn!(nats.ack = %label, error = %e, "cannot acknowledge a build request");
    }
}
