//! `tandem rollout` (SPEC C6): carrying a coordination's deployment plan out, gated on health
//! endpoints and Prometheus queries, with staged feature flags and an automatic rollback.
//!
//! What may happen is the model's (`tandem_model::rollout`: the steps, their order, what the
//! history says about a run, the coordination's moves); this module does the IO: the commands
//! ([`exec`]), the gates ([`gates`]) and the history.
//!
//! # Recorded and resumable
//! Every step appends `rollout_step_started` before its command and `rollout_step_completed`
//! or `rollout_step_failed` after it (the step's key in `to`, what happened and its log in
//! `reason`). A run is everything after the coordination's last move to `deploying`; a run
//! started again (after `SIGKILL`, a reboot) reads the history and resumes after its last
//! completed step, never repeating a completed deploy. A step that started and never finished
//! is re-run when running it twice is harmless (analyses, flags, stopping traffic, rollbacks,
//! and deploys declared `idempotent = true`); any other deploy whose outcome is unknown is
//! refused until the caller chooses ([`Unfinished::Retry`] or [`Unfinished::Skip`]).
//!
//! # Rollback
//! A failed deploy (non-zero exit, timeout) or a gate failing `threshold` checks appends
//! `gate_failed` (per failing gate) and `rollback_started` with the failure, then: stop traffic
//! (`[rollout] stop_traffic`, else the feature flag set to 0 %), each started repo's rollback
//! command in reverse deployment order, and a last evaluation of every gate of those repos
//! (`verify`, its result recorded). The coordination then goes deploying → ready (a rolled-back
//! deployment) → blocked, with the failure as its reason.

pub mod exec;
pub mod gates;
mod lease;

use crate::error::{EngineError, Result};
use crate::Engine;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tandem_model::rollout::{
    self as model, gates_for, rollback_steps, show_duration, Analysis, AnalysisCounter, FlagAction, Gate, GateCheck,
    Phase, RolloutStep, RunRecord, StepKind, StepState,
};
use tandem_model::{Action, CoordId, CoordStatus, Coordination, Event, Refused, RepoName};
use tandem_store::StoreError;

pub use gates::GateResult;

/// What to do with a deploy that started in an interrupted run and never finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unfinished {
    /// Refuse (the default): its outcome is unknown and running it twice may do harm.
    #[default]
    Refuse,
    /// Run it again.
    Retry,
    /// Count it as deployed (someone checked it finished).
    Skip,
}

/// How to run a rollout.
#[derive(Debug, Clone, Default)]
pub struct RolloutOptions {
    /// Only say what would run; change nothing.
    pub dry_run: bool,
    pub unfinished: Unfinished,
}

/// One step as a view shows it: what it runs and what the history says of it.
#[derive(Debug, Clone, Serialize)]
pub struct StepView {
    pub key: String,
    pub kind: StepKind,
    pub repo: Option<RepoName>,
    pub wave: Option<usize>,
    pub percent: Option<u8>,
    pub state: StepState,
    /// The shell command (deploys, rollbacks, flags, stopping traffic).
    pub command: Option<String>,
    /// An HTTP call instead of a command (a flag's URL, redacted).
    pub http: Option<String>,
    pub cwd: Option<PathBuf>,
    /// The command's environment beyond the inherited one.
    pub env: Vec<(String, String)>,
    pub timeout: Option<String>,
    /// The gates an analysis or verification evaluates: `repo: name (what)`.
    pub gates: Vec<String>,
    /// The bake time of a flag stage's analysis.
    pub bake: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub detail: Option<String>,
}

