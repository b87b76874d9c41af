//! Build logs: every line of every attempt.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::schema::task_logs;
use super::{Store, StoreError};
use crate::events::LogEvent;

/// One stored log line. `id` grows with arrival and is what live followers resume from.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = task_logs)]
pub struct LogLine {
    pub id: i64,
    pub task_id: Uuid,
    pub attempt: i32,
    pub seq: i64,
    pub line: String,
    pub logged_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = task_logs)]
struct NewLogLine<'a> {
    task_id: Uuid,
    attempt: i32,
    seq: i64,
    line: &'a str,
    logged_at: DateTime<Utc>,
}

/// Postgres refuses more than 65535 bind parameters per statement; five per row.
const INSERT_CHUNK: usize = 5_000;

impl Store {
    /// Stores log lines; a line already stored (a redelivered event) is skipped.
    /// Lines of tasks that do not exist are dropped by the caller's check, not here.
    pub async fn append_logs(&self, events: &[LogEvent]) -> Result<usize, StoreError> {
        let mut conn = self.conn().await?;
        let mut inserted = 0;
        for chunk in events.chunks(INSERT_CHUNK) {
            let rows: Vec<NewLogLine> = chunk
                .iter()
                .map(|e| NewLogLine {
                    task_id: e.task_id,
                    attempt: i32::try_from(e.attempt).unwrap_or(i32::MAX),
                    seq: i64::try_from(e.seq).unwrap_or(i64::MAX),
                    line: &e.line,
                    logged_at: e.at,
                })
                .collect();
            inserted += diesel::insert_into(task_logs::table)
                .values(&rows)
                .on_conflict_do_nothing()
                .execute(&mut conn)
                .await?;
        }
        Ok(inserted)
    }

    /// Up to `limit` lines of `task` stored after line `after_id`, oldest first.
    pub async fn logs_after(
        &self,
        task: Uuid,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<LogLine>, StoreError> {
        let mut conn = self.conn().await?;
        Ok(task_logs::table
            .filter(task_logs::task_id.eq(task))
            .filter(task_logs::id.gt(after_id))
            .order(task_logs::id.asc())
            .limit(limit)
            .select(LogLine::as_select())
            .load(&mut conn)
            .await?)
    }

    /// The latest `Step N/M` line of a task, for progress display.
    pub async fn last_step_line(&self, task: Uuid) -> Result<Option<String>, StoreError> {
        let mut conn = self.conn().await?;
        Ok(task_logs::table
            .filter(task_logs::task_id.eq(task))
            .filter(task_logs::line.like("Step %/%"))
            .order(task_logs::id.desc())
            .select(task_logs::line)
            .first(&mut conn)
            .await
            .optional()?)
    }
}
