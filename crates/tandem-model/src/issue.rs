//! Issues as tandem sees them in any forge: parents, children, integration-testing and health issues.

use crate::names::{CoordId, IssueRef};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueKind {
    Parent,
    Child,
    Integration,
    Health,
}

impl IssueKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IssueKind::Parent => "parent",
            IssueKind::Child => "child",
            IssueKind::Integration => "integration",
            IssueKind::Health => "health",
        }
    }

    pub fn parse(s: &str) -> Option<IssueKind> {
        [IssueKind::Parent, IssueKind::Child, IssueKind::Integration, IssueKind::Health]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueState {
    Open,
    Closed,
}

impl IssueState {
    pub fn as_str(self) -> &'static str {
        match self {
            IssueState::Open => "open",
            IssueState::Closed => "closed",
        }
    }
}

/// What tandem asks a forge to create. `marker` makes creation idempotent: a forge that
/// already holds an issue with this marker returns it instead of creating another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssueSpec {
    pub repo: crate::names::RepoName,
    pub kind: IssueKind,
    pub coordination: Option<CoordId>,
    pub marker: String,
    pub title: String,
    pub body: String,
    pub labels: Vec<String>,
    pub parent: Option<IssueRef>,
}

/// A change to an existing issue; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IssueUpdate {
    pub title: Option<String>,
    pub body: Option<String>,
    pub state: Option<IssueState>,
    pub labels: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    #[serde(rename = "ref")]
    pub reference: IssueRef,
    pub kind: IssueKind,
    pub coordination: Option<CoordId>,
    pub marker: String,
    pub title: String,
    pub body: String,
    pub state: IssueState,
    pub labels: Vec<String>,
    pub parent: Option<IssueRef>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
