//! How many times each request has been handed to a service, counted where every instance sees
//! the same number.

use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::{AckKind, Message};
use serde::de::DeserializeOwned;

use super::work_queue::{settle, RETRY_DELAY};
use crate::bus::Bus;

/// How long a delivery count is kept: far longer than any request waits in a work queue.
const DELIVERY_COUNT_MAX_AGE: Duration = Duration::from_secs(7 * 24 * 3600);

/// Counts the deliveries of each request in a JetStream key-value bucket.
///
/// JetStream's own count (`delivered` in a message's metadata) cannot be trusted for this: the
/// NATS server 2.9 that Debian ships was seen handing a request on as a first delivery again
/// after the instance working on it died. The count numbers attempts and log lines, and a
/// request that kills every instance must end, so it is kept here, changed only by
/// compare-and-set, and survives any instance.
#[derive(Clone)]
pub struct DeliveryCounter {
    bucket: async_nats::jetstream::kv::Store,
}

impl DeliveryCounter {
    /// Opens the deployment's bucket, creating it on first use.
    pub async fn open(bus: &Bus) -> anyhow::Result<Self> {
        use async_nats::jetstream::stream::{Config, DiscardPolicy};

        let name = bus.subjects.deliveries_bucket();
        // The bucket's stream is made here, the way key-value buckets are laid out, because
        // async-nats's own `create_key_value` first reads account details in a shape the NATS
        // 2.9 server does not answer with.
        bus.jetstream
            .get_or_create_stream(Config {
                name: format!("KV_{name}"),
                description: Some("Forklift: deliveries of each build and push request".into()),
                subjects: vec![format!("$KV.{name}.>")],
                max_messages_per_subject: 1,
                max_age: DELIVERY_COUNT_MAX_AGE,
                allow_rollup: true,
                deny_delete: true,
                allow_direct: true,
                discard: DiscardPolicy::New,
                ..Default::default()
            })
            .await
            .with_context(|| format!("cannot create the key-value bucket {name}"))?;
        let bucket = bus
            .jetstream
            .get_key_value(name.clone())
            .await
            .with_context(|| format!("cannot open the key-value bucket {name}"))?;
        Ok(Self { bucket })
    }

    /// Decodes `message` as a `what` ("build request") and counts this delivery of it under
    /// `key_of(&request)`. `None` when the message was settled here instead: ended when it cannot
    /// be decoded, since no retry would change that; handed back for later when the count cannot
    /// be kept.
    pub async fn receive<T: DeserializeOwned>(
        &self,
        message: &Message,
        what: &str,
        key_of: impl FnOnce(&T) -> String,
    ) -> Option<(T, u32)> {
        let request: T = match serde_json::from_slice(&message.payload) {
            Ok(request) => request,
            Err(e) => {
                tracing::error!(nats.subject = %message.subject, error = %e, "dropping an undecodable {what}");
                settle(message, AckKind::Term).await;
                return None;
            }
        };
        let key = key_of(&request);
        match self.next(&key).await {
            Ok(count) => Some((request, count)),
            Err(e) => {
                tracing::error!(
                    delivery.key = key,
                    error = format!("{e:#}"),
                    "cannot count the deliveries of a {what}; it will be retried"
                );
                settle(message, AckKind::Nak(Some(RETRY_DELAY))).await;
                None
            }
        }
    }

    /// Counts one more delivery of the request known as `key` and returns the count, from 1.
    pub async fn next(&self, key: &str) -> anyhow::Result<u32> {
        use async_nats::jetstream::kv::{CreateErrorKind, UpdateErrorKind};

        // Two instances never hold one request at once, but a retried call may race itself.
        for _ in 0..10 {
            let Some(entry) = self.bucket.entry(key).await? else {
                match self.bucket.create(key, "1".into()).await {
                    Ok(_) => return Ok(1),
                    Err(e) if e.kind() == CreateErrorKind::AlreadyExists => continue,
                    Err(e) => return Err(e.into()),
                }
            };
            let count = std::str::from_utf8(&entry.value)
                .ok()
                .and_then(|v| v.parse::<u32>().ok())
                .unwrap_or(0)
                .saturating_add(1);
            match self
                .bucket
                .update(key, count.to_string().into(), entry.revision)
                .await
            {
                Ok(_) => return Ok(count),
                Err(e) if e.kind() == UpdateErrorKind::WrongLastRevision => continue,
                Err(e) => return Err(e.into()),
            }
        }
        anyhow::bail!("cannot count the deliveries of {key}: the count kept changing")
    }
}
