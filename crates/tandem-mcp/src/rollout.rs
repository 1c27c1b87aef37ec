//! `run_rollout` and `get_rollout_status`: the engine's rollouts (SPEC C6), as wire types.
//! The wire types live here, beside their two adapters, and convert from the engine's views.

use crate::error::ToolError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tandem_engine::{Engine, RolloutOptions, RolloutResult, RolloutView, StepView, Unfinished};
use tandem_model::CoordId;

/// Run (or resume) a coordination's rollout, or only say what would run.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RolloutInput {
    /// The coordination's number; it must be ready (or deploying: an interrupted run resumes).
    pub coordination: i64,
    /// Only say exactly what would run; change nothing. Default false.
    #[serde(default)]
    pub dry_run: bool,
    /// A deploy an interrupted run started and never finished: `refuse` (default), `retry` (run
    /// it again) or `skip` (count it as deployed).
    #[serde(default)]
    pub unfinished_deploy: Option<UnfinishedChoice>,
}

/// What to do with a deploy an interrupted run started and never finished.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnfinishedChoice {
    Refuse,
    Retry,
    Skip,
}

/// Which coordination's rollout.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RolloutStatusInput {
    /// The coordination's number.
    pub coordination: i64,
}

/// One step of a rollout.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RolloutStepOut {
    /// The step's name in the history: `deploy loqa-hub`, `analysis wave 1`, `flag 25%`…
    pub key: String,
    /// deploy, analysis, flag, stop_traffic, rollback, verify.
    pub kind: String,
    pub repo: Option<String>,
    /// pending, started (unfinished), completed, failed.
    pub state: String,
    pub command: Option<String>,
    pub http: Option<String>,
    pub cwd: Option<String>,
    pub timeout: Option<String>,
    pub gates: Vec<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub detail: Option<String>,
}

/// A rollout: its run, its steps and its rollback.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RolloutOut {
    pub coordination: i64,
    pub title: String,
    /// The coordination's status (deploying while it runs; done, or blocked after a rollback).
    pub status: String,
    /// not_started, forward, rolling_back, finished.
    pub phase: String,
    /// dry_run, completed, rolled_back; absent for a status.
    pub result: Option<String>,
    pub failure: Option<String>,
    pub unfinished_deploy: Option<String>,
    pub interval: String,
    pub threshold: u32,
    pub iterations: u32,
    pub steps: Vec<RolloutStepOut>,
    pub rollback: Vec<RolloutStepOut>,
}

fn word<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

fn time(t: Option<chrono::DateTime<chrono::Utc>>) -> Option<String> {
    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

fn step(s: &StepView) -> RolloutStepOut {
    RolloutStepOut {
        key: s.key.clone(),
        kind: word(&s.kind),
        repo: s.repo.as_ref().map(|r| r.to_string()),
        state: word(&s.state),
        command: s.command.clone(),
        http: s.http.clone(),
        cwd: s.cwd.as_ref().map(|p| p.display().to_string()),
        timeout: s.timeout.clone(),
        gates: s.gates.clone(),
        started_at: time(s.started_at),
        finished_at: time(s.finished_at),
        detail: s.detail.clone(),
    }
}

/// A rollout view (and a run's result) as the wire type.
pub fn out(v: &RolloutView, result: Option<RolloutResult>) -> RolloutOut {
    RolloutOut {
        coordination: v.coordination.0,
        title: v.title.clone(),
        status: v.status.to_string(),
        phase: word(&v.phase),
        result: result.map(|r| word(&r)),
        failure: v.failure.clone(),
        unfinished_deploy: v.unfinished_deploy.clone(),
        interval: v.interval.clone(),
        threshold: v.threshold,
        iterations: v.iterations,
        steps: v.forward.iter().map(step).collect(),
        rollback: v.rollback.iter().map(step).collect(),
    }
}

fn counts(o: &RolloutOut) -> String {
    let done = o.steps.iter().filter(|s| s.state == "completed").count();
    format!("{done} of {} step(s) completed", o.steps.len())
}

impl UnfinishedChoice {
    pub fn engine(self) -> Unfinished {
        match self {
            UnfinishedChoice::Refuse => Unfinished::Refuse,
            UnfinishedChoice::Retry => Unfinished::Retry,
            UnfinishedChoice::Skip => Unfinished::Skip,
        }
    }
}

pub fn run(engine: &Engine, i: RolloutInput) -> Result<(RolloutOut, String), ToolError> {
    let unfinished = i.unfinished_deploy.unwrap_or(UnfinishedChoice::Refuse).engine();
    let opts = RolloutOptions { dry_run: i.dry_run, unfinished };
    let outcome = engine.rollout(CoordId(i.coordination), &opts, &|_| {})?;
    let o = out(&outcome.view, Some(outcome.result));
    let summary = match outcome.result {
        RolloutResult::DryRun => format!(
            "Dry run of coordination #{}'s rollout: {} step(s) would run ({}), nothing changed.",
            o.coordination,
            o.steps.iter().filter(|s| s.state != "completed").count(),
            counts(&o)
        ),
        RolloutResult::Completed => {
            format!("Coordination #{} rolled out: {}; it is {}.", o.coordination, counts(&o), o.status)
        }
        RolloutResult::RolledBack => format!(
            "Coordination #{} ROLLED BACK: {}; it is {}.",
            o.coordination,
            o.failure.as_deref().unwrap_or("a step failed"),
            o.status
        ),
    };
    Ok((o, summary))
}

pub fn status(engine: &Engine, i: RolloutStatusInput) -> Result<(RolloutOut, String), ToolError> {
    let v = engine.rollout_status(CoordId(i.coordination))?;
    let o = out(&v, None);
    let summary = format!(
        "Coordination #{} ({}), rollout phase {}: {}{}{}.",
        o.coordination,
        o.status,
        o.phase,
        counts(&o),
        o.failure.as_deref().map(|f| format!("; failure: {f}")).unwrap_or_default(),
        o.unfinished_deploy.as_deref().map(|u| format!("; {u} started and never finished")).unwrap_or_default()
    );
    Ok((o, summary))
}
