//! Reading server-sent events the way a browser's `EventSource` does, for the live-log tests.

#![allow(
    clippy::expect_used,
    reason = "a live-log test stops at the first stream that is not as expected, saying which"
)]

use std::time::Duration;

use futures::StreamExt;
use reqwest::RequestBuilder;

/// One server-sent event.
#[derive(Debug, Default, Clone)]
pub struct SseEvent {
    pub id: Option<i64>,
    pub kind: String,
    pub data: String,
}

/// Sends `request` for an event stream, resuming after `last_id` as a reconnecting browser
/// does, and reads events until `stop` says so, the stream ends, or `limit` passes.
pub async fn read_events(
    request: RequestBuilder,
    last_id: Option<i64>,
    limit: Duration,
    stop: impl Fn(&[SseEvent]) -> bool,
) -> Vec<SseEvent> {
    let mut request = request.header("Accept", "text/event-stream");
    if let Some(id) = last_id {
        request = request.header("Last-Event-ID", id.to_string());
    }
    let response = request.send().await.expect("connect");
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        content_type.starts_with("text/event-stream"),
        "{content_type}"
    );

    let mut body = response.bytes_stream();
    let mut buffer = String::new();
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + limit;
    while let Ok(Some(chunk)) = tokio::time::timeout_at(deadline, body.next()).await {
        buffer.push_str(&String::from_utf8_lossy(&chunk.expect("chunk")));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            events.extend(parse(&block));
        }
        if stop(&events) {
            break;
        }
    }
    events
}

/// One event block; `None` for comments and keep-alives, which have no event name.
fn parse(block: &str) -> Option<SseEvent> {
    let mut event = SseEvent::default();
    for line in block.lines() {
        if let Some(v) = line.strip_prefix("id: ") {
            event.id = v.parse().ok();
        } else if let Some(v) = line.strip_prefix("event: ") {
            event.kind = v.to_string();
        } else if let Some(v) = line.strip_prefix("data: ") {
            if !event.data.is_empty() {
                event.data.push('\n');
            }
            event.data.push_str(v);
        }
    }
    (!event.kind.is_empty()).then_some(event)
}
