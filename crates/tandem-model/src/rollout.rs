//! Rollouts (SPEC C6, `tandem rollout`): the settings read from `tandem.toml`, the steps of a
//! rollout, what the history says about a run, and the transitions a rollout makes.
//!
//! The engine carries a rollout out (commands, probes, Prometheus queries); everything that
//! decides what may happen lives here: which steps a rollout has and in what order, which of
//! them a run already completed (read back from the append-only history, so that a killed run
//! resumes after its last completed step), and the coordination's moves
//! (ready → deploying → done, or deploying → ready → blocked after a rollback).

use crate::coordination::{Action, Coordination, Ctx, Event, Refused, Subject};
use crate::health::HealthUrl;
use crate::kinds::Strategy;
use crate::manifest::{HealthCheck, Workspace};
use crate::names::RepoName;
use crate::status::CoordStatus;
use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};
use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

/// How long a duration may be in `tandem.toml` (`interval`, `bake`, `timeout`).
pub const MAX_DURATION: Duration = Duration::from_secs(24 * 3600);

/// Reads a duration: a positive whole number and a unit, `ms`, `s`, `m` or `h`: `"30s"`,
/// `"500ms"`, `"10m"`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let bad = || {
        format!("'{}' is not a duration; expected a number and a unit: 500ms, 30s, 10m, 1h", crate::manifest::clip(s))
    };
    let split = t.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().map_err(|_| bad())?;
    let d = match unit.trim() {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        "h" => Duration::from_secs(n.saturating_mul(3600)),
        _ => return Err(bad()),
    };
    if d.is_zero() {
        return Err(format!("'{}' is not a positive duration", crate::manifest::clip(s)));
    }
    if d > MAX_DURATION {
        return Err(format!("'{}' is longer than 24h", crate::manifest::clip(s)));
    }
    Ok(d)
}

/// A duration as `tandem.toml` spells it.
pub fn show_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(3_600_000) {
        format!("{}h", ms / 3_600_000)
    } else if ms.is_multiple_of(60_000) {
        format!("{}m", ms / 60_000)
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

fn ser_duration<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&show_duration(*d))
}

pub(crate) fn ser_opt_duration<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&show_duration(*d)),
        None => s.serialize_none(),
    }
}

/// The `[rollout]` table: timing of the analysis, the deploy steps' limits, Prometheus, feature
/// flag stages, how to stop traffic, and the gates of the whole rollout.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RolloutSettings {
    /// How often the gates are evaluated (Flagger's `interval`).
    #[serde(serialize_with = "ser_duration")]
    pub interval: Duration,
    /// Failed checks of a step before the rollout rolls back (Flagger's `threshold`).
    pub threshold: u32,
    /// Consecutive successful checks before a step counts as healthy (Flagger's `iterations`).
    pub iterations: u32,
    /// The longest a deploy, rollback, flag or stop-traffic command may run.
    #[serde(serialize_with = "ser_duration")]
    pub step_timeout: Duration,
    /// At most this many repos of one wave deploy at once.
    pub parallel: usize,
    /// The Prometheus server the gates' queries go to (shown redacted).
    pub prometheus: Option<HealthUrl>,
    /// How long one Prometheus query may take.
    pub prometheus_timeout_ms: u64,
    /// The command that stops traffic to the new version (default for the feature-flag
    /// strategy: the flag set to 0 %).
    pub stop_traffic: Option<String>,
    /// Staged feature flags, for the feature-flag strategy.
    pub flags: Option<FlagSettings>,
    /// Gates of the whole rollout, evaluated after every step.
    pub gates: Vec<Gate>,
}

impl Default for RolloutSettings {
    fn default() -> Self {
        RolloutSettings {
            interval: Duration::from_secs(30),
            threshold: 2,
            iterations: 3,
            step_timeout: Duration::from_secs(600),
            parallel: 4,
            prometheus: None,
            prometheus_timeout_ms: 2000,
            stop_traffic: None,
            flags: None,
            gates: Vec::new(),
        }
    }
}

/// How a feature flag moves: a shell command, or an HTTP call.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagAction {
    /// Run by the shell in the workspace directory, with `TANDEM_PERCENT` (and `{percent}` in
    /// the text replaced by the percentage).
    Command(String),
    /// `POST` to this URL (`{percent}` replaced) with the body `{"percent": N}`.
    Http(HealthUrl),
}

/// `[rollout.flags]`: the stages (percent of traffic) and how long each bakes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlagSettings {
    pub action: FlagAction,
    /// Strictly increasing, each 1 to 100.
    pub stages: Vec<u8>,
    /// How long each stage runs (its gates evaluated meanwhile) before the next.
    #[serde(serialize_with = "ser_duration")]
    pub bake: Duration,
}

