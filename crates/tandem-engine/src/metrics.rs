//! Coordination metrics (SPEC C8), computed from the append-only history so that the figures of
//! any past window can be reproduced exactly.
//!
//! The window is `[until - window, until]` (`until` defaults to the clock's now). Only events
//! from the window's start on are read ([`tandem_store::Store::events_since`]); the state of
//! each coordination and child at the start is recovered backwards from its current state: the
//! status at time `t` is the `from` of its first status event after `t`, or its current status
//! when there is none. A coordination's creation time never changes.
//!
//! # Definitions
//! - **time to complete**: creation → `done`, for coordinations done in the window.
//! - **child resolution time**: the coordination's creation (when the child issue opens) → the
//!   child's last move to `done` in the window; one figure per child.
//! - **outcomes**: coordinations that moved to `done` or `cancelled` in the window.
//! - **time blocked**: the part of each blocked interval (coordinations, and children blocked on
//!   their own or by their coordination) that lies inside the window; an episode is one
//!   interval that overlaps it.
//! - **deployments**: each time a coordination leaves `deploying` for good in the window:
//!   `done` is a success, `ready` a rollback, `cancelled` an abort (a move to `blocked` pauses
//!   it). The success rate is successes / deployments, and is absent — not 100 % — when there
//!   were none.
//! - **gate failures**: rollout gates that failed their step in the window (`gate_failed`
//!   events: one per failing gate of the check that made a rollout roll back).
//! - **open coordinations**: created by `until` and not done or cancelled at `until`, with their
//!   age at `until`.
//! - **median**: the middle value, or the mean of the two middle values; **p90**: the
//!   nearest-rank 90th percentile (the smallest value with at least 90 % of values at or below it).

use crate::error::{EngineError, Input, Result};
use crate::Engine;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use tandem_model::{Action, ChildStatus, CoordId, CoordStatus, Coordination, RepoName, Subject};
use tandem_store::StoredEvent;

/// Which window to measure.
#[derive(Debug, Clone)]
pub struct MetricsOptions {
    /// How far back from `until` the window reaches.
    pub window: Duration,
    /// The window's end; default: the engine clock's now.
    pub until: Option<DateTime<Utc>>,
}

impl Default for MetricsOptions {
    fn default() -> Self {
        MetricsOptions { window: Duration::days(30), until: None }
    }
}

/// Reads a window length: a positive whole number and a unit, `m` (minutes), `h`, `d` or `w`:
/// `30d`, `12h`, `90d`, `2w`.
pub fn parse_window(s: &str) -> Result<Duration> {
    let t = s.trim();
    let bad = || {
        EngineError::Invalid(format!("'{s}' is not a duration; expected a number and a unit: 45m, 12h, 7d, 30d, 2w"))
    };
    let split = t.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (num, unit) = t.split_at(split);
    let n: i64 = num.parse().map_err(|_| bad())?;
    if n <= 0 {
        return Err(EngineError::Invalid(format!("'{s}' is not a positive duration; e.g. 30d")));
    }
    let d = match unit.trim() {
        "m" | "min" => Duration::try_minutes(n),
        "h" => Duration::try_hours(n),
        "d" => Duration::try_days(n),
        "w" => Duration::try_weeks(n),
        _ => None,
    };
    d.filter(|d| *d <= Duration::days(365 * 100)).ok_or_else(bad)
}

/// Median and 90th percentile of a set of durations, in seconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DurationStats {
    pub count: usize,
    pub median_seconds: Option<f64>,
    pub p90_seconds: Option<f64>,
    pub max_seconds: Option<f64>,
}

