//! Creating and dropping whole databases (tests, benchmark runs). `CREATE DATABASE`
//! takes no parameters, so the name is formatted into the statement: [`DatabaseName`]
//! only holds names that are safe there.

use sqlx::{AssertSqlSafe, Executor, Postgres};

/// A database name of ASCII letters, digits and `_` only (at most 63 bytes, the
/// server's limit), quoted where it is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseName(String);

impl DatabaseName {
    /// `name`, if it is letters, digits and `_` only, 1 to 63 of them.
    pub fn new(name: impl Into<String>) -> Option<Self> {
        let name = name.into();
        let plain = |c: char| c.is_ascii_alphanumeric() || c == '_';
        (!name.is_empty() && name.len() <= 63 && name.chars().all(plain)).then_some(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `CREATE DATABASE "<name>"`.
pub async fn create_database<'c>(
    admin: impl Executor<'c, Database = Postgres>,
    name: &DatabaseName,
) -> Result<(), sqlx::Error> {
    let create = AssertSqlSafe(format!(r#"CREATE DATABASE "{}""#, name.0));
    admin.execute(create).await.map(drop)
}

/// `DROP DATABASE IF EXISTS "<name>" WITH (FORCE)`: its connections are ended.
pub async fn drop_database<'c>(
    admin: impl Executor<'c, Database = Postgres>,
    name: &DatabaseName,
) -> Result<(), sqlx::Error> {
    let drop_it = AssertSqlSafe(format!(
        r#"DROP DATABASE IF EXISTS "{}" WITH (FORCE)"#,
        name.0
    ));
    admin.execute(drop_it).await.map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_are_database_names() {
        assert_eq!(
            DatabaseName::new("bench1795000000_orders").map(|n| n.as_str().to_owned()),
            Some("bench1795000000_orders".to_owned())
        );
        for refused in ["", "a-b", "a\"b", "a b", "é", &"x".repeat(64)] {
            assert!(DatabaseName::new(refused).is_none(), "{refused:?}");
        }
    }
}
