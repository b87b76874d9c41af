//! The NATS side every service shares: one connection, JetStream, and Forklift's streams.

use std::time::Duration;

use async_nats::jetstream::{self, message::PublishMessage, stream};
use serde::Serialize;

use crate::config::NatsConfig;
use crate::events::Subjects;

/// How long the events stream keeps what the inventory service has not read yet, and what late
/// outside subscribers can still replay.
const EVENTS_MAX_AGE: Duration = Duration::from_secs(7 * 24 * 3600);
/// Window in which a repeated `Nats-Msg-Id` is dropped, so a retried publish is not a second build.
const DUPLICATE_WINDOW: Duration = Duration::from_secs(120);

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("cannot connect to NATS at {url}: {source}")]
    Connect {
        url: String,
        source: async_nats::ConnectError,
    },
    #[error("cannot set up JetStream stream {stream}: {message}")]
    Stream { stream: String, message: String },
    #[error("cannot encode the message for {subject}: {source}")]
    Encode {
        subject: String,
        source: serde_json::Error,
    },
    #[error("JetStream did not accept the message on {subject}: {message}")]
    Publish { subject: String, message: String },
}

/// A connection to NATS with JetStream and the deployment's subject names.
#[derive(Clone)]
pub struct Bus {
    pub client: async_nats::Client,
    pub jetstream: jetstream::Context,
    pub subjects: Subjects,
}

impl Bus {
    /// Connects and makes sure every stream exists, so any service may start first.
    pub async fn connect(config: &NatsConfig) -> Result<Self, BusError> {
        let client = async_nats::ConnectOptions::new()
            .name("forklift")
            .connection_timeout(Duration::from_secs(5))
            .retry_on_initial_connect()
            .connect(&config.url)
            .await
            .map_err(|source| BusError::Connect {
                url: config.url.clone(),
                source,
            })?;
        let bus = Self {
            jetstream: jetstream::new(client.clone()),
            client,
            subjects: Subjects::new(config.prefix.clone()),
        };
        bus.ensure_streams().await?;
        Ok(bus)
    }

    async fn ensure_streams(&self) -> Result<(), BusError> {
        let s = &self.subjects;
        // Build and push requests wait in work queues: each is removed once a worker acks it.
        for (name, subject) in [
            (s.builds_stream(), s.build_requests()),
            (s.pushes_stream(), s.push_requests()),
        ] {
            self.ensure_stream(stream::Config {
                name,
                subjects: vec![subject],
                retention: stream::RetentionPolicy::WorkQueue,
                storage: stream::StorageType::File,
                duplicate_window: DUPLICATE_WINDOW,
                ..Default::default()
            })
            .await?;
        }
        self.ensure_stream(stream::Config {
            name: s.events_stream(),
            subjects: vec![s.all_events()],
            retention: stream::RetentionPolicy::Limits,
            storage: stream::StorageType::File,
            max_age: EVENTS_MAX_AGE,
            duplicate_window: DUPLICATE_WINDOW,
            ..Default::default()
        })
        .await
    }

    async fn ensure_stream(&self, config: stream::Config) -> Result<(), BusError> {
        let name = config.name.clone();
        self.jetstream
            .get_or_create_stream(config)
            .await
            .map(|_| ())
            .map_err(|e| BusError::Stream {
                stream: name,
                message: e.to_string(),
            })
    }

    /// Publishes `payload` as JSON to a stream subject and waits until JetStream stored it.
    /// `msg_id`, when given, makes a repeated publish inside the duplicate window a no-op.
    pub async fn publish<T: Serialize>(
        &self,
        subject: String,
        payload: &T,
        msg_id: Option<String>,
    ) -> Result<(), BusError> {
        let ack = self
            .publish_nowait(subject.clone(), payload, msg_id)
            .await?;
        ack.await.map(|_| ()).map_err(|e| BusError::Publish {
            subject,
            message: e.to_string(),
        })
    }

    /// Sends `payload` without waiting for JetStream's acknowledgement; the returned future
    /// resolves when it is stored. Used to pipeline log lines.
    pub async fn publish_nowait<T: Serialize>(
        &self,
        subject: String,
        payload: &T,
        msg_id: Option<String>,
    ) -> Result<jetstream::context::PublishAckFuture, BusError> {
        let body = serde_json::to_vec(payload).map_err(|source| BusError::Encode {
            subject: subject.clone(),
            source,
        })?;
        let mut publish = PublishMessage::build().payload(body.into());
        if let Some(id) = msg_id {
            publish = publish.message_id(id);
        }
        self.jetstream
            .send_publish(subject.clone(), publish)
            .await
            .map_err(|e| BusError::Publish {
                subject,
                message: e.to_string(),
            })
    }

    /// True when the connection to NATS is up.
    pub fn is_connected(&self) -> bool {
        self.client.connection_state() == async_nats::connection::State::Connected
    }
}
