use std::path::PathBuf;
use tandem_model::CoordId;

/// Everything the store can fail with; each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {source}")]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error("database {path} was written by a newer tandem (schema version {found}; this build knows up to {supported}); upgrade tandem to use it")]
    NewerSchema { path: PathBuf, found: i64, supported: i64 },
    #[error("database error while {context}: {source}")]
    Sql { context: &'static str, source: rusqlite::Error },
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
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

pub(crate) trait Context<T> {
    fn ctx(self, context: &'static str) -> Result<T>;
}

impl<T> Context<T> for std::result::Result<T, rusqlite::Error> {
    fn ctx(self, context: &'static str) -> Result<T> {
        self.map_err(|source| StoreError::Sql { context, source })
    }
}
