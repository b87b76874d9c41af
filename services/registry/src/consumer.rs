//! Taking push requests off the JetStream work queue, a few at a time.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::consumer::{pull, AckPolicy, PullConsumer};
use async_nats::jetstream::Message;
use futures::StreamExt;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::Service;

/// Name of the durable consumer every registry service shares, so each request goes to one.
const CONSUMER: &str = "registry";
/// How long one pull request waits for a message before asking again.
const PULL_EXPIRY: Duration = Duration::from_secs(30);
/// Pause after NATS refused a pull, so a broken connection is not hammered.
const RETRY_PAUSE: Duration = Duration::from_secs(1);

/// Creates (or updates) the durable consumer on the push requests stream.
pub(crate) async fn durable_consumer(
    service: &Service,
    concurrency: usize,
) -> anyhow::Result<PullConsumer> {
    let subjects = &service.bus.subjects;
    let stream = service
        .bus
        .jetstream
        .get_stream(subjects.pushes_stream())
        .await
        .context("cannot open the push requests stream")?;

    // Deliveries are not capped by JetStream: the service counts them and fails the task
    // itself, instead of leaving the request in the stream forever.
    let consumer_config = pull::Config {
        durable_name: Some(CONSUMER.into()),
        description: Some("Forklift registry services".into()),
        filter_subject: subjects.push_requests(),
        ack_policy: AckPolicy::Explicit,
        ack_wait: service.ack_wait,
        max_deliver: -1,
        max_ack_pending: i64::try_from(concurrency.max(1000)).unwrap_or(i64::MAX),
        ..Default::default()
    };
    stream
        .create_consumer(consumer_config)
        .await
        .context("cannot create the registry services' JetStream consumer")
}

/// Runs up to `concurrency` pushes at once, forever. Pushes in flight are dropped with the
/// returned future, their requests left unacknowledged for another instance.
pub(crate) async fn consume(
    service: Arc<Service>,
    consumer: PullConsumer,
    concurrency: usize,
) -> anyhow::Result<()> {
    let permits = Arc::new(Semaphore::new(concurrency));
    let mut pushes = JoinSet::new();

    loop {
        // Only pull what can start now: a pulled message waits under JetStream's ack timer.
        let permit = permits.clone().acquire_owned().await?;
        while pushes.try_join_next().is_some() {}

        let Some(message) = next_message(&consumer).await else {
            continue;
        };
        let service = service.clone();
        pushes.spawn(async move {
            service.handle(message).await;
            drop(permit);
        });
    }
}

/// The next push request, or `None` when none came within [`PULL_EXPIRY`] or NATS failed.
async fn next_message(consumer: &PullConsumer) -> Option<Message> {
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
            tracing::warn!(error, "cannot pull a push request; retrying");
            tokio::time::sleep(RETRY_PAUSE).await;
            None
        }
    }
}
