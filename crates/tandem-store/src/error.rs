use tandem_model::CoordId;

/// Everything the store can fail with; each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened: `database` is the file, or the PostgreSQL URL without
    /// its password.
    #[error("database {database}: {source}")]
    Open { database: String, source: DbError },
    #[error("database {database} was written by a newer tandem (schema version {found}; this build knows up to {supported}); upgrade tandem to use it")]
    NewerSchema { database: String, found: i64, supported: i64 },
    #[error("database error while {context}: {source}")]
    Sql { context: &'static str, source: DbError },
    #[error("no coordination #{0}")]
    NotFound(CoordId),
    #[error("coordination #{0} was changed by someone else meanwhile; try again")]
    Conflict(CoordId),
    #[error("no issue {0}")]
    IssueNotFound(String),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Url(String),
    /// The database is reachable but cannot serve the call now.
    #[error("{0}")]
    Unavailable(String),
    /// A copy into a database that already holds data.
    #[error("database {0} is not empty; copy only into a new, empty database")]
    NotEmpty(String),
}

/// The error of the database engine underneath, with its own message kept whole.
#[derive(Debug)]
pub enum DbError {
    Sqlite(rusqlite::Error),
    Postgres(postgres::Error),
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let e = match self {
            DbError::Sqlite(e) => return e.fmt(f),
            DbError::Postgres(e) => e,
        };
        // The client's own Display says only "db error"; the server's message is in the cause.
        if let Some(db) = e.as_db_error() {
            return write!(f, "{}: {}", db.severity(), db.message());
        }
        // Other kinds name their cause in their own text or not, by kind: add what is missing.
        let mut text = e.to_string();
        let mut cause = std::error::Error::source(e);
        while let Some(c) = cause {
            let more = c.to_string();
            if !text.contains(&more) {
                text = format!("{text}: {more}");
            }
            cause = c.source();
        }
        f.write_str(&text)
    }
}

impl std::error::Error for DbError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DbError::Sqlite(e) => Some(e),
            DbError::Postgres(e) => Some(e),
        }
    }
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> DbError {
        DbError::Sqlite(e)
    }
}

impl From<postgres::Error> for DbError {
    fn from(e: postgres::Error) -> DbError {
        DbError::Postgres(e)
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

pub(crate) trait Context<T> {
    fn ctx(self, context: &'static str) -> Result<T>;
}

impl<T, E: Into<DbError>> Context<T> for std::result::Result<T, E> {
    fn ctx(self, context: &'static str) -> Result<T> {
        self.map_err(|source| StoreError::Sql { context, source: source.into() })
    }
}
