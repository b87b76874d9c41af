//! Auto push and private registries, against the two real registries `deploy/services.sh up`
//! starts on loopback: one without auth, one with htpasswd auth.
//!
//! Every test reads the image back from the registry (skopeo, or `docker pull` by digest) rather
//! than trusting Forklift's word, and every test that handles a password greps the API answers,
//! the task log and the captured service logs for it.

use std::io::Write;
use std::process::Command;
use std::sync::{Mutex, Once};
use std::time::Duration;

use forklift_shared::secrets::CredentialsKey;
use forklift_tests::{ApiClient, Forklift, Options};
use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::docker::{docker, image_exists, labels, remove_image};
use crate::specs;

const TIMEOUT: Duration = Duration::from_secs(600);

/// Everything every service of this test binary logged, at debug level and finer.
static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

/// Installs the subscriber that fills [`LOGS`], once per binary.
fn capture() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                "debug,forklift_registry=trace,forklift_builder=trace,forklift_gateway=trace",
            ))
            .with_ansi(false)
            .with_writer(|| LogWriter)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("one global subscriber");
    });
}

struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().expect("log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logs_text() -> String {
    String::from_utf8_lossy(&LOGS.lock().expect("log buffer")).into_owned()
}

/// A deployment with the registry service, a credentials key, and `insecure` listed as
/// plain-HTTP registries.
async fn start(insecure: &[&str]) -> Forklift {
    capture();
    let options = Options {
        registry: true,
        credentials_key: Some(CredentialsKey::generate()),
        insecure_registries: insecure.join(","),
        ..Options::default()
    };
    Forklift::start_with(options).await.expect("start forklift")
}

/// `<registry>/forklift-e2e/t<random>:1.0-debian12`, unique per test.
pub(crate) fn target_in(registry: &str) -> String {
    format!("{registry}/{}", specs::target("1.0-debian12"))
}

fn push_spec(source: &str, target: &str) -> Value {
    let mut spec = specs::minimal(source);
    spec["target_image"] = json!(target);
    spec["auto_push"] = json!(true);
    spec
}

/// Push events of every task, seen by a plain NATS subscriber as docs/events.md describes.
pub(crate) struct PushEvents {
    events: tokio::sync::mpsc::UnboundedReceiver<Value>,
}

impl PushEvents {
    pub(crate) async fn subscribe(fk: &Forklift) -> Self {
        let outsider = async_nats::connect(&fk.env.nats_url).await.expect("nats");
        let mut subscription = outsider
            .subscribe(format!("{}.events.task.*.push", fk.prefix))
            .await
            .expect("subscribe");
        outsider.flush().await.expect("flush");
        let (sender, events) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            let _keep = outsider;
            while let Some(message) = subscription.next().await {
                let event: Value = serde_json::from_slice(&message.payload).expect("JSON");
                if sender.send(event).is_err() {
                    break;
                }
            }
        });
        Self { events }
    }

    /// Every push event of `task` up to its `pushed` or `failed` one.
    pub(crate) async fn of(&mut self, task: &str) -> Vec<Value> {
        let mut seen = Vec::new();
        loop {
            let event = tokio::time::timeout(Duration::from_secs(30), self.events.recv())
                .await
                .unwrap_or_else(|_| panic!("no final push event for {task}; saw {seen:?}"))
                .expect("subscription open");
            if event["task_id"] != task {
                continue;
            }
            let last = matches!(event["phase"].as_str(), Some("pushed" | "failed"));
            seen.push(event);
            if last {
                return seen;
            }
        }
    }
}

pub(crate) fn phases(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["phase"].as_str().unwrap_or_default())
        .collect()
}

/// Submits a build of the base image pushed to `target` as `user`, and waits for its end: the
/// task's id, its final view and its whole log.
async fn push_to(fk: &Forklift, user: &ApiClient, target: &str) -> (String, Value, String) {
    let task = submit_push(fk, user, target).await;
    let (done, log) = finish(user, &task).await;
    (task, done, log)
}

/// Submits a build of the base image pushed to `target` as `user`; returns the task's id.
pub(crate) async fn submit_push(fk: &Forklift, user: &ApiClient, target: &str) -> String {
    user.submit(&push_spec(&fk.env.base_image, target))
        .await
        .expect("submit")
}

