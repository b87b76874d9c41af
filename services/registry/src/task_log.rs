//! The push's lines in the task's log, continuing the build's numbering.

use std::mem;

use async_nats::jetstream::context::PublishAckFuture;
use chrono::Utc;
use forklift_shared::bus::{Bus, BusError};
use forklift_shared::events::{LogEvent, PushRequest};
use uuid::Uuid;

use crate::push::PushLog;

/// Publish acknowledgements awaited together; thousands un-awaited make `publish` hang.
const ACK_WINDOW: usize = 256;

/// Numbered log lines of the attempt that built the image, from the request's `next_log_seq`.
///
/// Writing never fails: the first publish error is kept, later lines are dropped, and
/// [`TaskLog::finish`] reports it, so the request is retried rather than acknowledged with a
/// hole in its log.
pub(crate) struct TaskLog {
    bus: Bus,
    subject: String,
    task_id: Uuid,
    attempt: u32,
    next_seq: u64,
    unacked: Vec<PublishAckFuture>,
    failure: Option<BusError>,
}

impl TaskLog {
    pub(crate) fn new(bus: Bus, request: &PushRequest) -> Self {
        Self {
            subject: bus.subjects.task_log(request.task_id),
            bus,
            task_id: request.task_id,
            attempt: request.attempt,
            next_seq: request.next_log_seq,
            unacked: Vec::new(),
            failure: None,
        }
    }

    /// Waits until JetStream stored every line.
    pub(crate) async fn finish(mut self) -> Result<(), BusError> {
        self.await_acks().await;
        self.failure.map_or(Ok(()), Err)
    }

    async fn publish(&mut self, line: String) {
        if self.failure.is_some() {
            return;
        }
        let event = LogEvent {
            task_id: self.task_id,
            attempt: self.attempt,
            seq: self.next_seq,
            line,
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

impl PushLog for TaskLog {
    fn line(&mut self, line: String) -> impl std::future::Future<Output = ()> + Send {
        self.publish(line)
    }
}