/// Which side of a threshold a Prometheus value must stay on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    /// The value must stay below this (`max`).
    Below(f64),
    /// The value must stay above this (`min`).
    Above(f64),
}

/// Bounds are finite (the manifest refuses NaN and infinities), so equality is total.
impl Eq for Bound {}

impl Bound {
    /// Whether `value` satisfies the bound (NaN never does).
    pub fn holds(self, value: f64) -> bool {
        match self {
            Bound::Below(max) => value < max,
            Bound::Above(min) => value > min,
        }
    }
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bound::Below(v) => write!(f, "< {v}"),
            Bound::Above(v) => write!(f, "> {v}"),
        }
    }
}

/// What a gate checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GateCheck {
    /// An HTTP(S) endpoint: 2xx within its latency bound (a refused connection fails).
    Http(HealthCheck),
    /// A PromQL instant query whose every sample must satisfy the bound; no data fails.
    Prometheus { query: String, bound: Bound },
}

/// One gate: a name for messages and the check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gate {
    pub name: String,
    pub check: GateCheck,
}

/// What a gate decided about the checks of one step (Flagger's analysis).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Analysis {
    /// Keep checking.
    Continue,
    /// `iterations` consecutive successes (and the bake time, if any, is over).
    Healthy,
    /// `threshold` failed checks: roll back.
    Failed,
}

/// Counts the checks of one step and decides.
#[derive(Debug, Clone, Default)]
pub struct AnalysisCounter {
    pub successes: u32,
    pub failures: u32,
    pub checks: u32,
}

impl AnalysisCounter {
    /// Records one check (every gate passed or not) and says what follows. `baked`: the step's
    /// bake time is over (always true without one).
    pub fn record(&mut self, passed: bool, settings: &RolloutSettings, baked: bool) -> Analysis {
        self.checks += 1;
        if passed {
            self.successes += 1;
        } else {
            self.successes = 0;
            self.failures += 1;
        }
        if self.failures >= settings.threshold {
            Analysis::Failed
        } else if self.successes >= settings.iterations && baked {
            Analysis::Healthy
        } else {
            Analysis::Continue
        }
    }
}

/// What a rollout step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// A repo's deploy command.
    Deploy,
    /// The gates evaluated after a wave or a flag stage.
    Analysis,
    /// The feature flag moved to a stage's percentage.
    Flag,
    /// Traffic to the new version stopped (the rollback's first step).
    StopTraffic,
    /// A repo's rollback command.
    Rollback,
    /// The gates of the rolled-back repos evaluated once more.
    Verify,
}

/// One step of a rollout. Its [`key`](RolloutStep::key) identifies it in the history.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct RolloutStep {
    pub kind: StepKind,
    pub repo: Option<RepoName>,
    /// 1-based wave (deploys and the analysis after a wave).
    pub wave: Option<usize>,
    /// A flag stage's percentage (the flag step and the analysis after it).
    pub percent: Option<u8>,
}

impl RolloutStep {
    fn new(kind: StepKind) -> RolloutStep {
        RolloutStep { kind, repo: None, wave: None, percent: None }
    }

    /// The step's name in the history (`to` of its events): `deploy loqa-hub`, `analysis wave
    /// 1`, `flag 25%`, `analysis 25%`, `stop traffic`, `rollback loqa-hub`, `verify`.
    pub fn key(&self) -> String {
        let repo = self.repo.as_ref().map(RepoName::as_str).unwrap_or("?");
        match self.kind {
            StepKind::Deploy => format!("deploy {repo}"),
            StepKind::Rollback => format!("rollback {repo}"),
            StepKind::Analysis => match (self.wave, self.percent) {
                (_, Some(p)) => format!("analysis {p}%"),
                (Some(w), None) => format!("analysis wave {w}"),
                (None, None) => "analysis".into(),
            },
            StepKind::Flag => format!("flag {}%", self.percent.unwrap_or(0)),
            StepKind::StopTraffic => "stop traffic".into(),
            StepKind::Verify => "verify".into(),
        }
    }

    /// `TANDEM_STAGE` of the step's command: `deploy`, `rollback`, `flag`, `stop-traffic`.
    pub fn stage(&self) -> &'static str {
        match self.kind {
            StepKind::Deploy => "deploy",
            StepKind::Rollback => "rollback",
            StepKind::Flag => "flag",
            StepKind::StopTraffic => "stop-traffic",
            StepKind::Analysis => "analysis",
            StepKind::Verify => "verify",
        }
    }

    /// The history's subject of the step: the repo's child, or the coordination.
    pub fn subject(&self) -> Subject {
        match &self.repo {
            Some(r) => Subject::Child(r.clone()),
            None => Subject::Coordination,
        }
    }

    /// Whether running the step twice does no harm (everything but a deploy: analyses only
    /// observe; setting a flag, stopping traffic and rolling back converge to one state).
    pub fn repeatable(&self) -> bool {
        self.kind != StepKind::Deploy
    }
}

