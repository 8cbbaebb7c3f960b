//! The `users` table.

use shop_common::auth::Role;
use shop_common::pagination::Page;
use shop_common::postgres::violated_constraint;
use sqlx::postgres::PgPool;
use sqlx::{AssertSqlSafe, FromRow};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::domain::{Credentials, User, UserId, UserSort};
use crate::error::StoreError;

/// The unique index on `lower(email)` (migrations/0001_users.sql).
const UNIQUE_EMAIL: &str = "users_email_lower_key";

/// The columns of a [`User`]: never the password hash.
macro_rules! user_columns {
    () => {
        "id, name, email, role, is_active, birthdate, created_at, updated_at"
    };
}

#[derive(FromRow)]
struct UserRow {
    id: Uuid,
    name: String,
    email: String,
    role: String,
    is_active: bool,
    birthdate: Option<Date>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(row: UserRow) -> Result<Self, StoreError> {
        Ok(User {
            id: UserId(row.id),
            role: row.role.parse().map_err(StoreError::corrupt)?,
            name: row.name,
            email: row.email,
            is_active: row.is_active,
            birthdate: row.birthdate,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(FromRow)]
struct CredentialsRow {
    #[sqlx(flatten)]
    user: UserRow,
    password_hash: String,
}

/// A row to insert: validated fields and the hash of the password.
#[derive(Debug)]
pub struct UserRecord<'a> {
    pub id: UserId,
    pub name: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub birthdate: Option<Date>,
    pub role: Role,
}

/// The columns an update sets; `None` keeps the stored value.
#[derive(Debug, Default)]
pub struct RecordChanges<'a> {
    pub name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub password_hash: Option<&'a str>,
    /// `Some(None)` clears the birthdate.
    pub birthdate: Option<Option<Date>>,
    pub is_active: Option<bool>,
    pub role: Option<Role>,
}

/// Accounts in PostgreSQL; cheap to clone (shares the pool).
#[derive(Debug, Clone)]
pub struct UserStore {
    pool: PgPool,
}

impl UserStore {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Inserts an account; an e-mail taken in any letter case is `DuplicateEmail`.
    pub async fn insert(&self, record: UserRecord<'_>) -> Result<User, StoreError> {
        let row: UserRow = sqlx::query_as(concat!(
            "INSERT INTO users (id, name, email, password_hash, birthdate, role) ",
            "VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
            user_columns!()
        ))
        .bind(record.id.0)
        .bind(record.name)
        .bind(record.email)
        .bind(record.password_hash)
        .bind(record.birthdate)
        .bind(record.role.as_str())
        .fetch_one(&self.pool)
        .await
        .map_err(map_unique_email)?;
        row.try_into()
    }

    pub async fn get(&self, id: UserId) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        row.map(User::try_from).transpose()
    }

    /// The account with this e-mail in any letter case, with its password hash.
    pub async fn credentials(&self, email: &str) -> Result<Option<Credentials>, StoreError> {
        let row: Option<CredentialsRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            ", password_hash FROM users WHERE lower(email) = lower($1)"
        ))
        .bind(email.trim())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(Credentials {
                user: row.user.try_into()?,
                password_hash: row.password_hash,
            })
        })
        .transpose()
    }

    /// One page of accounts and the total number of accounts.
    pub async fn list(&self, page: &Page<UserSort>) -> Result<(Vec<User>, u64), StoreError> {
        let column = match page.sort {
            UserSort::CreatedAt => "created_at",
            UserSort::Name => "name",
            UserSort::Email => "lower(email)",
        };
        let direction = page.order.sql();
        // Built only from the two enums above, never from request text.
        let sql = format!(
            concat!(
                "SELECT ",
                user_columns!(),
                " FROM users ORDER BY {column} {direction}, id {direction} LIMIT $1 OFFSET $2"
            ),
            column = column,
            direction = direction,
        );
        let rows: Vec<UserRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(i64::from(page.limit))
            .bind(i64::try_from(page.offset()).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?;
        let total: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
            .fetch_one(&self.pool)
            .await?;
        let users = rows
            .into_iter()
            .map(User::try_from)
            .collect::<Result<_, _>>()?;
        Ok((users, u64::try_from(total).unwrap_or(0)))
    }

    /// Applies `changes`; `None` when no account has this id.
    pub async fn update(
        &self,
        id: UserId,
        changes: RecordChanges<'_>,
    ) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = sqlx::query_as(concat!(
            "UPDATE users SET ",
            "name = COALESCE($2, name), ",
            "email = COALESCE($3, email), ",
            "password_hash = COALESCE($4, password_hash), ",
            "birthdate = CASE WHEN $5 THEN $6 ELSE birthdate END, ",
            "is_active = COALESCE($7, is_active), ",
            "role = COALESCE($8, role), ",
            "updated_at = now() ",
            "WHERE id = $1 RETURNING ",
            user_columns!()
        ))
        .bind(id.0)
        .bind(changes.name)
        .bind(changes.email)
        .bind(changes.password_hash)
        .bind(changes.birthdate.is_some())
        .bind(changes.birthdate.flatten())
        .bind(changes.is_active)
        .bind(changes.role.map(Role::as_str))
        .fetch_optional(&self.pool)
        .await
        .map_err(map_unique_email)?;
        row.map(User::try_from).transpose()
    }

    /// Deletes an account; `false` when no account has this id.
    pub async fn delete(&self, id: UserId) -> Result<bool, StoreError> {
        let result = sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected() > 0)
    }
}

fn map_unique_email(error: sqlx::Error) -> StoreError {
    if violated_constraint(&error) == Some(UNIQUE_EMAIL) {
        StoreError::DuplicateEmail
    } else {
        StoreError::Database(error)
    }
}
