//! Accounts.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::schema::users;
use super::{Store, StoreError};

/// A Forklift account.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub created_at: DateTime<Utc>,
}

impl Store {
    /// Creates an account; `Conflict` when the name is taken.
    pub async fn create_user(
        &self,
        username: &str,
        password_hash: &str,
        is_admin: bool,
    ) -> Result<User, StoreError> {
        let user = User {
            id: Uuid::new_v4(),
            username: username.to_string(),
            password_hash: password_hash.to_string(),
            is_admin,
            created_at: Utc::now(),
        };
        let mut conn = self.conn().await?;
        match diesel::insert_into(users::table)
            .values(&user)
            .execute(&mut conn)
            .await
        {
            Ok(_) => Ok(user),
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                Err(StoreError::Conflict("a user with this name"))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Makes sure the deployment's admin account exists with this password.
    pub async fn ensure_admin(
        &self,
        username: &str,
        password_hash: &str,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn().await?;
        diesel::insert_into(users::table)
            .values(&User {
                id: Uuid::new_v4(),
                username: username.to_string(),
                password_hash: password_hash.to_string(),
                is_admin: true,
                created_at: Utc::now(),
            })
            .on_conflict(users::username)
            .do_update()
            .set((
                users::password_hash.eq(password_hash),
                users::is_admin.eq(true),
            ))
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    pub async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        let mut conn = self.conn().await?;
        Ok(users::table
            .filter(users::username.eq(username))
            .select(User::as_select())
            .first(&mut conn)
            .await
            .optional()?)
    }

    pub async fn user_by_id(&self, id: Uuid) -> Result<Option<User>, StoreError> {
        let mut conn = self.conn().await?;
        Ok(users::table
            .find(id)
            .select(User::as_select())
            .first(&mut conn)
            .await
            .optional()?)
    }
}
