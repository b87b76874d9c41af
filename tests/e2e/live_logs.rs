//! Live logs as server-sent events, resumed after a dropped connection.

use std::time::Duration;

use forklift_tests::sse::{self, SseEvent};
use forklift_tests::{ApiClient, Forklift};
use serde_json::json;

use crate::specs;

/// Reads events from `GET /logs` until `stop` says so or the stream ends.
async fn read_events(
    client: &ApiClient,
    task: &str,
    last_id: Option<i64>,
    stop: impl Fn(&[SseEvent]) -> bool,
) -> Vec<SseEvent> {
    let request = client.get(&format!("/build/tasks/{task}/logs"));
    sse::read_events(request, last_id, Duration::from_secs(300), stop).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_log_resumes_after_a_dropped_connection_without_loss_or_repeats() {
    let fk = Forklift::start().await.expect("start forklift");
    let user = fk.user("mia").await.expect("user");
    let mut spec = specs::minimal(&fk.env.base_image);
    spec["packages"] = json!({"apt": ["jq"]});
    let target = spec["target_image"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let task = user.submit(&spec).await.expect("submit");

    let logs = |events: &[SseEvent]| events.iter().filter(|e| e.kind == "log").count();
    let first = read_events(&user, &task, None, |events| logs(events) >= 5).await;
    let last_id = first
        .iter()
        .rev()
        .find_map(|e| e.id)
        .expect("log events carry ids");
    let rest = read_events(&user, &task, Some(last_id), |events| {
        events.iter().any(|e| e.kind == "end")
    })
    .await;

    assert_eq!(
        rest.last().map(|e| e.kind.as_str()),
        Some("end"),
        "{rest:?}"
    );
    assert_eq!(rest.last().map(|e| e.data.as_str()), Some("completed"));
    let streamed: Vec<String> = first
        .iter()
        .chain(rest.iter())
        .filter(|e| e.kind == "log")
        .map(|e| e.data.clone())
        .collect();
    let ids: Vec<i64> = first
        .iter()
        .chain(rest.iter())
        .filter_map(|e| e.id)
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "ids strictly increase: {ids:?}"
    );
    let (_, whole) = user
        .get_text(&format!("/build/tasks/{task}/logs"))
        .await
        .expect("log");
    let stored: Vec<String> = whole.lines().map(String::from).collect();
    assert_eq!(
        streamed, stored,
        "the live lines are exactly the stored log"
    );
    crate::docker::remove_image(&target);
    fk.stop().await;
}
