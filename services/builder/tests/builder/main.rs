//! The builder against the real NATS and Docker that `deploy/services.sh up` starts.
//!
//! Every test uses its own NATS prefix and builder, so they run side by side. A missing NATS,
//! Docker or base image fails the test with a message saying so: nothing is skipped.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "a test that cannot set itself up should stop right there"
)]

mod support;

use std::time::{Duration, Instant};

use forklift_shared::events::TaskStatus;
use forklift_shared::spec::PackagesSpec;

use support::{app_spec, assert_one_attempt, remove_image, statuses, Harness};
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn builds_an_image_and_reports_every_line() {
    let mut harness = Harness::with_builder().await;
    let spec = app_spec();
    let target = spec.target_image.clone();

    let started = Instant::now();
    let task = harness.request(spec).await;
    let events = harness.wait_until_finished(task).await;
    let elapsed = started.elapsed();
    let inspected = harness.docker.inspect_image(&target).await;
    remove_image(&harness.docker, &target).await;
    println!(
        "built {target} in {elapsed:?} with {} log lines",
        events.logs.len()
    );

    // One attempt only: progress reports kept the 3 s ack wait from handing it to another.
    assert_one_attempt(&events, TaskStatus::Completed);
    let completed = &events.statuses[1];
    assert_eq!(completed.base_distro.as_deref(), Some("ubuntu22.04"));
    let image_id = completed
        .image_id
        .clone()
        .expect("the completed event names the image");

    let lines = events.lines(1);
    let seqs: Vec<u64> = lines.iter().map(|l| l.seq).collect();
    assert_eq!(
        seqs,
        (0..lines.len() as u64).collect::<Vec<_>>(),
        "log lines in order, no gaps"
    );
    assert!(
        lines.iter().any(|l| l.line.starts_with("Step 1/")),
        "{lines:#?}"
    );
    assert!(lines
        .iter()
        .any(|l| l.line.contains("detected base distro ubuntu22.04")));
    assert!(lines
        .iter()
        .all(|l| !l.line.contains('\n') && !l.line.trim().is_empty()));

    let [image] = events.images.as_slice() else {
        panic!("one image event expected: {:#?}", events.images);
    };
    assert_eq!(image.image_id, image_id);
    assert_eq!(image.reference, target);
    assert!(image.size_bytes > 0);
    assert_eq!(
        image
            .labels
            .get("ai.backend.kernelspec")
            .map(String::as_str),
        Some("1")
    );

    let inspected = inspected.expect("the image exists in Docker");
    assert_eq!(inspected.id.as_deref(), Some(image_id.as_str()));
    let labels = inspected.config.and_then(|c| c.labels).unwrap_or_default();
    assert_eq!(
        labels.get("ai.backend.kernelspec").map(String::as_str),
        Some("1")
    );
    harness.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_step_ends_the_task_with_the_step_and_dockers_message() {
    let mut harness = Harness::new().await;
    // Far shorter than the build (apt-get update alone takes seconds): only progress reports
    // keep the request from going to a second attempt.
    let mut config = harness.config();
    config.ack_wait = Duration::from_millis(500);
    let ack_wait = config.ack_wait;
    harness.start_builder(config);
    let mut spec = app_spec();
    spec.packages = PackagesSpec {
        apt: vec!["forklift-no-such-package".into()],
        ..Default::default()
    };
    let target = spec.target_image.clone();

    let started = Instant::now();
    let task = harness.request(spec).await;
    let events = harness.wait_until_finished(task).await;
    let elapsed = started.elapsed();
    remove_after(&harness, &target, &events).await;

    assert!(
        elapsed > ack_wait * 3,
        "the build outlasted three ack waits: {elapsed:?}"
    );
    assert_one_attempt(&events, TaskStatus::Error);
    let message = events.statuses[1].message.clone().unwrap_or_default();
    println!("failed as expected after {elapsed:?}: {message}");
    for line in events.lines(1) {
        println!("  log {:>3}: {}", line.seq, line.line);
    }
    assert!(message.starts_with("step "), "{message}");
    assert!(message.contains("forklift-no-such-package"), "{message}");
    assert!(message.contains("returned a non-zero code"), "{message}");
    // The full apt output stays in the log.
    assert!(
        events.lines(1).iter().any(|l| l
            .line
            .contains("Unable to locate package forklift-no-such-package")),
        "{:#?}",
        events.lines(1)
    );
    assert!(events.images.is_empty());
    assert!(
        harness.docker.inspect_image(&target).await.is_err(),
        "no image under the target name"
    );
    harness.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn builds_a_python_image_with_the_default_runtime() {
    let mut harness = Harness::with_builder().await;
    let mut spec = app_spec();
    spec.source_image = support::python_image();
    spec.runtime_type = None;
    let target = spec.target_image.clone();

    let started = Instant::now();
    let task = harness.request(spec).await;
    let events = harness.wait_until_finished(task).await;
    println!("built {target} in {:?}", started.elapsed());
    remove_after(&harness, &target, &events).await;

    assert_one_attempt(&events, TaskStatus::Completed);
    let labels = &events.images[0].labels;
    assert_eq!(
        labels.get("ai.backend.runtime-type").map(String::as_str),
        Some("python")
    );
    harness.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_image_that_fails_the_checks_loses_its_tag() {
    let mut harness = Harness::with_builder().await;
    // The python runtime on an image without Python builds fine but cannot run a session.
    let mut spec = app_spec();
    spec.runtime_type = None;
    let target = spec.target_image.clone();

    let task = harness.request(spec).await;
    let events = harness.wait_until_finished(task).await;
    let inspected = harness.docker.inspect_image(&target).await;
    remove_after(&harness, &target, &events).await;

    assert_one_attempt(&events, TaskStatus::Error);
    let message = events.statuses[1].message.clone().unwrap_or_default();
    println!("failed as expected: {message}");
    assert!(
        message.starts_with("the image fails Backend.AI's checks: "),
        "{message}"
    );
    assert!(message.contains("python3"), "{message}");
    assert!(inspected.is_err(), "the target tag was removed");
    assert!(events.images.is_empty());
    harness.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_request_ends_in_error_naming_the_field() {
    let mut harness = Harness::with_builder().await;
    let mut spec = app_spec();
    spec.target_image = "forklift-test/no-tag".into();

    let task = harness.request(spec).await;
    let events = harness.wait_until_finished(task).await;

    assert_one_attempt(&events, TaskStatus::Error);
    let message = events.statuses[1].message.clone().unwrap_or_default();
    assert!(
        message.starts_with("the build request is not valid: target_image: "),
        "{message}"
    );
    assert!(events.logs.is_empty());
    harness.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_image_missing_locally_is_pulled_first() {
    let mut harness = Harness::with_builder().await;
    let repository = format!(
        "{}/builder-test/src-{}",
        support::registry(),
        Uuid::new_v4().simple()
    );
    support::push_base_image_only_to_registry(&harness.docker, &repository).await;
    let source = format!("{repository}:1");
    let mut spec = app_spec();
    spec.source_image = source.clone();
    let target = spec.target_image.clone();

    let task = harness.request(spec).await;
    let events = harness.wait_until_finished(task).await;
    remove_image(&harness.docker, &source).await;
    remove_after(&harness, &target, &events).await;

    assert_one_attempt(&events, TaskStatus::Completed);
    let lines: Vec<&str> = events.lines(1).iter().map(|l| l.line.as_str()).collect();
    assert_eq!(
        lines.first().copied(),
        Some(format!("pulling {source}").as_str())
    );
    assert!(
        lines.iter().any(|l| l.starts_with("Digest: sha256:")),
        "{lines:#?}"
    );
    harness.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_image_that_cannot_be_pulled_ends_in_error() {
    let mut harness = Harness::with_builder().await;
    let source = format!(
        "{}/builder-test/absent-{}:1",
        support::registry(),
        Uuid::new_v4().simple()
    );
    let mut spec = app_spec();
    spec.source_image = source.clone();

    let task = harness.request(spec).await;
    let events = harness.wait_until_finished(task).await;

    assert_one_attempt(&events, TaskStatus::Error);
    let message = events.statuses[1].message.clone().unwrap_or_default();
    println!("failed as expected: {message}");
    assert!(
        message.starts_with(&format!("cannot pull source image {source}: ")),
        "{message}"
    );
    harness.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_image_to_push_is_handed_to_the_registry_service() {
    let mut harness = Harness::with_builder().await;
    let registry = support::registry();
    let mut spec = app_spec();
    spec.target_image = format!("{registry}/{}", spec.target_image);
    spec.auto_push = true;
    let target = spec.target_image.clone();

    let task = harness.request(spec).await;
    let events = harness.wait_for(task, |e| e.statuses.len() >= 2).await;
    let push = harness.next_push_request().await;
    remove_image(&harness.docker, &target).await;

    assert_one_attempt(&events, TaskStatus::Running);
    let waiting = &events.statuses[1];
    let expected = format!("built; waiting for the push to {registry}");
    assert_eq!(waiting.message.as_deref(), Some(expected.as_str()));
    assert_eq!(waiting.base_distro.as_deref(), Some("ubuntu22.04"));
    assert_eq!(push.task_id, task);
    assert_eq!(push.reference, target);
    assert_eq!(Some(&push.image_id), waiting.image_id.as_ref());
    assert_eq!(push.attempt, 1);
    // The push continues the build's log where it stopped.
    assert_eq!(push.next_log_seq, events.lines(1).len() as u64);
    harness.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_build_interrupted_by_a_crash_is_finished_by_the_next_builder() {
    let mut harness = Harness::with_builder().await;
    let spec = app_spec();
    let target = spec.target_image.clone();

    let task = harness.request(spec).await;
    harness.wait_for(task, |e| !e.statuses.is_empty()).await;
    harness.crash_builders().await;
    harness.start_builder(harness.config());
    let events = harness.wait_until_finished(task).await;
    remove_after(&harness, &target, &events).await;

    assert_eq!(
        statuses(&events),
        [
            (TaskStatus::Running, 1),
            (TaskStatus::Running, 2),
            (TaskStatus::Completed, 2)
        ],
        "{:#?}",
        events.statuses
    );
    // The second attempt's log starts over at 0.
    let seqs: Vec<u64> = events.lines(2).iter().map(|l| l.seq).collect();
    assert_eq!(seqs, (0..seqs.len() as u64).collect::<Vec<_>>());
    harness.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_whose_builders_keep_dying_is_given_up() {
    let mut harness = Harness::new().await;
    let mut config = harness.config();
    config.max_attempts = 1;
    harness.start_builder(config.clone());
    let spec = app_spec();
    let target = spec.target_image.clone();

    let task = harness.request(spec).await;
    harness.wait_for(task, |e| !e.statuses.is_empty()).await;
    harness.crash_builders().await;
    harness.start_builder(config);
    let events = harness.wait_until_finished(task).await;
    remove_after(&harness, &target, &events).await;

    assert_eq!(
        statuses(&events),
        [(TaskStatus::Running, 1), (TaskStatus::Error, 2)],
        "{:#?}",
        events.statuses
    );
    assert_eq!(
        events.statuses[1].message.as_deref(),
        Some("gave up after 1 attempts: the builder stopped before finishing each time")
    );
    harness.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_readiness_answer() {
    let harness = Harness::with_builder().await;
    let addr = harness.health_addr.expect("a health address");
    let client = reqwest::Client::new();

    let healthz = get_when_up(&client, &format!("http://{addr}/healthz")).await;
    assert_eq!(healthz.status(), 200);
    assert_eq!(
        healthz.json::<serde_json::Value>().await.unwrap(),
        serde_json::json!({"status": "ok"})
    );

    let readyz = client
        .get(format!("http://{addr}/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(readyz.status(), 200);
    assert_eq!(
        readyz.json::<serde_json::Value>().await.unwrap(),
        serde_json::json!({"status": "ok"})
    );
    harness.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ca_bundle_too_large_for_docker_stops_start_up() {
    let harness = Harness::new().await;
    let mut config = harness.config();
    config.settings.ca_bundle = Some("-----BEGIN CERTIFICATE-----\n".repeat(4000));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();

    let result = tokio::time::timeout(
        Duration::from_secs(10),
        forklift_builder::run(config, listener, std::future::pending()),
    )
    .await
    .expect("start-up fails at once");

    let message = format!("{:#}", result.expect_err("start-up refused"));
    assert!(message.contains("FORKLIFT_BUILD_CA_FILE"), "{message}");
    harness.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn containers_abandoned_by_a_crashed_builder_are_removed_at_start_up() {
    let mut harness = Harness::new().await;
    let now = chrono::Utc::now().timestamp();
    let expired = leftover_container(&harness, now - 1).await;
    let in_use = leftover_container(&harness, now + 3600).await;

    harness.start_builder(harness.config());
    let addr = harness.health_addr.expect("a health address");
    get_when_up(&reqwest::Client::new(), &format!("http://{addr}/healthz")).await;
    let expired_left = harness
        .docker
        .inspect_container(&expired, None)
        .await
        .is_ok();
    let in_use_left = harness
        .docker
        .inspect_container(&in_use, None)
        .await
        .is_ok();
    let remove = bollard::query_parameters::RemoveContainerOptionsBuilder::new()
        .force(true)
        .build();
    for id in [&expired, &in_use] {
        let _ = harness
            .docker
            .remove_container(id, Some(remove.clone()))
            .await;
    }

    assert!(!expired_left, "an expired leftover is removed");
    assert!(in_use_left, "a container that may still be in use is kept");
    harness.finish().await;
}

/// A created, never started container labelled as the builder labels its own.
async fn leftover_container(harness: &Harness, expires: i64) -> String {
    let labels = std::collections::HashMap::from([
        ("forklift.task".to_string(), Uuid::new_v4().to_string()),
        ("forklift.expires".to_string(), expires.to_string()),
    ]);
    let config = bollard::models::ContainerCreateBody {
        image: Some(support::base_image()),
        cmd: Some(vec!["true".into()]),
        labels: Some(labels),
        ..Default::default()
    };
    harness
        .docker
        .create_container(None, config)
        .await
        .unwrap()
        .id
}

/// The response once the builder's health server listens (it starts after NATS and Docker).
async fn get_when_up(client: &reqwest::Client, url: &str) -> reqwest::Response {
    for _ in 0..100 {
        if let Ok(response) = client.get(url).send().await {
            return response;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{url} never answered");
}

/// Deletes the test's image, whatever the outcome, before any assertion can fail.
async fn remove_after(harness: &Harness, target: &str, events: &support::TaskEvents) {
    if events.finished().is_some() {
        remove_image(&harness.docker, target).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebuild_of_the_same_image_reuses_its_detection_and_checks() {
    let mut harness = Harness::with_builder().await;
    let spec = app_spec();
    let target = spec.target_image.clone();

    let first = harness.request(spec.clone()).await;
    let first = harness.wait_until_finished(first).await;
    let second = harness.request(spec).await;
    let second = harness.wait_until_finished(second).await;
    remove_image(&harness.docker, &target).await;

    for events in [&first, &second] {
        assert_eq!(
            statuses(events),
            [(TaskStatus::Running, 1), (TaskStatus::Completed, 1)],
            "{:#?}",
            events.statuses
        );
    }
    let image_of = |events: &support::TaskEvents| events.statuses[1].image_id.clone();
    assert_eq!(
        image_of(&first),
        image_of(&second),
        "Docker's cache gave the same image"
    );

    let text = |events: &support::TaskEvents| {
        let lines: Vec<String> = events.lines(1).iter().map(|l| l.line.clone()).collect();
        lines.join("\n")
    };
    let (first, second) = (text(&first), text(&second));
    assert!(
        first.contains("detected base distro ubuntu22.04"),
        "{first}"
    );
    assert!(first.contains("forklift-check-ok: "), "{first}");
    assert!(
        second.contains("base distro ubuntu22.04, detected earlier in "),
        "{second}"
    );
    assert!(second.contains("passed these checks already"), "{second}");
    assert!(
        !second.contains("forklift-check-ok: "),
        "no check container ran: {second}"
    );
    harness.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_builder_finishes_its_build_and_takes_no_more() {
    let mut harness = Harness::new().await;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the health port");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let builder = tokio::spawn(forklift_builder::run(
        harness.config(),
        listener,
        async move {
            let _ = stopped.await;
        },
    ));
    let mut spec = app_spec();
    // Long enough to be stopped in the middle of.
    spec.packages = PackagesSpec {
        apt: vec!["jq".into()],
        ..Default::default()
    };
    let target = spec.target_image.clone();

    let task = harness.request(spec).await;
    let under_way = harness.wait_for(task, |e| !e.logs.is_empty()).await;
    assert!(
        under_way.finished().is_none(),
        "stopped in the middle of the build"
    );
    stop.send(()).expect("the builder is listening");
    let late = harness.request(app_spec()).await;
    let finished = tokio::time::timeout(Duration::from_secs(300), builder)
        .await
        .expect("the builder stops within its grace period")
        .expect("the builder task");
    let events = harness.wait_until_finished(task).await;
    remove_after(&harness, &target, &events).await;

    assert!(finished.is_ok(), "a stop is not a failure: {finished:?}");
    assert_eq!(
        statuses(&events),
        [(TaskStatus::Running, 1), (TaskStatus::Completed, 1)],
        "the build in flight finished in the same attempt: {:#?}",
        events.statuses
    );
    // The request that came after the stop waits in the queue for another builder.
    let late_events = harness
        .events_when_quiet(late, Duration::from_secs(1))
        .await;
    assert!(late_events.is_none(), "{late_events:#?}");
    harness.finish().await;
}
