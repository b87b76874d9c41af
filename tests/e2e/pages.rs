//! The web pages and their htmx fragments, through HTTP as a browser without JavaScript (and
//! htmx) would send it: status, key content, inline validation messages, sessions and CSRF.

use std::time::Duration;

use forklift_shared::events::{LogEvent, StatusEvent, TaskStatus};
use forklift_shared::store::Store;
use forklift_tests::sse::{self, SseEvent as Event};
use forklift_tests::{Forklift, Options, PageClient};
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE};
use reqwest::StatusCode;

/// A complete, valid builder form on the test's base image.
fn valid_form<'a>(fk: &'a Forklift, target: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("source_image", fk.env.base_image.as_str()),
        ("target_image", target),
        ("min_cpu", "2"),
        ("min_memory", "1.5g"),
        ("ports-0-name", "web"),
        ("ports-0-protocol", "http"),
        ("ports-0-port", "8090"),
        ("ports-0-command", "python3 -m http.server {ports[0]}"),
        ("envs-0-name", "GREETING"),
        ("envs-0-value", "<hello & welcome>"),
        ("apt", "jq\ncurl"),
    ]
}

/// A deployment without a builder, and a page client signed up on it as `name`.
async fn signed_up(name: &str) -> (Forklift, PageClient) {
    let fk = Forklift::start_with(without_builder())
        .await
        .expect("start");
    let browser = PageClient::new(&fk.base_url);
    browser.sign_up(name).await;
    (fk, browser)
}

/// Submits the valid builder form for `target` as `browser`; returns the new task's id.
async fn submit_build(browser: &PageClient, fk: &Forklift, target: &str) -> String {
    let token = browser.get("/builder").await.csrf();
    let mut submit = valid_form(fk, target);
    submit.extend([("action", "submit"), ("csrf", &token)]);
    let submitted = browser.post("/builder", &submit).await;
    assert_eq!(
        submitted.status,
        StatusCode::SEE_OTHER,
        "{}",
        submitted.body
    );
    let location = submitted.location();
    location.trim_start_matches("/tasks/").to_string()
}