/// The forward steps of a rollout, in order: each wave's deploys (in parallel), then the
/// wave's analysis when any gate applies; under the feature-flag strategy with
/// `[rollout.flags]`, then each stage's flag step and analysis.
pub fn forward_steps(c: &Coordination, ws: &Workspace) -> Vec<RolloutStep> {
    let mut steps = Vec::new();
    let mut deployed: Vec<RepoName> = Vec::new();
    for (w, wave) in c.waves().into_iter().enumerate() {
        for r in &wave {
            steps.push(RolloutStep { repo: Some(r.clone()), wave: Some(w + 1), ..RolloutStep::new(StepKind::Deploy) });
        }
        deployed.extend(wave);
        if !gates_for(ws, &deployed).is_empty() {
            steps.push(RolloutStep { wave: Some(w + 1), ..RolloutStep::new(StepKind::Analysis) });
        }
    }
    if let Some(flags) = staged_flags(c, ws) {
        for &p in &flags.stages {
            steps.push(RolloutStep { percent: Some(p), ..RolloutStep::new(StepKind::Flag) });
            steps.push(RolloutStep { percent: Some(p), ..RolloutStep::new(StepKind::Analysis) });
        }
    }
    steps
}

/// The flag stages a rollout of `c` moves through: only under the feature-flag strategy.
pub fn staged_flags<'w>(c: &Coordination, ws: &'w Workspace) -> Option<&'w FlagSettings> {
    (c.strategy == Strategy::FeatureFlags).then_some(ws.rollout.flags.as_ref()).flatten()
}

/// The rollback steps for the repos whose deploy started, in reverse deployment order: stop
/// traffic, each repo's rollback, verify.
pub fn rollback_steps(c: &Coordination, started: &[RepoName]) -> Vec<RolloutStep> {
    let order: Vec<RepoName> = c.waves().into_iter().flatten().collect();
    let mut steps = vec![RolloutStep::new(StepKind::StopTraffic)];
    for r in order.iter().rev().filter(|r| started.contains(r)) {
        steps.push(RolloutStep { repo: Some(r.clone()), ..RolloutStep::new(StepKind::Rollback) });
    }
    steps.push(RolloutStep::new(StepKind::Verify));
    steps
}

/// A repo's gates: its `[[repo.gate]]`s, else its `[repo.health]` endpoint.
pub fn repo_gates(repo: &crate::manifest::Repo) -> Vec<Gate> {
    if !repo.gates.is_empty() {
        return repo.gates.clone();
    }
    match &repo.health {
        Some(h) => vec![Gate { name: format!("{} health", repo.name), check: GateCheck::Http(h.clone()) }],
        None => Vec::new(),
    }
}

/// The gates that apply once `repos` are deployed: the rollout's own and each repo's, with the
/// repo they belong to (`None`: the whole rollout's).
pub fn gates_for(ws: &Workspace, repos: &[RepoName]) -> Vec<(Option<RepoName>, Gate)> {
    let mut out: Vec<(Option<RepoName>, Gate)> = ws.rollout.gates.iter().map(|g| (None, g.clone())).collect();
    for r in repos {
        if let Some(repo) = ws.repo(r) {
            out.extend(repo_gates(repo).into_iter().map(|g| (Some(r.clone()), g)));
        }
    }
    out
}

/// The state of one step in a run, read from the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Pending,
    /// Started and neither completed nor failed: running now, or its run was killed.
    Started,
    Completed,
    Failed,
}

/// What the history of one run says about a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepRecord {
    pub state: StepState,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The last event's reason: exit status, log file, gate verdicts.
    pub detail: Option<String>,
}

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// No run has started (the coordination never went to deploying).
    NotStarted,
    /// Deploying and gating.
    Forward,
    /// A step failed; the rollback is under way.
    RollingBack,
    /// The coordination left deploying: done, or rolled back.
    Finished,
}

/// One run of a rollout as the history tells it: from the coordination's last move to
/// `deploying` on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunRecord {
    pub started_at: Option<DateTime<Utc>>,
    pub phase: Phase,
    /// Why the rollout rolls (or rolled) back.
    pub failure: Option<String>,
    /// By step key.
    pub steps: HashMap<String, StepRecord>,
    /// Repos whose deploy started in this run, in the order it started.
    pub deploys_started: Vec<RepoName>,
}

