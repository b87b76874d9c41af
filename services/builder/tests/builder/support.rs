//! A builder running in-process against the real NATS and Docker, and what it publishes.

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use bollard::Docker;
use chrono::Utc;
use forklift_builder::Config;
use forklift_shared::bus::Bus;
use forklift_shared::config::{build_settings_from_env, NatsConfig};
use forklift_shared::dockerfile::BuildSettings;
use forklift_shared::events::{
    BuildRequest, ImageEvent, LogEvent, PushRequest, StatusEvent, TaskStatus,
};
use forklift_shared::spec::{BuildSpec, EnvVarSpec};
use futures::StreamExt;
use tokio::task::JoinHandle;
use uuid::Uuid;

/// Longest a whole build may take in these tests.
pub const BUILD_DEADLINE: Duration = Duration::from_secs(900);

/// The base image `deploy/services.sh up` makes; it has a shell and glibc, but no Python.
pub fn base_image() -> String {
    std::env::var("FORKLIFT_TEST_BASE_IMAGE")
        .unwrap_or_else(|_| "forklift-test/debian:bookworm".into())
}

/// The base image with Python 3 and pip that `deploy/services.sh up` makes.
pub fn python_image() -> String {
    std::env::var("FORKLIFT_TEST_PYTHON_IMAGE")
        .unwrap_or_else(|_| "forklift-test/python:bookworm".into())
}

/// The plain-HTTP registry on loopback that `deploy/services.sh up` starts.
pub fn registry() -> String {
    std::env::var("FORKLIFT_TEST_REGISTRY").unwrap_or_else(|_| "127.0.0.1:5000".into())
}

/// Puts the base image in the test registry as `repository:1` and forgets it locally, so that
/// a build from it has to pull.
pub async fn push_base_image_only_to_registry(docker: &Docker, repository: &str) {
    use bollard::query_parameters::{PushImageOptionsBuilder, TagImageOptionsBuilder};

    let tag = TagImageOptionsBuilder::new()
        .repo(repository)
        .tag("1")
        .build();
    docker
        .tag_image(&base_image(), Some(tag))
        .await
        .expect("tag the base image for the registry");
    let push = PushImageOptionsBuilder::new().tag("1").build();
    let mut progress = docker.push_image(repository, Some(push), None);
    while let Some(item) = progress.next().await {
        if let Err(e) = item {
            panic!(
                "cannot push to the test registry {} ({e}): run `deploy/services.sh up`",
                registry()
            );
        }
    }
    remove_image(docker, &format!("{repository}:1")).await;
}

/// One test's NATS prefix, its event subscription, and the builders it started.
pub struct Harness {
    pub nats: NatsConfig,
    pub bus: Bus,
    pub docker: Docker,
    events: async_nats::Subscriber,
    pushes: async_nats::Subscriber,
    builders: Vec<JoinHandle<anyhow::Result<()>>>,
    pub health_addr: Option<SocketAddr>,
    /// Events received so far, per task.
    pub seen: BTreeMap<Uuid, TaskEvents>,
}

/// Everything published about one task.
#[derive(Debug, Default, Clone)]
pub struct TaskEvents {
    pub statuses: Vec<StatusEvent>,
    pub logs: Vec<LogEvent>,
    pub images: Vec<ImageEvent>,
}

impl TaskEvents {
    /// The last status, if it ends the task or hands it to the push.
    pub fn finished(&self) -> Option<&StatusEvent> {
        self.statuses.last().filter(|s| s.status.is_terminal())
    }

    /// The log lines of one attempt, in the order received.
    pub fn lines(&self, attempt: u32) -> Vec<&LogEvent> {
        self.logs.iter().filter(|l| l.attempt == attempt).collect()
    }
}

