//! The pure health judgements: what the engine saw (a coordination and its recent activity, a
//! probe's outcome, a cycle, the recorded analyses) in, findings out. No clock, no IO: "now"
//! and every observation are arguments.

use super::{
    human_duration, HealthFinding, Remedy, Subject, CHILD_BLOCKED, COORDINATION_BLOCKED, DEPENDENCY_CYCLE,
    ENDPOINT_DOWN, ENDPOINT_NOT_PROBED, ENDPOINT_SLOW, ENDPOINT_UNHEALTHY, STALE_COORDINATION,
    UNCOORDINATED_BREAKING_CHANGE,
};
use crate::coordination::{BlockCause, Coordination};
use crate::finding::{AnalysisRecord, Severity};
use crate::graph::Cycle;
use crate::manifest::HealthCheck;
use crate::names::RepoName;
use crate::status::{ChildStatus, CoordStatus};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// What a probe of a health endpoint saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProbeOutcome {
    /// The endpoint answered with this HTTP status (after any redirects).
    Answered { status: u16 },
    /// Nothing listens there.
    Refused,
    /// No answer within the timeout (name resolution included).
    TimedOut,
    /// Any other failure: name resolution, TLS, too many redirects, garbage instead of HTTP.
    Failed { error: String },
    /// The endpoint could not be probed at all.
    NotProbed { reason: String },
}

/// One probed endpoint, as the engine saw it.
#[derive(Debug, Clone, Copy)]
pub struct EndpointProbe<'a> {
    pub repo: &'a RepoName,
    pub health: &'a HealthCheck,
    pub outcome: &'a ProbeOutcome,
    /// How long the probe took, to the final answer's headers or to the failure.
    pub latency_ms: u64,
}

/// Whether an endpoint is healthy, and the finding when it is not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointVerdict {
    Healthy,
    Unhealthy(HealthFinding),
}

/// An endpoint is healthy when it answered 2xx (after redirects) within its `max_latency_ms`.
pub fn endpoint_verdict(p: EndpointProbe<'_>) -> EndpointVerdict {
    let url = p.health.url.to_string();
    let (repo, latency_ms) = (p.repo, p.latency_ms);
    let subjects = vec![Subject::Endpoint { repo: repo.clone(), url: url.clone() }];
    let finding = |check, message| EndpointVerdict::Unhealthy(HealthFinding::new(check, message, subjects.clone()));
    match p.outcome {
        ProbeOutcome::Answered { status } if (200..300).contains(status) => {
            match p.health.max_latency_ms.filter(|max| latency_ms > *max) {
                Some(max) => finding(
                    ENDPOINT_SLOW,
                    format!("{repo}: {url} answered {status} in {latency_ms} ms (limit {max} ms)"),
                ),
                None => EndpointVerdict::Healthy,
            }
        }
        ProbeOutcome::Answered { status } => {
            finding(ENDPOINT_UNHEALTHY, format!("{repo}: {url} answered HTTP {status} in {latency_ms} ms"))
        }
        ProbeOutcome::Refused => finding(ENDPOINT_DOWN, format!("{repo}: {url} refused the connection")),
        ProbeOutcome::TimedOut => {
            finding(ENDPOINT_DOWN, format!("{repo}: {url} did not answer within {} ms", p.health.timeout_ms))
        }
        ProbeOutcome::Failed { error } => finding(ENDPOINT_DOWN, format!("{repo}: {url} failed: {error}")),
        ProbeOutcome::NotProbed { reason } => {
            finding(ENDPOINT_NOT_PROBED, format!("{repo}: {url} was not probed: {reason}"))
        }
    }
}

/// Whether a coordination had any event within the stale window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    WithinWindow,
    NoneInWindow,
}

/// A stale or blocked open coordination, and its children blocked on their own (children
/// blocked by their coordination are covered by the coordination's finding).
pub fn coordination_findings(
    c: &Coordination,
    now: DateTime<Utc>,
    stale_days: u32,
    activity: Activity,
) -> Vec<HealthFinding> {
    let mut findings = Vec::new();
    if c.status.is_closed() {
        return findings;
    }
    let subject = Subject::Coordination { id: c.id, title: c.title.clone() };
    if activity == Activity::NoneInWindow {
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
            .doing(format!("resolve the reason, then set coordination #{} back to {}", c.id, h.resume))
            .resolved_by(Remedy::SetStatus { coordination: c.id, status: h.resume }),
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
            .doing(format!("resolve the reason, then set {} in coordination #{} back to {}", ch.repo, c.id, h.resume))
            .resolved_by(Remedy::SetChildStatus {
                coordination: c.id,
                repo: ch.repo.clone(),
                status: h.resume,
            }),
        );
    }
    findings
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