/// A rollout as the history tells it, with the steps still to come.
#[derive(Debug, Clone, Serialize)]
pub struct RolloutView {
    pub coordination: CoordId,
    pub title: String,
    pub status: CoordStatus,
    pub phase: Phase,
    pub started_at: Option<DateTime<Utc>>,
    /// Why it rolls (or rolled) back.
    pub failure: Option<String>,
    pub interval: String,
    pub threshold: u32,
    pub iterations: u32,
    pub forward: Vec<StepView>,
    /// The rollback steps: the ones of this run once it rolls back, else what a rollback of
    /// every repo would run.
    pub rollback: Vec<StepView>,
    /// A deploy that started and never finished (its run was interrupted).
    pub unfinished_deploy: Option<String>,
    /// Where the step logs are.
    pub logs: Option<PathBuf>,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RolloutResult {
    /// Nothing ran (a dry run).
    DryRun,
    /// Every step passed: the coordination is done.
    Completed,
    /// A step failed: rolled back, the coordination is blocked.
    RolledBack,
}

/// The end of `Engine::rollout`.
#[derive(Debug, Clone, Serialize)]
pub struct RolloutOutcome {
    pub result: RolloutResult,
    pub view: RolloutView,
}

/// Something a watcher may want to print while a rollout runs.
#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    pub at: DateTime<Utc>,
    pub step: String,
    pub message: String,
}

/// Receives notices (from several threads while a wave deploys in parallel).
pub type Notify<'a> = dyn Fn(&Notice) + Sync + 'a;

/// Why a forward step failed.
struct Failure {
    reason: String,
}

impl Engine {
    /// Where a rollout stands: its run read from the history, each step's state, what is to come.
    pub fn rollout_status(&self, id: CoordId) -> Result<RolloutView> {
        let c = self.store.load_coordination(id)?;
        let run = self.run_record(id)?;
        Ok(self.view(&c, &run))
    }

    /// Runs (or resumes) the rollout of coordination `id`; see the module documentation.
    /// Refused unless the coordination is ready (or deploying: a run to resume).
    #[tracing::instrument(skip(self, notify))]
    pub fn rollout(&self, id: CoordId, opts: &RolloutOptions, notify: &Notify<'_>) -> Result<RolloutOutcome> {
        let c = self.store.load_coordination(id)?;
        if c.status != CoordStatus::Deploying {
            // Ready, or refused with every reason it is not.
            let mut probe = c.clone();
            probe.begin_rollout(&self.ctx())?;
        }
        let run = self.run_record(id)?;
        let view = self.view(&c, &run);
        if opts.dry_run {
            if run.phase == Phase::Forward {
                self.check_unfinished(&c, &run, opts.unfinished)?;
            }
            return Ok(RolloutOutcome { result: RolloutResult::DryRun, view });
        }
        // One run at a time; a killed run's lease is taken over at once.
        let _lease = lease::Lease::acquire(&self.store, id)?;
        if c.status == CoordStatus::Ready {
            self.mutate(id, &|c, ctx| c.begin_rollout(ctx))?;
            self.say(notify, "rollout", format!("coordination #{id} is deploying"));
        } else {
            self.say(notify, "rollout", format!("resuming the rollout of coordination #{id}"));
        }
        let run = self.run_record(id)?;
        let result = match run.phase {
            Phase::Forward | Phase::NotStarted => match self.forward(id, &run, opts.unfinished, notify)? {
                None => {
                    self.mutate(id, &|c, ctx| c.finish_rollout(ctx))?;
                    self.say(notify, "rollout", "every step passed: the coordination is done".into());
                    RolloutResult::Completed
                }
                Some(f) => {
                    self.start_rollback(id, &f.reason)?;
                    self.say(notify, "rollback", format!("rolling back: {}", f.reason));
                    self.roll_back(id, notify)?;
                    RolloutResult::RolledBack
                }
            },
            Phase::RollingBack => {
                self.say(notify, "rollback", "resuming the rollback".into());
                self.roll_back(id, notify)?;
                RolloutResult::RolledBack
            }
            Phase::Finished => RolloutResult::Completed,
        };
        let c = self.store.load_coordination(id)?;
        let run = self.run_record(id)?;
        Ok(RolloutOutcome { result, view: self.view(&c, &run) })
    }

