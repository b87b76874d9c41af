//! What an outside subscriber sees, knowing only the documented subjects (docs/events.md).

use std::time::Duration;

use forklift_tests::Forklift;
use futures::StreamExt;
use serde_json::Value;

use crate::specs;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_subscriber_sees_status_events_in_order() {
    let fk = Forklift::start().await.expect("start forklift");
    let user = fk.user("lee").await.expect("user");
    // A separate, plain NATS connection: no JetStream, no Forklift code.
    let outsider = async_nats::connect(&fk.env.nats_url).await.expect("nats");
    let mut statuses = outsider
        .subscribe(format!("{}.events.task.*.status", fk.prefix))
        .await
        .expect("subscribe");
    outsider.flush().await.expect("flush");

    let spec = specs::minimal(&fk.env.base_image);
    let target = spec["target_image"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let task = user.submit(&spec).await.expect("submit");

    let mut seen: Vec<String> = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(300);
    while let Ok(Some(message)) = tokio::time::timeout_at(deadline, statuses.next()).await {
        let event: Value = serde_json::from_slice(&message.payload).expect("JSON payload");
        assert_eq!(
            message.subject.as_str(),
            format!("{}.events.task.{task}.status", fk.prefix)
        );
        assert_eq!(event["task_id"], task.as_str());
        let status = event["status"].as_str().unwrap_or_default().to_string();
        let finished = matches!(status.as_str(), "completed" | "error" | "cancelled");
        if seen.last() != Some(&status) {
            seen.push(status);
        }
        if finished {
            break;
        }
    }
    assert_eq!(seen, ["pending", "running", "completed"]);
    crate::docker::remove_image(&target);
    fk.stop().await;
}
