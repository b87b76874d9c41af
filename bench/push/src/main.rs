//! Pushes a ~100 MB image through Forklift (a build with `auto_push`, timed from the builder's
//! "built; waiting for the push" status to the task's `completed` status, as a subscriber sees
//! them) and with `docker push` of an image of the same shape, alternating, and prints the
//! medians and their ratio.
//!
//! Every round pushes layers the registry has never seen: each image gets its own 100 MB of
//! random bytes on top of the shared base image (which both paths find in the registry already).
//! The registry is the plain one of `deploy/services.sh up` (`FORKLIFT_TEST_REGISTRY`).
//! Rounds: `FORKLIFT_BENCH_ROUNDS` (default 5); size: `FORKLIFT_BENCH_MB` (default 100).

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use forklift_tests::{ApiClient, Forklift, Options};
use futures::StreamExt;
use serde_json::{json, Value};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let rounds = env_number("FORKLIFT_BENCH_ROUNDS", 5);
    let megabytes = env_number("FORKLIFT_BENCH_MB", 100);
    let registry = forklift_tests::TestEnv::from_env().registry;
    let options = Options {
        registry: true,
        insecure_registries: registry.clone(),
        ..Options::default()
    };
    let forklift = Forklift::start_with(options).await?;
    let user = forklift.user("bench").await?;

    let mut through_forklift = Vec::new();
    let mut raw = Vec::new();
    for round in 0..rounds {
        let ours = random_image(&forklift.env.base_image, megabytes)?;
        let theirs = random_image(&forklift.env.base_image, megabytes)?;
        // Alternate who goes first, so neither always inherits a warmer page cache.
        if round % 2 == 0 {
            through_forklift.push(forklift_push(&forklift, &user, &ours, &registry).await?);
            raw.push(docker_push(&theirs, &registry)?);
        } else {
            raw.push(docker_push(&theirs, &registry)?);
            through_forklift.push(forklift_push(&forklift, &user, &ours, &registry).await?);
        }
        remove_image(&ours);
        remove_image(&theirs);
    }
    report(megabytes, &through_forklift, &raw);
    forklift.stop().await;
    Ok(())
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A new local image: `base` plus a layer of `megabytes` MB of random bytes.
fn random_image(base: &str, megabytes: usize) -> anyhow::Result<String> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let name = format!("forklift-bench/push-src:{id}");
    // The id in the command keeps the build cache from handing out the layer of another round.
    let dockerfile = format!(
        "FROM {base}\nRUN echo {id} > /id && head -c {} /dev/urandom > /random.bin\n",
        megabytes * 1_000_000
    );
    run_docker_with_stdin(&["build", "-q", "-t", &name, "-"], &dockerfile)?;
    Ok(name)
}

/// A build of `source` with `auto_push` to `registry`; the time from "built; waiting for the
/// push" to `completed`.
async fn forklift_push(
    forklift: &Forklift,
    user: &ApiClient,
    source: &str,
    registry: &str,
) -> anyhow::Result<Duration> {
    let target = format!(
        "{registry}/forklift-bench/push{}:1.0-debian12",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    let nats = async_nats::connect(&forklift.env.nats_url).await?;
    let mut statuses = nats
        .subscribe(format!("{}.events.task.*.status", forklift.prefix))
        .await?;
    nats.flush().await?;
    let task = user
        .submit(&json!({
            "source_image": source,
            "target_image": target,
            "runtime_type": "app",
            "runtime_path": "/bin/sh",
            "auto_push": true,
        }))
        .await?;

    let mut built_at = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(900);
    while let Ok(Some(message)) = tokio::time::timeout_at(deadline, statuses.next()).await {
        let event: Value = serde_json::from_slice(&message.payload)?;
        if event["task_id"] != task.as_str() {
            continue;
        }
        let text = event["message"].as_str().unwrap_or_default();
        match event["status"].as_str() {
            Some("running") if text.starts_with("built; waiting for the push") => {
                built_at = Some(Instant::now());
            }
            Some("completed") => {
                let built_at = built_at.context("completed without the push step")?;
                remove_image(&target);
                return Ok(built_at.elapsed());
            }
            Some("error" | "cancelled") => bail!("bench push failed: {event}"),
            _ => {}
        }
    }
    bail!("task {task} did not finish within 15 minutes")
}

/// `docker push` of `source` under a new name in `registry`.
fn docker_push(source: &str, registry: &str) -> anyhow::Result<Duration> {
    let target = format!(
        "{registry}/forklift-bench/raw{}:1",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    run_docker(&["tag", source, &target])?;
    let started = Instant::now();
    run_docker(&["push", "--quiet", &target])?;
    let elapsed = started.elapsed();
    remove_image(&target);
    Ok(elapsed)
}

fn run_docker(args: &[&str]) -> anyhow::Result<()> {
    let output = Command::new("docker")
        .args(args)
        .output()
        .context("docker")?;
    if !output.status.success() {
        bail!(
            "docker {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

fn run_docker_with_stdin(args: &[&str], input: &str) -> anyhow::Result<()> {
    use std::io::Write as _;

    let mut child = Command::new("docker")
        .env("DOCKER_BUILDKIT", "0")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .context("docker")?;
    child
        .stdin
        .take()
        .context("docker's stdin")?
        .write_all(input.as_bytes())?;
    let output = child.wait_with_output()?;
    if !output.status.success() {
        bail!(
            "docker {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

fn remove_image(image: &str) {
    let _ = Command::new("docker").args(["rmi", "-f", image]).output();
}

fn median(samples: &[Duration]) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

fn report(megabytes: usize, through_forklift: &[Duration], raw: &[Duration]) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "pushing a {megabytes} MB random layer (plus the base image, already in the registry)"
    );
    println!("round  forklift_ms  docker_push_ms");
    for (i, (f, r)) in through_forklift.iter().zip(raw).enumerate() {
        println!("{i:>5}  {:>11.0}  {:>14.0}", ms(*f), ms(*r));
    }
    let (f, r) = (median(through_forklift), median(raw));
    println!(
        "median forklift: {:.0} ms, docker push: {:.0} ms",
        ms(f),
        ms(r)
    );
    println!(
        "ratio forklift/docker push: {:.3}, difference: {:+.0} ms",
        ms(f) / ms(r),
        ms(f) - ms(r)
    );
}