    fn run_record(&self, id: CoordId) -> Result<RunRecord> {
        let events = self.store.events(id)?;
        Ok(RunRecord::from_history(events.iter().map(|e| &e.event)))
    }

    fn say(&self, notify: &Notify<'_>, step: &str, message: String) {
        notify(&Notice { at: self.clock.now(), step: step.to_string(), message });
    }

    /// Appends events to a coordination's history without changing it (retried on conflicts:
    /// parallel deploys write at the same time).
    fn record(&self, id: CoordId, make: &dyn Fn(&Coordination, &tandem_model::Ctx) -> Vec<Event>) -> Result<()> {
        let mut attempts = 0;
        loop {
            let c = self.store.load_coordination(id)?;
            let events = make(&c, &self.ctx());
            match self.store.save_coordination(&c, &events) {
                Ok(()) => return Ok(()),
                Err(StoreError::Conflict(_)) if attempts < 100 => {
                    attempts += 1;
                    std::thread::sleep(Duration::from_millis(5 * attempts.min(10)));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn step_event(&self, id: CoordId, step: &RolloutStep, action: Action, reason: Option<String>) -> Result<()> {
        self.record(id, &|c, ctx| vec![c.step_event(step, action, reason.clone(), ctx)])
    }

    fn start_rollback(&self, id: CoordId, failure: &str) -> Result<()> {
        self.record(id, &|c, ctx| vec![c.rollback_event(failure, ctx)])
    }

    /// The deploy of an interrupted run whose outcome is unknown, handled as asked.
    fn check_unfinished(&self, c: &Coordination, run: &RunRecord, choice: Unfinished) -> Result<()> {
        for step in model::forward_steps(c, &self.ws) {
            if step.kind != StepKind::Deploy || run.state(&step) != StepState::Started {
                continue;
            }
            let repo = step.repo.clone().expect("a deploy names its repo");
            let idempotent = self.ws.repo(&repo).and_then(|r| r.deploy.as_ref()).is_some_and(|d| d.idempotent);
            if idempotent || choice != Unfinished::Refuse {
                continue;
            }
            let at = run.steps.get(&step.key()).and_then(|s| s.started_at);
            return Err(EngineError::Refused(Refused::new(format!(
                "the deploy of {repo} started{} and never finished (the rollout was interrupted), so its outcome is \
                 unknown; check {repo}, then either run its deploy again or count it as deployed (its deploy \
                 command is not declared idempotent)",
                at.map(|t| format!(" at {}", t.format("%Y-%m-%d %H:%M:%S UTC"))).unwrap_or_default()
            ))));
        }
        Ok(())
    }

    /// The forward steps not completed yet; `Some` with the failure when one fails.
    fn forward(
        &self,
        id: CoordId,
        run: &RunRecord,
        unfinished: Unfinished,
        notify: &Notify<'_>,
    ) -> Result<Option<Failure>> {
        let c = self.store.load_coordination(id)?;
        self.check_unfinished(&c, run, unfinished)?;
        let steps = model::forward_steps(&c, &self.ws);
        let logs = self.log_dir(id, run);
        let mut i = 0;
        while i < steps.len() {
            // A wave's deploys run together.
            if steps[i].kind == StepKind::Deploy {
                let wave = steps[i].wave;
                let mut j = i;
                while j < steps.len() && steps[j].kind == StepKind::Deploy && steps[j].wave == wave {
                    j += 1;
                }
                let batch: Vec<&RolloutStep> = steps[i..j].iter().collect();
                if let Some(f) = self.deploy_wave(id, &c, run, &batch, unfinished, &logs, notify)? {
                    return Ok(Some(f));
                }
                i = j;
                continue;
            }
            let step = &steps[i];
            i += 1;
            match run.state(step) {
                StepState::Completed => continue,
                StepState::Failed => {
                    let why = run.steps.get(&step.key()).and_then(|s| s.detail.clone()).unwrap_or_default();
                    return Ok(Some(Failure { reason: format!("{} failed: {why}", step.key()) }));
                }
                _ => {}
            }
            let outcome = match step.kind {
                StepKind::Flag => self.command_step(id, &c, step, &logs, notify)?,
                StepKind::Analysis => self.analysis_step(id, &c, &steps, step, notify)?,
                _ => None,
            };
            if outcome.is_some() {
                return Ok(outcome);
            }
        }
        Ok(None)
    }

    #[allow(clippy::too_many_arguments)]
    fn deploy_wave(
        &self,
        id: CoordId,
        c: &Coordination,
        run: &RunRecord,
        batch: &[&RolloutStep],
        unfinished: Unfinished,
        logs: &std::path::Path,
        notify: &Notify<'_>,
    ) -> Result<Option<Failure>> {
        let mut todo: Vec<&RolloutStep> = Vec::new();
        for step in batch {
            match run.state(step) {
                StepState::Completed => {}
                StepState::Failed => {
                    let why = run.steps.get(&step.key()).and_then(|s| s.detail.clone()).unwrap_or_default();
                    return Ok(Some(Failure { reason: format!("{} failed: {why}", step.key()) }));
                }
                StepState::Started if unfinished == Unfinished::Skip => {
                    let repo = step.repo.as_ref().map(RepoName::as_str).unwrap_or_default();
                    let idempotent = self.repo_deploy(step).is_some_and(|d| d.idempotent);
                    if idempotent {
                        todo.push(step);
                    } else {
                        self.step_event(
                            id,
                            step,
                            Action::RolloutStepCompleted,
                            Some(format!(
                                "counted as deployed by {} (the interrupted deploy of {repo} was not run again)",
                                self.actor
                            )),
                        )?;
                    }
                }
                _ => todo.push(step),
            }
        }
        let failures: Mutex<Vec<String>> = Mutex::new(Vec::new());
        let errors: Mutex<Vec<EngineError>> = Mutex::new(Vec::new());
        let next = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..todo.len().min(self.ws.rollout.parallel) {
                s.spawn(|| loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(step) = todo.get(k) else { break };
                    match self.command_step(id, c, step, logs, notify) {
                        Ok(None) => {}
                        Ok(Some(f)) => failures.lock().unwrap_or_else(|e| e.into_inner()).push(f.reason),
                        Err(e) => errors.lock().unwrap_or_else(|e| e.into_inner()).push(e),
                    }
                });
            }
        });
        if let Some(e) = errors.into_inner().unwrap_or_else(|e| e.into_inner()).into_iter().next() {
            return Err(e);
        }
        let failures = failures.into_inner().unwrap_or_else(|e| e.into_inner());
        Ok((!failures.is_empty()).then(|| Failure { reason: failures.join("; ") }))
    }

    fn repo_deploy(&self, step: &RolloutStep) -> Option<&tandem_model::manifest::DeploySteps> {
        step.repo.as_ref().and_then(|r| self.ws.repo(r)).and_then(|r| r.deploy.as_ref())
    }

    /// What a command step runs: command, directory, environment, timeout.
    fn command_for(&self, c: &Coordination, step: &RolloutStep, logs: &std::path::Path) -> Option<exec::CommandSpec> {
        let settings = &self.ws.rollout;
        let repo = step.repo.as_ref().and_then(|r| self.ws.repo(r));
        let deploy = repo.and_then(|r| r.deploy.as_ref());
        let command = match step.kind {
            StepKind::Deploy => deploy.map(|d| d.command.clone()),
            StepKind::Rollback => deploy.and_then(|d| d.rollback.clone()),
            StepKind::StopTraffic => settings.stop_traffic.clone().or_else(|| match model::staged_flags(c, &self.ws) {
                Some(f) => match &f.action {
                    FlagAction::Command(cmd) => Some(cmd.replace("{percent}", "0")),
                    FlagAction::Http(_) => None,
                },
                None => None,
            }),
            StepKind::Flag => match model::staged_flags(c, &self.ws).map(|f| &f.action) {
                Some(FlagAction::Command(cmd)) => {
                    Some(cmd.replace("{percent}", &step.percent.unwrap_or(0).to_string()))
                }
                _ => None,
            },
            StepKind::Analysis | StepKind::Verify => None,
        }?;
        let cwd =
            repo.and_then(|r| r.path.clone()).filter(|p| p.is_dir()).unwrap_or_else(|| self.ws.root().to_path_buf());
        let mut env = vec![
            ("TANDEM_COORDINATION".to_string(), c.id.to_string()),
            ("TANDEM_STAGE".to_string(), step.stage().to_string()),
            ("TANDEM_REPO".to_string(), step.repo.as_ref().map(|r| r.to_string()).unwrap_or_default()),
        ];
        let percent = match step.kind {
            StepKind::Flag => step.percent,
            StepKind::StopTraffic => Some(0),
            _ => None,
        };
        if let Some(p) = percent {
            env.push(("TANDEM_PERCENT".to_string(), p.to_string()));
        }
        if let Some(w) = step.wave {
            env.push(("TANDEM_WAVE".to_string(), w.to_string()));
        }
        let timeout = deploy.and_then(|d| d.timeout).filter(|_| step.repo.is_some()).unwrap_or(settings.step_timeout);
        let slug: String =
            step.key().chars().map(|ch| if ch.is_ascii_alphanumeric() || ch == '-' { ch } else { '_' }).collect();
        Some(exec::CommandSpec { command, cwd, env, timeout, log: logs.join(format!("{slug}.log")) })
    }

    /// The flag's HTTP call for a percentage, when the flag is an HTTP one.
    fn flag_http(&self, c: &Coordination) -> Option<tandem_model::health::HealthUrl> {
        match model::staged_flags(c, &self.ws).map(|f| &f.action) {
            Some(FlagAction::Http(u)) => Some(u.clone()),
            _ => None,
        }
    }

    /// Runs one command step (deploy, rollback, flag, stop traffic), recording it before and after.
    fn command_step(
        &self,
        id: CoordId,
        c: &Coordination,
        step: &RolloutStep,
        logs: &std::path::Path,
        notify: &Notify<'_>,
    ) -> Result<Option<Failure>> {
        let key = step.key();
        let http = match step.kind {
            StepKind::Flag => self.flag_http(c),
            StepKind::StopTraffic if self.ws.rollout.stop_traffic.is_none() => self.flag_http(c),
            _ => None,
        };
        let spec = self.command_for(c, step, logs);
        if spec.is_none() && http.is_none() {
            let why = match step.kind {
                StepKind::Deploy => "no deploy command ([repo.deploy] command); nothing to run".to_string(),
                StepKind::Rollback => {
                    "no rollback command declared ([repo.deploy] rollback): revert the release by hand".to_string()
                }
                _ => "no stop_traffic command or feature flag configured: nothing to run".to_string(),
            };
            self.step_event(id, step, Action::RolloutStepStarted, None)?;
            let action =
                if step.kind == StepKind::Rollback { Action::RolloutStepFailed } else { Action::RolloutStepCompleted };
            self.step_event(id, step, action, Some(why.clone()))?;
            self.say(notify, &key, why);
            return Ok(None);
        }
        let log_note = spec.as_ref().map(|s| format!("log {}", s.log.display()));
        self.step_event(id, step, Action::RolloutStepStarted, log_note.clone())?;
        self.say(notify, &key, "started".into());
        let (ok, what) = match (&spec, &http) {
            (Some(spec), _) => {
                let ended = exec::run(spec);
                (ended.ok(), format!("{}; log {}", ended.describe(), spec.log.display()))
            }
            (None, Some(url)) => {
                let percent = if step.kind == StepKind::Flag { step.percent.unwrap_or(0) } else { 0 };
                flag_call(url, percent, self.ws.rollout.step_timeout)
            }
            (None, None) => (true, String::new()),
        };
        let action = if ok { Action::RolloutStepCompleted } else { Action::RolloutStepFailed };
        self.step_event(id, step, action, Some(what.clone()))?;
        self.say(notify, &key, if ok { format!("completed: {what}") } else { format!("FAILED: {what}") });
        Ok((!ok).then(|| Failure { reason: format!("{key} failed: {what}") }))
    }

    /// The gates an analysis step evaluates: those of the repos deployed by then, and the
    /// rollout's own.
    fn analysis_gates(&self, steps: &[RolloutStep], step: &RolloutStep) -> Vec<(Option<RepoName>, Gate)> {
        let upto = steps.iter().position(|s| s == step).unwrap_or(steps.len());
        let deployed: Vec<RepoName> =
            steps[..upto].iter().filter(|s| s.kind == StepKind::Deploy).filter_map(|s| s.repo.clone()).collect();
        gates_for(&self.ws, &deployed)
    }

    /// Evaluates the gates every interval until `iterations` consecutive checks pass (and the
    /// bake time is over) or `threshold` checks fail.
    fn analysis_step(
        &self,
        id: CoordId,
        c: &Coordination,
        steps: &[RolloutStep],
        step: &RolloutStep,
        notify: &Notify<'_>,
    ) -> Result<Option<Failure>> {
        let settings = &self.ws.rollout;
        let gates = self.analysis_gates(steps, step);
        let bake = if step.percent.is_some() {
            model::staged_flags(c, &self.ws).map(|f| f.bake).unwrap_or_default()
        } else {
            Duration::ZERO
        };
        let key = step.key();
        self.step_event(
            id,
            step,
            Action::RolloutStepStarted,
            Some(format!(
                "{} gate(s) every {}; {} passing checks{} pass it, {} failed checks roll back",
                gates.len(),
                show_duration(settings.interval),
                settings.iterations,
                if bake.is_zero() { String::new() } else { format!(" and a bake of {}", show_duration(bake)) },
                settings.threshold
            )),
        )?;
        self.say(notify, &key, format!("evaluating {} gate(s)", gates.len()));
        let start = Instant::now();
        let mut counter = AnalysisCounter::default();
        let mut next = start + settings.interval;
        loop {
            let now = Instant::now();
            if next > now {
                std::thread::sleep(next - now);
            }
            next += settings.interval;
            if next < Instant::now() {
                next = Instant::now() + settings.interval;
            }
            let results = gates::evaluate(&gates, settings);
            let failed: Vec<&GateResult> = results.iter().filter(|r| !r.passed).collect();
            let baked = start.elapsed() >= bake;
            let verdict = counter.record(failed.is_empty(), settings, baked);
            let line = if failed.is_empty() {
                format!("check {}: every gate passed ({} in a row)", counter.checks, counter.successes)
            } else {
                let lines: Vec<String> = failed.iter().map(|r| r.line()).collect();
                format!(
                    "check {}: {} of {} failed checks: {}",
                    counter.checks,
                    counter.failures,
                    settings.threshold,
                    lines.join("; ")
                )
            };
            self.say(notify, &key, line);
            match verdict {
                Analysis::Continue => {}
                Analysis::Healthy => {
                    self.step_event(
                        id,
                        step,
                        Action::RolloutStepCompleted,
                        Some(format!(
                            "healthy after {} check(s) ({} failed): {}",
                            counter.checks,
                            counter.failures,
                            results.iter().map(GateResult::line).collect::<Vec<_>>().join("; ")
                        )),
                    )?;
                    return Ok(None);
                }
                Analysis::Failed => {
                    let lines: Vec<String> = failed.iter().map(|r| r.line()).collect();
                    let reason = format!(
                        "{key}: {} of {} checks failed: {}",
                        counter.failures,
                        counter.checks,
                        lines.join("; ")
                    );
                    let failed_owned: Vec<GateResult> = failed.into_iter().cloned().collect();
                    self.record(id, &|c, ctx| {
                        let mut events: Vec<Event> = failed_owned
                            .iter()
                            .map(|r| c.gate_failed_event(r.repo.as_ref(), &r.gate, &r.detail, ctx))
                            .collect();
                        events.push(c.step_event(step, Action::RolloutStepFailed, Some(reason.clone()), ctx));
                        events
                    })?;
                    return Ok(Some(Failure { reason }));
                }
            }
        }
    }

    /// Stop traffic, roll back every started repo in reverse order, verify; then the
    /// coordination goes back to blocked with the failure.
    fn roll_back(&self, id: CoordId, notify: &Notify<'_>) -> Result<()> {
        let c = self.store.load_coordination(id)?;
        let run = self.run_record(id)?;
        let logs = self.log_dir(id, &run);
        let failure = run.failure.clone().unwrap_or_else(|| "the rollout failed".into());
        let steps = rollback_steps(&c, &run.deploys_started);
        for step in &steps {
            if matches!(run.state(step), StepState::Completed | StepState::Failed) {
                continue;
            }
            match step.kind {
                StepKind::Verify => {
                    let gates = gates_for(&self.ws, &run.deploys_started);
                    self.step_event(id, step, Action::RolloutStepStarted, Some(format!("{} gate(s)", gates.len())))?;
                    let results = gates::evaluate(&gates, &self.ws.rollout);
                    let bad: Vec<String> = results.iter().filter(|r| !r.passed).map(GateResult::line).collect();
                    let all: Vec<String> = results.iter().map(GateResult::line).collect();
                    let (action, what) = if results.is_empty() {
                        (Action::RolloutStepCompleted, "no gates to verify".to_string())
                    } else if bad.is_empty() {
                        (Action::RolloutStepCompleted, format!("healthy: {}", all.join("; ")))
                    } else {
                        (Action::RolloutStepFailed, format!("still unhealthy: {}", bad.join("; ")))
                    };
                    self.step_event(id, step, action, Some(what.clone()))?;
                    self.say(notify, &step.key(), what);
                }
                // A failed rollback step is recorded as failed; the rollback goes on with the others.
                _ => {
                    self.command_step(id, &c, step, &logs, notify)?;
                }
            }
        }
        self.mutate(id, &|c, ctx| c.end_rolled_back(&failure, ctx))?;
        self.say(notify, "rollback", format!("rolled back; coordination #{id} is blocked: {failure}"));
        Ok(())
    }

    /// Where a run's step logs go: `.tandem/rollouts/ID/RUN-START/` beside tandem.toml.
    fn log_dir(&self, id: CoordId, run: &RunRecord) -> PathBuf {
        let run_name =
            run.started_at.map(|t| t.format("%Y%m%dT%H%M%SZ").to_string()).unwrap_or_else(|| "dry-run".into());
        self.ws.root().join(".tandem").join("rollouts").join(id.to_string()).join(run_name)
    }

    fn step_view(&self, c: &Coordination, run: &RunRecord, all: &[RolloutStep], step: &RolloutStep) -> StepView {
        let logs = self.log_dir(c.id, run);
        let spec = self.command_for(c, step, &logs);
        let http = match step.kind {
            StepKind::Flag => self.flag_http(c),
            StepKind::StopTraffic if self.ws.rollout.stop_traffic.is_none() => self.flag_http(c),
            _ => None,
        }
        .map(|u| {
            format!(
                "POST {u} {{\"percent\": {}}}",
                if step.kind == StepKind::Flag { step.percent.unwrap_or(0) } else { 0 }
            )
        });
        let gate_list = match step.kind {
            StepKind::Analysis => self.analysis_gates(all, step),
            StepKind::Verify => gates_for(&self.ws, &run.deploys_started),
            _ => Vec::new(),
        };
        let record = run.steps.get(&step.key());
        StepView {
            key: step.key(),
            kind: step.kind,
            repo: step.repo.clone(),
            wave: step.wave,
            percent: step.percent,
            state: run.state(step),
            command: spec.as_ref().map(|s| s.command.clone()),
            http,
            cwd: spec.as_ref().map(|s| s.cwd.clone()),
            env: spec.as_ref().map(|s| s.env.clone()).unwrap_or_default(),
            timeout: spec.as_ref().map(|s| show_duration(s.timeout)),
            gates: gate_list.iter().map(|(r, g)| describe_gate(r.as_ref(), g)).collect(),
            bake: match (step.kind, step.percent) {
                (StepKind::Analysis, Some(_)) => model::staged_flags(c, &self.ws).map(|f| show_duration(f.bake)),
                _ => None,
            },
            started_at: record.and_then(|r| r.started_at),
            finished_at: record.and_then(|r| r.finished_at),
            detail: record.and_then(|r| r.detail.clone()),
        }
    }

    fn view(&self, c: &Coordination, run: &RunRecord) -> RolloutView {
        let forward = model::forward_steps(c, &self.ws);
        let started: Vec<RepoName> = match run.phase {
            Phase::RollingBack | Phase::Finished if run.failure.is_some() => run.deploys_started.clone(),
            _ => c.waves().into_iter().flatten().collect(),
        };
        let rollback = rollback_steps(c, &started);
        let unfinished_deploy = forward
            .iter()
            .find(|s| s.kind == StepKind::Deploy && run.phase == Phase::Forward && run.state(s) == StepState::Started)
            .map(RolloutStep::key);
        RolloutView {
            coordination: c.id,
            title: c.title.clone(),
            status: c.status,
            phase: run.phase,
            started_at: run.started_at,
            failure: run.failure.clone(),
            interval: show_duration(self.ws.rollout.interval),
            threshold: self.ws.rollout.threshold,
            iterations: self.ws.rollout.iterations,
            forward: forward.iter().map(|s| self.step_view(c, run, &forward, s)).collect(),
            rollback: rollback.iter().map(|s| self.step_view(c, run, &forward, s)).collect(),
            unfinished_deploy,
            logs: run.started_at.map(|_| self.log_dir(c.id, run)),
        }
    }
}

/// `repo: name (query < 0.2)` or `repo: name (GET https://host/health)`.
fn describe_gate(repo: Option<&RepoName>, g: &Gate) -> String {
    let what = match &g.check {
        GateCheck::Http(h) => {
            format!("GET {}: 2xx{}", h.url, h.max_latency_ms.map(|m| format!(" within {m} ms")).unwrap_or_default())
        }
        GateCheck::Prometheus { query, bound } => format!("{query} {bound}"),
    };
    match repo {
        Some(r) => format!("{r}: {} ({what})", g.name),
        None => format!("{} ({what})", g.name),
    }
}

/// POSTs `{"percent": N}` to the flag's URL (`{percent}` replaced); 2xx is success.
fn flag_call(url: &tandem_model::health::HealthUrl, percent: u8, timeout: Duration) -> (bool, String) {
    let target =
        url.request_url().replace("{percent}", &percent.to_string()).replace("%7Bpercent%7D", &percent.to_string());
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .user_agent("tandem-rollout")
        .max_idle_connections(0)
        .build()
        .new_agent();
    let mut req = agent.post(&target).header("Content-Type", "application/json");
    if let Some(c) = url.credentials() {
        use base64::Engine as _;
        let token = base64::engine::general_purpose::STANDARD.encode(c.expose_user_colon_password());
        req = req.header("Authorization", format!("Basic {token}"));
    }
    match req.send(format!("{{\"percent\": {percent}}}")) {
        Ok(r) if r.status().is_success() => (true, format!("POST {url}: HTTP {}", r.status().as_u16())),
        Ok(r) => (false, format!("POST {url}: HTTP {}", r.status().as_u16())),
        Err(ureq::Error::Timeout(_)) => (false, format!("POST {url}: no answer in time")),
        Err(ureq::Error::Io(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            (false, format!("POST {url}: connection refused"))
        }
        Err(_) => (false, format!("POST {url}: failed")),
    }
}