impl RunRecord {
    /// Reads the last run out of a coordination's history (oldest first).
    pub fn from_history<'e>(events: impl IntoIterator<Item = &'e Event>) -> RunRecord {
        let events: Vec<&Event> = events.into_iter().collect();
        let start = events.iter().rposition(|e| {
            e.action == Action::Status
                && e.subject == Subject::Coordination
                && e.to.as_deref() == Some(CoordStatus::Deploying.as_str())
        });
        let Some(start) = start else {
            return RunRecord {
                started_at: None,
                phase: Phase::NotStarted,
                failure: None,
                steps: HashMap::new(),
                deploys_started: Vec::new(),
            };
        };
        let mut run = RunRecord {
            started_at: Some(events[start].at),
            phase: Phase::Forward,
            failure: None,
            steps: HashMap::new(),
            deploys_started: Vec::new(),
        };
        for e in &events[start + 1..] {
            let key = e.to.clone().unwrap_or_default();
            match e.action {
                Action::RolloutStepStarted => {
                    if let (Subject::Child(r), true) = (&e.subject, key.starts_with("deploy ")) {
                        if !run.deploys_started.contains(r) {
                            run.deploys_started.push(r.clone());
                        }
                    }
                    let s = run.steps.entry(key).or_insert(StepRecord {
                        state: StepState::Started,
                        started_at: None,
                        finished_at: None,
                        detail: None,
                    });
                    s.state = StepState::Started;
                    s.started_at = Some(e.at);
                    s.finished_at = None;
                    s.detail = e.reason.clone();
                }
                Action::RolloutStepCompleted | Action::RolloutStepFailed => {
                    let s = run.steps.entry(key).or_insert(StepRecord {
                        state: StepState::Started,
                        started_at: None,
                        finished_at: None,
                        detail: None,
                    });
                    s.state =
                        if e.action == Action::RolloutStepCompleted { StepState::Completed } else { StepState::Failed };
                    s.finished_at = Some(e.at);
                    s.detail = e.reason.clone();
                }
                Action::RollbackStarted => {
                    run.phase = Phase::RollingBack;
                    run.failure = e.reason.clone();
                }
                Action::Status
                    if e.subject == Subject::Coordination
                        && e.from.as_deref() == Some(CoordStatus::Deploying.as_str()) =>
                {
                    run.phase = Phase::Finished;
                }
                _ => {}
            }
        }
        run
    }

    pub fn state(&self, step: &RolloutStep) -> StepState {
        self.steps.get(&step.key()).map_or(StepState::Pending, |s| s.state)
    }
}

impl Coordination {
    /// Starts a rollout: the coordination must be ready (integration testing passed, every
    /// child done); it moves to deploying. Refused with every reason it is not ready.
    pub fn begin_rollout(&mut self, ctx: &Ctx) -> Result<Vec<Event>, Refused> {
        let id = self.id;
        match self.status {
            CoordStatus::Ready => {}
            CoordStatus::Deploying => return Ok(Vec::new()),
            CoordStatus::Blocked => {
                let why = self.hold.as_ref().map(|h| h.reason.as_str()).unwrap_or("no reason given");
                let resume = self.hold.as_ref().map(|h| h.resume).unwrap_or(CoordStatus::InProgress);
                return Err(Refused::new(format!(
                    "coordination #{id} is blocked ({why}); a rollout starts from ready: unblock it (back to {resume}) first"
                )));
            }
            s => {
                let p = self.progress();
                let mut reasons = p.readiness.reasons;
                if reasons.is_empty() {
                    reasons.push(format!("it is {s}"));
                }
                return Err(Refused::new(format!(
                    "coordination #{id} is {s}, not ready to deploy: {}",
                    reasons.join("; ")
                )));
            }
        }
        let p = self.progress();
        if !p.readiness.ready {
            return Err(Refused::new(format!(
                "coordination #{id} is not ready to deploy: {}",
                p.readiness.reasons.join("; ")
            )));
        }
        self.set_status(CoordStatus::Deploying, Some("rollout started"), false, ctx)
    }

    /// Ends a rollout whose every step completed: deploying → done.
    pub fn finish_rollout(&mut self, ctx: &Ctx) -> Result<Vec<Event>, Refused> {
        if self.status != CoordStatus::Deploying {
            return Ok(Vec::new());
        }
        self.set_status(CoordStatus::Done, Some("rollout completed: every step passed its gates"), false, ctx)
    }

