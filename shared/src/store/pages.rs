//! Queries the web pages need beyond the API's.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::logs::LogLine;
use super::schema::{task_logs, tasks};
use super::{Store, StoreError, Task, TaskFilter};

impl Store {
    /// A page of tasks, newest first, without counting the matches: the pages take the total
    /// from [`Store::count_by_status`], which does not grow with the store.
    pub async fn task_rows(&self, filter: &TaskFilter) -> Result<Vec<Task>, StoreError> {
        let mut conn = self.conn().await?;
        let mut query = tasks::table.into_boxed();
        if let Some(owner) = filter.owner {
            query = query.filter(tasks::owner_id.eq(owner));
        }
        if let Some(status) = filter.status {
            query = query.filter(tasks::status.eq(status.as_str()));
        }
        Ok(query
            .order((tasks::created_at.desc(), tasks::id.desc()))
            .limit(filter.limit)
            .offset(filter.offset)
            .select(Task::as_select())
            .load(&mut conn)
            .await?)
    }

    /// The last `limit` lines of a task, oldest first: what a task page shows before it
    /// follows the rest live.
    pub async fn log_tail(&self, task: Uuid, limit: i64) -> Result<Vec<LogLine>, StoreError> {
        let mut conn = self.conn().await?;
        let mut lines: Vec<LogLine> = task_logs::table
            .filter(task_logs::task_id.eq(task))
            .order(task_logs::id.desc())
            .limit(limit)
            .select(LogLine::as_select())
            .load(&mut conn)
            .await?;
        lines.reverse();
        Ok(lines)
    }

    /// How many lines a task logged, to say how much a tail leaves out.
    pub async fn log_length(&self, task: Uuid) -> Result<i64, StoreError> {
        let mut conn = self.conn().await?;
        Ok(task_logs::table
            .filter(task_logs::task_id.eq(task))
            .count()
            .get_result(&mut conn)
            .await?)
    }
}
