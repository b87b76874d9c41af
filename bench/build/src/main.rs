//! Runs the same small build through Forklift (submit → completed, as a user sees it) and as a
//! raw `docker build` of the previewed Dockerfile with the same build arguments, alternating,
//! on a warm cache, and prints the medians and their ratio.
//!
//! Needs the services of `deploy/services.sh up`. Rounds: `FORKLIFT_BENCH_ROUNDS` (default 9).

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use forklift_shared::distro::BaseDistro;
use forklift_shared::dockerfile::{self, BuildSettings};
use forklift_shared::spec::{self, BuildSpec};
use forklift_tests::{ApiClient, Forklift};
use serde_json::{json, Value};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let rounds: usize = std::env::var("FORKLIFT_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(9);
    let forklift = Forklift::start().await?;
    let user = forklift.user("bench").await?;
    let spec = bench_spec(&forklift.env.base_image);

    // Warm both paths: the layers they share are cached after this.
    forklift_build(&user, &spec).await?;
    raw_build(&spec, "warm")?;

    let mut through_forklift = Vec::new();
    let mut raw = Vec::new();
    for round in 0..rounds {
        // Alternate who goes first, so neither always inherits a warmer page cache.
        if round % 2 == 0 {
            through_forklift.push(forklift_build(&user, &spec).await?);
            raw.push(raw_build(&spec, &round.to_string())?);
        } else {
            raw.push(raw_build(&spec, &round.to_string())?);
            through_forklift.push(forklift_build(&user, &spec).await?);
        }
    }
    report(&through_forklift, &raw);
    forklift.stop().await;
    Ok(())
}

/// A small but real build: an apt package, an env var and a service port on the minimal base.
fn bench_spec(base_image: &str) -> Value {
    json!({
        "source_image": base_image,
        "target_image": "forklift-bench/build:1.0-debian12",
        "runtime_type": "app",
        "runtime_path": "/bin/sh",
        "envs": [{"name": "BENCH", "value": "1"}],
        "service_ports": [{"name": "web", "protocol": "http", "port": 8090, "command": "/bin/sh -c true"}],
        "packages": {"apt": ["jq"]},
    })
}

async fn forklift_build(user: &ApiClient, spec: &Value) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let task = user.submit(spec).await?;
    loop {
        let (_, body) = user.get_json(&format!("/build/tasks/{task}")).await?;
        match body["status"].as_str() {
            Some("completed") => return Ok(started.elapsed()),
            Some("error") | Some("cancelled") => bail!("bench build failed: {body}"),
            _ => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

/// `docker build` (legacy builder, as Forklift uses) of the same context and build arguments.
fn raw_build(spec: &Value, round: &str) -> anyhow::Result<Duration> {
    let spec: BuildSpec = serde_json::from_value(spec.clone())?;
    let validated = spec::validate(&spec).map_err(|e| anyhow::anyhow!("{e}"))?;
    let context = dockerfile::render(&validated);
    let dir = std::env::temp_dir().join(format!("forklift-bench-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir)?;
    tar::Archive::new(context.to_tar()?.as_slice()).unpack(&dir)?;
    let distro = BaseDistro::parse("ubuntu22.04").map_err(|e| anyhow::anyhow!("{e}"))?;
    let args = dockerfile::build_args(&BuildSettings::default(), &distro);

    let mut command = Command::new("docker");
    command
        .env("DOCKER_BUILDKIT", "0")
        .args(["build", "-q", "--force-rm", "-t"])
        .arg(format!("forklift-bench/raw:{round}"));
    for (key, value) in &args {
        command.arg("--build-arg").arg(format!("{key}={value}"));
    }
    let started = Instant::now();
    let output = command.arg(&dir).output().context("docker build")?;
    let elapsed = started.elapsed();
    std::fs::remove_dir_all(&dir)?;
    if !output.status.success() {
        bail!("docker build: {}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(elapsed)
}

fn median(samples: &[Duration]) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

fn report(through_forklift: &[Duration], raw: &[Duration]) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("round  forklift_ms  raw_docker_build_ms");
    for (i, (f, r)) in through_forklift.iter().zip(raw).enumerate() {
        println!("{i:>5}  {:>11.0}  {:>19.0}", ms(*f), ms(*r));
    }
    let (f, r) = (median(through_forklift), median(raw));
    println!(
        "median forklift: {:.0} ms, raw docker build: {:.0} ms",
        ms(f),
        ms(r)
    );
    println!(
        "ratio forklift/raw: {:.3}, difference: {:+.0} ms (goal: within 5% or 200 ms)",
        ms(f) / ms(r),
        ms(f) - ms(r)
    );
}