impl Harness {
    /// Connects to NATS and Docker, failing loudly when either is missing, and listens to
    /// every event under a fresh prefix.
    pub async fn new() -> Self {
        // The builder's logs show up in the output of a failing test.
        forklift_shared::telemetry::init("builder-test");
        let url =
            std::env::var("FORKLIFT_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
        let client = tokio::time::timeout(Duration::from_secs(5), async_nats::connect(&url))
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_else(|| panic!("NATS is not reachable at {url}: run `deploy/services.sh up` (or set FORKLIFT_NATS_URL)"));
        let docker = docker().await;

        let nats = NatsConfig {
            url,
            prefix: format!("test-{}", Uuid::new_v4().simple()),
        };
        let events = client
            .subscribe(format!("{}.events.>", nats.prefix))
            .await
            .expect("subscribe to the test's events");
        let pushes = client
            .subscribe(format!("{}.push.requests", nats.prefix))
            .await
            .expect("subscribe to the test's push requests");
        let bus = Bus::connect(&nats)
            .await
            .expect("set up the test's streams");
        Self {
            nats,
            bus,
            docker,
            events,
            pushes,
            builders: Vec::new(),
            health_addr: None,
            seen: BTreeMap::new(),
        }
    }

    /// The configuration a test builder runs with: short ack wait, so redeliveries are quick.
    pub fn config(&self) -> Config {
        Config {
            nats: self.nats.clone(),
            addr: "127.0.0.1:0".parse().expect("address"),
            concurrency: 2,
            max_attempts: 3,
            ack_wait: Duration::from_secs(3),
            build_timeout: Duration::from_secs(600),
            check_timeout: Duration::from_secs(60),
            // These builds fetch nothing over HTTPS; and a whole system CA bundle, as the dev
            // deployment configures, does not fit in Docker's build request (a test below).
            settings: BuildSettings {
                ca_bundle: None,
                ..build_settings_from_env().expect("build settings from the environment")
            },
            // The test registry serves plain HTTP, which a pull must be allowed to use.
            registries: forklift_builder::RegistryAccess {
                insecure_registries: registry().parse().expect("the test registry's address"),
                ..Default::default()
            },
            shutdown_grace: Duration::from_secs(60),
        }
    }

    /// A harness with one builder running on the default test configuration.
    pub async fn with_builder() -> Self {
        let mut harness = Self::new().await;
        harness.start_builder(harness.config());
        harness
    }

    /// Starts a builder in-process on its own task.
    pub fn start_builder(&mut self, config: Config) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the health port");
        self.health_addr = listener.local_addr().ok();
        self.builders.push(tokio::spawn(forklift_builder::run(
            config,
            listener,
            std::future::pending(),
        )));
    }

    /// Kills the running builders mid-work, as a crash would.
    pub async fn crash_builders(&mut self) {
        for builder in self.builders.drain(..) {
            builder.abort();
            let _ = builder.await;
        }
    }

    /// Stops the builders and deletes the test's streams from the shared NATS server.
    pub async fn finish(mut self) {
        self.crash_builders().await;
        let subjects = &self.bus.subjects;
        for stream in [
            subjects.builds_stream(),
            subjects.pushes_stream(),
            subjects.events_stream(),
            format!("KV_{}", subjects.deliveries_bucket()),
        ] {
            let _ = self.bus.jetstream.delete_stream(&stream).await;
        }
    }

    /// Publishes a build request as the gateway would, and returns its task id.
    pub async fn request(&self, spec: BuildSpec) -> Uuid {
        let request = BuildRequest {
            task_id: Uuid::new_v4(),
            owner_id: Uuid::new_v4(),
            spec,
            requested_at: Utc::now(),
        };
        let subject = self.bus.subjects.build_requests();
        let msg_id = Some(request.task_id.to_string());
        self.bus
            .publish(subject, &request, msg_id)
            .await
            .expect("publish the build request");
        request.task_id
    }

    /// Reads events until `until` holds for `task`, failing after [`BUILD_DEADLINE`].
    pub async fn wait_for(
        &mut self,
        task: Uuid,
        until: impl Fn(&TaskEvents) -> bool,
    ) -> TaskEvents {
        let deadline = tokio::time::Instant::now() + BUILD_DEADLINE;
        loop {
            if let Some(events) = self.seen.get(&task).filter(|e| until(e)) {
                return events.clone();
            }
            self.check_builders_alive();
            let next = tokio::time::timeout_at(deadline, self.events.next()).await;
            let message = match next {
                Ok(Some(message)) => message,
                Ok(None) => panic!("the NATS subscription ended"),
                Err(_) => panic!(
                    "task {task} did not get there within {BUILD_DEADLINE:?}: {:#?}",
                    self.seen.get(&task)
                ),
            };
            self.record(&message);
        }
    }