    /// Ends a rolled-back rollout: deploying → ready (the deployment was rolled back, which the
    /// metrics count) → blocked with the failure as its reason, so nobody deploys it again
    /// before looking. Unblocking returns it to ready.
    pub fn end_rolled_back(&mut self, failure: &str, ctx: &Ctx) -> Result<Vec<Event>, Refused> {
        if self.status != CoordStatus::Deploying {
            return Ok(Vec::new());
        }
        let failure = if failure.trim().is_empty() { "rollout failed" } else { failure };
        let mut events = self.set_status(CoordStatus::Ready, Some(&format!("rolled back: {failure}")), false, ctx)?;
        events.extend(self.set_status(CoordStatus::Blocked, Some(failure), false, ctx)?);
        Ok(events)
    }

    /// An event of a rollout step (no state change: the history is the rollout's record).
    pub fn step_event(&self, step: &RolloutStep, action: Action, reason: Option<String>, ctx: &Ctx) -> Event {
        Event {
            at: ctx.now,
            actor: ctx.actor.clone(),
            subject: step.subject(),
            action,
            from: None,
            to: Some(step.key()),
            reason,
        }
    }

    /// The event that opens a rollback, with the failure that caused it.
    pub fn rollback_event(&self, failure: &str, ctx: &Ctx) -> Event {
        Event {
            at: ctx.now,
            actor: ctx.actor.clone(),
            subject: Subject::Coordination,
            action: Action::RollbackStarted,
            from: None,
            to: Some("rollback".into()),
            reason: Some(failure.to_string()),
        }
    }

    /// The event of a gate that failed its step (what the metrics count as a gate failure).
    pub fn gate_failed_event(&self, repo: Option<&RepoName>, gate: &str, why: &str, ctx: &Ctx) -> Event {
        Event {
            at: ctx.now,
            actor: ctx.actor.clone(),
            subject: repo.map_or(Subject::Coordination, |r| Subject::Child(r.clone())),
            action: Action::GateFailed,
            from: None,
            to: Some(gate.to_string()),
            reason: Some(why.to_string()),
        }
    }
}

/// A refused piece of the manifest, placed by the manifest's parser.
pub(crate) struct RawError {
    pub span: Option<std::ops::Range<usize>>,
    pub message: String,
    pub expected: Option<String>,
}

fn raw_err(span: Option<std::ops::Range<usize>>, message: String, expected: &str) -> RawError {
    RawError { span, message, expected: Some(expected.to_string()) }
}

/// `[rollout]` as written.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRollout {
    interval: Option<Spanned<String>>,
    threshold: Option<Spanned<u32>>,
    iterations: Option<Spanned<u32>>,
    step_timeout: Option<Spanned<String>>,
    parallel: Option<Spanned<u32>>,
    prometheus: Option<Spanned<String>>,
    prometheus_timeout_ms: Option<Spanned<u64>>,
    stop_traffic: Option<String>,
    flags: Option<Spanned<RawFlags>>,
    #[serde(default)]
    gate: Vec<Spanned<RawGate>>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFlags {
    command: Option<String>,
    url: Option<Spanned<String>>,
    stages: Option<Spanned<Vec<Spanned<i64>>>>,
    bake: Option<Spanned<String>>,
}

/// `[[repo.gate]]` or `[[rollout.gate]]` as written.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawGate {
    name: Option<String>,
    query: Option<Spanned<String>>,
    max: Option<f64>,
    min: Option<f64>,
    url: Option<Spanned<String>>,
    timeout_ms: Option<Spanned<u64>>,
    max_latency_ms: Option<u64>,
    ca_file: Option<String>,
}

use toml::Spanned;

fn duration_at(v: &Spanned<String>, what: &str) -> Result<Duration, RawError> {
    parse_duration(v.get_ref())
        .map_err(|e| raw_err(Some(v.span()), format!("{what}: {e}"), "a duration such as \"1s\", \"30s\", \"10m\""))
}

/// An HTTP(S) check (`[repo.health]` or an HTTP gate): the URL parsed once (never echoed: it
/// may carry credentials), the timeout within bounds.
pub(crate) fn http_check(
    url: &Spanned<String>,
    timeout_ms: Option<&Spanned<u64>>,
    max_latency_ms: Option<u64>,
    ca_file: Option<&str>,
    root: &std::path::Path,
    kind: &str,
    owner: &str,
) -> Result<HealthCheck, RawError> {
    let parsed = HealthUrl::parse(url.get_ref()).map_err(|e| RawError {
        span: Some(url.span()),
        message: format!("{kind} url of {owner} {e}"),
        expected: Some(e.expected().into()),
    })?;
    let max = crate::manifest::MAX_HEALTH_TIMEOUT_MS;
    let timeout_ms = match timeout_ms {
        Some(t) if !(1..=max).contains(t.get_ref()) => {
            return Err(raw_err(
                Some(t.span()),
                format!("{kind} timeout_ms of {owner} is {}", t.get_ref()),
                &format!("a timeout from 1 to {max} ms (default 2000)"),
            ))
        }
        Some(t) => *t.get_ref(),
        None => 2000,
    };
    Ok(HealthCheck { url: parsed, timeout_ms, max_latency_ms, ca_file: ca_file.map(|p| root.join(p)) })
}

