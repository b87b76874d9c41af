//! Build tasks and the rules that move them forward.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::schema::tasks;
use super::{Store, StoreError};
use crate::events::{StatusEvent, TaskStatus};

/// A build task as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = tasks)]
pub struct Task {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub status: String,
    pub source_image: String,
    pub target_image: String,
    pub spec: serde_json::Value,
    pub dockerfile: String,
    pub attempt: i32,
    pub status_message: Option<String>,
    pub error_message: Option<String>,
    pub image_id: Option<String>,
    pub base_distro: Option<String>,
    pub pushed_digest: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl Task {
    /// The status as an enum; the column's CHECK constraint keeps it one of these.
    pub fn status(&self) -> TaskStatus {
        TaskStatus::parse(&self.status).unwrap_or(TaskStatus::Error)
    }
}

/// What the gateway records when it accepts a build request.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = tasks)]
pub struct NewTask {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub source_image: String,
    pub target_image: String,
    pub spec: serde_json::Value,
    pub dockerfile: String,
}

/// Which tasks to list.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    /// Only this user's tasks; `None` for an admin's view of all.
    pub owner: Option<Uuid>,
    pub status: Option<TaskStatus>,
    pub limit: i64,
    pub offset: i64,
}

/// One page of tasks, newest first, with the number of tasks matching the filter.
#[derive(Debug, Clone)]
pub struct TaskPage {
    pub tasks: Vec<Task>,
    pub total: i64,
}

/// One row of the `task_counts` table, summed over owners.
#[derive(QueryableByName)]
struct StatusCount {
    #[diesel(sql_type = diesel::sql_types::Text)]
    status: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

const NOT_FINISHED: [&str; 2] = ["pending", "running"];

impl Store {
    pub async fn insert_task(&self, task: NewTask) -> Result<Task, StoreError> {
        let mut conn = self.conn().await?;
        Ok(diesel::insert_into(tasks::table)
            .values(&task)
            .returning(Task::as_returning())
            .get_result(&mut conn)
            .await?)
    }

