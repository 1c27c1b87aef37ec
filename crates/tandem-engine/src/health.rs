//! Health monitoring (SPEC C7): checks over the coordinations, the checkouts, the recorded
//! analyses and the services' health endpoints, each finding with a stable check ID, a level,
//! the objects it names and what to do; and one health issue kept up to date in the forge.
//!
//! The engine does the IO here (the store, the checkouts, probing endpoints) and the judgements
//! are the model's (`tandem_model::health`: the check table, stale/blocked, cycle, endpoint
//! verdicts). The time comes from the engine's clock, so a scheduler (the server) calls
//! [`Engine::health`] and tests move a `ManualClock` instead of sleeping. Endpoints are probed
//! concurrently (http and https, redirects followed, see `probe`), each within its own
//! timeout; an endpoint that refuses or does not answer is a finding, never an error of the
//! operation. URLs appear only redacted (no userinfo, no query).
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
//! | `ENDPOINT_DOWN` | critical | a health endpoint refused the connection, timed out or failed (TLS, DNS, too many redirects) |
//! | `ENDPOINT_UNHEALTHY` | critical | a health endpoint answered, after redirects, with a status other than 2xx |
//! | `ENDPOINT_SLOW` | warning | a health endpoint answered 2xx slower than its `max_latency_ms` |
//! | `ENDPOINT_NOT_PROBED` | info | deprecated: https is probed now; kept because IDs are API |
//! | `UNCOORDINATED_BREAKING_CHANGE` | critical | a recorded analysis with breaking findings that belongs to no coordination |

pub(crate) mod probe;

pub use probe::{ProbeTarget, MAX_REDIRECTS};
pub use tandem_model::health::{
    human_duration, redact, Check, HealthFinding, Level, LevelCounts, ProbeOutcome, Remedy, Subject, CHECKS,
};

use crate::error::{EngineError, Input, Result};
use crate::Engine;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use tandem_analyze::versions::{self, CurrentVersion, Requirement, Version};
use tandem_analyze::{Discovery, Pin};
use tandem_model::health::{
    self as judge, Activity, EndpointProbe, EndpointVerdict, DEPENDENCY_NOT_FOUND, DEPENDENCY_UNDECLARED,
    MANIFEST_UNREADABLE, VERSION_BEHIND, VERSION_MISMATCH, VERSION_UNPARSEABLE,
};
use tandem_model::{CoordId, Graph, IssueKind, IssueRef, IssueSpec, IssueState, IssueUpdate, RepoName};

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

/// The largest stale threshold accepted (ten years): beyond it a window's start is not a date.
pub const MAX_STALE_DAYS: u32 = 3650;

impl Engine {
    /// Runs every health check at the engine clock's "now".
    #[tracing::instrument(skip(self))]
    pub fn health(&self, opts: &HealthOptions) -> Result<HealthReport> {
        if opts.stale_days == 0 {
            return Err(EngineError::input(Input::Days, "the stale threshold must be at least 1 day"));
        }
        if opts.stale_days > MAX_STALE_DAYS {
            return Err(EngineError::input(
                Input::Days,
                format!("the stale threshold must be at most {MAX_STALE_DAYS} days (ten years)"),
            ));
        }
        let now = self.clock.now();
        // Probing takes wall-clock time: start it first, read everything else meanwhile.
        let targets: Vec<(&tandem_model::Repo, &tandem_model::manifest::HealthCheck)> = match opts.endpoints {
            Endpoints::Skip => Vec::new(),
            Endpoints::Probe => self.ws.repos.iter().filter_map(|r| r.health.as_ref().map(|h| (r, h))).collect(),
        };
        let (findings_and_counts, probes) = std::thread::scope(|s| {
            let probing = s.spawn(|| {
                let list: Vec<ProbeTarget> = targets
                    .iter()
                    .map(|(_, h)| ProbeTarget {
                        url: h.url.clone(),
                        timeout: std::time::Duration::from_millis(h.timeout_ms),
                        ca_file: h.ca_file.clone(),
                    })
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
            let latency_ms = u64::try_from(p.elapsed.as_millis()).unwrap_or(u64::MAX);
            let observed = EndpointProbe { repo: &repo.name, health: h, outcome: &p.outcome, latency_ms };
            let healthy = match judge::endpoint_verdict(observed) {
                EndpointVerdict::Healthy => true,
                EndpointVerdict::Unhealthy(f) => {
                    findings.push(f);
                    false
                }
            };
            endpoints.push(EndpointStatus {
                repo: repo.name.clone(),
                url: h.url.to_string(),
                outcome: p.outcome,
                latency_ms,
                timeout_ms: h.timeout_ms,
                max_latency_ms: h.max_latency_ms,
                healthy,
            });
        }

        judge::sort_findings(&mut findings);
        Ok(HealthReport {
            at: now,
            stale_days: opts.stale_days,
            coordinations_checked,
            repos_checked: self.ws.repos.len(),
            endpoints,
            endpoints_probed: opts.endpoints == Endpoints::Probe,
            counts: LevelCounts::of(&findings),
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
            let activity = if active.contains(&c.id) { Activity::WithinWindow } else { Activity::NoneInWindow };
            findings.extend(judge::coordination_findings(c, now, stale_days, activity));
        }
        let discovery = tandem_analyze::discover(&self.ws);
        self.dependency_checks(&discovery, &mut findings);
        self.version_checks(&discovery, &mut findings);
        findings.extend(judge::uncoordinated_analyses(&self.store.list_analyses()?));
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
            findings.push(judge::cycle_finding(&cycle));
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
        let healthy = report.verdict() == crate::Verdict::Healthy;
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

fn health_title(r: &HealthReport) -> String {
    if r.verdict() == crate::Verdict::Healthy {
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
    s.push_str("This issue is kept up to date by tandem's health report; it closes when all is healthy.\n");
    s
}
