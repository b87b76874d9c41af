//! Real builds through the whole pipeline: gateway → JetStream → builder → Docker → inventory.

use std::time::Duration;

use forklift_shared::dockerfile::BuildSettings;
use forklift_tests::{Forklift, Options};
use serde_json::json;

use crate::docker::{docker, image_exists, labels, remove_image, run_in};
use crate::specs;

const BUILD_TIMEOUT: Duration = Duration::from_secs(600);

/// The host's CA bundle handed to builds, as an air-gapped deployment behind a TLS-inspecting
/// proxy must: PyPI is only reachable over HTTPS with it.
fn with_host_ca() -> Options {
    let path = std::env::var("FORKLIFT_BUILD_CA_FILE")
        .unwrap_or_else(|_| "/etc/ssl/certs/ca-certificates.crt".into());
    let ca = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("CA bundle {path}: {e}"));
    Options {
        build_settings: BuildSettings {
            ca_bundle: Some(ca),
            ..BuildSettings::default()
        },
        ..Options::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_build_completes_with_every_label_env_package_and_sudo() {
    let fk = Forklift::start_with(with_host_ca())
        .await
        .expect("start forklift");
    let user = fk.user("hana").await.expect("user");
    let target = specs::target("3.11-ubuntu22.04");
    let spec = json!({
        "source_image": fk.env.python_image,
        "target_image": target,
        "min_cpu": 2,
        "min_memory": "1.5g",
        "service_ports": [
            {"name": "web", "protocol": "http", "port": 8090, "command": "python3 -m http.server {ports[0]}"}
        ],
        "envs": [
            {"name": "GREETING", "value": "hello \"world\" $HOME \\ 'quoted'"},
            {"name": "HF_HOME", "value": "/home/work/.cache/hf"}
        ],
        "packages": {"apt": ["jq"], "pip": ["six==1.16.0"]},
        "allow_root": true,
    });

    let task = user.submit(&spec).await.expect("submit");
    let (done, seen) = user
        .wait_finished(&task, BUILD_TIMEOUT)
        .await
        .expect("finish");

    let (_, log) = user
        .get_text(&format!("/build/tasks/{task}/logs"))
        .await
        .expect("log");
    assert_eq!(done["status"], "completed", "{done}\n--- log ---\n{log}");
    assert!(
        seen.contains(&"running".to_string())
            || seen.first().map(String::as_str) == Some("completed")
    );
    assert!(log.contains("Step 1/"), "{log}");
    assert!(done["image_id"]
        .as_str()
        .unwrap_or_default()
        .starts_with("sha256:"));
    assert_eq!(
        done["base_distro"], "ubuntu22.04",
        "glibc 2.36 maps to ubuntu22.04"
    );

    let labels = labels(&target);
    let expect = [
        ("ai.backend.kernelspec", "1"),
        ("ai.backend.base-distro", "ubuntu22.04"),
        ("ai.backend.runtime-type", "python"),
        ("ai.backend.runtime-path", "/usr/bin/python3"),
        ("ai.backend.resource.min.cpu", "2"),
        ("ai.backend.service-ports", "web:http:8090"),
    ];
    for (key, value) in expect {
        assert_eq!(
            labels.get(key).map(String::as_str),
            Some(value),
            "{key} in {labels:?}"
        );
    }
    let features = &labels["ai.backend.features"];
    assert!(
        features.contains("uid-match") && !features.contains("query"),
        "{features}"
    );
    assert!(labels.contains_key("ai.backend.resource.min.mem"));
    assert_eq!(
        docker(&["image", "inspect", &target, "--format", "{{.Config.User}}"]).trim(),
        "root"
    );

    let out = run_in(
        &target,
        "root",
        r#"printf '%s\n' "$GREETING" "$HF_HOME"; jq --version; python3 -c 'import six; print(six.__version__)';
           test ! -e /root/.cache/pip && echo no-pip-cache;
           test -z "$(ls /var/lib/apt/lists | grep -v -e lock -e partial)" && echo apt-lists-clean;
           ls /tmp | grep -i -c forklift || true"#,
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "hello \"world\" $HOME \\ 'quoted'", "{out}");
    assert_eq!(lines[1], "/home/work/.cache/hf");
    assert!(lines[2].starts_with("jq-"), "{out}");
    assert_eq!(lines[3], "1.16.0");
    let service_def = run_in(&target, "root", "cat /etc/backend.ai/service-defs/web.json");
    let service: serde_json::Value =
        serde_json::from_str(&service_def).expect("service def is JSON");
    assert_eq!(
        service["command"],
        json!(["python3", "-m", "http.server", "{ports[0]}"])
    );
    assert!(
        out.contains("no-pip-cache") && out.contains("apt-lists-clean"),
        "{out}"
    );
    assert_eq!(
        lines.last().copied(),
        Some("0"),
        "no build file left in /tmp: {out}"
    );

    let sudo = run_in(
        &target,
        "root",
        "useradd -m work && su work -s /bin/sh -c 'sudo -n true && echo sudo-ok'",
    );
    assert_eq!(sudo.trim(), "sudo-ok");
    remove_image(&target);
    fk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jupyter_and_query_are_only_claimed_once_installed() {
    let fk = Forklift::start_with(with_host_ca())
        .await
        .expect("start forklift");
    let user = fk.user("ines").await.expect("user");
    let target = specs::target("3.11-py311");
    let spec = json!({
        "source_image": fk.env.python_image,
        "target_image": target,
        "features": ["batch", "query", "uid-match", "user-input"],
        "service_ports": [{"name": "jupyter", "protocol": "http", "port": 8080}],
        "base_distro": "ubuntu22.04",
    });

    let task = user.submit(&spec).await.expect("submit");
    let (done, _) = user
        .wait_finished(&task, BUILD_TIMEOUT)
        .await
        .expect("finish");

    let (_, log) = user
        .get_text(&format!("/build/tasks/{task}/logs"))
        .await
        .expect("log");
    assert_eq!(done["status"], "completed", "{done}\n{log}");
    let labels = labels(&target);
    assert!(labels["ai.backend.features"].contains("query"));
    assert_eq!(labels["ai.backend.service-ports"], "jupyter:http:8080");
    let out = run_in(
        &target,
        "root",
        "python3 -c 'import notebook, ipykernel; print(\"imports-ok\")'; \
         python3 -c 'from jupyter_client.kernelspec import find_kernel_specs; print(sorted(find_kernel_specs()))'",
    );
    assert!(out.contains("imports-ok"), "{out}");
    assert!(
        out.contains("python"),
        "a python kernel spec must be installed: {out}"
    );
    remove_image(&target);
    fk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_build_ends_as_error_with_the_step_and_dockers_message() {
    let fk = Forklift::start().await.expect("start forklift");
    let user = fk.user("jun").await.expect("user");
    let mut spec = specs::minimal(&fk.env.base_image);
    spec["packages"] = json!({"apt": ["forklift-no-such-package"]});
    let target = spec["target_image"]
        .as_str()
        .unwrap_or_default()
        .to_string();

    let task = user.submit(&spec).await.expect("submit");
    let (done, _) = user
        .wait_finished(&task, BUILD_TIMEOUT)
        .await
        .expect("finish");

    assert_eq!(done["status"], "error", "{done}");
    let message = done["error_message"].as_str().unwrap_or_default();
    assert!(
        message.to_lowercase().contains("step"),
        "the failing step is named: {message}"
    );
    assert!(
        message.contains("non-zero code"),
        "Docker's message is kept: {message}"
    );
    let (_, log) = user
        .get_text(&format!("/build/tasks/{task}/logs"))
        .await
        .expect("log");
    assert!(
        log.contains("Step 1/"),
        "the log starts at the first step: {log}"
    );
    assert!(
        log.contains("forklift-no-such-package"),
        "apt's complaint is in the log: {log}"
    );
    assert!(
        !image_exists(&target),
        "no image is left under the target name"
    );
    fk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_build_survives_its_builder_dying_midway() {
    let mut fk = Forklift::start_with(Options {
        builder_ack_wait: Duration::from_secs(3),
        ..Options::default()
    })
    .await
    .expect("start forklift");
    let user = fk.user("kim").await.expect("user");
    let mut spec = specs::minimal(&fk.env.base_image);
    // Long enough to be killed in the middle of.
    spec["packages"] = json!({"apt": ["jq", "file"]});
    let target = spec["target_image"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let task = user.submit(&spec).await.expect("submit");

    wait_until_running(&user, &task).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    fk.kill_builder();
    tokio::time::sleep(Duration::from_secs(1)).await;
    fk.start_builder().expect("restart builder");
    let (done, _) = user
        .wait_finished(&task, BUILD_TIMEOUT)
        .await
        .expect("finish");

    let (_, log) = user
        .get_text(&format!("/build/tasks/{task}/logs"))
        .await
        .expect("log");
    assert_eq!(done["status"], "completed", "{done}\n{log}");
    assert!(
        done["attempt"].as_i64().unwrap_or(0) >= 2,
        "redelivered: {done}"
    );
    assert!(
        log.matches("Step 1/").count() >= 2,
        "both attempts' logs are kept: {log}"
    );
    remove_image(&target);
    fk.stop().await;
}

pub async fn wait_until_running(user: &forklift_tests::ApiClient, task: &str) {
    for _ in 0..600 {
        let (_, body) = user
            .get_json(&format!("/build/tasks/{task}"))
            .await
            .expect("task");
        match body["status"].as_str() {
            Some("running") => return,
            Some("pending") => tokio::time::sleep(Duration::from_millis(100)).await,
            other => panic!("task went {other:?} before it could be observed running: {body}"),
        }
    }
    panic!("task {task} never started");
}