    /// The next push request the builder published.
    pub async fn next_push_request(&mut self) -> PushRequest {
        let message = tokio::time::timeout(Duration::from_secs(10), self.pushes.next())
            .await
            .ok()
            .flatten()
            .expect("a push request");
        serde_json::from_slice(&message.payload).expect("a push request's JSON")
    }

    /// What was seen of `task` once no event came for `quiet`; `None` when nothing was.
    pub async fn events_when_quiet(&mut self, task: Uuid, quiet: Duration) -> Option<TaskEvents> {
        while let Ok(Some(message)) = tokio::time::timeout(quiet, self.events.next()).await {
            self.record(&message);
        }
        self.seen.get(&task).cloned()
    }

    /// Reads events until `task` has a terminal status.
    pub async fn wait_until_finished(&mut self, task: Uuid) -> TaskEvents {
        self.wait_for(task, |e| e.finished().is_some()).await
    }

    fn record(&mut self, message: &async_nats::Message) {
        let subject = message.subject.as_str();
        let Some(task) = self.bus.subjects.task_of(subject) else {
            return;
        };
        let events = self.seen.entry(task).or_default();
        let payload = &message.payload;
        if subject.ends_with(".status") {
            events
                .statuses
                .push(serde_json::from_slice(payload).expect("a status event"));
        } else if subject.ends_with(".log") {
            events
                .logs
                .push(serde_json::from_slice(payload).expect("a log event"));
        } else if subject.ends_with(".image") {
            events
                .images
                .push(serde_json::from_slice(payload).expect("an image event"));
        }
    }

    fn check_builders_alive(&self) {
        if let Some(ended) = self.builders.iter().find(|b| b.is_finished()) {
            panic!("a builder stopped on its own ({ended:?}); see its log above");
        }
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        for builder in &self.builders {
            builder.abort();
        }
    }
}

/// Docker, or a clear failure saying it is missing.
pub async fn docker() -> Docker {
    let docker = Docker::connect_with_defaults().expect("a Docker client");
    let docker = match docker.negotiate_version().await {
        Ok(docker) => docker,
        Err(e) => panic!(
            "Docker is not reachable ({e}): run `deploy/services.sh up` (or set DOCKER_HOST)"
        ),
    };
    let base = base_image();
    if docker.inspect_image(&base).await.is_err() {
        panic!("the test base image {base} is missing: run `deploy/services.sh up` (or set FORKLIFT_TEST_BASE_IMAGE)");
    }
    docker
}

/// A request for the base image with an environment variable, runtime `app` (it has no
/// Python), to a fresh target that [`remove_image`] deletes afterwards.
pub fn app_spec() -> BuildSpec {
    BuildSpec {
        source_image: base_image(),
        target_image: format!(
            "forklift-test/out-{}:1.0-ubuntu22.04",
            Uuid::new_v4().simple()
        ),
        envs: vec![EnvVarSpec {
            name: "FORKLIFT_TEST_GREETING".into(),
            // Unique, so the steps after it are built rather than taken from the cache.
            value: format!("hello from build {}", Uuid::new_v4()),
        }],
        runtime_type: Some("app".into()),
        ..Default::default()
    }
}

/// Removes a test's target image; missing is fine.
pub async fn remove_image(docker: &Docker, reference: &str) {
    let options = bollard::query_parameters::RemoveImageOptionsBuilder::new()
        .force(true)
        .build();
    let _ = docker.remove_image(reference, Some(options), None).await;
}

/// Checks that `events` show a single attempt, running and then ending as `end`.
pub fn assert_one_attempt(events: &TaskEvents, end: TaskStatus) {
    assert_eq!(
        statuses(events),
        [(TaskStatus::Running, 1), (end, 1)],
        "{:#?}",
        events.statuses
    );
}

/// The statuses of `events`, in order, as `(status, attempt)`.
pub fn statuses(events: &TaskEvents) -> Vec<(TaskStatus, u32)> {
    events
        .statuses
        .iter()
        .map(|s| (s.status, s.attempt))
        .collect()
}
