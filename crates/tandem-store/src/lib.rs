//! tandem's storage: coordinations with their children, the append-only history, and the
//! issues of the local forge.
//!
//! The [`Store`] trait is the seam: the engine and the local forge only see it. One
//! implementation today, [`SqliteStore`] (embedded, one file under `.tandem/`, WAL, foreign
//! keys, one transaction per operation, migrations embedded in the binary). This crate knows
//! nothing of workspaces, templates, forges beyond their records, or any front end.
//!
//! ```
//! use tandem_store::{SqliteStore, Store};
//! let store = SqliteStore::open_in_memory().unwrap();
//! assert!(store.list_coordinations().unwrap().is_empty());
//! ```

mod error;
mod sqlite;

pub use error::{Result, StoreError};
pub use sqlite::{SqliteStore, SCHEMA_VERSION};

use tandem_model::{CoordId, Coordination, Event, Issue, IssueRef, IssueSpec, IssueUpdate, RepoName};

/// An event as stored: its position in the history and the coordination it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredEvent {
    pub id: i64,
    pub coordination: CoordId,
    #[serde(flatten)]
    pub event: Event,
}

/// The storage interface every backend implements. Each method is one transaction.
pub trait Store: Send + Sync {
    /// Inserts a new coordination with its children and first events, unless one with the same
    /// key exists. Returns its id and whether it was created now (`false`: it already existed).
    fn insert_coordination(&self, c: &Coordination, events: &[Event]) -> Result<(CoordId, bool)>;
    fn find_coordination_by_key(&self, key: &str) -> Result<Option<CoordId>>;
    fn load_coordination(&self, id: CoordId) -> Result<Coordination>;
    /// Saves a changed aggregate and appends its events, if nobody saved it since it was loaded
    /// (`c.version` must still be the stored one); bumps the version.
    fn save_coordination(&self, c: &Coordination, events: &[Event]) -> Result<()>;
    /// Records that `subject`'s issue is `issue`, appending `event`, unless it is already so.
    /// Returns whether anything changed: linking the same issue again (a resumed or concurrent
    /// creation) writes nothing and appends no event. Links are written only here:
    /// `save_coordination` never overwrites them.
    fn link_issue(&self, id: CoordId, subject: &tandem_model::Subject, issue: &IssueRef, event: &Event)
        -> Result<bool>;
    /// Every coordination, oldest first.
    fn list_coordinations(&self) -> Result<Vec<Coordination>>;
    /// The history of one coordination, oldest first.
    fn events(&self, id: CoordId) -> Result<Vec<StoredEvent>>;
    /// The whole history, oldest first.
    fn all_events(&self) -> Result<Vec<StoredEvent>>;
    /// The history from `at` on (every event at or after it), oldest first: what health and
    /// metrics read, so their cost follows the window and not the age of the database.
    fn events_since(&self, at: chrono::DateTime<chrono::Utc>) -> Result<Vec<StoredEvent>>;

    /// Records an analysis; returns its id.
    fn record_analysis(&self, a: &tandem_model::AnalysisRecord) -> Result<i64>;
    /// Links a recorded analysis to the coordination opened for it.
    fn set_analysis_coordination(&self, analysis: i64, coordination: CoordId) -> Result<()>;
    /// Every recorded analysis, oldest first.
    fn list_analyses(&self) -> Result<Vec<tandem_model::AnalysisRecord>>;

    /// Creates an issue unless one with the same marker exists; returns it and whether it was created.
    fn create_issue(&self, spec: &IssueSpec, now: chrono::DateTime<chrono::Utc>) -> Result<(Issue, bool)>;
    fn find_issue_by_marker(&self, marker: &str) -> Result<Option<Issue>>;
    fn update_issue(&self, r: &IssueRef, update: &IssueUpdate, now: chrono::DateTime<chrono::Utc>) -> Result<Issue>;
    fn get_issue(&self, r: &IssueRef) -> Result<Option<Issue>>;
    fn list_issues(&self, repo: Option<&RepoName>) -> Result<Vec<Issue>>;
}

#[cfg(feature = "conformance")]
pub mod conformance;
