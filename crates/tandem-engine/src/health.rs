//! Health monitoring (SPEC C7): checks over the coordinations, the checkouts, the recorded
//! analyses and the services' health endpoints, each finding with a stable check ID, a level,
//! the objects it names and what to do; and one health issue kept up to date in the forge.
//!
//! The checks are plain engine functions that read the time from the engine's clock, so a
//! scheduler (the server) calls [`Engine::health`] and tests move a `ManualClock` instead of
//! sleeping. Endpoints are probed concurrently, each with its own timeout; an endpoint that
//! refuses or does not answer is a finding, never an error of the operation.
//!
//! # Checks
//! The table [`CHECKS`] is the contract: IDs are API (deprecate, never delete).
//!
//! | ID | level | what it reports |
//! |---|---|---|
//! | `STALE_COORDINATION` | warning | an open coordination with no event for more than N days (default 7), and what it waits on |
//! | `COORDINATION_BLOCKED` | warning | a blocked coordination: reason, since when, for how long |
//! | `CHILD_BLOCKED` | warning | a child blocked on its own (children blocked by their coordination are covered by the coordination's finding) |
//! | `VERSION_MISMATCH` | warning | consumers pinning different versions of the same workspace repo |
//! | `VERSION_BEHIND` | warning | a pin that does not admit the provider's current version (highest semver tag, else its manifest's version) |
//! | `VERSION_UNPARSEABLE` | warning | a pin its ecosystem's version grammar cannot read (npm range, PEP 440 specifier, Cargo requirement, Go version) |
//! | `DEPENDENCY_CYCLE` | critical | the declared plus discovered dependencies form a cycle |
//! | `DEPENDENCY_UNDECLARED` | warning | a checkout references a workspace repo its `depends_on` does not list |
//! | `DEPENDENCY_NOT_FOUND` | info | a declared library/docker dependency no manifest of the checkout references |
//! | `MANIFEST_UNREADABLE` | warning | a manifest in a checkout could not be read or parsed |
//! | `ENDPOINT_DOWN` | critical | a health endpoint refused the connection, timed out or failed |
//! | `ENDPOINT_UNHEALTHY` | critical | a health endpoint answered with a status other than 2xx |
//! | `ENDPOINT_SLOW` | warning | a health endpoint answered 2xx slower than its `max_latency_ms` |
//! | `ENDPOINT_NOT_PROBED` | info | a health URL this build cannot probe (https) |
//! | `UNCOORDINATED_BREAKING_CHANGE` | critical | a recorded analysis with breaking findings that belongs to no coordination |

mod probe;

pub use probe::{redact, ProbeOutcome};

