//! Images Forklift built.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::schema::images;
use super::{Store, StoreError};
use crate::events::ImageEvent;

/// A built image as recorded from its [`ImageEvent`].
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = images)]
pub struct ImageRecord {
    pub image_id: String,
    pub reference: String,
    pub task_id: Option<Uuid>,
    pub size_bytes: i64,
    pub labels: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
}

impl Store {
    /// Records (or refreshes) an image built by a task.
    pub async fn record_image(&self, event: &ImageEvent) -> Result<(), StoreError> {
        let record = ImageRecord {
            image_id: event.image_id.clone(),
            reference: event.reference.clone(),
            task_id: Some(event.task_id),
            size_bytes: event.size_bytes,
            labels: serde_json::to_value(&event.labels).unwrap_or_default(),
            created_at: event.created_at,
            recorded_at: Utc::now(),
        };
        let mut conn = self.conn().await?;
        diesel::insert_into(images::table)
            .values(&record)
            .on_conflict((images::image_id, images::reference))
            .do_update()
            .set((
                images::task_id.eq(record.task_id),
                images::labels.eq(&record.labels),
                images::recorded_at.eq(record.recorded_at),
            ))
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    /// Images built by Forklift, newest first.
    pub async fn images(&self, limit: i64) -> Result<Vec<ImageRecord>, StoreError> {
        let mut conn = self.conn().await?;
        Ok(images::table
            .order(images::created_at.desc())
            .limit(limit)
            .select(ImageRecord::as_select())
            .load(&mut conn)
            .await?)
    }

    /// The images a task built.
    pub async fn images_of_task(&self, task: Uuid) -> Result<Vec<ImageRecord>, StoreError> {
        let mut conn = self.conn().await?;
        Ok(images::table
            .filter(images::task_id.eq(task))
            .select(ImageRecord::as_select())
            .load(&mut conn)
            .await?)
    }
}