/// Reads gates; `prometheus`: whether a Prometheus server is configured.
pub(crate) fn read_gates(
    raw: &[Spanned<RawGate>],
    prometheus: bool,
    root: &std::path::Path,
    owner: &str,
) -> Result<Vec<Gate>, RawError> {
    let mut gates = Vec::new();
    for g in raw {
        let span = Some(g.span());
        let g = g.get_ref();
        let check = match (&g.query, &g.url) {
            (Some(q), None) => {
                if q.get_ref().trim().is_empty() {
                    return Err(raw_err(
                        Some(q.span()),
                        format!("a gate of {owner} has an empty query"),
                        "a PromQL query",
                    ));
                }
                if !prometheus {
                    return Err(raw_err(
                        Some(q.span()),
                        format!("a Prometheus gate of {owner} but no Prometheus server"),
                        "[rollout] prometheus = \"http://HOST:9090\"",
                    ));
                }
                if g.timeout_ms.is_some() || g.max_latency_ms.is_some() || g.ca_file.is_some() {
                    return Err(raw_err(
                        Some(q.span()),
                        format!("a Prometheus gate of {owner} has HTTP settings (timeout_ms, max_latency_ms, ca_file)"),
                        "query with max or min; or url with timeout_ms, max_latency_ms, ca_file",
                    ));
                }
                let bound = match (g.max, g.min) {
                    (Some(m), None) if m.is_finite() => Bound::Below(m),
                    (None, Some(m)) if m.is_finite() => Bound::Above(m),
                    _ => {
                        return Err(raw_err(
                            Some(q.span()),
                            format!("the Prometheus gate of {owner} needs exactly one finite threshold, max or min"),
                            "max = 0.2 (the value must stay below) or min = 0.99 (above)",
                        ))
                    }
                };
                GateCheck::Prometheus { query: q.get_ref().clone(), bound }
            }
            (None, Some(u)) => {
                if g.max.is_some() || g.min.is_some() {
                    return Err(raw_err(
                        Some(u.span()),
                        format!("an HTTP gate of {owner} has max or min"),
                        "max_latency_ms for an HTTP gate; max or min belong to a query",
                    ));
                }
                GateCheck::Http(http_check(
                    u,
                    g.timeout_ms.as_ref(),
                    g.max_latency_ms,
                    g.ca_file.as_deref(),
                    root,
                    "gate",
                    owner,
                )?)
            }
            _ => {
                return Err(raw_err(
                    span,
                    format!("a gate of {owner} needs either query (Prometheus) or url (HTTP), not both or neither"),
                    "query = \"PROMQL\" with max or min; or url = \"https://host/health\"",
                ))
            }
        };
        let name = match (&g.name, &check) {
            (Some(n), _) => n.clone(),
            (None, GateCheck::Prometheus { query, bound }) => format!("{} {bound}", crate::manifest::clip(query)),
            (None, GateCheck::Http(h)) => h.url.to_string(),
        };
        gates.push(Gate { name, check });
    }
    Ok(gates)
}