use crate::error::{EngineError, Result};
use crate::Engine;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use tandem_analyze::versions::{self, CurrentVersion, Requirement, Version};
use tandem_analyze::{Discovery, Pin};
use tandem_model::{
    BlockCause, ChildStatus, CoordId, CoordStatus, Coordination, Graph, IssueKind, IssueRef, IssueSpec, IssueState,
    IssueUpdate, RepoName,
};

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
    type Err = tandem_model::UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase();
        Level::ALL.into_iter().find(|l| l.as_str() == norm).ok_or_else(|| tandem_model::UnknownValue {
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
    action: "move it forward (`tandem coord status`/`coord child`), or cancel it if the change was dropped",
};
pub const COORDINATION_BLOCKED: Check = Check {
    id: "COORDINATION_BLOCKED",
    level: Level::Warning,
    title: "Blocked coordination",
    action: "resolve the reason, then unblock it with `tandem coord status ID STATUS` (the status it had)",
};
pub const CHILD_BLOCKED: Check = Check {
    id: "CHILD_BLOCKED",
    level: Level::Warning,
    title: "Blocked child",
    action: "resolve the reason, then unblock it with `tandem coord child ID REPO STATUS` (the status it had)",
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
    action: "check that the service runs and listens at this address (or fix `health.url` in tandem.toml)",
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
pub const ENDPOINT_NOT_PROBED: Check = Check {
    id: "ENDPOINT_NOT_PROBED",
    level: Level::Info,
    title: "Health endpoint not probed",
    action: "give an http:// health URL (an internal port), or check this endpoint another way",
};
pub const UNCOORDINATED_BREAKING_CHANGE: Check = Check {
    id: "UNCOORDINATED_BREAKING_CHANGE",
    level: Level::Critical,
    title: "Breaking change without a coordination",
    action: "open a coordination for it (`tandem coord create --from-repo REPO`) so every consumer follows",
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

/// What to check.
#[derive(Debug, Clone)]
pub struct HealthOptions {
    /// An open coordination with no event for more than this many days is stale.
    pub stale_days: u32,
    /// Probe the repos' health endpoints (off: no network at all).
    pub endpoints: Endpoints,
}

/// Whether `health` probes the health endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoints {
    Probe,
    Skip,
}

impl Default for HealthOptions {
    fn default() -> Self {
        HealthOptions { stale_days: 7, endpoints: Endpoints::Probe }
    }
}

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

/// One health finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HealthFinding {
    /// Stable check ID, e.g. `STALE_COORDINATION`.
    pub check: &'static str,
    pub level: Level,
    pub message: String,
    /// What the finding is about, most specific first.
    pub subjects: Vec<Subject>,
    /// What to do about it.
    pub action: String,
}

impl HealthFinding {
    fn new(check: Check, message: String, subjects: Vec<Subject>) -> HealthFinding {
        HealthFinding { check: check.id, level: check.level, message, subjects, action: check.action.to_string() }
    }

    /// The same finding with a concrete action (a command to run) instead of the check's general one.
    fn doing(mut self, action: String) -> HealthFinding {
        self.action = action;
        self
    }
}

/// The state of one health endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndpointStatus {
    pub repo: RepoName,
    /// Redacted: no credentials, no query.
    pub url: String,
    pub outcome: ProbeOutcome,
    pub latency_ms: u64,
    pub timeout_ms: u64,
    pub max_latency_ms: Option<u64>,
    pub healthy: bool,
}

/// Counts of findings by level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LevelCounts {
    pub critical: usize,
    pub warning: usize,
    pub info: usize,
}

/// The result of the checks.
#[derive(Debug, Clone, Serialize)]
pub struct HealthReport {
    pub at: DateTime<Utc>,
    pub stale_days: u32,
    pub coordinations_checked: usize,
    pub repos_checked: usize,
    /// Every endpoint probed, healthy or not (empty when endpoints were skipped).
    pub endpoints: Vec<EndpointStatus>,
    pub endpoints_probed: bool,
    pub counts: LevelCounts,
    /// Worst first; within a level in the order of [`CHECKS`], then by message.
    pub findings: Vec<HealthFinding>,
}

impl HealthReport {
    /// The worst level found, if anything was found.
    pub fn worst(&self) -> Option<Level> {
        self.findings.iter().map(|f| f.level).max()
    }

    /// True when there is no finding at `level` or above.
    pub fn is_clear_at(&self, level: Level) -> bool {
        self.findings.iter().all(|f| f.level < level)
    }
}

/// The marker of the one health issue tandem keeps.
pub const HEALTH_MARKER: &str = "tandem:health";

