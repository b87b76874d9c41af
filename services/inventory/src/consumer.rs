//! The durable JetStream consumer that feeds events to the store.

use std::time::Duration;

use async_nats::jetstream::consumer::{pull, AckPolicy, DeliverPolicy};
use async_nats::jetstream::Message;
use forklift_shared::bus::Bus;
use forklift_shared::store::Store;
use futures::{FutureExt, StreamExt};

use crate::apply;

/// Durable name of the inventory's consumer; a restarted inventory resumes where it stopped.
const CONSUMER: &str = "inventory";
/// Most events stored in one round; log lines of a round go in one INSERT.
const BATCH: usize = 500;
/// Longest pause between retries while the database is failing.
const MAX_BACKOFF: Duration = Duration::from_secs(15);

/// Stores events until the connection to NATS ends.
pub async fn run(bus: Bus, store: Store, ack_wait: Duration) -> anyhow::Result<()> {
    let stream = bus
        .jetstream
        .get_stream(bus.subjects.events_stream())
        .await?;
    let consumer = stream
        .get_or_create_consumer(
            CONSUMER,
            pull::Config {
                durable_name: Some(CONSUMER.to_string()),
                filter_subject: bus.subjects.all_events(),
                ack_policy: AckPolicy::Explicit,
                deliver_policy: DeliverPolicy::All,
                ack_wait,
                max_ack_pending: 20_000,
                ..Default::default()
            },
        )
        .await?;
    let mut messages = consumer
        .stream()
        .max_messages_per_batch(BATCH)
        .messages()
        .await?;
    tracing::info!(nats.stream = %bus.subjects.events_stream(), "storing events");

    while let Some(first) = messages.next().await {
        // Take what has already arrived along with the first message, without waiting.
        let mut batch = vec![first?];
        while batch.len() < BATCH {
            match messages.next().now_or_never() {
                Some(Some(message)) => batch.push(message?),
                _ => break,
            }
        }
        store_until_done(&store, &bus, &batch).await;
        for message in &batch {
            if let Err(e) = message.ack().await {
                tracing::warn!(error = %e, "cannot acknowledge an event; it will be redelivered");
            }
        }
    }
    anyhow::bail!("the NATS event subscription ended")
}

/// Applies one batch, retrying while the database fails. The batch is not skipped: moving on
/// would reorder a task's events, and everything it holds must be stored.
async fn store_until_done(store: &Store, bus: &Bus, batch: &[Message]) {
    let mut backoff = Duration::from_millis(250);
    loop {
        match apply::apply_batch(store, &bus.subjects, batch).await {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(error = %e, events = batch.len(), retry_ms = backoff.as_millis() as u64,
                    "cannot store events; retrying");
                for message in batch {
                    // Keeps JetStream from redelivering while we retry.
                    let _ = message
                        .ack_with(async_nats::jetstream::AckKind::Progress)
                        .await;
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}