impl DurationStats {
    pub fn of(values: &[Duration]) -> DurationStats {
        let mut secs: Vec<f64> = values.iter().map(|d| d.num_milliseconds() as f64 / 1000.0).collect();
        secs.sort_by(f64::total_cmp);
        let n = secs.len();
        if n == 0 {
            return DurationStats { count: 0, median_seconds: None, p90_seconds: None, max_seconds: None };
        }
        let median = if n % 2 == 1 { secs[n / 2] } else { (secs[n / 2 - 1] + secs[n / 2]) / 2.0 };
        // Nearest rank: ceil(0.9 n), 1-based.
        let rank = (9 * n).div_ceil(10).max(1);
        DurationStats {
            count: n,
            median_seconds: Some(median),
            p90_seconds: Some(secs[rank - 1]),
            max_seconds: secs.last().copied(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcomes {
    pub done: usize,
    pub cancelled: usize,
    /// done / (done + cancelled); absent when nothing closed in the window.
    pub done_share: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlockedTime {
    pub coordination_seconds: f64,
    pub coordination_episodes: usize,
    pub child_seconds: f64,
    pub child_episodes: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deployments {
    /// Deployments that ended in the window: succeeded + rolled_back + aborted.
    pub total: usize,
    pub succeeded: usize,
    pub rolled_back: usize,
    pub aborted: usize,
    /// succeeded / total; absent when there were no deployments (not 100 %).
    pub success_rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenCoordination {
    pub id: CoordId,
    pub title: String,
    pub status: CoordStatus,
    pub age_seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenCoordinations {
    pub count: usize,
    pub ages: DurationStats,
    /// The oldest first (at most ten).
    pub oldest: Vec<OpenCoordination>,
}

/// Coordination metrics over one window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricsReport {
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub time_to_complete: DurationStats,
    pub time_to_complete_by_change_type: BTreeMap<String, DurationStats>,
    pub child_resolution: DurationStats,
    pub child_resolution_by_repo: BTreeMap<RepoName, DurationStats>,
    pub outcomes: Outcomes,
    pub blocked: BlockedTime,
    pub deployments: Deployments,
    /// Rollout gates that failed in the window (each made its rollout roll back).
    pub gate_failures: usize,
    pub open: OpenCoordinations,
}

/// A status change of one subject, parsed.
struct Change<S> {
    at: DateTime<Utc>,
    from: Option<S>,
    to: S,
}

/// The status changes of one subject from the window's start on, oldest first.
struct Timeline<S> {
    changes: Vec<Change<S>>,
}

impl<S: Copy + PartialEq> Timeline<S> {
    /// The status at `t`: the `from` of the first change after `t`, else `current`.
    fn at(&self, t: DateTime<Utc>, current: S) -> S {
        self.changes.iter().find(|c| c.at > t).and_then(|c| c.from).unwrap_or(current)
    }

    /// Time in `state` within `[start, end]`, and how many intervals of it overlap the window.
    fn time_in(&self, state: S, start: DateTime<Utc>, end: DateTime<Utc>, current: S) -> (Duration, usize) {
        if end <= start {
            return (Duration::zero(), 0);
        }
        let mut now_in = self.at(start, current);
        let mut since = start;
        let mut total = Duration::zero();
        let mut episodes = usize::from(now_in == state);
        for c in self.changes.iter().filter(|c| c.at > start && c.at <= end) {
            if now_in == state {
                total += c.at - since;
            }
            if c.to == state && now_in != state && c.at < end {
                episodes += 1;
            }
            now_in = c.to;
            since = c.at;
        }
        if now_in == state {
            total += end - since;
        }
        (total, episodes)
    }
}

fn parse_change<S: std::str::FromStr>(e: &StoredEvent) -> Option<Change<S>> {
    let to = e.event.to.as_deref()?.parse().ok()?;
    let from = e.event.from.as_deref().and_then(|f| f.parse().ok());
    Some(Change { at: e.event.at, from, to })
}

/// The timelines of one coordination and its children.
#[derive(Default)]
struct History {
    coordination: Vec<Change<CoordStatus>>,
    children: HashMap<RepoName, Vec<Change<ChildStatus>>>,
}

impl Engine {
    /// Coordination metrics over a window of the history (see the module documentation).
    #[tracing::instrument(skip(self))]
    pub fn metrics(&self, opts: &MetricsOptions) -> Result<MetricsReport> {
        if opts.window <= Duration::zero() {
            return Err(EngineError::input(Input::Window, "the metrics window must be positive, e.g. 30d"));
        }
        let until = opts.until.unwrap_or_else(|| self.clock.now());
        let from = until - opts.window;
        let coordinations = self.store.list_coordinations()?;
        let mut events = self.store.events_since(from)?;
        events.sort_by(|a, b| a.event.at.cmp(&b.event.at).then(a.id.cmp(&b.id)));
        let mut histories: HashMap<CoordId, History> = HashMap::new();
        for e in events.iter().filter(|e| e.event.action == Action::Status) {
            let h = histories.entry(e.coordination).or_default();
            match &e.event.subject {
                Subject::Coordination => h.coordination.extend(parse_change(e)),
                Subject::Child(repo) => h.children.entry(repo.clone()).or_default().extend(parse_change(e)),
                Subject::Integration => {}
            }
        }
        let gate_failures = events
            .iter()
            .filter(|e| e.event.action == Action::GateFailed && e.event.at >= from && e.event.at <= until)
            .count();
        Ok(MetricsReport { gate_failures, ..compute(&coordinations, histories, from, until) })
    }
}

fn compute(
    coordinations: &[Coordination],
    mut histories: HashMap<CoordId, History>,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> MetricsReport {
    let in_window = |t: DateTime<Utc>| t >= from && t <= until;
    let mut complete: Vec<Duration> = Vec::new();
    let mut complete_by_type: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
    let mut resolution: Vec<Duration> = Vec::new();
    let mut resolution_by_repo: BTreeMap<RepoName, Vec<Duration>> = BTreeMap::new();
    let (mut done, mut cancelled) = (0, 0);
    let mut blocked =
        BlockedTime { coordination_seconds: 0.0, coordination_episodes: 0, child_seconds: 0.0, child_episodes: 0 };
    let (mut succeeded, mut rolled_back, mut aborted) = (0, 0, 0);
    let mut open: Vec<OpenCoordination> = Vec::new();
    let seconds = |d: Duration| d.num_milliseconds() as f64 / 1000.0;

    for c in coordinations.iter().filter(|c| c.created_at <= until) {
        let h = histories.remove(&c.id).unwrap_or_default();
        let line = Timeline { changes: h.coordination };
        let start = from.max(c.created_at);

        for ch in line.changes.iter().filter(|ch| in_window(ch.at)) {
            match ch.to {
                CoordStatus::Done => {
                    done += 1;
                    let took = ch.at - c.created_at;
                    complete.push(took);
                    complete_by_type.entry(c.change_type.as_str().to_string()).or_default().push(took);
                }
                CoordStatus::Cancelled => cancelled += 1,
                _ => {}
            }
        }

        // Deployments: pending from entering `deploying` until it leaves for good.
        let mut deploying = line.at(start, c.status) == CoordStatus::Deploying;
        for ch in line.changes.iter().filter(|ch| ch.at > start) {
            match ch.to {
                CoordStatus::Deploying => deploying = true,
                CoordStatus::Blocked => {}
                outcome if deploying => {
                    deploying = false;
                    if in_window(ch.at) {
                        match outcome {
                            CoordStatus::Done => succeeded += 1,
                            CoordStatus::Ready => rolled_back += 1,
                            _ => aborted += 1,
                        }
                    }
                }
                _ => {}
            }
        }

        let (t, n) = line.time_in(CoordStatus::Blocked, start, until, c.status);
        blocked.coordination_seconds += seconds(t);
        blocked.coordination_episodes += n;

        let status_then = line.at(until, c.status);
        if !status_then.is_closed() {
            open.push(OpenCoordination {
                id: c.id,
                title: c.title.clone(),
                status: status_then,
                age_seconds: seconds(until - c.created_at),
            });
        }

        let mut children = h.children;
        for child in &c.children {
            let changes = children.remove(&child.repo).unwrap_or_default();
            let line = Timeline { changes };
            if let Some(last_done) = line.changes.iter().rev().find(|ch| ch.to == ChildStatus::Done && in_window(ch.at))
            {
                let took = last_done.at - c.created_at;
                resolution.push(took);
                resolution_by_repo.entry(child.repo.clone()).or_default().push(took);
            }
            let (t, n) = line.time_in(ChildStatus::Blocked, start, until, child.status);
            blocked.child_seconds += seconds(t);
            blocked.child_episodes += n;
        }
    }

    open.sort_by(|a, b| b.age_seconds.total_cmp(&a.age_seconds).then(a.id.cmp(&b.id)));
    let ages: Vec<Duration> = open.iter().map(|o| Duration::milliseconds((o.age_seconds * 1000.0) as i64)).collect();
    let total = succeeded + rolled_back + aborted;
    MetricsReport {
        from,
        until,
        time_to_complete: DurationStats::of(&complete),
        time_to_complete_by_change_type: complete_by_type
            .into_iter()
            .map(|(k, v)| (k, DurationStats::of(&v)))
            .collect(),
        child_resolution: DurationStats::of(&resolution),
        child_resolution_by_repo: resolution_by_repo.into_iter().map(|(k, v)| (k, DurationStats::of(&v))).collect(),
        outcomes: Outcomes {
            done,
            cancelled,
            done_share: (done + cancelled > 0).then(|| done as f64 / (done + cancelled) as f64),
        },
        blocked,
        deployments: Deployments {
            total,
            succeeded,
            rolled_back,
            aborted,
            success_rate: (total > 0).then(|| succeeded as f64 / total as f64),
        },
        gate_failures: 0,
        open: OpenCoordinations {
            count: open.len(),
            ages: DurationStats::of(&ages),
            oldest: open.into_iter().take(10).collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_nearest_rank_p90() {
        let h = |v: &[i64]| v.iter().map(|&x| Duration::hours(x)).collect::<Vec<_>>();
        let s = DurationStats::of(&h(&[5, 1, 3]));
        assert_eq!((s.count, s.median_seconds, s.p90_seconds), (3, Some(3.0 * 3600.0), Some(5.0 * 3600.0)));
        let s = DurationStats::of(&h(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
        assert_eq!((s.median_seconds, s.p90_seconds), (Some(5.5 * 3600.0), Some(9.0 * 3600.0)));
        let s = DurationStats::of(&h(&[7]));
        assert_eq!((s.median_seconds, s.p90_seconds), (Some(7.0 * 3600.0), Some(7.0 * 3600.0)));
        assert_eq!(DurationStats::of(&[]).median_seconds, None);
    }

    #[test]
    fn windows_parse_with_units_and_bad_ones_are_named() {
        assert_eq!(parse_window("30d").unwrap(), Duration::days(30));
        assert_eq!(parse_window("12h").unwrap(), Duration::hours(12));
        assert_eq!(parse_window("2w").unwrap(), Duration::days(14));
        assert_eq!(parse_window("45m").unwrap(), Duration::minutes(45));
        for bad in ["", "d", "30", "30y", "-3d", "0d", "99999999999999d"] {
            let e = parse_window(bad).unwrap_err().to_string();
            assert!(e.contains(&format!("'{bad}'")), "{bad}: {e}");
        }
    }
}