/// What `report_health_issue` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthIssueAction {
    /// Opened the health issue (there was none).
    Created,
    /// Rewrote the open issue.
    Updated,
    /// Reopened the closed issue: something is wrong again.
    Reopened,
    /// Closed it: everything is healthy.
    Closed,
    /// Rewrote the closed issue; still healthy.
    UpdatedClosed,
    /// Healthy and no health issue yet: nothing to open.
    NothingToReport,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HealthIssueOutcome {
    pub action: HealthIssueAction,
    pub issue: Option<IssueRef>,
    pub state: Option<IssueState>,
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

impl Engine {
    /// Runs every health check at the engine clock's "now".
    #[tracing::instrument(skip(self))]
    pub fn health(&self, opts: &HealthOptions) -> Result<HealthReport> {
        if opts.stale_days == 0 {
            return Err(EngineError::Invalid("--stale-days must be at least 1".into()));
        }
        let now = self.clock.now();
        // Probing takes wall-clock time: start it first, read everything else meanwhile.
        let targets: Vec<(&tandem_model::Repo, &tandem_model::manifest::HealthCheck)> = match opts.endpoints {
            Endpoints::Skip => Vec::new(),
            Endpoints::Probe => self.ws.repos.iter().filter_map(|r| r.health.as_ref().map(|h| (r, h))).collect(),
        };
        let (findings_and_counts, probes) = std::thread::scope(|s| {
            let probing = s.spawn(|| {
                let list: Vec<(String, std::time::Duration)> = targets
                    .iter()
                    .map(|(_, h)| (h.url.clone(), std::time::Duration::from_millis(h.timeout_ms)))
                    .collect();
                probe::probe_all(&list)
            });
            let rest = self.offline_checks(now, opts.stale_days);
            let probes = probing.join().unwrap_or_default();
            (rest, probes)
        });
        let (mut findings, coordinations_checked) = findings_and_counts?;

        let mut endpoints = Vec::new();
        for ((repo, h), p) in targets.iter().zip(probes) {
            let url = redact(&h.url);
            let latency_ms = p.elapsed.as_millis() as u64;
            let subject = vec![Subject::Endpoint { repo: repo.name.clone(), url: url.clone() }];
            let healthy = match &p.outcome {
                ProbeOutcome::Answered { status } if (200..300).contains(status) => {
                    match h.max_latency_ms.filter(|max| latency_ms > *max) {
                        Some(max) => {
                            findings.push(HealthFinding::new(
                                ENDPOINT_SLOW,
                                format!("{}: {url} answered {status} in {latency_ms} ms (limit {max} ms)", repo.name),
                                subject,
                            ));
                            false
                        }
                        None => true,
                    }
                }
                ProbeOutcome::Answered { status } => {
                    findings.push(HealthFinding::new(
                        ENDPOINT_UNHEALTHY,
                        format!("{}: {url} answered HTTP {status} in {latency_ms} ms", repo.name),
                        subject,
                    ));
                    false
                }
                ProbeOutcome::Refused => {
                    findings.push(HealthFinding::new(
                        ENDPOINT_DOWN,
                        format!("{}: {url} refused the connection", repo.name),
                        subject,
                    ));
                    false
                }
                ProbeOutcome::TimedOut => {
                    findings.push(HealthFinding::new(
                        ENDPOINT_DOWN,
                        format!("{}: {url} did not answer within {} ms", repo.name, h.timeout_ms),
                        subject,
                    ));
                    false
                }
                ProbeOutcome::Failed { error } => {
                    findings.push(HealthFinding::new(
                        ENDPOINT_DOWN,
                        format!("{}: {url} failed: {error}", repo.name),
                        subject,
                    ));
                    false
                }
                ProbeOutcome::NotProbed { reason } => {
                    findings.push(HealthFinding::new(
                        ENDPOINT_NOT_PROBED,
                        format!("{}: {url} was not probed: {reason}", repo.name),
                        subject,
                    ));
                    false
                }
            };
            endpoints.push(EndpointStatus {
                repo: repo.name.clone(),
                url,
                outcome: p.outcome,
                latency_ms,
                timeout_ms: h.timeout_ms,
                max_latency_ms: h.max_latency_ms,
                healthy,
            });
        }

        let order: HashMap<&str, usize> = CHECKS.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
        findings.sort_by(|a, b| {
            b.level
                .cmp(&a.level)
                .then_with(|| order.get(a.check).cmp(&order.get(b.check)))
                .then_with(|| a.message.cmp(&b.message))
        });
        let mut counts = LevelCounts::default();
        for f in &findings {
            match f.level {
                Level::Critical => counts.critical += 1,
                Level::Warning => counts.warning += 1,
                Level::Info => counts.info += 1,
            }
        }
        Ok(HealthReport {
            at: now,
            stale_days: opts.stale_days,
            coordinations_checked,
            repos_checked: self.ws.repos.len(),
            endpoints,
            endpoints_probed: opts.endpoints == Endpoints::Probe,
            counts,
            findings,
        })
    }

    /// Every check but the endpoints; returns the findings and how many coordinations were read.
    fn offline_checks(&self, now: DateTime<Utc>, stale_days: u32) -> Result<(Vec<HealthFinding>, usize)> {
        let mut findings = Vec::new();
        let coordinations = self.store.list_coordinations()?;
        let cutoff = now - Duration::days(i64::from(stale_days));
        let active: HashSet<CoordId> = self.store.events_since(cutoff)?.into_iter().map(|e| e.coordination).collect();
        for c in &coordinations {
            coordination_checks(c, now, stale_days, active.contains(&c.id), &mut findings);
        }
        let discovery = tandem_analyze::discover(&self.ws);
        self.dependency_checks(&discovery, &mut findings);
        self.version_checks(&discovery, &mut findings);
        uncoordinated_analyses(&self.store.list_analyses()?, &mut findings);
        Ok((findings, coordinations.len()))
    }

    fn dependency_checks(&self, d: &Discovery, findings: &mut Vec<HealthFinding>) {
        let g = self.ws.graph();
        let names: Vec<RepoName> = (0..g.len()).map(|i| g.name(i).clone()).collect();
        let mut edges: Vec<(usize, usize, tandem_model::Via)> = g
            .edges()
            .into_iter()
            .filter_map(|e| Some((g.index_of(&e.consumer)?, g.index_of(&e.provider)?, e.via)))
            .collect();
        for u in &d.undeclared {
            if let (Some(c), Some(p)) = (g.index_of(&u.consumer), g.index_of(&u.provider)) {
                edges.push((c, p, u.via.unwrap_or(tandem_model::Via::Library)));
            }
            findings.push(HealthFinding::new(
                DEPENDENCY_UNDECLARED,
                format!(
                    "{} uses {} ({}) but does not declare it",
                    u.consumer,
                    u.provider,
                    u.evidence.first().map(String::as_str).unwrap_or("no evidence")
                ),
                vec![Subject::Repo { repo: u.consumer.clone() }, Subject::Repo { repo: u.provider.clone() }],
            ));
        }
        if let Err(cycle) = Graph::new(names, edges) {
            let path: Vec<&str> = cycle.path.iter().map(RepoName::as_str).collect();
            findings.push(HealthFinding::new(
                DEPENDENCY_CYCLE,
                format!("declared and discovered dependencies form a cycle: {}", path.join(" -> ")),
                cycle.path.iter().skip(1).map(|r| Subject::Repo { repo: r.clone() }).collect(),
            ));
        }
        for m in &d.missing {
            findings.push(HealthFinding::new(
                DEPENDENCY_NOT_FOUND,
                format!(
                    "{} declares {} ({}) but {}",
                    m.consumer,
                    m.provider,
                    m.via.map(|v| v.as_str()).unwrap_or("library"),
                    m.evidence.first().map(String::as_str).unwrap_or("no reference was found")
                ),
                vec![Subject::Repo { repo: m.consumer.clone() }, Subject::Repo { repo: m.provider.clone() }],
            ));
        }
        for p in &d.problems {
            let path = p.file.to_string_lossy().replace('\\', "/");
            let at = p.line.map(|l| format!(":{l}")).unwrap_or_default();
            findings.push(HealthFinding::new(
                MANIFEST_UNREADABLE,
                format!("{}/{path}{at}: {}", p.repo, p.message),
                vec![Subject::File { repo: p.repo.clone(), path, line: p.line }],
            ));
        }
    }

    fn version_checks(&self, d: &Discovery, findings: &mut Vec<HealthFinding>) {
        let mut by_provider: BTreeMap<&RepoName, Vec<(&Pin, Requirement)>> = BTreeMap::new();
        for pin in &d.pins {
            if let Some(req) = Requirement::parse(&pin.version, pin.kind) {
                by_provider.entry(&pin.provider).or_default().push((pin, req));
            }
        }
        let at = |pin: &Pin| {
            let file = pin.file.to_string_lossy().replace('\\', "/");
            match pin.line {
                Some(l) => format!("{file}:{l}"),
                None => file,
            }
        };
        let mut current: BTreeMap<RepoName, CurrentVersion> = BTreeMap::new();
        for (provider, pins) in by_provider {
            let bases: HashSet<&Version> = pins.iter().map(|(_, r)| r.base()).collect();
            if bases.len() > 1 {
                let mut parts: Vec<String> =
                    pins.iter().map(|(p, _)| format!("{} requires {} ({})", p.consumer, p.version, at(p))).collect();
                parts.dedup();
                let mut subjects = vec![Subject::Repo { repo: provider.clone() }];
                for (p, _) in &pins {
                    let s = Subject::Repo { repo: p.consumer.clone() };
                    if !subjects.contains(&s) {
                        subjects.push(s);
                    }
                }
                findings.push(HealthFinding::new(
                    VERSION_MISMATCH,
                    format!("{} versions of {provider} are pinned: {}", bases.len(), parts.join(", ")),
                    subjects,
                ));
            }
            let current_version: Option<CurrentVersion> =
                self.ws.repo(provider).and_then(|r| r.path.as_deref()).and_then(versions::current_version);
            current.extend(current_version.map(|c| (provider.clone(), c)));
        }
        for (p, now) in versions::pins_behind(&d.pins, &current) {
            let provider = &p.provider;
            findings.push(HealthFinding::new(
                VERSION_BEHIND,
                format!(
                    "{} requires {provider} {} ({}); {provider} is at {} ({})",
                    p.consumer,
                    p.version,
                    at(p),
                    now.version,
                    now.source
                ),
                vec![
                    Subject::File { repo: p.consumer.clone(), path: at_path(p), line: p.line },
                    Subject::Repo { repo: provider.clone() },
                ],
            ));
        }
        for (p, why) in versions::pins_unparseable(&d.pins) {
            findings.push(HealthFinding::new(
                VERSION_UNPARSEABLE,
                format!(
                    "{} requires {} {} ({}), which cannot be read: {why}",
                    p.consumer,
                    p.provider,
                    p.version,
                    at(p)
                ),
                vec![
                    Subject::File { repo: p.consumer.clone(), path: at_path(p), line: p.line },
                    Subject::Repo { repo: p.provider.clone() },
                ],
            ));
        }
    }

    /// Keeps the one health issue in the coordination repo up to date: opens it when something
    /// is wrong (a warning or worse) and there is none, rewrites it on every later run, closes
    /// it when everything is healthy and reopens it when not. Never opens a second one: the
    /// issue carries [`HEALTH_MARKER`] and the forge returns the existing one.
    #[tracing::instrument(skip(self, report))]
    pub fn report_health_issue(&self, report: &HealthReport) -> Result<HealthIssueOutcome> {
        let repo = self.ws.coordination.repo.clone().ok_or_else(|| {
            EngineError::Invalid(
                "no coordination repo to hold the health issue: set `[coordination] repo = \"NAME\"` in tandem.toml"
                    .into(),
            )
        })?;
        let now = self.clock.now();
        let healthy = report.is_clear_at(Level::Warning);
        let existing = self.forge.list_issues(Some(&repo))?.into_iter().find(|i| i.marker == HEALTH_MARKER);
        let title = health_title(report);
        let body = health_body(report);
        let labels = vec!["health".to_string(), format!("health:{}", report.worst().map_or("ok", Level::as_str))];
        let Some(issue) = existing else {
            if healthy {
                return Ok(HealthIssueOutcome { action: HealthIssueAction::NothingToReport, issue: None, state: None });
            }
            let spec = IssueSpec {
                repo,
                kind: IssueKind::Health,
                coordination: None,
                marker: HEALTH_MARKER.into(),
                title,
                body,
                labels,
                parent: None,
            };
            let issue = self.forge.ensure_issue(&spec, now)?;
            return Ok(HealthIssueOutcome {
                action: HealthIssueAction::Created,
                issue: Some(issue.reference),
                state: Some(issue.state),
            });
        };
        let state = if healthy { IssueState::Closed } else { IssueState::Open };
        let update = IssueUpdate { title: Some(title), body: Some(body), state: Some(state), labels: Some(labels) };
        let updated = self.forge.update_issue(&issue.reference, &update, now)?;
        let action = match (issue.state, state) {
            (IssueState::Closed, IssueState::Open) => HealthIssueAction::Reopened,
            (IssueState::Open, IssueState::Closed) => HealthIssueAction::Closed,
            (IssueState::Open, IssueState::Open) => HealthIssueAction::Updated,
            (IssueState::Closed, IssueState::Closed) => HealthIssueAction::UpdatedClosed,
        };
        Ok(HealthIssueOutcome { action, issue: Some(updated.reference), state: Some(updated.state) })
    }
}

fn at_path(p: &Pin) -> String {
    p.file.to_string_lossy().replace('\\', "/")
}

/// Stale, blocked coordination and blocked children.
fn coordination_checks(
    c: &Coordination,
    now: DateTime<Utc>,
    stale_days: u32,
    active: bool,
    findings: &mut Vec<HealthFinding>,
) {
    if c.status.is_closed() {
        return;
    }
    let subject = Subject::Coordination { id: c.id, title: c.title.clone() };
    if !active {
        findings.push(HealthFinding::new(
            STALE_COORDINATION,
            format!(
                "coordination #{} \"{}\" ({}) has had no activity for more than {stale_days} days (last change {}, {} ago); it waits on {}",
                c.id,
                c.title,
                c.status,
                c.updated_at.format("%Y-%m-%d %H:%M UTC"),
                human_duration(now - c.updated_at),
                waits_on(c)
            ),
            vec![subject.clone()],
        ));
    }
    if let (CoordStatus::Blocked, Some(h)) = (c.status, &c.hold) {
        findings.push(
            HealthFinding::new(
                COORDINATION_BLOCKED,
                format!(
                    "coordination #{} \"{}\" is blocked since {} ({}): {}",
                    c.id,
                    c.title,
                    h.since.format("%Y-%m-%d %H:%M UTC"),
                    human_duration(now - h.since),
                    h.reason
                ),
                vec![subject.clone()],
            )
            .doing(format!("resolve the reason, then unblock it: `tandem coord status {} {}`", c.id, h.resume)),
        );
    }
    for ch in &c.children {
        if ch.status != ChildStatus::Blocked {
            continue;
        }
        let Some(h) = ch.hold.as_ref().filter(|h| h.cause == BlockCause::Own) else { continue };
        findings.push(
            HealthFinding::new(
                CHILD_BLOCKED,
                format!(
                    "{} in coordination #{} is blocked since {} ({}): {}",
                    ch.repo,
                    c.id,
                    h.since.format("%Y-%m-%d %H:%M UTC"),
                    human_duration(now - h.since),
                    h.reason
                ),
                vec![Subject::Child { coordination: c.id, repo: ch.repo.clone() }, subject.clone()],
            )
            .doing(format!(
                "resolve the reason, then unblock it: `tandem coord child {} {} {}`",
                c.id, ch.repo, h.resume
            )),
        );
    }
}

/// What an open coordination waits on, for a person: the next step of its life.
fn waits_on(c: &Coordination) -> String {
    match c.status {
        CoordStatus::Planning => "being started (planning -> in_progress)".into(),
        CoordStatus::Blocked => {
            format!("being unblocked ({})", c.hold.as_ref().map(|h| h.reason.as_str()).unwrap_or("no reason recorded"))
        }
        CoordStatus::Testing => "integration testing".into(),
        CoordStatus::Ready => "deployment".into(),
        CoordStatus::Deploying => "the deployment to finish".into(),
        CoordStatus::InProgress => {
            let open: Vec<String> = c
                .children
                .iter()
                .filter(|ch| ch.status.is_open())
                .map(|ch| {
                    let waiting: Vec<&str> = c.waiting_on(ch).iter().map(|p| p.repo.as_str()).collect();
                    if waiting.is_empty() {
                        format!("{} ({})", ch.repo, ch.status)
                    } else {
                        format!("{} ({}, after {})", ch.repo, ch.status, waiting.join(", "))
                    }
                })
                .collect();
            if open.is_empty() {
                "nothing: every child is done".into()
            } else {
                open.join(", ")
            }
        }
        CoordStatus::Done | CoordStatus::Cancelled => "nothing (closed)".into(),
    }
}

/// Recorded analyses with breaking findings and no coordination. An analysis of the same repo
/// and head that has a coordination covers the others.
fn uncoordinated_analyses(analyses: &[tandem_model::AnalysisRecord], findings: &mut Vec<HealthFinding>) {
    let covered: HashSet<(Option<&RepoName>, &str)> =
        analyses.iter().filter(|a| a.coordination.is_some()).map(|a| (a.repo.as_ref(), a.head.as_str())).collect();
    // The latest analysis of each (repo, base, head).
    let mut latest: BTreeMap<(Option<&RepoName>, &str, &str), &tandem_model::AnalysisRecord> = BTreeMap::new();
    for a in analyses.iter().filter(|a| a.breaking() > 0 && a.coordination.is_none()) {
        if covered.contains(&(a.repo.as_ref(), a.head.as_str())) {
            continue;
        }
        latest.insert((a.repo.as_ref(), a.base.as_str(), a.head.as_str()), a);
    }
    for a in latest.values() {
        let mut rules: Vec<&str> = a
            .findings
            .iter()
            .filter(|f| f.severity == tandem_model::Severity::Breaking)
            .map(|f| f.rule.as_str())
            .collect();
        rules.sort_unstable();
        rules.dedup();
        let repo = a.repo.as_ref().map_or("(no repo)".to_string(), |r| r.to_string());
        let consumers = if a.consumers.is_empty() {
            String::new()
        } else {
            let names: Vec<&str> = a.consumers.iter().map(RepoName::as_str).collect();
            format!("; consumers: {}", names.join(", "))
        };
        let mut subjects =
            vec![Subject::Analysis { id: a.id, repo: a.repo.clone(), base: a.base.clone(), head: a.head.clone() }];
        if let Some(r) = &a.repo {
            subjects.push(Subject::Repo { repo: r.clone() });
        }
        findings.push(HealthFinding::new(
            UNCOORDINATED_BREAKING_CHANGE,
            format!(
                "{repo} {}..{}: {} breaking finding(s) ({}), {} impact, analysed {}, with no coordination{consumers}",
                a.base,
                a.head,
                a.breaking(),
                rules.join(", "),
                a.impact.as_str(),
                a.at.format("%Y-%m-%d %H:%M UTC"),
            ),
            subjects,
        ));
    }
}

fn health_title(r: &HealthReport) -> String {
    if r.is_clear_at(Level::Warning) {
        return "Workspace health: all clear".into();
    }
    format!("Workspace health: {} critical, {} warning(s)", r.counts.critical, r.counts.warning)
}

/// The health issue's body: the findings grouped by level, each with what to do.
pub fn health_body(r: &HealthReport) -> String {
    let mut s = format!(
        "<!-- {HEALTH_MARKER} -->\nChecked {} by tandem: {} coordinations, {} repositories{}.\n\n",
        r.at.format("%Y-%m-%d %H:%M UTC"),
        r.coordinations_checked,
        r.repos_checked,
        if r.endpoints_probed { format!(", {} health endpoints", r.endpoints.len()) } else { String::new() }
    );
    if r.findings.is_empty() {
        s.push_str("Everything is healthy.\n");
        return s;
    }
    for level in [Level::Critical, Level::Warning, Level::Info] {
        let of: Vec<&HealthFinding> = r.findings.iter().filter(|f| f.level == level).collect();
        if of.is_empty() {
            continue;
        }
        s.push_str(&format!("## {} ({})\n\n", level.as_str(), of.len()));
        for f in of {
            s.push_str(&format!("- **{}** {}\n  - what to do: {}\n", f.check, f.message, f.action));
        }
        s.push('\n');
    }
    s.push_str("This issue is kept up to date by `tandem health --report-issue`; it closes when all is healthy.\n");
    s
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
