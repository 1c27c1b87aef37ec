//! tandem's storage: coordinations with their children, the append-only history, and the
//! issues of the local forge.
//!
//! The [`Store`] trait is the seam: the engine and the local forge only see it. Two
//! implementations pass the same conformance suite: [`SqliteStore`] (embedded, one file under
//! `.tandem/`, WAL, foreign keys, one transaction per operation) and [`PostgresStore`] (a team
//! server shared by several instances: row locks, `SKIP LOCKED` claims, advisory locks and
//! `LISTEN/NOTIFY`). Both embed their versioned migrations and refuse a newer schema. This crate
//! knows nothing of workspaces, templates, forges beyond their records, or any front end.
//!
//! ```
//! use tandem_store::{SqliteStore, Store};
//! let store = SqliteStore::open_in_memory().unwrap();
//! assert!(store.list_coordinations().unwrap().is_empty());
//! ```

mod error;
mod postgres;
mod records;
mod sqlite;
mod values;

pub use error::{DbError, Result, StoreError};
pub use postgres::{redact as redact_url, PostgresStore, PG_SCHEMA_VERSION};
pub use records::{Delivery, DeliveryCounts, DeliveryState, IssueComment, NewDelivery, Snapshot, SnapshotCounts};
pub use sqlite::{SqliteStore, SCHEMA_VERSION};

/// Held while this instance is the one doing a named piece of work (the scheduler); dropping it
/// releases the lock for another instance to take.
pub trait LeaderGuard: Send {
    /// The name the lock was taken for.
    fn name(&self) -> &str;
    /// Whether the lock is still held: `false` once the connection that holds it was lost, after
    /// which another instance may hold it and this one must stop and try to lock again.
    fn is_held(&self) -> bool;
}

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
    /// [`Store::create_issue`] then [`Store::link_issue`] for each item, in order, all in one
    /// transaction: what a creation on the local forge does for a batch of its issues, at the cost
    /// of one commit instead of two per issue. An issue whose marker exists is not opened again,
    /// a link already made appends no event; the event of a new link is `event(subject,
    /// reference)`. Returns each item's issue and whether this call linked it. On error nothing
    /// of the batch stays: a creation killed half way resumes at the first batch not committed.
    fn create_and_link_issues(
        &self,
        id: CoordId,
        items: &[(tandem_model::Subject, IssueSpec)],
        now: chrono::DateTime<chrono::Utc>,
        event: &dyn Fn(&tandem_model::Subject, &IssueRef) -> Event,
    ) -> Result<Vec<(Issue, bool)>>;
    /// Every coordination, oldest first.
    fn list_coordinations(&self) -> Result<Vec<Coordination>>;
    /// The oldest coordination whose parent, integration or child issue is `r`: what a webhook
    /// about an issue acts on, found without loading every coordination.
    fn coordination_with_issue(&self, r: &IssueRef) -> Result<Option<Coordination>> {
        Ok(self.list_coordinations()?.into_iter().find(|c| {
            c.issue.as_ref() == Some(r)
                || c.integration.issue.as_ref() == Some(r)
                || c.children.iter().any(|ch| ch.issue.as_ref() == Some(r))
        }))
    }
    /// Every coordination as a list shows it, oldest first: what `list_coordinations` mapped
    /// through [`Coordination::summary`] gives, read without assembling the aggregates (no plan,
    /// integration, dependencies or checklist items leave the database; checklists arrive as
    /// counts).
    fn list_summaries(&self) -> Result<Vec<tandem_model::CoordinationSummary>>;
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
    /// Adds a comment to an issue of the local forge.
    fn add_issue_comment(
        &self,
        r: &IssueRef,
        author: &str,
        body: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<IssueComment>;
    /// An issue's comments, oldest first.
    fn issue_comments(&self, r: &IssueRef) -> Result<Vec<IssueComment>>;
    /// Adds a comment to an issue of the local forge unless the named state `once` is set, and
    /// sets it (to `posted`), in one transaction: a comment that must be posted at most once
    /// (an answer to a webhook delivery handled again) needs no search of the issue's comments.
    /// `None` (nothing written) when `once` was set already.
    fn add_issue_comment_once(
        &self,
        r: &IssueRef,
        author: &str,
        body: &str,
        now: chrono::DateTime<chrono::Utc>,
        once: &str,
    ) -> Result<Option<IssueComment>>;

    /// The id of the newest event in the whole history (0 when there is none): what live views
    /// poll to notice that anything changed.
    fn last_event_id(&self) -> Result<i64>;

    /// Persists a webhook delivery unless one with the same id exists. Returns whether it was
    /// inserted now (`false`: a redelivery of a known id, which is not processed again).
    fn insert_delivery(&self, d: &NewDelivery) -> Result<bool>;
    /// Claims the oldest pending delivery that is due (`next_attempt_at <= now`) and whose lease is
    /// free or expired, for `owner` until `now + lease`, counting an attempt. `None` when nothing
    /// is due. Two claimers never hold the same delivery at once.
    fn claim_delivery(
        &self,
        owner: &str,
        now: chrono::DateTime<chrono::Utc>,
        lease: chrono::Duration,
    ) -> Result<Option<Delivery>>;
    /// Marks a delivery `owner` holds as done with a one-line outcome and releases it. `false`
    /// (and nothing written) when `owner` no longer holds it.
    fn finish_delivery(&self, id: &str, owner: &str, outcome: &str, now: chrono::DateTime<chrono::Utc>)
        -> Result<bool>;
    /// Records a failed attempt of a delivery `owner` holds: keeps `error`, releases the lease;
    /// with `retry_at` it stays pending until then, without it it has failed for good. `false`
    /// (and nothing written) when `owner` no longer holds it.
    fn fail_delivery(
        &self,
        id: &str,
        owner: &str,
        error: &str,
        retry_at: Option<chrono::DateTime<chrono::Utc>>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool>;
    fn get_delivery(&self, id: &str) -> Result<Option<Delivery>>;
    fn delivery_counts(&self) -> Result<DeliveryCounts>;

    /// Named state that must survive restarts (e.g. `scheduler.health.next_run`).
    fn get_state(&self, key: &str) -> Result<Option<String>>;
    fn set_state(&self, key: &str, value: &str) -> Result<()>;

    /// Takes the lock named `name` unless another holder (in this process or any other instance
    /// sharing the database) has it: `None` then. Held until the guard is dropped. PostgreSQL:
    /// a session advisory lock on a dedicated connection; SQLite: a lock on a file beside the
    /// database (in memory: within this store).
    fn try_lock_leader(&self, name: &str) -> Result<Option<Box<dyn LeaderGuard>>>;
    /// Waits until the history holds an event newer than `after`, or `timeout` passed; returns
    /// [`Store::last_event_id`] then. PostgreSQL wakes on `LISTEN/NOTIFY` (so a change through any
    /// instance wakes every instance's waiters); SQLite polls.
    fn wait_for_change(&self, after: i64, timeout: std::time::Duration) -> Result<i64>;

    /// Everything stored, read in one transaction, ids included: what `tandem store copy` moves.
    fn export(&self) -> Result<Snapshot>;
    /// Writes a snapshot into this store in one transaction, keeping every id; refused with
    /// [`StoreError::NotEmpty`] unless the store holds nothing yet.
    fn import(&self, snapshot: &Snapshot) -> Result<()>;
}

#[cfg(feature = "conformance")]
pub mod conformance;