/// The error message of a push to `host` that gave up after `retries` retries, checked to say so.
fn gave_up_message<'a>(done: &'a Value, target: &str, host: &str, retries: usize) -> &'a str {
    let message = done["error_message"].as_str().unwrap_or_default();
    let expected = format!(
        "cannot push {target} to the registry {host}: it still failed after {} tries; it said: ",
        retries + 1
    );
    assert!(message.starts_with(&expected), "{message}");
    message
}

pub(crate) async fn finish(user: &ApiClient, task: &str) -> (Value, String) {
    let (done, _) = user.wait_finished(task, TIMEOUT).await.expect("finish");
    let (_, log) = user
        .get_text(&format!("/build/tasks/{task}/logs"))
        .await
        .expect("log");
    (done, log)
}

/// Stores credentials through the API as an admin; returns the answer's body.
async fn store_login(admin: &ApiClient, host: &str, user: &str, secret: &str) -> String {
    let body = json!({ "host": host, "username": user, "secret": secret });
    let (status, answer) = admin.post_json("/registries/", &body).await.expect("store");
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    answer.to_string()
}

/// `skopeo inspect` of `reference` over plain HTTP, with `creds` when given.
pub(crate) fn skopeo_inspect(reference: &str, creds: Option<&str>) -> Result<Value, String> {
    let mut command = Command::new("skopeo");
    command.args(["inspect", "--tls-verify=false"]);
    match creds {
        Some(creds) => command.args(["--creds", creds]),
        None => command.arg("--no-creds"),
    };
    let output = command
        .arg(format!("docker://{reference}"))
        .output()
        .expect("run skopeo");
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    Ok(serde_json::from_slice(&output.stdout).expect("skopeo prints JSON"))
}

