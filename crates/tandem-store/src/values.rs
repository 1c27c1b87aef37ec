//! What both backends write for a coordination row: the column list and the values as text,
//! derived once from the aggregate (each backend adds only how it binds them).

use tandem_model::{Coordination, Integration, RepoName};

/// The columns a coordination row is written with, by `insert_coordination` (a new id, version
/// 1) and by `import` (its own id and version) alike.
pub(crate) const COORD_WRITE_COLS: &str = "key, title, change_type, priority, strategy, status, hold, plan, milestone, source_repo, home_repo, issue, integration, created_at, updated_at, integration_issue";

pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

/// The integration issue's link lives in its own column, written only by `link_issue`.
pub(crate) fn integration_json(i: &Integration) -> String {
    to_json(&Integration { issue: None, ..i.clone() })
}

/// A coordination's derived column values (in the order of [`COORD_WRITE_COLS`] with the
/// aggregate's own fields and the times, which each backend binds in its own type).
pub(crate) struct CoordText<'a> {
    pub c: &'a Coordination,
    pub enums: [&'static str; 4],
    pub hold: Option<String>,
    pub source_repo: Option<&'a str>,
    pub home_repo: &'a str,
    pub issue: Option<String>,
    pub integration: String,
    pub integration_issue: Option<String>,
}

impl<'a> CoordText<'a> {
    pub fn new(c: &'a Coordination) -> Self {
        CoordText {
            c,
            enums: [c.change_type.as_str(), c.priority.as_str(), c.strategy.as_str(), c.status.as_str()],
            hold: c.hold.as_ref().map(to_json),
            source_repo: c.source_repo.as_ref().map(RepoName::as_str),
            home_repo: c.home_repo.as_str(),
            issue: c.issue.as_ref().map(|i| i.to_string()),
            integration: integration_json(&c.integration),
            integration_issue: c.integration.issue.as_ref().map(|i| i.to_string()),
        }
    }
}
