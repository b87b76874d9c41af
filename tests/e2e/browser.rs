//! The whole GUI in headless Chromium, driven through chromedriver: sign up, fill every option
//! of the builder, watch the preview follow, submit, watch the task go from Pending to Running
//! to Completed with its log streaming in, and find the image on the Environments page.
//!
//! Screenshots of each page go to `target/browser-screenshots/`. Chromium and chromedriver come
//! from Debian (`deploy/services.sh` installs them); without them this test fails, it never
//! skips.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use forklift_shared::dockerfile::BuildSettings;
use forklift_shared::secrets::CredentialsKey;
use forklift_tests::{ApiClient, Forklift, Options};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

use crate::docker::remove_image;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const BUILD_TIMEOUT: Duration = Duration::from_secs(600);
const STEP_TIMEOUT: Duration = Duration::from_secs(20);

/// chromedriver on a free loopback port, stopped when dropped.
pub(crate) struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    pub(crate) fn start() -> Self {
        for path in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(path).exists(),
                "{path} is missing: run deploy/services.sh up (it installs chromium and chromium-driver)"
            );
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    /// A headless Chromium session, once chromedriver answers; `javascript: false` turns
    /// scripts off, as some locked-down browsers have them.
    pub(crate) async fn session(&self, javascript: bool) -> Client {
        let mut args = vec![
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--window-size=1280,1000",
        ];
        if !javascript {
            args.push("--blink-settings=scriptEnabled=false");
        }
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
        });
        let capabilities = capabilities.as_object().cloned().expect("a JSON object");
        let started = Instant::now();
        loop {
            let mut builder = ClientBuilder::new(HttpConnector::new());
            builder.capabilities(capabilities.clone());
            match builder.connect(&self.url).await {
                Ok(client) => return client,
                Err(e) if started.elapsed() < Duration::from_secs(20) => {
                    tracing::debug!(error = %e, "chromedriver not ready yet");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("no Chromium session through {}: {e}", self.url),
            }
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The browser and where its screenshots go.
pub(crate) struct Browser {
    pub(crate) client: Client,
    pub(crate) base: String,
    pub(crate) shots: PathBuf,
}

impl Browser {
    pub(crate) async fn open(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .expect("navigate");
    }

    /// The path and query the browser is at.
    async fn here(&self) -> String {
        let url = self.client.current_url().await.expect("url");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// Waits until the browser is at a path for which `check` holds, and returns it.
    async fn wait_path(&self, check: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + STEP_TIMEOUT;
        loop {
            let here = self.here().await;
            if check(&here) {
                return here;
            }
            assert!(Instant::now() < deadline, "the browser stayed at {here}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub(crate) async fn shot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(self.shots.join(format!("{name}.png")), png).expect("save screenshot");
    }

    pub(crate) async fn type_into(&self, css: &str, text: &str) {
        let field = self.client.find(Locator::Css(css)).await.expect(css);
        field.clear().await.expect("clear");
        field.send_keys(text).await.expect("type");
    }

    pub(crate) async fn click(&self, css: &str) {
        let element = self.client.find(Locator::Css(css)).await.expect(css);
        element.click().await.expect("click");
    }

    /// Runs `script` (a function body) in the page and returns its value.
    pub(crate) async fn eval(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.expect("script")
    }

    /// The text of the first element matching `css`, or "" when there is none.
    pub(crate) async fn text(&self, css: &str) -> String {
        let script = format!(
            "const e = document.querySelector({}); return e ? e.textContent : '';",
            json!(css)
        );
        self.eval(&script)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Waits until `check` holds for the text at `css`, and returns that text.
    pub(crate) async fn wait_text(
        &self,
        css: &str,
        timeout: Duration,
        check: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let text = self.text(css).await;
            if check(&text) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "{css} never became as expected; it reads {text:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The ids of the log lines on the page, in page order.
    async fn line_ids(&self) -> Vec<i64> {
        let script = "return Array.from(document.querySelectorAll('#log .line')).map(e => Number(e.dataset.id));";
        let ids = self.eval(script).await;
        ids.as_array()
            .map(|ids| ids.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default()
    }
}

/// Records, in the page, what the status badges, the log and the step bar show after every
/// change of the DOM.
const WATCH: &str = "
    window.forkliftSeen = [];
    const text = (css) => { const e = document.querySelector(css); return e ? e.textContent.trim() : ''; };
    const record = () => {
        const bar = document.getElementById('build-progress');
        window.forkliftSeen.push({
            live: text('#live-status'), head: text('#task-status'), progress: text('#progress'),
            lines: document.querySelectorAll('#log .line').length, max: bar ? bar.max : 0,
        });
    };
    new MutationObserver(record).observe(document.body, {subtree: true, childList: true, characterData: true});
    record();
    return true;";

/// A deployment whose builds reach PyPI through the host's CA bundle, with the registry service
/// for the auto push, and no builder yet: the test starts it once it has seen the task wait.
fn options() -> Options {
    let ca_path = std::env::var("FORKLIFT_BUILD_CA_FILE")
        .unwrap_or_else(|_| "/etc/ssl/certs/ca-certificates.crt".into());
    let ca =
        std::fs::read_to_string(&ca_path).unwrap_or_else(|e| panic!("CA bundle {ca_path}: {e}"));
    Options {
        builder: false,
        build_settings: BuildSettings {
            ca_bundle: Some(ca),
            ..BuildSettings::default()
        },
        registry: true,
        credentials_key: Some(CredentialsKey::generate()),
        insecure_registries: std::env::var("FORKLIFT_TEST_REGISTRY")
            .unwrap_or_else(|_| "127.0.0.1:5000".into()),
        ..Options::default()
    }
}

pub(crate) fn screenshot_dir() -> PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("browser-screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot directory");
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_builds_an_image_through_the_pages_in_chromium() {
    let driver = Driver::start();
    let mut fk = Forklift::start_with(options())
        .await
        .expect("start forklift");
    let browser = Browser {
        client: driver.session(true).await,
        base: fk.base_url.clone(),
        shots: screenshot_dir(),
    };
    let suffix = &uuid::Uuid::new_v4().simple().to_string()[..10];
    let target = format!(
        "{}/forklift-browser/t{suffix}:3.11-ubuntu22.04",
        fk.env.registry
    );

    sign_up(&browser, "wren").await;
    fill_the_builder(&browser, &fk, &target).await;
    let task = submit(&browser).await;
    watch_the_build(&browser, &mut fk, &task).await;
    check_the_log_against_the_store(&browser, &fk, &task).await;
    find_the_image(&browser, &task, &target).await;
    phone_layout(&browser).await;

    browser.client.close().await.expect("close the browser");
    remove_image(&target);
    fk.stop().await;
}

async fn sign_up(browser: &Browser, name: &str) {
    browser.open("/").await;
    assert!(
        browser.here().await.starts_with("/login"),
        "signed out, the summary asks to log in"
    );
    browser.click("a[href='/signup']").await;
    browser
        .wait_text("h1", STEP_TIMEOUT, |t| t == "Sign up")
        .await;
    browser.type_into("#username", name).await;
    browser.type_into("#password", "short").await;
    browser.click("button[type=submit].primary").await;
    let message = browser
        .wait_text("#err-password", STEP_TIMEOUT, |t| !t.is_empty())
        .await;
    assert!(
        message.contains('8'),
        "the password rule is shown at the field: {message}"
    );
    browser.shot("01-signup-invalid").await;
    browser.type_into("#password", "a-long-password").await;
    browser.click("button[type=submit].primary").await;
    browser
        .wait_text("h1", STEP_TIMEOUT, |t| t == "Summary")
        .await;
    assert_eq!(browser.here().await, "/");
    assert!(browser.text(".account .user").await.contains(name));
    browser.shot("02-summary-empty").await;
}

async fn fill_the_builder(browser: &Browser, fk: &Forklift, target: &str) {
    browser.click(".build-button").await;
    browser
        .wait_text("h1", STEP_TIMEOUT, |t| t == "Build an image")
        .await;
    assert_eq!(browser.here().await, "/builder");
    let any = |t: &str| !t.is_empty();

    browser
        .type_into("#source_image", &fk.env.python_image)
        .await;
    browser.type_into("#target_image", target).await;
    let first = browser.wait_text("#dockerfile", STEP_TIMEOUT, any).await;
    assert!(
        first.contains(&format!("FROM {}", fk.env.python_image)),
        "{first}"
    );

    // An invalid value is flagged beside its field while typing, and cleared once fixed.
    browser.type_into("#min_memory", "lots").await;
    let message = browser
        .wait_text("#err-min_memory", STEP_TIMEOUT, any)
        .await;
    assert!(!message.is_empty());
    browser.shot("03-builder-inline-error").await;
    browser.type_into("#min_memory", "1.5g").await;
    browser
        .wait_text("#err-min_memory", STEP_TIMEOUT, str::is_empty)
        .await;
    browser.type_into("#min_cpu", "2").await;

    // Rows: add two ports, remove one, add an environment variable.
    browser.click("button[value=add_port]").await;
    browser
        .wait_text("#ports .port-row", STEP_TIMEOUT, any)
        .await;
    browser.click("button[value=add_port]").await;
    browser
        .wait_text("label[for='service_ports-1-name']", STEP_TIMEOUT, any)
        .await;
    browser.click("button[value='remove_port:1']").await;
    let rows = Duration::from_secs(5);
    let gone = "return document.querySelectorAll('#ports .port-row').length";
    let deadline = Instant::now() + rows;
    while browser.eval(gone).await != json!(1) {
        assert!(
            Instant::now() < deadline,
            "the second port row was not removed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    browser.type_into("#service_ports-0-name", "web").await;
    browser
        .client
        .find(Locator::Css("#service_ports-0-protocol"))
        .await
        .expect("protocol")
        .select_by_value("http")
        .await
        .expect("select");
    browser.type_into("#service_ports-0-port", "8090").await;
    browser
        .type_into(
            "#service_ports-0-command",
            "python3 -m http.server {ports[0]}",
        )
        .await;
    browser.click("button[value=add_env]").await;
    browser
        .wait_text("label[for='envs-0-name']", STEP_TIMEOUT, any)
        .await;
    browser.type_into("#envs-0-name", "GREETING").await;
    browser
        .type_into("#envs-0-value", "hello from the browser")
        .await;

    browser.type_into("#packages-apt", "jq").await;
    browser.type_into("#packages-pip", "six==1.16.0").await;
    let with_packages = browser
        .wait_text("#dockerfile", STEP_TIMEOUT, |t| {
            t.contains("six==1.16.0") && t.contains("GREETING")
        })
        .await;
    assert_ne!(with_packages, first, "the preview follows the form");
    assert!(with_packages.contains("8090"), "{with_packages}");
    // Conda: the preview gains the step; the source image has no conda, so it is taken out
    // again before submitting.
    browser.type_into("#packages-conda", "numpy").await;
    browser
        .wait_text("#dockerfile", STEP_TIMEOUT, |t| t.contains("numpy"))
        .await;
    browser.type_into("#packages-conda", "").await;
    browser
        .wait_text("#dockerfile", STEP_TIMEOUT, |t| !t.contains("numpy"))
        .await;

    browser.click("input[name=auto_push]").await;
    browser.click("input[name=allow_root]").await;

    // The advanced fold, with its defaults shown.
    browser.click("details.advanced summary").await;
    let hint = browser.text("#hint-features").await;
    assert!(hint.contains("Default:"), "{hint}");
    browser
        .client
        .find(Locator::Css("#runtime_type"))
        .await
        .expect("runtime type")
        .select_by_value("python")
        .await
        .expect("select");
    browser.type_into("#runtime_path", "/usr/bin/python3").await;
    browser.type_into("#accelerators", "").await;
    browser
        .type_into("#corecount_envs", "OMP_NUM_THREADS, OPENBLAS_NUM_THREADS")
        .await;
    let finished = browser
        .wait_text("#dockerfile", STEP_TIMEOUT, |t| {
            t.contains("/usr/bin/python3") && t.contains("sudo")
        })
        .await;
    assert!(finished.contains("OPENBLAS_NUM_THREADS"), "{finished}");
    assert!(browser.text("#preview-status").await.contains("Up to date"));
    browser.shot("04-builder-filled").await;
}

async fn submit(browser: &Browser) -> String {
    browser.click("button[value=submit]").await;
    browser
        .wait_text("#task-status", STEP_TIMEOUT, |t| t.contains("pending"))
        .await;
    let here = browser.here().await;
    let task = here.trim_start_matches("/tasks/").to_string();
    assert_eq!(task.len(), 36, "on the new task's page: {here}");
    browser.shot("05-task-pending").await;

    // The Pending tab counts it; the other tabs are empty.
    browser.open("/tasks").await;
    let pending = browser.text("a[data-status=pending] .count").await;
    assert_eq!(pending, "1");
    assert_eq!(browser.text("a[data-status=running] .count").await, "0");
    browser.shot("06-tasks-pending").await;
    task
}

async fn watch_the_build(browser: &Browser, fk: &mut Forklift, task: &str) {
    browser.open(&format!("/tasks/{task}?tab=logs")).await;
    assert!(
        browser.line_ids().await.is_empty(),
        "nothing logged before a builder runs"
    );
    // Everything the page shows from now on is recorded in the page itself: a cached build can
    // pass through `running` faster than a test could poll for it. The record also proves the
    // page was never reloaded.
    browser.eval(WATCH).await;
    fk.start_builder().expect("start the builder");

    let deadline = Instant::now() + BUILD_TIMEOUT;
    let mut shot_running = false;
    loop {
        let progress = browser.text("#progress").await;
        let lines = browser.line_ids().await.len();
        let live = browser.text("#live-status").await;
        if !shot_running && live.contains("running") && lines > 3 && progress.contains(" of ") {
            browser.shot("07-task-running-logs").await;
            shot_running = true;
        }
        let status = browser.text("#task-status").await;
        if status.contains("completed") || status.contains("error") {
            break;
        }
        assert!(Instant::now() < deadline, "the build did not finish");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let seen = browser.eval("return window.forkliftSeen;").await;
    let seen: Vec<Value> = seen.as_array().cloned().expect("the page kept its record");
    let first = |check: &dyn Fn(&Value) -> bool| seen.iter().position(check);
    let is = |v: &Value, key: &str, word: &str| v[key].as_str().unwrap_or_default().contains(word);
    assert!(
        is(&seen[0], "live", "pending") && is(&seen[0], "head", "pending"),
        "{:?}",
        seen[0]
    );
    // While running, lines arrived and the bar showed the step, without a reload.
    let running = first(&|v| {
        is(v, "live", "running")
            && v["lines"].as_u64().unwrap_or(0) > 0
            && is(v, "progress", "Step ")
            && v["max"].as_f64().unwrap_or(0.0) > 1.0
    });
    let completed = first(&|v| is(v, "live", "completed") || is(v, "head", "completed"));
    let (Some(running), Some(completed)) = (running, completed) else {
        panic!("pending, then running with lines and a step bar, then completed: {seen:?}");
    };
    assert!(running < completed, "{seen:?}");
    if !shot_running {
        tracing::info!("the build ran too fast for a screenshot while running");
    }
    let status = browser.text("#task-status").await;
    let error = browser.text("#task-error").await;
    assert!(
        status.contains("completed"),
        "the build ended as {status}: {error}"
    );
    browser
        .wait_text("#log-end", STEP_TIMEOUT, |t| t.contains("completed"))
        .await;
    // The newest line is in view: the log follows the stream.
    let at_bottom = "const l = document.getElementById('log'); \
        return l.scrollHeight - l.scrollTop - l.clientHeight < 40;";
    assert_eq!(browser.eval(at_bottom).await, json!(true));
    browser.shot("08-task-completed-logs").await;
}

/// Every stored line reached the page, once, in order.
async fn check_the_log_against_the_store(browser: &Browser, fk: &Forklift, task: &str) {
    let ids = browser.line_ids().await;
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "no line twice, none out of order: {ids:?}"
    );
    let api = ApiClient::anonymous(&fk.base_url)
        .sign_in("wren", "a-long-password")
        .await
        .expect("sign in");
    let (_, whole) = api
        .get_text(&format!("/build/tasks/{task}/logs"))
        .await
        .expect("log");
    let stored: Vec<&str> = whole.lines().collect();
    assert_eq!(ids.len(), stored.len(), "the page shows the whole log");
    let shown = browser
        .eval("return Array.from(document.querySelectorAll('#log .line')).map(e => e.textContent);")
        .await;
    let shown: Vec<&str> = shown
        .as_array()
        .expect("texts")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    // HTML turns a carriage return into a line feed; every other line reads exactly as stored.
    for (page, store) in shown.iter().zip(&stored).filter(|(_, s)| !s.contains('\r')) {
        assert_eq!(page, store);
    }

    browser.click("nav.tabs a[href$='tab=dockerfile']").await;
    let dockerfile = browser
        .wait_text("#dockerfile", STEP_TIMEOUT, |t| !t.is_empty())
        .await;
    assert!(dockerfile.contains("six==1.16.0"));
    browser.shot("09-task-dockerfile").await;
    browser.click("nav.tabs a[href$='tab=details']").await;
    browser
        .wait_text("#spec", STEP_TIMEOUT, |t| {
            t.contains("OPENBLAS_NUM_THREADS")
        })
        .await;
    browser.shot("10-task-details").await;
    browser.open("/tasks?status=completed").await;
    assert_eq!(browser.text("a[data-status=completed] .count").await, "1");
    assert!(browser.text("#tasks").await.contains("forklift-browser"));
    browser.shot("11-tasks-completed").await;
}

async fn find_the_image(browser: &Browser, task: &str, target: &str) {
    browser.click("a[href='/environments']").await;
    browser
        .wait_text("h1", STEP_TIMEOUT, |t| t == "Environments")
        .await;
    let row = format!("#images tr[data-reference='{target}']");
    let cells = browser
        .wait_text(&row, STEP_TIMEOUT, |t| !t.is_empty())
        .await;
    assert!(
        cells.contains(&task[..12]),
        "the row links the task that built it: {cells}"
    );
    assert!(
        cells.contains("labels"),
        "Backend.AI labels are listed: {cells}"
    );
    browser.shot("12-environments-images").await;
    browser
        .click("a[href='/environments?tab=containers']")
        .await;
    browser
        .wait_text("#containers caption", STEP_TIMEOUT, |t| {
            t.contains("running containers")
        })
        .await;
    browser.shot("13-environments-containers").await;

    browser.open("/").await;
    let chart = browser
        .wait_text("#chart", STEP_TIMEOUT, |t| t.contains("completed"))
        .await;
    assert!(chart.contains("completed: 1"), "{chart}");
    let listed = browser.text(".image-list").await;
    assert!(
        listed.contains("forklift-browser") && listed.contains("built by Forklift"),
        "{listed}"
    );
    browser.shot("14-summary").await;
}

/// The pages on a phone-sized window: nothing wider than the screen.
async fn phone_layout(browser: &Browser) {
    browser
        .client
        .set_window_size(390, 844)
        .await
        .expect("resize");
    for (path, name) in [
        ("/builder", "15-phone-builder"),
        ("/tasks", "16-phone-tasks"),
    ] {
        browser.open(path).await;
        let overflow = browser
            .eval("return document.documentElement.scrollWidth - window.innerWidth;")
            .await;
        assert!(
            overflow.as_f64().unwrap_or(1.0) <= 0.0,
            "{path} scrolls sideways on a phone by {overflow}"
        );
        browser.shot(name).await;
    }
}

/// Without JavaScript the pages still navigate and submit: every button is a plain form post
/// and the server answers with whole pages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_navigate_and_submit_without_javascript() {
    let driver = Driver::start();
    let options = Options {
        builder: false,
        ..Options::default()
    };
    let fk = Forklift::start_with(options).await.expect("start forklift");
    let browser = Browser {
        client: driver.session(false).await,
        base: fk.base_url.clone(),
        shots: screenshot_dir(),
    };
    let text = |css: &'static str| {
        let client = browser.client.clone();
        async move {
            let element = client.find(Locator::Css(css)).await.expect(css);
            element.text().await.expect("text")
        }
    };
    let source = |b: &Browser| {
        let client = b.client.clone();
        async move { client.source().await.expect("page source") }
    };

    browser.open("/signup").await;
    browser.type_into("#username", "noscript").await;
    browser.type_into("#password", "a-long-password").await;
    browser.click("button[type=submit].primary").await;
    browser.wait_path(|p| p == "/").await;
    // htmx never ran: the page's scripts are off (or unreachable to WebDriver altogether).
    let htmx = browser
        .client
        .execute("return typeof window.htmx;", vec![])
        .await;
    assert!(
        htmx.as_ref().map_or(true, |kind| kind == "undefined"),
        "scripts ran: {htmx:?}"
    );
    browser.click(".build-button").await;
    browser.wait_path(|p| p == "/builder").await;

    browser.type_into("#source_image", &fk.env.base_image).await;
    browser
        .type_into("#target_image", "forklift-browser/noscript:1.0-debian12")
        .await;
    browser.click("button[value=add_port]").await;
    browser
        .client
        .wait()
        .for_element(Locator::Css("#service_ports-0-name"))
        .await
        .expect("row");
    // A whole page came back with the row added and what was typed kept.
    let page = source(&browser).await;
    assert!(page.contains(r#"name="ports-0-name""#), "the row was added");
    assert!(
        page.contains("forklift-browser/noscript:1.0-debian12"),
        "the form was kept"
    );
    browser.type_into("#service_ports-0-name", "web").await;
    browser.type_into("#service_ports-0-port", "eighty").await;
    browser.click("button[value=submit]").await;
    browser
        .client
        .wait()
        .for_element(Locator::Css(".error-summary"))
        .await
        .expect("summary");
    let rejected = source(&browser).await;
    assert!(
        rejected.contains("The build was not started"),
        "the errors are listed"
    );
    let message = text("#err-service_ports-0-port").await;
    assert!(!message.is_empty(), "the port's message is beside it");
    browser.shot("17-noscript-builder-invalid").await;

    browser.type_into("#service_ports-0-port", "8090").await;
    browser
        .type_into("#service_ports-0-command", "/bin/sh -c true")
        .await;
    browser.click("button[value=submit]").await;
    browser.wait_path(|p| p.starts_with("/tasks/")).await;
    assert!(text("#task-status").await.contains("pending"));
    browser.click("a[href='/tasks']").await;
    browser.wait_path(|p| p == "/tasks").await;
    assert_eq!(text("a[data-status=pending] .count").await, "1");
    browser.shot("18-noscript-tasks").await;

    browser.client.close().await.expect("close the browser");
    fk.stop().await;
}
