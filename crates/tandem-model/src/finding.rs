//! Findings of contract analysis and the impact they have, as stored and reported.

use crate::names::{CoordId, RepoName};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How bad a finding is for consumers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Breaking,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Breaking => "breaking",
        }
    }
}

/// One detected change in a contract, e.g. "field 3 deleted from loqa.AudioChunk".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable rule ID, e.g. `FIELD_NO_DELETE`.
    pub rule: String,
    pub severity: Severity,
    /// The contract kind the rule belongs to: protobuf, openapi, sql, config, dependency.
    pub kind: String,
    /// Path relative to the repository root.
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub message: String,
}

/// How far a change reaches (SPEC C5): critical for protocol or API breaking changes, high when
/// several repos depend on it, medium for one service with integration points, low otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImpactLevel {
    None,
    Low,
    Medium,
    High,
    Critical,
}

impl ImpactLevel {
    /// Every level, lowest first.
    pub const ALL: [ImpactLevel; 5] =
        [ImpactLevel::None, ImpactLevel::Low, ImpactLevel::Medium, ImpactLevel::High, ImpactLevel::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            ImpactLevel::None => "none",
            ImpactLevel::Low => "low",
            ImpactLevel::Medium => "medium",
            ImpactLevel::High => "high",
            ImpactLevel::Critical => "critical",
        }
    }
}

impl std::str::FromStr for ImpactLevel {
    type Err = crate::kinds::UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let all = ImpactLevel::ALL;
        all.into_iter().find(|l| l.as_str() == s.trim().to_ascii_lowercase()).ok_or_else(|| {
            crate::kinds::UnknownValue {
                what: "impact level",
                given: s.to_string(),
                choices: all.iter().map(|l| l.as_str()).collect(),
            }
        })
    }
}

/// A recorded analysis: what was compared, what was found, who must follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalysisRecord {
    /// Assigned by the store (0 before it is recorded).
    pub id: i64,
    /// The analysed repo, when the analysis ran inside a workspace.
    pub repo: Option<RepoName>,
    pub base: String,
    pub head: String,
    pub at: DateTime<Utc>,
    pub findings: Vec<Finding>,
    pub impact: ImpactLevel,
    pub consumers: Vec<RepoName>,
    /// The coordination opened for it, if any.
    pub coordination: Option<CoordId>,
}

impl AnalysisRecord {
    pub fn breaking(&self) -> usize {
        self.findings.iter().filter(|f| f.severity == Severity::Breaking).count()
    }
}
