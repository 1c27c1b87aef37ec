//! Health: the pure judgements of tandem's health checks. The engine does the IO (probing
//! endpoints, reading checkouts and the store) and hands what it saw to these functions, which
//! return findings with stable check IDs and levels.
//!
//! - [`HealthUrl`]: a health endpoint's URL, parsed once at manifest load and shown redacted.
//! - [`CHECKS`]: the table of checks (IDs are API: deprecate with a replacement, never delete).
//! - [`judge`]: inputs → findings: stale and blocked coordinations, blocked children, a
//!   dependency cycle, breaking analyses without a coordination, an endpoint's probe outcome.
//!
//! Messages and actions say what is needed, never how a front end does it: a finding that one
//! operation resolves carries it as a [`Remedy`], which each front end words for itself (a
//! command line, a tool call).

mod health_url;
pub mod judge;

pub use health_url::{redact, Credentials, HealthUrl, HealthUrlError, Scheme, MAX_URL_LEN};
pub use judge::{
    coordination_findings, cycle_finding, endpoint_verdict, uncoordinated_analyses, Activity, EndpointProbe,
    EndpointVerdict, ProbeOutcome,
};

use crate::kinds::UnknownValue;
use crate::names::{CoordId, RepoName};
use crate::status::{ChildStatus, CoordStatus};
use chrono::Duration;
use serde::Serialize;
use std::collections::HashMap;
use std::fmt;

/// How bad a health finding is. Ordered: `info < warning < critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Info,
    Warning,
    Critical,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Info, Level::Warning, Level::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Critical => "critical",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Level {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase();
        Level::ALL.into_iter().find(|l| l.as_str() == norm).ok_or_else(|| UnknownValue {
            what: "health level",
            given: s.to_string(),
            choices: Level::ALL.iter().map(|l| l.as_str()).collect(),
        })
    }
}

/// One kind of health check: its stable ID, level, and what a person should do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Check {
    pub id: &'static str,
    pub level: Level,
    pub title: &'static str,
    pub action: &'static str,
}

