//! Taking build requests off the JetStream work queue, a few at a time.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::consumer::{pull, AckPolicy, PullConsumer};
use async_nats::jetstream::Message;
use futures::StreamExt;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::{Builder, Config};

/// Name of the durable consumer every builder shares, so each request goes to one of them.
const CONSUMER: &str = "builder";
/// How long one pull request waits for a message before asking again.
const PULL_EXPIRY: Duration = Duration::from_secs(30);
/// Pause after NATS refused a pull, so a broken connection is not hammered.
const RETRY_PAUSE: Duration = Duration::from_secs(1);

/// Creates (or updates) the builders' durable consumer on the build requests stream.
pub(crate) async fn durable_consumer(
    builder: &Builder,
    config: &Config,
) -> anyhow::Result<PullConsumer> {
    let subjects = &builder.bus.subjects;
    let stream = builder
        .bus
        .jetstream
        .get_stream(subjects.builds_stream())
        .await
        .context("cannot open the build requests stream")?;

    // `max_ack_pending` counts across every builder sharing the consumer: it only has to let
    // each of them run its `concurrency` builds. Deliveries are not capped (`max_deliver`
    // -1): the builder counts attempts itself and fails the task, instead of leaving it
    // pending forever in the stream.
    let consumer_config = pull::Config {
        durable_name: Some(CONSUMER.into()),
        description: Some("Forklift builders".into()),
        filter_subject: subjects.build_requests(),
        ack_policy: AckPolicy::Explicit,
        ack_wait: config.ack_wait,
        max_deliver: -1,
        max_ack_pending: i64::try_from(config.concurrency.max(1000)).unwrap_or(i64::MAX),
        ..Default::default()
    };
    stream
        .create_consumer(consumer_config)
        .await
        .context("cannot create the builders' JetStream consumer")
}

/// Runs up to `concurrency` builds at once, forever. Builds in flight are dropped with the
/// returned future, their requests left unacknowledged for another builder.
pub(crate) async fn consume(
    builder: Arc<Builder>,
    consumer: PullConsumer,
    concurrency: usize,
) -> anyhow::Result<()> {
    let permits = Arc::new(Semaphore::new(concurrency));
    // Owning the builds here means aborting `run` aborts them too, like a crash would.
    let mut builds = JoinSet::new();

    loop {
        // Only pull what can start now: a pulled message waits under JetStream's ack timer.
        let permit = permits.clone().acquire_owned().await?;
        while builds.try_join_next().is_some() {}

        let Some(message) = next_message(&consumer).await else {
            continue;
        };
        let builder = builder.clone();
        builds.spawn(async move {
            builder.handle(message).await;
            drop(permit);
        });
    }
}

/// The next build request, or `None` when none came within [`PULL_EXPIRY`] or NATS failed.
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
            tracing::warn!(error, "cannot pull a build request; retrying");
            tokio::time::sleep(RETRY_PAUSE).await;
            None
        }
    }
}
