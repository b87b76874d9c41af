//! Turning events into rows.

use std::collections::HashSet;

use async_nats::jetstream::Message;
use forklift_shared::events::{ImageEvent, LogEvent, PushEvent, PushPhase, StatusEvent, Subjects};
use forklift_shared::store::{Store, StoreError};
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// One decoded event.
#[derive(Debug)]
enum Event {
    Status(StatusEvent),
    Log(LogEvent),
    Image(ImageEvent),
    Push(PushEvent),
}

impl Event {
    fn task(&self) -> Uuid {
        match self {
            Event::Status(e) => e.task_id,
            Event::Log(e) => e.task_id,
            Event::Image(e) => e.task_id,
            Event::Push(e) => e.task_id,
        }
    }
}

/// Stores a batch of events in order. Consecutive log lines are inserted together; any other
/// event first flushes the lines before it, so a task never finishes ahead of its log.
pub async fn apply_batch(
    store: &Store,
    subjects: &Subjects,
    batch: &[Message],
) -> Result<(), StoreError> {
    let events: Vec<Event> = batch
        .iter()
        .filter_map(|m| decode(subjects, &m.subject, &m.payload))
        .collect();
    let ids: Vec<Uuid> = events
        .iter()
        .map(Event::task)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let known = store.existing_task_ids(&ids).await?;

    let mut lines: Vec<LogEvent> = Vec::new();
    for event in events.into_iter().filter(|e| known.contains(&e.task())) {
        match event {
            Event::Log(line) => lines.push(line),
            other => {
                store.append_logs(&lines).await?;
                lines.clear();
                apply_one(store, other).await?;
            }
        }
    }
    store.append_logs(&lines).await?;
    Ok(())
}

async fn apply_one(store: &Store, event: Event) -> Result<(), StoreError> {
    match event {
        Event::Status(status) => {
            let changed = store.apply_status(&status).await?;
            tracing::debug!(task.id = %status.task_id, task.status = %status.status, changed, "status");
        }
        Event::Image(image) => store.record_image(&image).await?,
        Event::Push(push) if push.phase == PushPhase::Pushed => {
            if let Some(digest) = &push.digest {
                store.set_pushed_digest(push.task_id, digest).await?;
            }
        }
        Event::Push(_) | Event::Log(_) => {}
    }
    Ok(())
}

/// Decodes an event by the last token of its subject; anything else is skipped with a warning,
/// since a message nobody can read must not block the ones behind it.
fn decode(subjects: &Subjects, subject: &str, payload: &[u8]) -> Option<Event> {
    subjects.task_of(subject)?;
    let kind = subject.rsplit('.').next()?;
    match kind {
        "status" => parse(subject, payload).map(Event::Status),
        "log" => parse(subject, payload).map(Event::Log),
        "image" => parse(subject, payload).map(Event::Image),
        "push" => parse(subject, payload).map(Event::Push),
        _ => None,
    }
}

fn parse<T: DeserializeOwned>(subject: &str, payload: &[u8]) -> Option<T> {
    match serde_json::from_slice(payload) {
        Ok(value) => Some(value),
        Err(e) => {
            tracing::warn!(nats.subject = subject, error = %e, "skipping an event that cannot be decoded");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_decoded_by_subject_kind() {
        let subjects = Subjects::new("fk");
        let id = Uuid::new_v4();
        let status = StatusEvent::new(id, forklift_shared::events::TaskStatus::Running, 1);
        let payload = serde_json::to_vec(&status).unwrap_or_default();
        let decoded = decode(&subjects, &subjects.task_status(id), &payload);
        assert!(matches!(decoded, Some(Event::Status(s)) if s == status));
        // A status payload on a log subject does not decode as a log line.
        assert!(decode(&subjects, &subjects.task_log(id), &payload).is_none());
        assert!(decode(&subjects, "other.events.task.x.status", &payload).is_none());
    }
}