pub const STALE_COORDINATION: Check = Check {
    id: "STALE_COORDINATION",
    level: Level::Warning,
    title: "Stale coordination",
    action: "move it forward (its status or its children's), or cancel it if the change was dropped",
};
pub const COORDINATION_BLOCKED: Check = Check {
    id: "COORDINATION_BLOCKED",
    level: Level::Warning,
    title: "Blocked coordination",
    action: "resolve the reason, then set the coordination back to the status it had",
};
pub const CHILD_BLOCKED: Check = Check {
    id: "CHILD_BLOCKED",
    level: Level::Warning,
    title: "Blocked child",
    action: "resolve the reason, then set the child back to the status it had",
};
pub const VERSION_MISMATCH: Check = Check {
    id: "VERSION_MISMATCH",
    level: Level::Warning,
    title: "Consumers pin different versions",
    action: "align the consumers on one version of the provider (open a `dependency` coordination for it)",
};
pub const VERSION_BEHIND: Check = Check {
    id: "VERSION_BEHIND",
    level: Level::Warning,
    title: "Pin behind the provider's current version",
    action: "upgrade the consumer's pin to the provider's current version, or record why it stays behind",
};
pub const VERSION_UNPARSEABLE: Check = Check {
    id: "VERSION_UNPARSEABLE",
    level: Level::Warning,
    title: "Pin its ecosystem cannot read",
    action: "write the pin as a version or range the consumer's package manager accepts",
};
pub const DEPENDENCY_CYCLE: Check = Check {
    id: "DEPENDENCY_CYCLE",
    level: Level::Critical,
    title: "Dependency cycle",
    action: "break the cycle: one of these repos must stop depending on the next (no deployment order exists)",
};
pub const DEPENDENCY_UNDECLARED: Check = Check {
    id: "DEPENDENCY_UNDECLARED",
    level: Level::Warning,
    title: "Undeclared dependency",
    action: "add it to the consumer's `depends_on` in tandem.toml, or remove the reference from the checkout",
};
pub const DEPENDENCY_NOT_FOUND: Check = Check {
    id: "DEPENDENCY_NOT_FOUND",
    level: Level::Info,
    title: "Declared dependency not found in the checkout",
    action: "remove it from `depends_on` if it is gone, or add the provider's names as `aliases`",
};
pub const MANIFEST_UNREADABLE: Check = Check {
    id: "MANIFEST_UNREADABLE",
    level: Level::Warning,
    title: "Unreadable manifest",
    action: "fix the file at the given line; until then its dependencies are not seen",
};
pub const ENDPOINT_DOWN: Check = Check {
    id: "ENDPOINT_DOWN",
    level: Level::Critical,
    title: "Health endpoint down",
    action: "check that the service runs and listens at this address (or fix `health` in tandem.toml)",
};
pub const ENDPOINT_UNHEALTHY: Check = Check {
    id: "ENDPOINT_UNHEALTHY",
    level: Level::Critical,
    title: "Health endpoint reports a failure",
    action: "look at the service's logs: its health endpoint answers with an error status",
};
pub const ENDPOINT_SLOW: Check = Check {
    id: "ENDPOINT_SLOW",
    level: Level::Warning,
    title: "Health endpoint slow",
    action: "find what slows the service down, or raise `health.max_latency_ms` if the limit is too strict",
};
/// Deprecated: https endpoints are probed since the probe moved to a maintained HTTP client;
/// kept because check IDs are API. Reported only for an outcome a probe marks as not probed.
pub const ENDPOINT_NOT_PROBED: Check = Check {
    id: "ENDPOINT_NOT_PROBED",
    level: Level::Info,
    title: "Health endpoint not probed",
    action: "check this endpoint another way, or fix its `health` settings in tandem.toml",
};
pub const UNCOORDINATED_BREAKING_CHANGE: Check = Check {
    id: "UNCOORDINATED_BREAKING_CHANGE",
    level: Level::Critical,
    title: "Breaking change without a coordination",
    action: "open a coordination for the repo's change so every consumer follows",
};

/// Every check, in report order. IDs are API: deprecate with a replacement, never delete.
pub const CHECKS: &[Check] = &[
    UNCOORDINATED_BREAKING_CHANGE,
    DEPENDENCY_CYCLE,
    ENDPOINT_DOWN,
    ENDPOINT_UNHEALTHY,
    ENDPOINT_SLOW,
    ENDPOINT_NOT_PROBED,
    COORDINATION_BLOCKED,
    CHILD_BLOCKED,
    STALE_COORDINATION,
    VERSION_MISMATCH,
    VERSION_BEHIND,
    VERSION_UNPARSEABLE,
    DEPENDENCY_UNDECLARED,
    DEPENDENCY_NOT_FOUND,
    MANIFEST_UNREADABLE,
];

/// Something a finding names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subject {
    Coordination {
        id: CoordId,
        title: String,
    },
    Child {
        coordination: CoordId,
        repo: RepoName,
    },
    Repo {
        repo: RepoName,
    },
    /// A manifest line in a checkout.
    File {
        repo: RepoName,
        path: String,
        line: Option<usize>,
    },
    /// A health endpoint; the URL is redacted.
    Endpoint {
        repo: RepoName,
        url: String,
    },
    Analysis {
        id: i64,
        repo: Option<RepoName>,
        base: String,
        head: String,
    },
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Coordination { id, .. } => write!(f, "coordination #{id}"),
            Subject::Child { coordination, repo } => write!(f, "{repo} in coordination #{coordination}"),
            Subject::Repo { repo } => write!(f, "{repo}"),
            Subject::File { repo, path, line } => match line {
                Some(l) => write!(f, "{repo}/{path}:{l}"),
                None => write!(f, "{repo}/{path}"),
            },
            Subject::Endpoint { repo, url } => write!(f, "{repo} {url}"),
            Subject::Analysis { id, .. } => write!(f, "analysis #{id}"),
        }
    }
}

