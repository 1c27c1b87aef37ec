//! tandem's issue trackers behind one [`Forge`] trait.
//!
//! The engine creates, updates and reads issues only through this trait, so a GitHub forge
//! plugs in beside the [`LocalForge`] without its callers changing. Creation is idempotent:
//! every issue tandem opens carries a marker, and a forge that already holds an issue with that
//! marker returns it instead of opening a second one. This crate knows nothing of workspaces,
//! coordinations' rules or front ends.
//!
//! ```
//! use std::sync::Arc;
//! use tandem_forge::{Forge, LocalForge};
//! use tandem_model::{IssueKind, IssueSpec, RepoName};
//! let store = Arc::new(tandem_store::SqliteStore::open_in_memory().unwrap());
//! let forge = LocalForge::new(store);
//! let spec = IssueSpec {
//!     repo: RepoName::parse("loqa").unwrap(), kind: IssueKind::Parent, coordination: None,
//!     marker: "example".into(), title: "t".into(), body: "b".into(), labels: vec![], parent: None,
//! };
//! let now = chrono::Utc::now();
//! let a = forge.ensure_issue(&spec, now).unwrap();
//! let b = forge.ensure_issue(&spec, now).unwrap();
//! assert_eq!(a.reference, b.reference);
//! ```

#[cfg(feature = "conformance")]
pub mod conformance;
pub mod github;

use chrono::{DateTime, Utc};
use std::sync::Arc;
use tandem_model::{Issue, IssueRef, IssueSpec, IssueUpdate, RepoName};
use tandem_store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ForgeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no issue {0}")]
    NotFound(IssueRef),
    /// A missing, rejected or underprivileged token; the message says what the token needs.
    #[error("{0}")]
    Auth(String),
    /// A GitHub resource that is not there (404/410): the request names it.
    #[error("GitHub has no {0}")]
    Missing(String),
    /// The forge answered with an error, or could not be reached.
    #[error("{0}")]
    Http(String),
    /// A failure after which a request that could create something twice was not resent.
    #[error("{0}")]
    Transient(String),
    /// The forge's configuration is wrong (a repository without a GitHub name, …).
    #[error("{0}")]
    Config(String),
}

/// A pull request linked to a child issue: its body closes the issue, or its head is the
/// coordination's branch.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PullLink {
    pub number: u64,
    pub url: String,
    /// `open`, `closed` or `merged`.
    pub state: String,
    pub author: Option<String>,
    pub at: Option<DateTime<Utc>>,
}

/// An issue as a pull found it, with who changed it last and when (when the forge says).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pulled {
    pub issue: Issue,
    /// The forge user who closed or reopened it, or last set a label (`None`: unknown).
    pub actor: Option<String>,
    /// When that happened (default: the issue's `updated_at`).
    pub at: DateTime<Utc>,
}

pub type Result<T, E = ForgeError> = std::result::Result<T, E>;

/// Where issues live.
pub trait Forge: Send + Sync {
    /// `local`, `github`, …
    fn kind(&self) -> &'static str;
    /// Returns the issue carrying `spec.marker`, creating it if there is none.
    fn ensure_issue(&self, spec: &IssueSpec, now: DateTime<Utc>) -> Result<Issue>;
    fn update_issue(&self, r: &IssueRef, update: &IssueUpdate, now: DateTime<Utc>) -> Result<Issue>;
    fn get_issue(&self, r: &IssueRef) -> Result<Issue>;
    fn list_issues(&self, repo: Option<&RepoName>) -> Result<Vec<Issue>>;
    /// Adds a comment to an issue (answers to `/tandem` commands, refusals).
    fn comment(&self, r: &IssueRef, body: &str, now: DateTime<Utc>) -> Result<()>;
    /// The issue as the forge holds it now, for a two-way sync; `None` when the forge knows it
    /// has not changed since this forge last read or wrote it (a cheap no-change sync).
    /// The pull request linked to `issue` (its body closes the issue, or its head is `branch`);
    /// `None` when there is none, or the forge has no pull requests (the local forge).
    fn linked_pull(&self, issue: &IssueRef, branch: Option<&str>) -> Result<Option<PullLink>> {
        let _ = (issue, branch);
        Ok(None)
    }
    fn pull_issue(&self, r: &IssueRef) -> Result<Option<Pulled>> {
        let issue = self.get_issue(r)?;
        let at = issue.updated_at;
        Ok(Some(Pulled { issue, actor: None, at }))
    }
}

/// Issues kept in tandem's own store: the embedded default.
pub struct LocalForge {
    store: Arc<dyn Store>,
}

impl LocalForge {
    pub fn new(store: Arc<dyn Store>) -> Self {
        LocalForge { store }
    }
}

impl Forge for LocalForge {
    fn kind(&self) -> &'static str {
        "local"
    }

    fn ensure_issue(&self, spec: &IssueSpec, now: DateTime<Utc>) -> Result<Issue> {
        Ok(self.store.create_issue(spec, now)?.0)
    }

    fn update_issue(&self, r: &IssueRef, update: &IssueUpdate, now: DateTime<Utc>) -> Result<Issue> {
        match self.store.update_issue(r, update, now) {
            Err(StoreError::IssueNotFound(_)) => Err(ForgeError::NotFound(r.clone())),
            other => Ok(other?),
        }
    }

    fn get_issue(&self, r: &IssueRef) -> Result<Issue> {
        self.store.get_issue(r)?.ok_or_else(|| ForgeError::NotFound(r.clone()))
    }

    fn list_issues(&self, repo: Option<&RepoName>) -> Result<Vec<Issue>> {
        Ok(self.store.list_issues(repo)?)
    }

    fn comment(&self, r: &IssueRef, body: &str, now: DateTime<Utc>) -> Result<()> {
        match self.store.add_issue_comment(r, tandem_model::coordination::SYSTEM_ACTOR, body, now) {
            Err(StoreError::IssueNotFound(_)) => Err(ForgeError::NotFound(r.clone())),
            other => other.map(|_| ()).map_err(ForgeError::from),
        }
    }
}
