//! Derived views of a coordination: progress, critical path, blockers, deployment readiness.

use crate::coordination::{BlockCause, Coordination, Hold, Subject};
use crate::kinds::{ChangeType, Priority, Strategy};
use crate::names::{CoordId, IssueRef, RepoName};
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

/// A child's share done: 1.0 when done, else the share of ticked checklist items (0.0 without
/// a checklist).
fn fraction(status: ChildStatus, checked: usize, total: usize) -> f64 {
    if status == ChildStatus::Done {
        1.0
    } else if total == 0 {
        0.0
    } else {
        checked as f64 / total as f64
    }
}

/// The overall progress of `(weight, fraction)` pairs, weighted by effort (0.0 without weight).
fn weighted(children: impl Iterator<Item = (u32, f64)> + Clone) -> f64 {
    let weight: f64 = children.clone().map(|(w, _)| w as f64).sum();
    if weight > 0.0 {
        children.map(|(w, f)| w as f64 * f).sum::<f64>() / weight
    } else {
        0.0
    }
}

/// `blocked` while anything is blocked and the coordination is not closed, else its status.
fn effective_status(status: CoordStatus, anything_blocked: bool) -> CoordStatus {
    if anything_blocked && !status.is_closed() {
        CoordStatus::Blocked
    } else {
        status
    }
}

/// A coordination as a list shows it: its own fields (no plan, milestone or integration) and,
/// per child, what progress and blockers need (checklist counts, not items; no dependencies).
/// `Store::list_summaries` reads it without loading the aggregates; [`Coordination::summary`]
/// gives the same from a loaded one. Progress figures are computed as [`Coordination::progress`]
/// computes them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoordinationSummary {
    pub id: CoordId,
    pub key: String,
    pub title: String,
    pub change_type: ChangeType,
    pub priority: Priority,
    pub strategy: Strategy,
    pub status: CoordStatus,
    pub hold: Option<Hold<CoordStatus>>,
    pub issue: Option<IssueRef>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// In position order.
    pub children: Vec<ChildSummary>,
}

/// One child of a [`CoordinationSummary`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChildSummary {
    pub repo: RepoName,
    pub weight: u32,
    pub status: ChildStatus,
    pub hold: Option<Hold<ChildStatus>>,
    /// Ticked checklist items.
    pub checked: usize,
    /// Checklist items.
    pub total: usize,
}

impl ChildSummary {
    /// 0.0–1.0, as [`ChildProgress::fraction`].
    pub fn fraction(&self) -> f64 {
        fraction(self.status, self.checked, self.total)
    }
}

impl CoordinationSummary {
    /// 0.0–1.0 weighted by effort, as [`Progress::overall`].
    pub fn overall(&self) -> f64 {
        weighted(self.children.iter().map(|c| (c.weight, c.fraction())))
    }

    pub fn children_done(&self) -> usize {
        self.children.iter().filter(|c| c.status == ChildStatus::Done).count()
    }

    /// How many blockers [`Coordination::progress`] lists: the coordination's hold and every
    /// child's.
    pub fn blockers(&self) -> usize {
        usize::from(self.hold.is_some()) + self.children.iter().filter(|c| c.hold.is_some()).count()
    }

    /// As [`Progress::effective_status`]: `blocked` when anything is, unless closed.
    pub fn effective_status(&self) -> CoordStatus {
        effective_status(self.status, self.blockers() > 0)
    }
}

impl Coordination {
    /// What a list shows of this coordination (see [`CoordinationSummary`]).
    pub fn summary(&self) -> CoordinationSummary {
        CoordinationSummary {
            id: self.id,
            key: self.key.clone(),
            title: self.title.clone(),
            change_type: self.change_type,
            priority: self.priority,
            strategy: self.strategy,
            status: self.status,
            hold: self.hold.clone(),
            issue: self.issue.clone(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            children: self
                .children
                .iter()
                .map(|c| ChildSummary {
                    repo: c.repo.clone(),
                    weight: c.weight,
                    status: c.status,
                    hold: c.hold.clone(),
                    checked: c.checklist.iter().filter(|i| i.checked).count(),
                    total: c.checklist.len(),
                })
                .collect(),
        }
    }

    pub fn progress(&self) -> Progress {
        let children: Vec<ChildProgress> = self
            .children
            .iter()
            .map(|c| {
                let total = c.checklist.len();
                let checked = c.checklist.iter().filter(|i| i.checked).count();
                let fraction = fraction(c.status, checked, total);
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
        let overall = weighted(children.iter().map(|c| (c.weight, c.fraction)));
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
        let effective_status = effective_status(self.status, !blockers.is_empty());

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
