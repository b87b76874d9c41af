//! The log of one attempt at a task, published line by line as it is written: by the builder
//! from sequence number 0, by the registry service after the build's last line.

use std::mem;

use crate::bus::{Bus, BusError};
use crate::events::LogEvent;
use async_nats::jetstream::context::PublishAckFuture;
use chrono::Utc;
use uuid::Uuid;

/// Publish acknowledgements awaited together. JetStream handles a few hundred in flight well;
/// thousands of un-awaited ones make `publish` hang.
const ACK_WINDOW: usize = 256;
/// Longest line published; the rest is cut. Keeps a runaway line far below NATS's payload limit.
const MAX_LINE_BYTES: usize = 16 * 1024;

/// Numbered log lines of one attempt, pipelined to `<prefix>.events.task.<id>.log`.
///
/// Writing never fails: the first publish error is kept, later lines are dropped, and
/// [`TaskLog::finish`] reports it, because a build is not worth stopping for its log while
/// the request cannot be acknowledged without every line stored.
pub struct TaskLog {
    bus: Bus,
    subject: String,
    task_id: Uuid,
    attempt: u32,
    next_seq: u64,
    unacked: Vec<PublishAckFuture>,
    failure: Option<BusError>,
}

impl TaskLog {
    /// A log for `attempt` at `task_id` whose first line gets sequence number `first_seq`.
    pub fn new(bus: Bus, task_id: Uuid, attempt: u32, first_seq: u64) -> Self {
        Self {
            subject: bus.subjects.task_log(task_id),
            bus,
            task_id,
            attempt,
            next_seq: first_seq,
            unacked: Vec::new(),
            failure: None,
        }
    }

    /// Publishes one line of output (a text holding several lines is published as several).
    pub async fn line(&mut self, text: &str) {
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            self.publish(line).await;
        }
    }

    /// Waits until JetStream stored every line, and returns the sequence number the next line
    /// would get: the number of lines when the log started at 0.
    pub async fn finish(mut self) -> Result<u64, BusError> {
        self.await_acks().await;
        match self.failure {
            Some(error) => Err(error),
            None => Ok(self.next_seq),
        }
    }

    async fn publish(&mut self, line: &str) {
        if self.failure.is_some() {
            return;
        }
        let event = LogEvent {
            task_id: self.task_id,
            attempt: self.attempt,
            seq: self.next_seq,
            line: truncate(line, MAX_LINE_BYTES).to_string(),
            at: Utc::now(),
        };

        match self
            .bus
            .publish_nowait(self.subject.clone(), &event, None)
            .await
        {
            Ok(ack) => self.unacked.push(ack),
            Err(error) => self.failure = Some(error),
        }
        self.next_seq += 1;

        if self.unacked.len() >= ACK_WINDOW {
            self.await_acks().await;
        }
    }

    async fn await_acks(&mut self) {
        for ack in mem::take(&mut self.unacked) {
            if let Err(e) = ack.await {
                self.failure.get_or_insert(BusError::Publish {
                    subject: self.subject.clone(),
                    message: e.to_string(),
                });
            }
        }
    }
}

/// The longest prefix of `line` that fits in `max` bytes without splitting a character.
fn truncate(line: &str, max: usize) -> &str {
    if line.len() <= max {
        return line;
    }
    let mut end = max;
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    &line[..end]
}

#[cfg(test)]
mod tests {
    use super::truncate;

    #[test]
    fn truncation_keeps_whole_characters() {
        assert_eq!(truncate("abc", 5), "abc");
        assert_eq!(truncate("abcdef", 3), "abc");
        assert_eq!(truncate("aé", 2), "a");
    }
}
