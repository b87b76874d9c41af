//! The PostgreSQL store: tasks, their logs, images and accounts.
//!
//! The gateway writes accounts and new tasks; the inventory service applies events. Both go
//! through the functions here, so the rules for moving a task forward live in one place.

pub mod credentials;
mod images;
mod logs;
mod pages;
pub mod schema;
mod tasks;
mod users;

pub use images::ImageRecord;
pub use logs::LogLine;
pub use tasks::{NewTask, Task, TaskFilter, TaskPage};
pub use users::User;

use diesel_async::pooled_connection::deadpool::{self, Pool};
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::{AsyncMigrationHarness, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations");

/// Advisory lock key taken while migrating ("FORKLIFT" in ASCII).
const MIGRATION_LOCK: i64 = 0x464F_524B_4C49_4654;

/// How many connections one service keeps open at most.
const POOL_SIZE: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot reach PostgreSQL: {0}")]
    Unavailable(String),
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("cannot run migrations: {0}")]
    Migration(String),
    #[error("{0} already exists")]
    Conflict(&'static str),
}

impl From<deadpool::PoolError> for StoreError {
    fn from(e: deadpool::PoolError) -> Self {
        StoreError::Unavailable(e.to_string())
    }
}

/// A pool of connections to Forklift's database.
#[derive(Clone)]
pub struct Store {
    pool: Pool<AsyncPgConnection>,
}

impl Store {
    /// Opens a pool on `url` and checks that one connection can be made.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(url);
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .build()
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let store = Self { pool };
        store.ping().await?;
        Ok(store)
    }

    /// Applies every migration not applied yet. Needs tokio's multi-threaded runtime.
    ///
    /// Several services migrate at start-up; an advisory lock, held by the migrating
    /// connection, makes them take turns instead of creating the same tables at once.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let mut conn = self.pool.get().await?;
        diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
            .execute(&mut conn)
            .await?;
        let mut harness = AsyncMigrationHarness::new(conn);
        let outcome = harness
            .run_pending_migrations(MIGRATIONS)
            .map(|_| ())
            .map_err(|e| StoreError::Migration(e.to_string()));
        let mut conn = harness.into_inner();
        diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
            .execute(&mut conn)
            .await?;
        outcome
    }

    /// Reverts every applied migration; used by the migration round-trip test.
    pub async fn revert_all(&self) -> Result<(), StoreError> {
        let conn = self.pool.get().await?;
        let mut harness = AsyncMigrationHarness::new(conn);
        harness
            .revert_all_migrations(MIGRATIONS)
            .map(|_| ())
            .map_err(|e| StoreError::Migration(e.to_string()))
    }

    /// Succeeds when a connection can run a query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.pool.get().await?;
        diesel::sql_query("SELECT 1").execute(&mut conn).await?;
        Ok(())
    }

    async fn conn(&self) -> Result<deadpool::Object<AsyncPgConnection>, StoreError> {
        Ok(self.pool.get().await?)
    }
}