/// Copies a local image into a registry with skopeo, as a team publishing a base image would.
fn skopeo_copy_to(image: &str, reference: &str, creds: &str) {
    let output = Command::new("skopeo")
        .args([
            "copy",
            "--quiet",
            "--dest-tls-verify=false",
            "--dest-creds",
            creds,
        ])
        .arg(format!("docker-daemon:{image}"))
        .arg(format!("docker://{reference}"))
        .output()
        .expect("run skopeo");
    assert!(
        output.status.success(),
        "skopeo copy {image} {reference}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn assert_no_secret(secret: &str, what: &str, text: &str) {
    assert!(!text.contains(secret), "the secret appears in {what}");
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pushed_image_comes_back_by_digest_with_its_labels() {
    let registry = forklift_tests::TestEnv::from_env().registry;
    let fk = start(&[&registry]).await;
    let user = fk.user("pia").await.expect("user");
    let mut events = PushEvents::subscribe(&fk).await;
    let target = target_in(&registry);

    let (task, done, log) = push_to(&fk, &user, &target).await;
    assert_eq!(done["status"], "completed", "{done}\n--- log ---\n{log}");

    // The task, the events and the registry agree on the digest.
    let digest = done["pushed_digest"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(digest.starts_with("sha256:"), "{done}");
    let seen = events.of(&task).await;
    assert_eq!(phases(&seen), ["started", "pushed"], "{seen:?}");
    assert_eq!(seen[1]["digest"], digest.as_str());
    assert_eq!(seen[1]["reference"], target.as_str());
    let remote = skopeo_inspect(&target, None).expect("the registry has the image");
    assert_eq!(remote["Digest"], digest.as_str(), "{remote}");
    assert!(
        log.contains(&format!("pushing {target} to {registry} (try 1)")),
        "{log}"
    );
    assert!(log.contains(&format!("digest: {digest}")), "{log}");
    assert!(
        done["status_message"]
            .as_str()
            .unwrap_or_default()
            .contains(&digest),
        "{done}"
    );

    // Pulled back by digest, it is the very image that was built, labels and all.
    let built_labels = labels(&target);
    assert_eq!(
        built_labels
            .get("ai.backend.kernelspec")
            .map(String::as_str),
        Some("1")
    );
    let remote_labels: std::collections::HashMap<String, String> =
        serde_json::from_value(remote["Labels"].clone()).expect("labels");
    assert_eq!(remote_labels, built_labels);
    remove_image(&target);
    let by_digest = format!("{}@{digest}", target.rsplit_once(':').expect("tag").0);
    docker(&["pull", "--quiet", &by_digest]);
    let pulled_id = docker(&["image", "inspect", &by_digest, "--format", "{{.Id}}"]);
    assert_eq!(
        pulled_id.trim(),
        done["image_id"].as_str().unwrap_or_default()
    );
    assert_eq!(labels(&by_digest), built_labels);

    remove_image(&by_digest);
    fk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_credentials_push_to_an_auth_registry_and_never_leak() {
    let env = forklift_tests::TestEnv::from_env();
    let fk = start(&[&env.auth_registry]).await;
    let admin = fk.admin().await.expect("admin");
    let password = env.auth_registry_password.clone();
    let stored = store_login(
        &admin,
        &env.auth_registry,
        &env.auth_registry_user,
        &password,
    )
    .await;
    let (_, listed) = admin.get_text("/registries/").await.expect("list");
    assert!(listed.contains(&env.auth_registry_user), "{listed}");

    let user = fk.user("ravi").await.expect("user");
    let mut events = PushEvents::subscribe(&fk).await;
    let target = target_in(&env.auth_registry);
    let (task, done, log) = push_to(&fk, &user, &target).await;
    assert_eq!(done["status"], "completed", "{done}\n--- log ---\n{log}");
    let stored_for = format!(
        "using the credentials stored for {} (user {})",
        env.auth_registry, env.auth_registry_user
    );
    assert!(log.contains(&stored_for), "{log}");
    assert_eq!(phases(&events.of(&task).await), ["started", "pushed"]);

    // Without credentials the registry refuses; with them it serves the pushed digest.
    let anonymous = skopeo_inspect(&target, None).expect_err("the registry wants credentials");
    assert!(
        anonymous.contains("unauthorized") || anonymous.contains("authentication"),
        "{anonymous}"
    );
    let creds = format!("{}:{password}", env.auth_registry_user);
    let remote = skopeo_inspect(&target, Some(&creds)).expect("inspect with credentials");
    assert_eq!(remote["Digest"], done["pushed_digest"], "{remote}\n{done}");

    // The secret is nowhere it could leak, while the logs did capture this test's work.
    let (_, task_json) = user
        .get_text(&format!("/build/tasks/{task}"))
        .await
        .expect("task");
    let service_logs = logs_text();
    assert!(
        service_logs.contains("registry credentials stored"),
        "no logs were captured"
    );
    assert!(
        service_logs.contains(&task),
        "the services' logs of this task were not captured"
    );
    for (what, text) in [
        ("the create answer", &stored),
        ("the list answer", &listed),
        ("the task", &task_json),
        ("the task log", &log),
        ("the services' logs", &service_logs),
    ] {
        assert_no_secret(&password, what, text);
    }

    remove_image(&target);
    fk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_fail_once_with_a_clear_message_and_keep_the_image() {
    let env = forklift_tests::TestEnv::from_env();
    let fk = start(&[&env.auth_registry]).await;
    let admin = fk.admin().await.expect("admin");
    let wrong = format!("wrong-{}", Uuid::new_v4().simple());
    store_login(&admin, &env.auth_registry, &env.auth_registry_user, &wrong).await;

    let user = fk.user("sol").await.expect("user");
    let mut events = PushEvents::subscribe(&fk).await;
    let target = target_in(&env.auth_registry);
    let (task, done, log) = push_to(&fk, &user, &target).await;

    assert_eq!(done["status"], "error", "{done}\n--- log ---\n{log}");
    let message = done["error_message"].as_str().unwrap_or_default();
    let expected = format!(
        "cannot push {target} to the registry {}: it refused the credentials stored for {} \
         (user {}); it said: ",
        env.auth_registry, env.auth_registry, env.auth_registry_user
    );
    assert!(message.starts_with(&expected), "{message}");
    assert!(message.contains("unauthorized"), "{message}");

    // One try, no retries: a refusal says the same thing every time.
    assert_eq!(phases(&events.of(&task).await), ["started", "failed"]);
    assert_eq!(log.matches("(try ").count(), 1, "{log}");
    assert!(!log.contains("the push failed"), "{log}");
    // The built image stays on the host for another try.
    assert!(image_exists(&target), "{target} was removed");
    assert_no_secret(&wrong, "the task log", &log);
    assert_no_secret(&wrong, "the task's message", message);
    assert_no_secret(&wrong, "the services' logs", &logs_text());

    remove_image(&target);
    fk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registry_that_is_down_is_retried_then_reported() {
    let down = format!("127.0.0.1:{}", free_port());
    let fk = start(&[&down]).await;
    let user = fk.user("uma").await.expect("user");
    let mut events = PushEvents::subscribe(&fk).await;
    let target = target_in(&down);

    let (task, done, log) = push_to(&fk, &user, &target).await;

    assert_eq!(done["status"], "error", "{done}\n--- log ---\n{log}");
    let retries = fk.options.push_retry.max_retries;
    let message = gave_up_message(&done, &target, &down, retries as usize);
    assert!(message.contains("connection refused"), "{message}");

    // Exactly the configured number of retries, each announced, then the failure.
    let mut expected_phases = vec!["started"];
    expected_phases.extend(std::iter::repeat_n("retrying", retries as usize));
    expected_phases.push("failed");
    assert_eq!(phases(&events.of(&task).await), expected_phases);
    assert_eq!(log.matches("(try ").count(), retries as usize + 1, "{log}");
    assert!(
        log.contains(&format!("retry {retries} of {retries}")),
        "{log}"
    );
    assert!(image_exists(&target));

    remove_image(&target);
    fk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_to_an_unlisted_registry_is_refused_for_pushes_and_pulls() {
    let env = forklift_tests::TestEnv::from_env();
    // Only the auth registry is listed; the plain one on 5000 is not.
    let fk = start(&[&env.auth_registry]).await;
    let user = fk.user("ines").await.expect("user");
    let target = target_in(&env.registry);

    let (_, done, log) = push_to(&fk, &user, &target).await;
    assert_eq!(done["status"], "error", "{done}\n--- log ---\n{log}");
    let message = done["error_message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with(&format!(
            "cannot push {target} to the registry {}: ",
            env.registry
        )),
        "{message}"
    );
    assert!(
        message.contains("not listed in FORKLIFT_INSECURE_REGISTRIES"),
        "{message}"
    );
    let remote = skopeo_inspect(&target, None).expect_err("nothing was pushed");
    assert!(
        remote.contains("manifest unknown") || remote.contains("not found"),
        "{remote}"
    );

    // A source image in that registry is not pulled either.
    let source = format!(
        "{}/forklift-e2e/src{}:bookworm",
        env.registry,
        &Uuid::new_v4().simple().to_string()[..10]
    );
    docker(&["tag", &fk.env.base_image, &source]);
    docker(&["push", "--quiet", &source]);
    remove_image(&source);
    let task = user.submit(&specs::minimal(&source)).await.expect("submit");
    let (done, log) = finish(&user, &task).await;
    assert_eq!(done["status"], "error", "{done}\n--- log ---\n{log}");
    let message = done["error_message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with(&format!("cannot pull source image {source}: ")),
        "{message}"
    );
    assert!(
        message.contains("not listed in FORKLIFT_INSECURE_REGISTRIES"),
        "{message}"
    );
    assert!(!image_exists(&source), "{source} was pulled");

    remove_image(&target);
    fk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_source_image_is_pulled_with_stored_credentials() {
    let env = forklift_tests::TestEnv::from_env();
    let fk = start(&[&env.auth_registry]).await;
    let password = env.auth_registry_password.clone();
    let creds = format!("{}:{password}", env.auth_registry_user);
    let source = format!(
        "{}/forklift-e2e/src{}:bookworm",
        env.auth_registry,
        &Uuid::new_v4().simple().to_string()[..10]
    );
    skopeo_copy_to(&fk.env.base_image, &source, &creds);
    assert!(!image_exists(&source));
    let user = fk.user("omar").await.expect("user");

    // Without stored credentials the registry refuses the pull.
    let task = user.submit(&specs::minimal(&source)).await.expect("submit");
    let (done, log) = finish(&user, &task).await;
    assert_eq!(done["status"], "error", "{done}\n--- log ---\n{log}");
    let message = done["error_message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with(&format!("cannot pull source image {source}: ")),
        "{message}"
    );

    assert!(
        message.contains(&format!(
            "{} wants credentials and none are stored for it; an admin can add them with POST \
             /registries/",
            env.auth_registry
        )),
        "{message}"
    );

    // With them, it is pulled and built.
    let admin = fk.admin().await.expect("admin");
    store_login(
        &admin,
        &env.auth_registry,
        &env.auth_registry_user,
        &password,
    )
    .await;
    let spec = specs::minimal(&source);
    let target = spec["target_image"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let task = user.submit(&spec).await.expect("submit");
    let (done, log) = finish(&user, &task).await;
    assert_eq!(done["status"], "completed", "{done}\n--- log ---\n{log}");
    assert!(log.contains(&format!("pulling {source}")), "{log}");
    let stored_for = format!(
        "using the credentials stored for {} (user {})",
        env.auth_registry, env.auth_registry_user
    );
    assert!(log.contains(&stored_for), "{log}");
    assert!(image_exists(&source));
    assert_no_secret(&password, "the task log", &log);
    assert_no_secret(&password, "the services' logs", &logs_text());

    remove_image(&target);
    remove_image(&source);
    fk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registry_credentials_are_admin_only_validated_stored_encrypted_and_never_returned() {
    capture();
    let options = Options {
        builder: false,
        credentials_key: Some(CredentialsKey::generate()),
        ..Options::default()
    };
    let fk = Forklift::start_with(options).await.expect("start forklift");
    let admin = fk.admin().await.expect("admin");
    let user = fk.user("vera").await.expect("user");
    let anonymous = ApiClient::anonymous(&fk.base_url);
    let secret = format!("token-{}", Uuid::new_v4().simple());
    let body =
        json!({ "host": "Registry.Example.com:5000", "username": "ci-bot", "secret": secret });

    // Who may: nobody without a token, no ordinary user.
    let (status, _) = anonymous
        .post_json("/registries/", &body)
        .await
        .expect("post");
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = anonymous.get_json("/registries/").await.expect("get");
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, answer) = user.post_json("/registries/", &body).await.expect("post");
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    assert_eq!(answer["error"], "forbidden");
    let (status, _) = user.get_json("/registries/").await.expect("get");
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Bad input names its field, and never quotes the secret.
    for (bad, field) in [
        (
            json!({ "host": "myregistry", "username": "u", "secret": secret }),
            "host",
        ),
        (
            json!({ "host": "r.example.com", "username": "a:b", "secret": secret }),
            "username",
        ),
        (
            json!({ "host": "r.example.com", "username": "u", "secret": "" }),
            "secret",
        ),
    ] {
        let (status, answer) = admin.post_json("/registries/", &bad).await.expect("post");
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(answer["fields"][0]["field"], field, "{answer}");
    }
    let (status, answer) = admin
        .post_json(
            "/registries/",
            &json!({ "host": "r.example.com", "username": "u" }),
        )
        .await
        .expect("post");
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert!(answer.to_string().contains("secret"), "{answer}");

    // Create, list, update, delete; the secret never comes back.
    let (status, created) = admin.post_json("/registries/", &body).await.expect("post");
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["host"], "registry.example.com:5000");
    assert_eq!(created["username"], "ci-bot");
    let (status, again) = admin.post_json("/registries/", &body).await.expect("post");
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    let (status, listed) = admin.get_json("/registries/").await.expect("get");
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["username"], "ci-bot");

    let new_secret = format!("rotated-{}", Uuid::new_v4().simple());
    let change = json!({ "username": "ci-bot-2", "secret": new_secret });
    let http = reqwest::Client::new();
    let token = admin.token.clone().expect("token");
    let put = |host: &str, body: &Value| {
        http.put(format!("{}/registries/{host}", fk.base_url))
            .bearer_auth(&token)
            .json(body)
            .send()
    };
    let updated = put("registry.example.com:5000", &change)
        .await
        .expect("put");
    assert_eq!(updated.status(), StatusCode::OK);
    let updated = updated.text().await.expect("body");
    assert!(updated.contains("ci-bot-2"), "{updated}");
    let missing = put("nowhere.example.com", &change).await.expect("put");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let bad = put("registry.example.com:5000", &json!({ "username": "" }))
        .await
        .expect("put");
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let forbidden = http
        .put(format!(
            "{}/registries/registry.example.com:5000",
            fk.base_url
        ))
        .bearer_auth(user.token.clone().expect("token"))
        .json(&change)
        .send()
        .await
        .expect("put");
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);

    // At rest, the row holds ciphertext only.
    let rows = stored_secrets(&fk.database_url).await;
    assert_eq!(rows.len(), 1);
    for (ciphertext, nonce) in &rows {
        let plain = new_secret.as_bytes();
        assert!(!ciphertext.windows(plain.len()).any(|w| w == plain));
        assert_eq!(nonce.len(), 12);
    }

    let delete = |host: &str, token: String| {
        http.delete(format!("{}/registries/{host}", fk.base_url))
            .bearer_auth(token)
            .send()
    };
    let user_token = user.token.clone().expect("token");
    let status = delete("registry.example.com:5000", user_token)
        .await
        .expect("delete")
        .status();
    assert_eq!(status, StatusCode::FORBIDDEN);
    let status = delete("Registry.example.com:5000", token.clone())
        .await
        .expect("delete")
        .status();
    assert_eq!(status, StatusCode::NO_CONTENT);
    let status = delete("registry.example.com:5000", token.clone())
        .await
        .expect("delete")
        .status();
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, listed_after) = admin.get_json("/registries/").await.expect("get");
    assert_eq!(listed_after, json!([]));

    // The endpoints are documented; the secret is write-only there too.
    let (_, openapi) = anonymous.get_text("/openapi.json").await.expect("openapi");
    assert!(openapi.contains("\"/registries/\"") && openapi.contains("\"/registries/{host}\""));

    for (what, text) in [
        ("the create answer", created.to_string()),
        ("the list answer", listed.to_string()),
        ("the update answer", updated.clone()),
        ("the services' logs", logs_text()),
    ] {
        assert_no_secret(&secret, what, &text);
        assert_no_secret(&new_secret, what, &text);
    }
    fk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_credentials_key_the_registry_endpoints_say_so() {
    let options = Options {
        builder: false,
        ..Options::default()
    };
    let fk = Forklift::start_with(options).await.expect("start forklift");
    let admin = fk.admin().await.expect("admin");
    let (status, answer) = admin.get_json("/registries/").await.expect("get");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .unwrap_or_default()
            .contains("FORKLIFT_CREDENTIALS_KEY"),
        "{answer}"
    );
    fk.stop().await;
}

/// The stored (ciphertext, nonce) of every registry credential, read straight from PostgreSQL.
async fn stored_secrets(database_url: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    use diesel::prelude::*;
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
    use forklift_shared::store::schema::registry_credentials as rc;

    let mut conn = AsyncPgConnection::establish(database_url)
        .await
        .expect("database");
    rc::table
        .select((rc::secret_ciphertext, rc::secret_nonce))
        .load(&mut conn)
        .await
        .expect("rows")
}

/// A registry that answers every request with `503 Service Unavailable`, counting requests.
async fn unavailable_registry() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let host = listener.local_addr().expect("address").to_string();
    let requests = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = requests.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut buffer = [0u8; 4096];
                if socket.read(&mut buffer).await.unwrap_or(0) > 0 {
                    counter.fetch_add(1, Ordering::SeqCst);
                    let answer = "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\
                                  connection: close\r\n\r\n";
                    let _ = socket.write_all(answer.as_bytes()).await;
                }
            });
        }
    });
    (host, requests)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registry_answering_503_is_retried_a_bounded_number_of_times() {
    let (host, requests) = unavailable_registry().await;
    capture();
    // dockerd retries a failed layer upload itself, about 5 times with growing waits, so one try
    // takes close to a minute here: one retry is enough to show Forklift's.
    let options = Options {
        registry: true,
        insecure_registries: host.clone(),
        push_retry: forklift_registry::RetryPolicy {
            max_retries: 1,
            first_delay: Duration::from_millis(200),
        },
        ..Options::default()
    };
    let fk = Forklift::start_with(options).await.expect("start forklift");
    let user = fk.user("wen").await.expect("user");
    let mut events = PushEvents::subscribe(&fk).await;
    let target = target_in(&host);

    let (task, done, log) = push_to(&fk, &user, &target).await;

    assert_eq!(done["status"], "error", "{done}\n--- log ---\n{log}");
    let retries = fk.options.push_retry.max_retries as usize;
    let message = gave_up_message(&done, &target, &host, retries);
    assert!(message.contains("503"), "{message}");
    let mut expected_phases = vec!["started"];
    expected_phases.extend(std::iter::repeat_n("retrying", retries));
    expected_phases.push("failed");
    assert_eq!(phases(&events.of(&task).await), expected_phases);

    // The registry saw dockerd's own handful of requests per try, not a storm.
    let seen = requests.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        (retries + 1..=(retries + 1) * 10).contains(&seen),
        "{seen} requests for {} tries",
        retries + 1
    );
    // dockerd's own retries show in the log, one line per wait rather than one per second.
    let waits = log.matches("dockerd is retrying it").count();
    assert!((1..=(retries + 1) * 6).contains(&waits), "{log}");
    assert!(!log.contains("Retrying in 4 seconds"), "{log}");
    assert!(image_exists(&target));

    remove_image(&target);
    fk.stop().await;
}