    /// Removes a task that was recorded but could not be queued, so nothing half-made remains.
    pub async fn delete_task(&self, id: Uuid) -> Result<(), StoreError> {
        let mut conn = self.conn().await?;
        diesel::delete(tasks::table.find(id))
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    pub async fn task(&self, id: Uuid) -> Result<Option<Task>, StoreError> {
        let mut conn = self.conn().await?;
        Ok(tasks::table
            .find(id)
            .select(Task::as_select())
            .first(&mut conn)
            .await
            .optional()?)
    }

    /// A page of tasks, newest first.
    pub async fn list_tasks(&self, filter: &TaskFilter) -> Result<TaskPage, StoreError> {
        let mut conn = self.conn().await?;
        let mut query = tasks::table.into_boxed();
        let mut count = tasks::table.into_boxed();
        if let Some(owner) = filter.owner {
            query = query.filter(tasks::owner_id.eq(owner));
            count = count.filter(tasks::owner_id.eq(owner));
        }
        if let Some(status) = filter.status {
            query = query.filter(tasks::status.eq(status.as_str()));
            count = count.filter(tasks::status.eq(status.as_str()));
        }
        let tasks = query
            .order((tasks::created_at.desc(), tasks::id.desc()))
            .limit(filter.limit)
            .offset(filter.offset)
            .select(Task::as_select())
            .load(&mut conn)
            .await?;
        let total = count.count().get_result(&mut conn).await?;
        Ok(TaskPage { tasks, total })
    }

    /// How many tasks are in each status, for one owner or for everybody. Reads the counters a
    /// trigger keeps (migration `000003_pages`), so it costs the same whatever the store holds.
    pub async fn count_by_status(
        &self,
        owner: Option<Uuid>,
    ) -> Result<BTreeMap<String, i64>, StoreError> {
        let mut conn = self.conn().await?;
        let rows: Vec<StatusCount> = diesel::sql_query(
            "SELECT status, sum(n)::BIGINT AS n FROM task_counts \
             WHERE $1::UUID IS NULL OR owner_id = $1 GROUP BY status",
        )
        .bind::<diesel::sql_types::Nullable<diesel::sql_types::Uuid>, _>(owner)
        .load(&mut conn)
        .await?;
        let mut counts: BTreeMap<String, i64> = TaskStatus::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), 0))
            .collect();
        counts.extend(rows.into_iter().map(|r| (r.status, r.n)));
        Ok(counts)
    }

    /// Moves a task forward as `event` says. Finished tasks never change, so a late or
    /// redelivered event cannot undo an outcome. Returns whether the task changed.
    pub async fn apply_status(&self, event: &StatusEvent) -> Result<bool, StoreError> {
        let mut conn = self.conn().await?;
        let target = tasks::table
            .filter(tasks::id.eq(event.task_id))
            .filter(tasks::status.eq_any(NOT_FINISHED));
        let attempt = i32::try_from(event.attempt).unwrap_or(i32::MAX);
        let changed = match event.status {
            // Recorded by the gateway already; the event is for outside subscribers.
            TaskStatus::Pending => 0,
            TaskStatus::Running => {
                diesel::update(target)
                    .set((
                        tasks::status.eq("running"),
                        tasks::attempt.eq(attempt),
                        tasks::status_message.eq(&event.message),
                        tasks::started_at.eq(Some(event.at)),
                        tasks::updated_at.eq(Utc::now()),
                    ))
                    .execute(&mut conn)
                    .await?
            }
            TaskStatus::Completed | TaskStatus::Error | TaskStatus::Cancelled => {
                let failed = event.status != TaskStatus::Completed;
                diesel::update(target)
                    .set((
                        tasks::status.eq(event.status.as_str()),
                        tasks::attempt.eq(attempt),
                        tasks::error_message.eq(event.message.as_ref().filter(|_| failed)),
                        tasks::status_message.eq(event.message.as_ref().filter(|_| !failed)),
                        tasks::finished_at.eq(Some(event.at)),
                        tasks::updated_at.eq(Utc::now()),
                    ))
                    .execute(&mut conn)
                    .await?
            }
        };
        self.fill_known_facts(event).await?;
        Ok(changed > 0)
    }

    /// Keeps the image id and base distro an event reports, whatever the status move did.
    async fn fill_known_facts(&self, event: &StatusEvent) -> Result<(), StoreError> {
        let mut conn = self.conn().await?;
        let row = tasks::table.filter(tasks::id.eq(event.task_id));
        if let Some(image) = &event.image_id {
            diesel::update(row)
                .set(tasks::image_id.eq(image))
                .execute(&mut conn)
                .await?;
        }
        if let Some(distro) = &event.base_distro {
            diesel::update(row)
                .set(tasks::base_distro.eq(distro))
                .execute(&mut conn)
                .await?;
        }
        Ok(())
    }

    /// Records the digest a push produced.
    pub async fn set_pushed_digest(&self, task: Uuid, digest: &str) -> Result<(), StoreError> {
        let mut conn = self.conn().await?;
        diesel::update(tasks::table.find(task))
            .set(tasks::pushed_digest.eq(digest))
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    /// Replaces the stored Dockerfile with the one the builder actually built.
    pub async fn set_dockerfile(&self, task: Uuid, dockerfile: &str) -> Result<(), StoreError> {
        let mut conn = self.conn().await?;
        diesel::update(tasks::table.find(task))
            .set(tasks::dockerfile.eq(dockerfile))
            .execute(&mut conn)
            .await?;
        Ok(())
    }
}

impl Store {
    /// Which of `ids` are tasks we know; events about others are dropped.
    pub async fn existing_task_ids(
        &self,
        ids: &[Uuid],
    ) -> Result<std::collections::HashSet<Uuid>, StoreError> {
        let mut conn = self.conn().await?;
        let found: Vec<Uuid> = tasks::table
            .filter(tasks::id.eq_any(ids))
            .select(tasks::id)
            .load(&mut conn)
            .await?;
        Ok(found.into_iter().collect())
    }
}
