//! Derived views of a coordination: progress, critical path, blockers, deployment readiness.

use crate::coordination::{BlockCause, Coordination, Subject};
use crate::names::RepoName;
use crate::status::{ChildStatus, CoordStatus, IntegrationStatus};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChildProgress {
    pub repo: RepoName,
    pub status: ChildStatus,
    pub weight: u32,
    pub checked: usize,
    pub total: usize,
    /// 0.0–1.0: 1.0 when done, else the share of ticked checklist items.
    pub fraction: f64,
    /// Under the sequential strategy, the children this one still waits for.
    pub waiting_on: Vec<RepoName>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriticalPath {
    /// The chain of unfinished children, providers first, that bounds the finish.
    pub repos: Vec<RepoName>,
    /// Remaining effort along it, in weight units.
    pub remaining: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Blocker {
    pub subject: Subject,
    pub reason: String,
    pub since: DateTime<Utc>,
    /// `own`: blocked itself; `parent`: blocked because the coordination is.
    pub cause: BlockCause,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Readiness {
    pub ready: bool,
    /// Why it is not ready yet (empty when ready).
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    pub status: CoordStatus,
    /// `blocked` when the coordination or any child is blocked, else `status`.
    pub effective_status: CoordStatus,
    /// 0.0–1.0, weighted by each repo's effort weight.
    pub overall: f64,
    pub children_done: usize,
    pub children_total: usize,
    pub children: Vec<ChildProgress>,
    pub integration: IntegrationProgress,
    pub critical_path: CriticalPath,
    pub blockers: Vec<Blocker>,
    pub readiness: Readiness,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntegrationProgress {
    pub status: IntegrationStatus,
    pub checked: usize,
    pub total: usize,
}

impl Coordination {
    pub fn progress(&self) -> Progress {
        let children: Vec<ChildProgress> = self
            .children
            .iter()
            .map(|c| {
                let total = c.checklist.len();
                let checked = c.checklist.iter().filter(|i| i.checked).count();
                let fraction = if c.status == ChildStatus::Done {
                    1.0
                } else if total == 0 {
                    0.0
                } else {
                    checked as f64 / total as f64
                };
                ChildProgress {
                    repo: c.repo.clone(),
                    status: c.status,
                    weight: c.weight,
                    checked,
                    total,
                    fraction,
                    waiting_on: self.waiting_on(c).iter().map(|p| p.repo.clone()).collect(),
                }
            })
            .collect();
        let weight: f64 = children.iter().map(|c| c.weight as f64).sum();
        let overall = if weight > 0.0 {
            children.iter().map(|c| c.weight as f64 * c.fraction).sum::<f64>() / weight
        } else {
            0.0
        };
        let children_done = children.iter().filter(|c| c.status == ChildStatus::Done).count();

        let mut blockers = Vec::new();
        if let Some(h) = &self.hold {
            blockers.push(Blocker {
                subject: Subject::Coordination,
                reason: h.reason.clone(),
                since: h.since,
                cause: BlockCause::Own,
            });
        }
        for c in &self.children {
            if let Some(h) = &c.hold {
                blockers.push(Blocker {
                    subject: Subject::Child(c.repo.clone()),
                    reason: h.reason.clone(),
                    since: h.since,
                    cause: h.cause,
                });
            }
        }
        let effective_status =
            if !blockers.is_empty() && !self.status.is_closed() { CoordStatus::Blocked } else { self.status };

        let mut reasons = Vec::new();
        if self.status == CoordStatus::Blocked {
            reasons.push("the coordination is blocked".to_string());
        }
        let open: Vec<String> = children
            .iter()
            .filter(|c| c.status != ChildStatus::Done)
            .map(|c| format!("{} ({})", c.repo, c.status))
            .collect();
        if !open.is_empty() {
            reasons.push(format!("{} of {} children not done: {}", open.len(), children.len(), open.join(", ")));
        }
        if self.integration.status != IntegrationStatus::Passed {
            reasons.push(format!("integration testing has not passed ({})", self.integration.status));
        }
        if self.status == CoordStatus::Cancelled {
            reasons.push("the coordination is cancelled".to_string());
        }

        Progress {
            status: self.status,
            effective_status,
            overall,
            children_done,
            children_total: children.len(),
            integration: IntegrationProgress {
                status: self.integration.status,
                checked: self.integration.checklist.iter().filter(|i| i.checked).count(),
                total: self.integration.checklist.len(),
            },
            critical_path: critical_path(self, &children),
            blockers,
            readiness: Readiness { ready: reasons.is_empty(), reasons },
            children,
        }
    }
}

/// Longest chain by remaining effort through the children's "providers first" relation.
fn critical_path(c: &Coordination, progress: &[ChildProgress]) -> CriticalPath {
    let n = c.children.len();
    let index: HashMap<&RepoName, usize> = c.children.iter().enumerate().map(|(i, ch)| (&ch.repo, i)).collect();
    let remaining: Vec<f64> = progress.iter().map(|p| p.weight as f64 * (1.0 - p.fraction)).collect();
    // best[i]: the largest remaining effort of a chain ending at i; via[i]: its predecessor.
    let mut best: Vec<Option<f64>> = vec![None; n];
    let mut via: Vec<Option<usize>> = vec![None; n];
    fn visit(
        i: usize,
        c: &Coordination,
        index: &HashMap<&RepoName, usize>,
        rem: &[f64],
        best: &mut [Option<f64>],
        via: &mut [Option<usize>],
        depth: usize,
    ) -> f64 {
        if let Some(b) = best[i] {
            return b;
        }
        let mut top = 0.0;
        let mut pick = None;
        if depth < 10_000 {
            for p in &c.children[i].after {
                if let Some(&j) = index.get(p) {
                    let v = visit(j, c, index, rem, best, via, depth + 1);
                    if v > top {
                        top = v;
                        pick = Some(j);
                    }
                }
            }
        }
        best[i] = Some(top + rem[i]);
        via[i] = pick;
        top + rem[i]
    }
    let mut end = None;
    let mut longest = 0.0;
    for i in 0..n {
        let v = visit(i, c, &index, &remaining, &mut best, &mut via, 0);
        if v > longest {
            longest = v;
            end = Some(i);
        }
    }
    let mut repos = Vec::new();
    let mut cur = end;
    while let Some(i) = cur {
        if remaining[i] > 0.0 {
            repos.push(c.children[i].repo.clone());
        }
        cur = via[i];
    }
    repos.reverse();
    CriticalPath { repos, remaining: longest }
}
