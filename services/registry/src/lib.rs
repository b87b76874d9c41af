//! Forklift's registry service: pushes built images to the registry their reference names.
//!
//! The builder publishes a push request for every built image whose task asked for `auto_push`.
//! This service takes each off JetStream, pushes the image through Docker with the credentials
//! stored for its registry host, writes the push's progress into the task's log, publishes push
//! events, and ends the task: completed once the registry has the image, error otherwise, with
//! the image left on the host. Passing failures are retried with growing waits, a bounded number
//! of times; refusals fail at once.

mod config;
mod delivery;
mod failure;
mod job;
mod logins;
mod progress;
pub mod push;
mod report;
pub mod retry;

use std::sync::Arc;
use std::time::Duration;

use bollard::Docker;
use forklift_shared::bus::Bus;
use forklift_shared::service::deliveries::DeliveryCounter;
use forklift_shared::service::docker;
use forklift_shared::service::health;
use forklift_shared::service::insecure::InsecureRegistries;
use forklift_shared::service::logins::Logins;
use forklift_shared::service::work_queue::WorkQueue;

pub use config::Config;
pub use retry::RetryPolicy;

/// Name of the durable consumer every registry service shares, so each request goes to one.
const CONSUMER: &str = "registry";

/// What every push shares: the connections, the credentials and the policies.
pub(crate) struct Service {
    pub(crate) bus: Bus,
    pub(crate) docker: Docker,
    pub(crate) logins: Logins,
    pub(crate) insecure: InsecureRegistries,
    pub(crate) retry: RetryPolicy,
    pub(crate) push_timeout: Duration,
    pub(crate) queue: WorkQueue,
    /// Deliveries of each request so far, counted across instances.
    pub(crate) deliveries: DeliveryCounter,
}

/// Runs the service until it fails or `stop` completes: the health server on `listener` and
/// the push consumer.
///
/// Once `stop` completes no new request is taken, and the pushes in flight get `shutdown_grace`
/// to finish. Dropping (aborting) the returned future stops everything at once, leaving the
/// requests in flight unacknowledged, as a crash would.
pub async fn run(
    config: Config,
    listener: std::net::TcpListener,
    stop: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    let docker = docker::connect().await?;
    let bus = Bus::connect(&config.nats).await?;
    let logins = Logins::connect(&config.database_url, config.credentials_key.as_ref()).await?;
    let dependencies = health::Dependencies {
        bus: bus.clone(),
        docker: Some(docker.clone()),
        store: logins.store().cloned(),
    };
    let queue = WorkQueue {
        stream: bus.subjects.pushes_stream(),
        subject: bus.subjects.push_requests(),
        consumer: CONSUMER,
        what: "push request",
        ack_wait: config.ack_wait,
        concurrency: config.concurrency,
        shutdown_grace: config.shutdown_grace,
    };
    let consumer = queue.consumer(&bus).await?;
    let deliveries = DeliveryCounter::open(&bus).await?;
    let service = Arc::new(Service {
        bus,
        docker,
        logins,
        insecure: config.insecure_registries.clone(),
        retry: config.retry,
        push_timeout: config.push_timeout,
        queue: queue.clone(),
        deliveries,
    });

    tracing::info!(
        nats.prefix = config.nats.prefix,
        registry.insecure = config.insecure_registries.to_setting(),
        registry.credentials = config.credentials_key.is_some(),
        "registry service ready"
    );
    let handle = |message| {
        let service = service.clone();
        async move { service.handle(message).await }
    };
    health::serve_while(
        listener,
        dependencies,
        queue.consume(consumer, handle, stop),
    )
    .await
}