/// The declared plus discovered dependencies form this cycle.
pub fn cycle_finding(cycle: &Cycle) -> HealthFinding {
    let path: Vec<&str> = cycle.path.iter().map(RepoName::as_str).collect();
    HealthFinding::new(
        DEPENDENCY_CYCLE,
        format!("declared and discovered dependencies form a cycle: {}", path.join(" -> ")),
        cycle.path.iter().skip(1).map(|r| Subject::Repo { repo: r.clone() }).collect(),
    )
}

/// Recorded analyses with breaking findings and no coordination, the latest of each
/// (repo, base, head). An analysis of the same repo and head that has a coordination covers
/// the others.
pub fn uncoordinated_analyses(analyses: &[AnalysisRecord]) -> Vec<HealthFinding> {
    let covered: HashSet<(Option<&RepoName>, &str)> =
        analyses.iter().filter(|a| a.coordination.is_some()).map(|a| (a.repo.as_ref(), a.head.as_str())).collect();
    let mut latest: BTreeMap<(Option<&RepoName>, &str, &str), &AnalysisRecord> = BTreeMap::new();
    for a in analyses.iter().filter(|a| a.breaking() > 0 && a.coordination.is_none()) {
        if covered.contains(&(a.repo.as_ref(), a.head.as_str())) {
            continue;
        }
        latest.insert((a.repo.as_ref(), a.base.as_str(), a.head.as_str()), a);
    }
    let mut findings = Vec::new();
    for a in latest.values() {
        let mut rules: Vec<&str> =
            a.findings.iter().filter(|f| f.severity == Severity::Breaking).map(|f| f.rule.as_str()).collect();
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
        let finding = HealthFinding::new(
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
        );
        findings.push(match &a.repo {
            Some(r) => finding.resolved_by(Remedy::CoordinateRepo { repo: r.clone() }),
            None => finding,
        });
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::{HealthUrl, Level};

    fn health(max_latency_ms: Option<u64>) -> HealthCheck {
        HealthCheck {
            url: HealthUrl::parse("http://ops:hunter2@127.0.0.1:9/health?token=t0k").unwrap(),
            timeout_ms: 500,
            max_latency_ms,
            ca_file: None,
        }
    }

    /// The one place that judges an endpoint: (check ID, message) of the finding, if any.
    fn judge(outcome: ProbeOutcome, latency_ms: u64, max_latency_ms: Option<u64>) -> Option<(&'static str, String)> {
        let repo = RepoName::parse("hub").unwrap();
        let h = health(max_latency_ms);
        match endpoint_verdict(EndpointProbe { repo: &repo, health: &h, outcome: &outcome, latency_ms }) {
            EndpointVerdict::Healthy => None,
            EndpointVerdict::Unhealthy(f) => {
                assert!(!format!("{f:?}").contains("hunter2") && !f.message.contains("t0k"), "{f:?}");
                Some((f.check, f.message))
            }
        }
    }

    #[test]
    fn a_2xx_within_the_latency_limit_is_healthy_and_anything_else_is_a_finding() {
        assert_eq!(judge(ProbeOutcome::Answered { status: 204 }, 10, Some(100)), None);
        assert_eq!(judge(ProbeOutcome::Answered { status: 200 }, 150, Some(100)).unwrap().0, "ENDPOINT_SLOW");
        assert_eq!(judge(ProbeOutcome::Answered { status: 503 }, 10, None).unwrap().0, "ENDPOINT_UNHEALTHY");
        // A redirect the probe could not follow to its end is judged as what it is: not healthy.
        assert_eq!(judge(ProbeOutcome::Answered { status: 302 }, 10, None).unwrap().0, "ENDPOINT_UNHEALTHY");
        let (id, msg) = judge(ProbeOutcome::TimedOut, 500, None).unwrap();
        assert_eq!(
            (id, msg.as_str()),
            ("ENDPOINT_DOWN", "hub: http://***@127.0.0.1:9/health?*** did not answer within 500 ms")
        );
        assert_eq!(judge(ProbeOutcome::Refused, 1, None).unwrap().0, "ENDPOINT_DOWN");
        assert_eq!(judge(ProbeOutcome::Failed { error: "TLS".into() }, 1, None).unwrap().0, "ENDPOINT_DOWN");
        assert_eq!(judge(ProbeOutcome::NotProbed { reason: "x".into() }, 0, None).unwrap().0, "ENDPOINT_NOT_PROBED");
        assert_eq!(ENDPOINT_DOWN.level, Level::Critical);
    }
}