/// Reads `[rollout]`.
pub(crate) fn read_settings(raw: Option<&RawRollout>, root: &std::path::Path) -> Result<RolloutSettings, RawError> {
    let mut s = RolloutSettings::default();
    let Some(r) = raw else { return Ok(s) };
    if let Some(v) = &r.interval {
        s.interval = duration_at(v, "rollout interval")?;
    }
    if let Some(v) = &r.step_timeout {
        s.step_timeout = duration_at(v, "rollout step_timeout")?;
    }
    for (field, value, target) in
        [("threshold", &r.threshold, &mut s.threshold), ("iterations", &r.iterations, &mut s.iterations)]
    {
        if let Some(v) = value {
            if !(1..=1000).contains(v.get_ref()) {
                return Err(raw_err(
                    Some(v.span()),
                    format!("rollout {field} is {}", v.get_ref()),
                    "a count from 1 to 1000",
                ));
            }
            *target = *v.get_ref();
        }
    }
    if let Some(v) = &r.parallel {
        if !(1..=64).contains(v.get_ref()) {
            return Err(raw_err(
                Some(v.span()),
                format!("rollout parallel is {}", v.get_ref()),
                "from 1 to 64 repos at once",
            ));
        }
        s.parallel = *v.get_ref() as usize;
    }
    if let Some(v) = &r.prometheus_timeout_ms {
        let max = crate::manifest::MAX_HEALTH_TIMEOUT_MS;
        if !(1..=max).contains(v.get_ref()) {
            return Err(raw_err(
                Some(v.span()),
                format!("rollout prometheus_timeout_ms is {}", v.get_ref()),
                &format!("a timeout from 1 to {max} ms (default 2000)"),
            ));
        }
        s.prometheus_timeout_ms = *v.get_ref();
    }
    if let Some(u) = &r.prometheus {
        s.prometheus = Some(HealthUrl::parse(u.get_ref()).map_err(|e| RawError {
            span: Some(u.span()),
            message: format!("rollout prometheus {e}"),
            expected: Some(e.expected().into()),
        })?);
    }
    s.stop_traffic = r.stop_traffic.clone().filter(|c| !c.trim().is_empty());
    if let Some(f) = &r.flags {
        let span = Some(f.span());
        let f = f.get_ref();
        let action = match (&f.command, &f.url) {
            (Some(c), None) if !c.trim().is_empty() => FlagAction::Command(c.clone()),
            (None, Some(u)) => FlagAction::Http(HealthUrl::parse(u.get_ref()).map_err(|e| RawError {
                span: Some(u.span()),
                message: format!("rollout flags url {e}"),
                expected: Some(e.expected().into()),
            })?),
            _ => {
                return Err(raw_err(
                    span,
                    "[rollout.flags] needs either command or url, not both or neither".into(),
                    "command = \"flagctl set checkout $TANDEM_PERCENT\" or url = \"http://flags/api/checkout?percent={percent}\"",
                ))
            }
        };
        let stages = match &f.stages {
            None => vec![10, 25, 50, 100],
            Some(list) => {
                let mut out: Vec<u8> = Vec::new();
                for p in list.get_ref() {
                    let v = *p.get_ref();
                    if !(1..=100).contains(&v) || out.last().is_some_and(|&l| i64::from(l) >= v) {
                        return Err(raw_err(
                            Some(p.span()),
                            format!("flag stage {v} is out of order or outside 1 to 100"),
                            "increasing percentages from 1 to 100, e.g. [10, 25, 50, 100]",
                        ));
                    }
                    out.push(v as u8);
                }
                if out.is_empty() {
                    return Err(raw_err(Some(list.span()), "no flag stages".into(), "e.g. stages = [10, 25, 50, 100]"));
                }
                out
            }
        };
        let bake = match &f.bake {
            Some(b) => duration_at(b, "rollout flags bake")?,
            None => Duration::ZERO,
        };
        s.flags = Some(FlagSettings { action, stages, bake });
    }
    s.gates = read_gates(&r.gate, s.prometheus.is_some(), root, "the rollout")?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const REPOS: &str = "[[repo]]\nname = \"a\"\nrole = \"service\"\n";

    fn parse(text: &str) -> Result<Workspace, crate::manifest::ManifestError> {
        Workspace::parse(text, Path::new("/ws/tandem.toml"))
    }

    #[test]
    fn rollout_settings_are_read_with_their_defaults() {
        let ws = parse(&format!(
            "[rollout]\ninterval = \"1s\"\nthreshold = 3\nprometheus = \"http://127.0.0.1:9090\"\n\
             [rollout.flags]\ncommand = \"flag $TANDEM_PERCENT\"\nbake = \"500ms\"\n\
             [[rollout.gate]]\nquery = \"max(x)\"\nmax = 0.2\n{REPOS}\
             [repo.deploy]\ncommand = \"d\"\ntimeout = \"2m\"\nidempotent = true\n\
             [[repo.gate]]\nname = \"errors\"\nquery = \"sum(e)\"\nmin = 0.5\n"
        ))
        .unwrap();
        let r = &ws.rollout;
        assert_eq!((r.interval, r.threshold, r.iterations), (Duration::from_secs(1), 3, 3));
        assert_eq!(r.flags.as_ref().unwrap().stages, [10, 25, 50, 100]);
        assert_eq!(r.flags.as_ref().unwrap().bake, Duration::from_millis(500));
        assert_eq!(r.gates[0].name, "max(x) < 0.2");
        let a = &ws.repos[0];
        assert_eq!(a.deploy.as_ref().unwrap().timeout, Some(Duration::from_secs(120)));
        assert!(a.deploy.as_ref().unwrap().idempotent);
        assert_eq!(a.gates[0].check, GateCheck::Prometheus { query: "sum(e)".into(), bound: Bound::Above(0.5) });
    }

    #[test]
    fn bad_rollout_settings_are_refused_with_their_place() {
        let check = |text: String, line: usize, needle: &str| {
            let e = parse(&text).unwrap_err();
            assert_eq!(e.line, line, "{e}");
            assert!(e.to_string().contains(needle), "{e}");
            assert!(e.to_string().starts_with("/ws/tandem.toml:"), "{e}");
        };
        check(format!("[rollout]\ninterval = \"soon\"\n{REPOS}"), 2, "'soon' is not a duration");
        check(format!("[rollout]\nthreshold = 0\n{REPOS}"), 2, "threshold is 0");
        check(format!("[rollout]\n[[rollout.gate]]\nquery = \"up\"\nmax = 1\n{REPOS}"), 3, "no Prometheus server");
        check(
            format!("[rollout]\nprometheus = \"http://p:9090\"\n[[rollout.gate]]\nquery = \"up\"\n{REPOS}"),
            4,
            "exactly one finite threshold",
        );
        check(format!("[rollout.flags]\ncommand = \"f\"\nstages = [50, 25]\n{REPOS}"), 3, "flag stage 25");
        check(format!("{REPOS}[repo.deploy]\ncommand = \"d\"\ntimeout = \"0s\"\n"), 6, "deploy timeout of 'a'");
        check(format!("{REPOS}[[repo.gate]]\nname = \"x\"\n"), 4, "either query (Prometheus) or url (HTTP)");
        check(format!("[rollout]\nbake = \"1s\"\n{REPOS}"), 2, "unknown field `bake`");
    }

    #[test]
    fn durations_read_their_units_and_refuse_zero_and_more_than_a_day() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        for bad in ["", "s", "0s", "25h", "3 days", "-1s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(show_duration(Duration::from_millis(1500)), "1500ms");
        assert_eq!(show_duration(Duration::from_secs(120)), "2m");
    }

    #[test]
    fn analysis_passes_after_iterations_in_a_row_and_fails_at_the_threshold() {
        let s = RolloutSettings { threshold: 2, iterations: 2, ..RolloutSettings::default() };
        let mut c = AnalysisCounter::default();
        assert_eq!(c.record(true, &s, true), Analysis::Continue);
        assert_eq!(c.record(false, &s, true), Analysis::Continue);
        assert_eq!(c.record(true, &s, true), Analysis::Continue, "successes are consecutive");
        assert_eq!(c.record(true, &s, false), Analysis::Continue, "not baked yet");
        assert_eq!(c.record(true, &s, true), Analysis::Healthy);
        let mut c = AnalysisCounter::default();
        c.record(false, &s, true);
        assert_eq!(c.record(false, &s, true), Analysis::Failed);
    }

    fn ev(action: Action, subject: Subject, from: Option<&str>, to: &str) -> Event {
        Event {
            at: chrono::Utc::now(),
            actor: "t".into(),
            subject,
            action,
            from: from.map(str::to_string),
            to: Some(to.to_string()),
            reason: Some("why".into()),
        }
    }

    #[test]
    fn the_history_of_the_last_run_says_which_steps_completed_and_which_never_finished() {
        let hub = Subject::Child(RepoName::parse("hub").unwrap());
        let events = [
            ev(Action::Status, Subject::Coordination, Some("ready"), "deploying"),
            ev(Action::RolloutStepStarted, hub.clone(), None, "deploy hub"),
            ev(Action::RolloutStepCompleted, hub.clone(), None, "deploy hub"),
            ev(Action::RollbackStarted, Subject::Coordination, None, "rollback"),
            ev(Action::Status, Subject::Coordination, Some("deploying"), "ready"),
            ev(Action::Status, Subject::Coordination, Some("ready"), "blocked"),
            ev(Action::Status, Subject::Coordination, Some("blocked"), "ready"),
            // A new run: the earlier one's steps do not count.
            ev(Action::Status, Subject::Coordination, Some("ready"), "deploying"),
            ev(Action::RolloutStepStarted, hub.clone(), None, "deploy hub"),
        ];
        let run = RunRecord::from_history(events.iter());
        assert_eq!(run.phase, Phase::Forward);
        assert_eq!(run.steps["deploy hub"].state, StepState::Started);
        assert_eq!(run.deploys_started, [RepoName::parse("hub").unwrap()]);
        assert!(run.failure.is_none());

        let first = RunRecord::from_history(events[..6].iter());
        assert_eq!(first.phase, Phase::Finished);
        assert_eq!(first.failure.as_deref(), Some("why"));
        assert_eq!(first.steps["deploy hub"].state, StepState::Completed);
        assert_eq!(RunRecord::from_history([].iter()).phase, Phase::NotStarted);
    }
}