fn without_builder() -> Options {
    Options {
        builder: false,
        ..Options::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_log_in_and_log_out_with_a_protected_session_cookie() {
    let fk = Forklift::start_with(without_builder())
        .await
        .expect("start");
    let browser = PageClient::new(&fk.base_url);

    // Signed out, every page sends the browser to log in and back; htmx is told to move.
    let away = browser.get("/tasks?status=error").await;
    assert_eq!(away.status, StatusCode::SEE_OTHER);
    assert_eq!(
        away.header("location"),
        "/login?next=/tasks%3Fstatus%3Derror"
    );
    let fragment = browser.fragment("/summary/chart").await;
    assert_eq!(fragment.status, StatusCode::UNAUTHORIZED);
    assert!(fragment.header("hx-redirect").starts_with("/login?next="));

    let signup = browser.get("/signup").await;
    assert_eq!(signup.status, StatusCode::OK);
    assert!(signup.header("content-type").starts_with("text/html"));
    assert!(
        signup.body.contains(r#"<label for="username">"#),
        "{}",
        signup.body
    );
    assert!(signup.header("set-cookie").contains("forklift_csrf="));
    let token = signup.csrf();

    // Bad input: each message next to its field, and what was typed kept.
    let bad = browser
        .post(
            "/signup",
            &[
                ("csrf", &token),
                ("username", "No Spaces"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!bad.element("err-username").is_empty(), "{}", bad.body);
    assert!(!bad.element("err-password").is_empty(), "{}", bad.body);
    assert!(bad.body.contains(r#"value="No Spaces""#));

    // A post without the token, or from another site, is refused.
    let forged = browser
        .post(
            "/signup",
            &[("username", "ivy"), ("password", "a-long-password")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.header("content-type").starts_with("text/html"));
    let cross_site = browser
        .http
        .post(format!("{}/signup", fk.base_url))
        .header("Origin", "http://evil.example")
        .form(&[
            ("csrf", token.as_str()),
            ("username", "ivy"),
            ("password", "a-long-password"),
        ]);
    assert_eq!(
        PageClient::answer(cross_site).await.status,
        StatusCode::FORBIDDEN
    );

    let created = browser
        .post(
            "/signup",
            &[
                ("csrf", &token),
                ("username", "ivy"),
                ("password", "a-long-password"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    assert_eq!(created.header("location"), "/");
    let cookie = created
        .headers
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap_or_default().to_string())
        .find(|c| c.starts_with("forklift_session="))
        .expect("a session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");

    let summary = browser.get("/").await;
    assert_eq!(summary.status, StatusCode::OK);
    assert!(summary.body.contains("ivy"));

    // Log out needs the session's token too.
    let forged_logout = browser.post("/logout", &[("csrf", "00")]).await;
    assert_eq!(forged_logout.status, StatusCode::FORBIDDEN);
    let logout = browser.post("/logout", &[("csrf", &summary.csrf())]).await;
    assert_eq!(logout.status, StatusCode::SEE_OTHER);
    assert_eq!(browser.get("/").await.status, StatusCode::SEE_OTHER);

    // Log in again: a wrong password is a message at the password field.
    let login = browser.get("/login?next=/builder").await;
    let token = login.csrf();
    let wrong = browser
        .post(
            "/login",
            &[
                ("csrf", &token),
                ("username", "ivy"),
                ("password", "wrong-password"),
                ("next", "/builder"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(!wrong.element("err-password").is_empty(), "{}", wrong.body);
    let right = browser
        .post(
            "/login",
            &[
                ("csrf", &token),
                ("username", "ivy"),
                ("password", "a-long-password"),
                ("next", "/builder"),
            ],
        )
        .await;
    assert_eq!(right.status, StatusCode::SEE_OTHER);
    assert_eq!(right.header("location"), "/builder");
    fk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_builder_previews_validates_inline_downloads_and_submits() {
    let (fk, browser) = signed_up("noa").await;

    let builder = browser.get("/builder").await;
    assert_eq!(builder.status, StatusCode::OK);
    for id in [
        "source_image",
        "target_image",
        "min_cpu",
        "min_memory",
        "packages-apt",
        "packages-pip",
        "packages-conda",
        "runtime_type",
        "runtime_path",
        "base_distro",
        "features",
        "accelerators",
        "corecount_envs",
        "preview",
    ] {
        assert!(builder.body.contains(&format!(r#"id="{id}""#)), "no #{id}");
    }
    assert!(
        builder.body.contains(r#"name="auto_push""#)
            && builder.body.contains(r#"name="allow_root""#)
    );
    // The advanced fold shows the defaults a blank field gets.
    assert!(
        builder.body.contains("<details class=\"advanced\""),
        "{}",
        builder.body
    );
    assert!(
        builder.body.contains("Default: 1g."),
        "memory default shown"
    );
    let token = builder.csrf();
    let target = "forklift-pages/app:1.0-debian12";
    let form = valid_form(&fk, target);

    // Live preview: the Dockerfile for the form as typed, escaped.
    let preview = browser.htmx_post("/builder/preview", &token, &form).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    let dockerfile = preview.element("dockerfile");
    assert!(
        dockerfile.contains(&format!("FROM {}", fk.env.base_image)),
        "{dockerfile}"
    );
    assert!(dockerfile.contains("jq"), "{dockerfile}");
    assert!(
        dockerfile.contains("&lt;hello &amp; welcome&gt;"),
        "{dockerfile}"
    );
    let mut changed = form.clone();
    changed.push(("pip", "six==1.16.0"));
    let second = browser
        .htmx_post("/builder/preview", &token, &changed)
        .await;
    assert_ne!(
        second.element("dockerfile"),
        dockerfile,
        "the preview follows the form"
    );

    // Every bad field gets its message in its slot, refilled out of band.
    let mut bad = form.clone();
    bad.retain(|(k, _)| !matches!(*k, "min_memory" | "ports-0-port" | "target_image"));
    bad.extend([
        ("min_memory", "lots"),
        ("ports-0-port", "eighty"),
        ("target_image", "UPPER"),
    ]);
    let invalid = browser.htmx_post("/builder/preview", &token, &bad).await;
    assert_eq!(invalid.status, StatusCode::OK);
    assert!(
        invalid.body.contains("fields need attention"),
        "{}",
        invalid.body
    );
    for slot in [
        "err-min_memory",
        "err-service_ports-0-port",
        "err-target_image",
    ] {
        assert!(
            !invalid.element(slot).is_empty(),
            "{slot} empty: {}",
            invalid.body
        );
    }
    assert!(
        invalid.element("err-source_image").is_empty(),
        "a valid field has no message"
    );
    assert!(invalid.body.contains(r#"hx-swap-oob="true""#));
    // An unreadable port is told so, not also about the range of its stand-in value.
    assert_eq!(
        invalid.element("err-service_ports-0-port"),
        "enter a port number"
    );
    assert!(
        invalid.body.contains("3 fields need attention"),
        "{}",
        invalid.body
    );

    // The same messages after a submit, beside the fields, with the form kept as typed.
    let mut with_csrf = bad.clone();
    with_csrf.push(("csrf", &token));
    with_csrf.push(("action", "submit"));
    let rejected = browser.post("/builder", &with_csrf).await;
    assert_eq!(rejected.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        rejected.body.contains("The build was not started"),
        "{}",
        rejected.body
    );
    assert!(!rejected.element("err-min_memory").is_empty());
    assert!(rejected.body.contains(r#"value="eighty""#));

    // Rows: with htmx the form is swapped in place; without it the whole page comes back.
    let mut add = form.clone();
    add.push(("action", "add_port"));
    let added = browser.htmx_post("/builder", &token, &add).await;
    assert_eq!(added.status, StatusCode::OK);
    assert!(
        added.body.starts_with("<form"),
        "a fragment: {}",
        &added.body[..80]
    );
    assert!(added.body.contains(r#"name="ports-1-name""#));
    let mut remove = form.clone();
    remove.extend([("action", "remove_env:0"), ("csrf", &token)]);
    let removed = browser.post("/builder", &remove).await;
    assert!(removed.body.starts_with("<!DOCTYPE html>"));
    assert!(!removed.body.contains(r#"name="envs-0-name""#));
    assert!(removed.body.contains(r#"name="ports-0-name""#));

    // Download the preview.
    let mut download = form.clone();
    download.extend([("action", "download"), ("csrf", &token)]);
    let file = browser.post("/builder", &download).await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(file.header("content-disposition").contains("attachment"));
    assert!(
        file.body.starts_with("FROM ") || file.body.contains("\nFROM "),
        "{}",
        file.body
    );

    // Submit: through the API's path, to the new task's page.
    let mut submit = form.clone();
    submit.extend([("action", "submit"), ("csrf", &token)]);
    let accepted = browser.post("/builder", &submit).await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    let location = accepted.header("location").to_string();
    assert!(location.starts_with("/tasks/"), "{location}");
    let task = browser.get(&location).await;
    assert_eq!(task.status, StatusCode::OK);
    assert!(task.body.contains(target));
    assert!(task.body.contains(r#"data-status="pending""#));

    // A post without the token changes nothing.
    let forged = browser.post("/builder", &submit[..submit.len() - 1]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let tasks = browser.get("/tasks?status=pending").await;
    assert_eq!(
        tasks.body.matches("data-task=").count(),
        1,
        "{}",
        tasks.body
    );
    fk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn summary_tasks_task_and_environment_pages_render_their_content() {
    let (fk, browser) = signed_up("oli").await;
    let target = "forklift-pages/tasks:2.0-debian12";
    let task_id = submit_build(&browser, &fk, target).await;
    let location = format!("/tasks/{task_id}");

    let fresh = crate::docker::fresh_image(&fk.env.base_image);
    let summary = browser.get("/").await;
    assert_eq!(summary.status, StatusCode::OK);
    assert!(summary.body.contains(r#"href="/builder""#) && summary.body.contains("BUILD"));
    assert!(
        summary
            .body
            .contains(r#"data-status="pending" data-count="1""#),
        "{}",
        summary.body
    );
    assert!(summary.body.contains("<svg"));
    assert!(summary.body.contains("Images on the Docker host"));
    assert!(
        summary
            .body
            .contains(fresh.split(':').next().unwrap_or_default()),
        "the host's newest images are listed"
    );
    crate::docker::remove_image(&fresh);
    let chart = browser.fragment("/summary/chart").await;
    assert!(
        chart.body.starts_with("<div") && chart.body.contains(r#"id="chart""#),
        "{}",
        chart.body
    );
    assert!(
        chart.body.contains(r#"hx-trigger="every 2s""#),
        "polls fast while a build waits"
    );

    // Tabs with counts; the pending tab lists the task.
    let tasks = browser.get("/tasks").await;
    assert_eq!(tasks.status, StatusCode::OK);
    for tab in ["Running", "Pending", "Completed", "Error"] {
        assert!(tasks.body.contains(tab), "tab {tab}");
    }
    assert!(
        tasks
            .body
            .contains(r#"data-status="pending" aria-current="page""#),
        "{}",
        tasks.body
    );
    assert!(tasks.body.contains(&format!(r#"data-task="{task_id}""#)));
    let panel = browser.fragment("/tasks/panel?status=completed").await;
    assert!(panel.body.starts_with("<div") && panel.body.contains(r#"id="tasks-panel""#));
    assert!(panel.body.contains("No completed tasks."));
    let bad_page = browser.get("/tasks?status=pending&page=0").await;
    assert_eq!(bad_page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_page.body.contains("pages start at 1"));

    // The task: details, Dockerfile (view and download) and logs.
    let details = browser.get(&location).await;
    assert!(
        details.body.contains(&fk.env.base_image)
            && details
                .body
                .contains("&quot;min_memory&quot;: &quot;1.5g&quot;")
    );
    let dockerfile = browser.get(&format!("{location}?tab=dockerfile")).await;
    assert!(dockerfile.element("dockerfile").contains("FROM "));
    assert!(dockerfile
        .body
        .contains(&format!("/build/tasks/{task_id}/dockerfile?download=true")));
    let logs = browser.get(&format!("{location}?tab=logs")).await;
    assert!(logs
        .body
        .contains(&format!(r#"sse-connect="/tasks/{task_id}/live?after=0""#)));
    assert!(logs.body.contains("No build step has started yet."));
    let head = browser.fragment(&format!("{location}/head")).await;
    assert!(head.body.starts_with("<div") && head.body.contains(r#"id="task-head""#));
    assert!(
        head.body.contains(r#"hx-trigger="every 2s""#),
        "polls until the task ends"
    );

    // Another user sees neither the task nor its counts.
    let other = PageClient::new(&fk.base_url);
    other.sign_up("pat").await;
    let hidden = other.get(&location).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert!(
        hidden.header("content-type").starts_with("text/html"),
        "an HTML error page"
    );
    assert!(hidden.body.contains("not found"));
    assert!(other
        .get("/")
        .await
        .body
        .contains(r#"data-status="pending" data-count="0""#));

    let images = browser.get("/environments").await;
    assert_eq!(images.status, StatusCode::OK);
    assert!(images.body.contains(r#"<table id="images""#));
    assert!(images.body.contains("Backend.AI labels") && images.body.contains("Built by"));
    let (repository, tag) = fk.env.base_image.rsplit_once(':').expect("a tag");
    assert!(images
        .body
        .contains(&format!(r#"data-reference="{repository}:{tag}""#)));
    let containers = browser.get("/environments?tab=containers").await;
    assert!(
        containers.body.contains(r#"<table id="containers""#),
        "{}",
        containers.body
    );
    fk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_task_page_streams_html_lines_and_resumes_without_loss_or_repeats() {
    let (fk, browser) = signed_up("rae").await;
    let task_id = submit_build(&browser, &fk, "forklift-pages/live:1.0-debian12").await;
    let task: uuid::Uuid = task_id.parse().expect("id");
    let location = format!("/tasks/{task_id}");

    // Play the builder's part through the store, as the inventory service would.
    let store = Store::connect(&fk.database_url).await.expect("store");
    store
        .apply_status(&StatusEvent::new(task, TaskStatus::Running, 1))
        .await
        .expect("running");
    let line = |seq: u64, text: String| LogEvent {
        task_id: task,
        attempt: 1,
        seq,
        line: text,
        at: chrono::Utc::now(),
    };
    let first: Vec<LogEvent> = (0..4)
        .map(|i| line(i, format!("Step {}/6 : RUN echo <{i}>", i + 1)))
        .collect();
    store.append_logs(&first).await.expect("lines");

    let live = format!("{}{location}/live?after=0", fk.base_url);
    let events = read_events(&browser.http, &live, None, |e| {
        count(e, "progress") == 4 && count(e, "status") == 1
    })
    .await;
    assert_eq!(count(&events, "log"), 4, "{events:?}");
    let html_lines: Vec<&Event> = events.iter().filter(|e| e.kind == "log").collect();
    assert!(
        html_lines[0].data.contains("RUN echo &lt;0&gt;"),
        "escaped HTML: {:?}",
        html_lines[0]
    );
    let progress = events
        .iter()
        .rfind(|e| e.kind == "progress")
        .expect("a progress event");
    assert!(progress.data.contains("Step 4 of 6"), "{progress:?}");
    assert!(
        progress.data.contains(r#"max="6" value="4""#),
        "{progress:?}"
    );
    assert!(events
        .iter()
        .any(|e| e.kind == "status" && e.data.contains("running")));

    // The connection drops; more lines arrive; the browser comes back with Last-Event-ID.
    let last = html_lines[3].id.expect("lines carry ids");
    let rest: Vec<LogEvent> = (4..8).map(|i| line(i, format!("line {i}"))).collect();
    store.append_logs(&rest).await.expect("lines");
    store
        .apply_status(&StatusEvent::new(task, TaskStatus::Completed, 1))
        .await
        .expect("completed");
    let resumed = read_events(&browser.http, &live, Some(last), |e| count(e, "end") == 1).await;
    let texts: Vec<&str> = resumed
        .iter()
        .filter(|e| e.kind == "log")
        .map(|e| e.data.as_str())
        .collect();
    assert_eq!(
        texts.len(),
        4,
        "exactly the lines after the last one seen: {resumed:?}"
    );
    for (i, text) in texts.iter().enumerate() {
        assert!(text.contains(&format!("line {}", i + 4)), "{text}");
    }
    let end = resumed.last().expect("events");
    assert_eq!(end.kind, "end");
    assert!(end.data.contains("completed"), "{end:?}");

    // The tabs' counts followed the task from pending through running to completed.
    let tabs = browser.get("/tasks").await;
    for (status, count) in [
        ("pending", 0),
        ("running", 0),
        ("completed", 1),
        ("error", 0),
    ] {
        let tab = format!(r#"data-status="{status}""#);
        let at = tabs.body.find(&tab).expect("a tab") + tab.len();
        let shown = &tabs.body[at..at + 120];
        assert!(
            shown.contains(&format!(r#"<span class="count">{count}</span>"#)),
            "{status}: {shown}"
        );
    }

    // The finished task's page shows the whole log and a full bar, with no stream.
    let page = browser.get(&format!("{location}?tab=logs")).await;
    assert_eq!(page.body.matches(r#"class="line""#).count(), 8);
    assert!(page.body.contains("All 6 steps done"), "{}", page.body);
    assert!(!page.body.contains("sse-connect"));
    fk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assets_are_local_and_cached_and_pages_fetch_nothing_from_the_internet() {
    let (fk, browser) = signed_up("sam").await;
    let mut pages = Vec::new();
    for path in [
        "/",
        "/builder",
        "/tasks",
        "/environments",
        "/environments?tab=containers",
    ] {
        let page = browser.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page
            .header("content-security-policy")
            .contains("default-src 'self'"));
        assert_eq!(page.header("cache-control"), "no-store", "{path}");
        pages.push(page);
    }
    pages.push(browser.get("/login").await);
    let mut assets = Vec::new();
    for page in &pages {
        for attribute in ["src=\"", "href=\""] {
            for (at, _) in page.body.match_indices(attribute) {
                let rest = &page.body[at + attribute.len()..];
                let url = &rest[..rest.find('"').expect("closed")];
                assert!(!url.contains("//"), "a page asks elsewhere for {url}");
                if url.starts_with("/static/") {
                    assets.push(url.to_string());
                }
            }
        }
    }
    assets.sort();
    assets.dedup();
    for expected in [
        "htmx.min.js",
        "htmx-ext-sse.js",
        "forklift.css",
        "forklift.svg",
        "live-log.js",
    ] {
        assert!(
            assets.iter().any(|a| a.contains(expected)),
            "{expected} not used: {assets:?}"
        );
    }
    for asset in &assets {
        let response = browser
            .http
            .get(format!("{}{asset}", fk.base_url))
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), StatusCode::OK, "{asset}");
        let cache = response
            .headers()
            .get(CACHE_CONTROL)
            .expect("cache headers");
        assert!(
            cache.to_str().unwrap_or_default().contains("max-age="),
            "{asset}"
        );
        let kind = response
            .headers()
            .get(CONTENT_TYPE)
            .expect("type")
            .to_str()
            .unwrap_or_default()
            .to_string();
        assert!(!kind.is_empty(), "{asset}");
        let body = response.bytes().await.expect("body");
        assert!(body.len() > 100, "{asset} is empty");
    }
    let missing = browser.get("/tasks/not-a-task").await;
    assert!(missing.status.is_client_error());
    assert!(missing.header("content-type").starts_with("text/html"));
    assert!(missing.headers.get(LOCATION).is_none());
    fk.stop().await;
}

fn count(events: &[Event], kind: &str) -> usize {
    events.iter().filter(|e| e.kind == kind).count()
}

/// Reads events from `url` until `stop` says so, the stream ends, or a minute passes.
async fn read_events(
    http: &reqwest::Client,
    url: &str,
    last_id: Option<i64>,
    stop: impl Fn(&[Event]) -> bool,
) -> Vec<Event> {
    sse::read_events(http.get(url), last_id, Duration::from_secs(60), stop).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_outage_is_a_message_on_the_kept_form_not_a_blank_page() {
    let (fk, browser) = signed_up("uma").await;
    let token = browser.get("/builder").await.csrf();

    // The build queue disappears from under the gateway.
    let js = async_nats::jetstream::new(fk.nats.clone());
    let subjects = forklift_shared::events::Subjects::new(fk.prefix.clone());
    js.delete_stream(subjects.builds_stream())
        .await
        .expect("delete the stream");

    let target = "forklift-pages/outage:1.0-debian12";
    let mut submit = valid_form(&fk, target);
    submit.extend([("action", "submit"), ("csrf", &token)]);
    let refused = browser.post("/builder", &submit).await;
    assert_eq!(
        refused.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        refused.body
    );
    assert!(refused.header("content-type").starts_with("text/html"));
    assert!(refused.body.contains("NATS JetStream"), "{}", refused.body);
    assert!(
        refused.body.contains(&format!(r#"value="{target}""#)),
        "the form is kept"
    );
    let tasks = browser.get("/tasks?status=pending").await;
    let pending_tab =
        r#"data-status="pending" aria-current="page">Pending <span class="count">0</span>"#;
    assert!(
        tasks.body.contains(pending_tab),
        "the withdrawn task is not counted: {}",
        tasks.body
    );
    assert!(
        !tasks.body.contains("data-task="),
        "nothing was recorded: {}",
        tasks.body
    );
    fk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_is_a_message_page_not_a_blank_or_a_trace() {
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

    let (fk, browser) = signed_up("vic").await;
    assert_eq!(browser.get("/tasks").await.status, StatusCode::OK);

    // The test's own database stops taking connections and loses the ones it had, as when
    // PostgreSQL restarts or a failover is under way.
    let mut admin = AsyncPgConnection::establish(&fk.env.database_url)
        .await
        .expect("connect as the test admin");
    let database = &fk.database;
    for statement in [
        format!(r#"ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS false"#),
        format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'"
        ),
    ] {
        diesel::sql_query(statement)
            .execute(&mut admin)
            .await
            .expect("cut the database off");
    }

    // A page that is all store answers 503 with the reason on an error page.
    let tasks = browser.get("/tasks").await;
    assert_eq!(
        tasks.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        tasks.body
    );
    assert!(tasks.header("content-type").starts_with("text/html"));
    assert!(tasks.body.contains("<main"), "a whole page: {}", tasks.body);
    assert!(tasks.body.contains("PostgreSQL"), "{}", tasks.body);
    // The summary still renders, each part that needs the store saying why it is empty.
    let summary = browser.get("/").await;
    assert_eq!(summary.status, StatusCode::OK);
    let notice = r#"role="alert">the task store (PostgreSQL) is unavailable<"#;
    assert!(summary.body.contains(notice), "{}", summary.body);
    assert!(summary.body.contains("BUILD"));
    for page in [&tasks, &summary] {
        assert!(!page.body.contains("panicked") && !page.body.contains("src/"));
    }

    diesel::sql_query(format!(
        r#"ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS true"#
    ))
    .execute(&mut admin)
    .await
    .expect("let the database back");
    fk.stop().await;
}
