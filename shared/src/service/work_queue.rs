//! Taking requests off a JetStream work queue, a few at a time, and settling each delivery.
//!
//! Every instance of a service shares one durable pull consumer with explicit acks, so each
//! request goes to one instance, and one that dies mid-work leaves its request unacknowledged
//! for another. While working, an instance reports progress so long work keeps its message.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::consumer::{pull, AckPolicy, PullConsumer};
use async_nats::jetstream::{AckKind, Message};
use futures::StreamExt;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::bus::Bus;

/// How long one pull request waits for a message before asking again.
const PULL_EXPIRY: Duration = Duration::from_secs(30);
/// Pause after NATS refused a pull, so a broken connection is not hammered.
const RETRY_PAUSE: Duration = Duration::from_secs(1);
/// How long JetStream holds back a request that could not be counted or reported on, before
/// another try. NATS trouble is usually a restart; retrying at once would likely fail again.
pub const RETRY_DELAY: Duration = Duration::from_secs(10);
/// Shortest pause between progress reports, whatever the configured ack wait.
const MIN_PROGRESS_PERIOD: Duration = Duration::from_millis(100);

/// One service's work queue, as its instances consume it.
#[derive(Debug, Clone)]
pub struct WorkQueue {
    /// The JetStream stream holding the requests.
    pub stream: String,
    /// The subject of the requests in it.
    pub subject: String,
    /// The durable consumer's name, the same for every instance.
    pub consumer: &'static str,
    /// What the requests are, for messages: "build request".
    pub what: &'static str,
    /// How long JetStream waits for an ack or a progress report before redelivering.
    pub ack_wait: Duration,
    /// Requests one instance works on at once.
    pub concurrency: usize,
    /// How long work in flight may go on once the instance is asked to stop; what is still
    /// running then is left unacknowledged for another instance.
    pub shutdown_grace: Duration,
}

impl WorkQueue {
    /// Creates (or updates) the instances' shared durable consumer.
    pub async fn consumer(&self, bus: &Bus) -> anyhow::Result<PullConsumer> {
        let stream = bus
            .jetstream
            .get_stream(&self.stream)
            .await
            .with_context(|| format!("cannot open the {} stream {}", self.what, self.stream))?;

        // `max_ack_pending` counts across every instance sharing the consumer: it only has to
        // let each of them run its `concurrency` requests. Deliveries are not capped
        // (`max_deliver` -1): the services count them and fail the task themselves, instead of
        // leaving it pending forever in the stream.
        let config = pull::Config {
            durable_name: Some(self.consumer.into()),
            description: Some(format!("Forklift {} consumers", self.what)),
            filter_subject: self.subject.clone(),
            ack_policy: AckPolicy::Explicit,
            ack_wait: self.ack_wait,
            max_deliver: -1,
            max_ack_pending: i64::try_from(self.concurrency.max(1000)).unwrap_or(i64::MAX),
            ..Default::default()
        };
        stream
            .create_consumer(config)
            .await
            .with_context(|| format!("cannot create the {} consumer", self.what))
    }

    /// Hands up to `concurrency` requests at once to `handle` until `stop` completes, then lets
    /// the work in flight finish within [`WorkQueue::shutdown_grace`]. Work in flight is also
    /// dropped with the returned future, its requests left unacknowledged for another
    /// instance, as a crash would.
    pub async fn consume<H, F, S>(
        &self,
        consumer: PullConsumer,
        handle: H,
        stop: S,
    ) -> anyhow::Result<()>
    where
        H: Fn(Message) -> F,
        F: Future<Output = ()> + Send + 'static,
        S: Future<Output = ()>,
    {
        let permits = Arc::new(Semaphore::new(self.concurrency));
        let mut running = JoinSet::new();
        let mut stop = std::pin::pin!(stop);

        loop {
            // Only pull what can start now: a pulled message waits under JetStream's ack timer.
            let permit = tokio::select! {
                () = &mut stop => break,
                permit = permits.clone().acquire_owned() => permit?,
            };
            while running.try_join_next().is_some() {}

            // A pull cut short may have had a request on its way: it waits out its ack timer
            // and goes to another instance.
            let next = tokio::select! {
                () = &mut stop => break,
                next = self.next_message(&consumer) => next,
            };
            let Some(message) = next else {
                continue;
            };
            let work = handle(message);
            running.spawn(async move {
                work.await;
                drop(permit);
            });
        }
        self.drain(running).await;
        Ok(())
    }

    /// Waits for the work in flight, at most [`WorkQueue::shutdown_grace`].
    async fn drain(&self, mut running: JoinSet<()>) {
        let in_flight = running.len();
        tracing::info!(
            in_flight,
            grace_secs = self.shutdown_grace.as_secs(),
            "stopping: no more {}s taken",
            self.what
        );
        let finished = tokio::time::timeout(self.shutdown_grace, async {
            while running.join_next().await.is_some() {}
        })
        .await;
        if finished.is_err() {
            tracing::warn!(
                left = running.len(),
                "stopping with work in flight; its requests go to another instance"
            );
        }
    }

    /// The next request, or `None` when none came within [`PULL_EXPIRY`] or NATS failed.
    async fn next_message(&self, consumer: &PullConsumer) -> Option<Message> {
        let batch = consumer
            .batch()
            .max_messages(1)
            .expires(PULL_EXPIRY)
            .messages()
            .await;
        let result = match batch {
            Ok(mut batch) => batch.next().await.transpose().map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };

        match result {
            Ok(message) => message,
            Err(error) => {
                tracing::warn!(error, "cannot pull a {}; retrying", self.what);
                tokio::time::sleep(RETRY_PAUSE).await;
                None
            }
        }
    }

    /// How often work on a request reports progress: three times per ack wait.
    pub fn progress_period(&self) -> Duration {
        (self.ack_wait / 3).max(MIN_PROGRESS_PERIOD)
    }
}

/// Runs `work`, telling JetStream every `period` that it is still going, so that long work is
/// not handed to another instance meanwhile.
pub async fn keep_alive<F: Future>(message: &Message, period: Duration, work: F) -> F::Output {
    let mut work = std::pin::pin!(work);
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    loop {
        tokio::select! {
            output = &mut work => return output,
            _ = ticks.tick() => {
                if let Err(e) = message.ack_with(AckKind::Progress).await {
                    tracing::warn!(error = %e, "cannot tell JetStream the work is still going");
                }
            }
        }
    }
}

/// Acknowledges `message` as `ack` says, waiting for JetStream to confirm a final one: a lost
/// final ack would mean doing the same work again.
pub async fn settle(message: &Message, ack: AckKind) {
    let label = format!("{ack:?}");
    let result = match ack {
        AckKind::Ack | AckKind::Term => message.double_ack_with(ack).await,
        other => message.ack_with(other).await,
    };
    if let Err(e) = result {
        tracing::warn!(nats.subject = %message.subject, nats.ack = %label, error = %e, "cannot acknowledge a request");
    }
}
