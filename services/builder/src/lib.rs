//! Forklift's builder: takes build requests off JetStream and builds them with Docker.
//!
//! For each request it validates the spec again, makes sure the source image is present,
//! detects the base distro, renders and builds the Dockerfile with the legacy builder, checks
//! the result as Backend.AI would use it, and publishes status, log and image events. Requests
//! are acknowledged only once every event about them is stored, so a builder that dies in the
//! middle of a build leaves the request to another one.

mod attempt;
mod checks;
mod config;
mod credentials;
mod delivery;
mod docker;
mod failure;
mod lines;
mod memo;
mod report;
mod step;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use forklift_shared::bus::Bus;
use forklift_shared::distro::BaseDistro;
use forklift_shared::dockerfile::BuildSettings;
use forklift_shared::service::deliveries::DeliveryCounter;
use forklift_shared::service::health;
use forklift_shared::service::work_queue::WorkQueue;

pub use config::Config;
pub use credentials::RegistryAccess;

/// What every build shares: the connections and the limits.
pub(crate) struct Builder {
    pub(crate) bus: Bus,
    pub(crate) docker: bollard::Docker,
    pub(crate) settings: BuildSettings,
    pub(crate) max_attempts: u32,
    pub(crate) queue: WorkQueue,
    /// Deliveries of each request so far, counted across instances.
    pub(crate) deliveries: DeliveryCounter,
    pub(crate) build_timeout: Duration,
    pub(crate) check_timeout: Duration,
    /// Stored credentials and the plain-HTTP rule for pulling source images.
    pub(crate) sources: credentials::SourceAccess,
    /// The base distro detected in each source image, by image id.
    pub(crate) distros: memo::Memo<String, BaseDistro>,
    /// Built images that passed their checks, by image id and check script.
    pub(crate) passed_checks: memo::Memo<(String, String), ()>,
}

/// Name of the durable consumer every builder shares, so each request goes to one of them.
const CONSUMER: &str = "builder";

/// Fails when the deployment's build settings would make every build fail.
fn check_settings(settings: &BuildSettings) -> anyhow::Result<()> {
    settings
        .validate()
        .context("the build settings cannot work")?;
    // Only the base distro varies between builds, and it is a short word.
    let distro = BaseDistro::parse("ubuntu22.04")?;
    let build_args = forklift_shared::dockerfile::build_args(settings, &distro);
    docker::check_build_args(&build_args).context("the build settings cannot work")
}

/// Runs the builder until it fails or `stop` completes: the health server on `listener` and
/// the build consumer.
///
/// Once `stop` completes no new request is taken, and the builds in flight get `shutdown_grace`
/// to finish. Dropping (aborting) the returned future stops everything at once, leaving the
/// requests in flight unacknowledged, as a crash would.
pub async fn run(
    config: Config,
    listener: std::net::TcpListener,
    stop: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    check_settings(&config.settings)?;
    let docker = docker::connect().await?;
    match docker::remove_abandoned(&docker).await {
        Ok(0) => {}
        Ok(count) => tracing::info!(count, "removed containers crashed builders left behind"),
        // Leftovers only take disk space; they are worth a warning, not a refusal to start.
        Err(e) => tracing::warn!(error = %e, "cannot look for abandoned containers"),
    }
    let bus = Bus::connect(&config.nats).await?;
    let queue = WorkQueue {
        stream: bus.subjects.builds_stream(),
        subject: bus.subjects.build_requests(),
        consumer: CONSUMER,
        what: "build request",
        ack_wait: config.ack_wait,
        concurrency: config.concurrency,
        shutdown_grace: config.shutdown_grace,
    };
    let consumer = queue.consumer(&bus).await?;
    let builder = Arc::new(Builder {
        bus: bus.clone(),
        docker: docker.clone(),
        settings: config.settings.clone(),
        max_attempts: config.max_attempts,
        queue: queue.clone(),
        deliveries: DeliveryCounter::open(&bus).await?,
        build_timeout: config.build_timeout,
        check_timeout: config.check_timeout,
        sources: credentials::SourceAccess::connect(&config.registries).await?,
        distros: memo::Memo::new(),
        passed_checks: memo::Memo::new(),
    });

    let dependencies = health::Dependencies {
        bus,
        docker: Some(docker),
        store: builder.sources.store().cloned(),
    };
    tracing::info!(
        nats.prefix = config.nats.prefix,
        builder.concurrency = config.concurrency,
        "builder ready"
    );
    let handle = |message| {
        let builder = builder.clone();
        async move { builder.handle(message).await }
    };
    health::serve_while(
        listener,
        dependencies,
        queue.consume(consumer, handle, stop),
    )
    .await
}
