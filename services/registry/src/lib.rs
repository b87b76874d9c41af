//! Forklift's registry service: pushes built images to the registry their reference names.
//!
//! The builder publishes a push request for every built image whose task asked for `auto_push`.
//! This service takes each off JetStream, pushes the image through Docker with the credentials
//! stored for its registry host, writes the push's progress into the task's log, publishes push
//! events, and ends the task: completed once the registry has the image, error otherwise, with
//! the image left on the host. Passing failures are retried with growing waits, a bounded number
//! of times; refusals fail at once.

mod config;
mod consumer;
mod delivery;
pub mod docker;
mod failure;
mod health;
mod insecure;
mod job;
mod logins;
mod progress;
pub mod push;
mod report;
pub mod retry;
mod task_log;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use bollard::Docker;
use forklift_shared::bus::Bus;

pub use config::Config;
pub use insecure::{check_transport, InsecureRegistries};
pub use logins::{docker_credentials, Logins};
pub use retry::RetryPolicy;

/// What every push shares: the connections, the credentials and the policies.
pub(crate) struct Service {
    pub(crate) bus: Bus,
    pub(crate) docker: Docker,
    pub(crate) logins: logins::Logins,
    pub(crate) insecure: InsecureRegistries,
    pub(crate) retry: RetryPolicy,
    pub(crate) push_timeout: Duration,
    pub(crate) ack_wait: Duration,
}

/// Runs the service until it fails: the health server on `listener` and the push consumer.
///
/// Dropping (aborting) the returned future stops everything at once, leaving the requests in
/// flight unacknowledged, as a crash would.
pub async fn run(config: Config, listener: std::net::TcpListener) -> anyhow::Result<()> {
    let docker = docker::connect().await?;
    let bus = Bus::connect(&config.nats).await?;
    let logins =
        logins::Logins::connect(&config.database_url, config.credentials_key.as_ref()).await?;
    let dependencies = health::Dependencies {
        bus: bus.clone(),
        docker: docker.clone(),
        store: logins.store().cloned(),
    };
    let service = Arc::new(Service {
        bus,
        docker,
        logins,
        insecure: config.insecure_registries.clone(),
        retry: config.retry,
        push_timeout: config.push_timeout,
        ack_wait: config.ack_wait,
    });
    let consumer = consumer::durable_consumer(&service, config.concurrency).await?;

    let server =
        health::server(listener, dependencies).context("cannot start the health server")?;
    let _stop = health::StopOnDrop(server.handle());
    // Spawned so that it keeps serving while the consumer loop is busy.
    let server = tokio::spawn(server);

    tracing::info!(
        nats.prefix = config.nats.prefix,
        registry.insecure = config.insecure_registries.to_setting(),
        registry.credentials = config.credentials_key.is_some(),
        "registry service ready"
    );
    tokio::select! {
        result = consumer::consume(service, consumer, config.concurrency) => result,
        result = server => match result {
            Ok(Ok(())) => anyhow::bail!("the health server stopped"),
            Ok(Err(e)) => Err(e).context("the health server failed"),
            Err(e) => Err(e).context("the health server panicked"),
        },
    }
}
