//! One push request, from its first log line to the task's final status.

use std::time::Instant;

use forklift_shared::bus::BusError;
use forklift_shared::events::PushRequest;
use forklift_shared::image_ref::ImageRef;
use forklift_shared::service::insecure::check_transport;
use forklift_shared::service::logins::docker_credentials;
use forklift_shared::service::task_log::TaskLog;
use forklift_shared::store::credentials::host_key_of;

use crate::failure::{LoginUsed, Target};
use crate::push::{push_image, Pushed};
use crate::report::Reporter;
use crate::retry::Verdict;
use crate::{logins, Service};

/// How far apart the log numbering of two deliveries of one push request starts: the lines of
/// a delivery cut short stay stored, so the next one must not reuse their numbers.
const DELIVERY_SEQ_STRIDE: u64 = 1 << 32;

/// The sequence number of the first log line of `delivery` (from 1) of `request`.
fn first_log_seq(request: &PushRequest, delivery: u32) -> u64 {
    request.next_log_seq + u64::from(delivery.saturating_sub(1)) * DELIVERY_SEQ_STRIDE
}

impl Service {
    /// Pushes what `request` asks for and publishes every event about it. `Err` only when NATS
    /// failed, so that the request is tried again rather than acknowledged half-reported.
    pub(crate) async fn push(&self, request: &PushRequest, delivery: u32) -> Result<(), BusError> {
        let reporter = Reporter {
            bus: &self.bus,
            request,
        };
        reporter.started().await?;
        let started = Instant::now();
        let mut log = TaskLog::new(
            self.bus.clone(),
            request.task_id,
            request.attempt,
            first_log_seq(request, delivery),
        );
        let outcome = self.push_with_retries(request, &reporter, &mut log).await?;
        // Every line of the push is stored before the task can end.
        log.finish().await?;

        let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match outcome {
            Ok(pushed) => {
                tracing::info!(image.digest = %pushed.digest, duration_ms, "image pushed");
                reporter.pushed(&pushed.digest).await
            }
            Err(reason) => {
                // Registry trouble is the operator's business too, whoever's image it was.
                tracing::warn!(reason = %reason, duration_ms, "push failed");
                reporter.failed(&reason).await
            }
        }
    }

    /// Checks the request, then pushes, retrying passing failures. The inner `Err` is the
    /// reason the push failed, for the task's error message.
    async fn push_with_retries(
        &self,
        request: &PushRequest,
        reporter: &Reporter<'_>,
        log: &mut TaskLog,
    ) -> Result<Result<Pushed, String>, BusError> {
        let reference = match ImageRef::parse(&request.reference) {
            Ok(reference) => reference,
            Err(e) => {
                return Ok(Err(format!(
                    "cannot push {}: the reference is not valid: {e}",
                    request.reference
                )))
            }
        };
        let target = Target {
            reference: &request.reference,
            repository: reference.repository(),
            host: host_key_of(&reference),
            image_id: &request.image_id,
        };
        if let Err(reason) = check_transport(&self.docker, &self.insecure, &target.host).await {
            return Ok(Err(target.refused(&reason)));
        }
        let (login, used) = match logins::for_host(&self.logins, &target.host).await {
            Ok(found) => found,
            Err(e) => return Ok(Err(target.refused(&e.to_string()))),
        };
        if let LoginUsed::Stored { username } = &used {
            let host = &target.host;
            log.line(&format!(
                "using the credentials stored for {host} (user {username})"
            ))
            .await;
        }

        let credentials = login.as_ref().map(docker_credentials);
        let mut retry = 0;
        loop {
            let tries = retry + 1;
            log.line(&format!(
                "pushing {} to {} (try {tries})",
                request.reference, target.host
            ))
            .await;
            let pushed = tokio::time::timeout(
                self.push_timeout,
                push_image(
                    &self.docker,
                    &request.image_id,
                    &reference,
                    credentials.clone(),
                    log,
                ),
            )
            .await;
            let error = match pushed {
                Ok(Ok(pushed)) => return Ok(Ok(pushed)),
                Ok(Err(error)) => error,
                Err(_) => {
                    let limit = self.push_timeout.as_secs();
                    let reason = format!("the push did not finish within {limit} s");
                    return Ok(Err(target.refused(&reason)));
                }
            };

            if error.verdict() == Verdict::Permanent || retry >= self.retry.max_retries {
                return Ok(Err(target.failed(&error, &used, tries)));
            }
            retry += 1;
            let delay = self.retry.delay(retry);
            let max = self.retry.max_retries;
            let note = format!(
                "the push failed ({error}); retry {retry} of {max} in {:.1} s",
                delay.as_secs_f64()
            );
            tracing::info!(push.retry = retry, error = %error, "push failed; retrying");
            log.line(&note).await;
            reporter.retrying(retry, &note).await?;
            tokio::time::sleep(delay).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_delivery_numbers_its_lines_past_the_first() {
        let request = PushRequest {
            task_id: uuid::Uuid::nil(),
            attempt: 1,
            image_id: "sha256:0".into(),
            reference: "127.0.0.1:5000/a/b:1".into(),
            next_log_seq: 40,
        };
        assert_eq!(first_log_seq(&request, 1), 40);
        assert_eq!(first_log_seq(&request, 2), 40 + (1 << 32));
        assert_eq!(first_log_seq(&request, 0), 40);
    }
}