/// The one operation that resolves a finding, as data: each front end says how to do it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Remedy {
    /// Set a coordination's status (back to the one it had before it was blocked).
    SetStatus { coordination: CoordId, status: CoordStatus },
    /// Set a child's status (back to the one it had before it was blocked).
    SetChildStatus { coordination: CoordId, repo: RepoName, status: ChildStatus },
    /// Open a coordination for a repo's recorded breaking change.
    CoordinateRepo { repo: RepoName },
}

/// One health finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HealthFinding {
    /// Stable check ID, e.g. `STALE_COORDINATION`.
    pub check: &'static str,
    pub level: Level,
    pub message: String,
    /// What the finding is about, most specific first.
    pub subjects: Vec<Subject>,
    /// What to do about it, in words that name no front end.
    pub action: String,
    /// The operation that resolves it, when one does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remedy: Option<Remedy>,
}

impl HealthFinding {
    pub fn new(check: Check, message: String, subjects: Vec<Subject>) -> HealthFinding {
        HealthFinding {
            check: check.id,
            level: check.level,
            message,
            subjects,
            action: check.action.to_string(),
            remedy: None,
        }
    }

    /// The same finding with a concrete action instead of the check's general one.
    pub fn doing(mut self, action: String) -> HealthFinding {
        self.action = action;
        self
    }

    /// The same finding with the operation that resolves it.
    pub fn resolved_by(mut self, remedy: Remedy) -> HealthFinding {
        self.remedy = Some(remedy);
        self
    }
}

/// Counts of findings by level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LevelCounts {
    pub critical: usize,
    pub warning: usize,
    pub info: usize,
}

impl LevelCounts {
    pub fn of(findings: &[HealthFinding]) -> LevelCounts {
        let mut counts = LevelCounts::default();
        for f in findings {
            match f.level {
                Level::Critical => counts.critical += 1,
                Level::Warning => counts.warning += 1,
                Level::Info => counts.info += 1,
            }
        }
        counts
    }
}

/// Report order: worst first; within a level in the order of [`CHECKS`], then by message.
pub fn sort_findings(findings: &mut [HealthFinding]) {
    let order: HashMap<&str, usize> = CHECKS.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    findings.sort_by(|a, b| {
        b.level
            .cmp(&a.level)
            .then_with(|| order.get(a.check).cmp(&order.get(b.check)))
            .then_with(|| a.message.cmp(&b.message))
    });
}

/// `3 days 4 h`, `5 h 12 min`, `42 s`.
pub fn human_duration(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    let (days, h, m) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
    match (days, h, m) {
        (0, 0, 0) => format!("{s} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, m) => format!("{h} h {m} min"),
        (1, h, _) => format!("1 day {h} h"),
        (d, h, _) => format!("{d} days {h} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_ids_are_unique_and_upper_snake_case() {
        let mut ids: Vec<&str> = CHECKS.iter().map(|c| c.id).collect();
        assert!(ids.iter().all(|id| id.chars().all(|c| c.is_ascii_uppercase() || c == '_')));
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), CHECKS.len());
    }

    #[test]
    fn check_actions_name_no_command_line() {
        for c in CHECKS {
            assert!(!c.action.contains("tandem ") && !c.action.contains("--"), "{}: {}", c.id, c.action);
        }
    }

    #[test]
    fn levels_parse_and_order() {
        assert_eq!("Critical".parse::<Level>().unwrap(), Level::Critical);
        assert!(Level::Info < Level::Warning && Level::Warning < Level::Critical);
        let e = "severe".parse::<Level>().unwrap_err().to_string();
        assert!(e.contains("info") && e.contains("critical"), "{e}");
    }

    #[test]
    fn durations_read_like_a_person_would_say_them() {
        assert_eq!(human_duration(Duration::seconds(42)), "42 s");
        assert_eq!(human_duration(Duration::minutes(90)), "1 h 30 min");
        assert_eq!(human_duration(Duration::hours(30)), "1 day 6 h");
        assert_eq!(human_duration(Duration::days(8)), "8 days 0 h");
    }
}
