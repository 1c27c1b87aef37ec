//! `tandem rollout ID [--dry-run]` and `tandem rollout status ID`: arguments, the text
//! rendering and exit codes. The rollout itself is the engine's ([`Engine::rollout`],
//! [`Engine::rollout_status`]).
//!
//! Exit codes: 0 the rollout completed (or the dry run / status printed); 1 it rolled back, or
//! it was refused (not ready, a deploy of an interrupted run with an unknown outcome); 2 errors.

use crate::Failure;
use std::fmt::Write as _;
use std::process::ExitCode;
use tandem_engine::{Engine, EngineError, Notice, RolloutOptions, RolloutResult, RolloutView, StepView, Unfinished};
use tandem_model::rollout::StepState;
use tandem_model::CoordId;

/// Arguments of `tandem rollout`.
#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct RolloutArgs {
    #[command(subcommand)]
    pub command: Option<RolloutCmd>,
    /// The coordination to deploy (it must be ready; a deploying one resumes).
    pub id: Option<i64>,
    /// Print exactly what would run (commands, directories, environment, gates) and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Run again a deploy that an interrupted run started and never finished.
    #[arg(long, conflicts_with = "skip_step")]
    pub retry_step: bool,
    /// Count a deploy that an interrupted run started and never finished as deployed.
    #[arg(long)]
    pub skip_step: bool,
}

#[derive(clap::Subcommand)]
pub enum RolloutCmd {
    /// Where a rollout stands: each step's state, when it ran, what it did.
    Status { id: i64 },
}

pub fn run(engine: &Engine, json: bool, args: &RolloutArgs) -> Result<ExitCode, Failure> {
    if let Some(RolloutCmd::Status { id }) = &args.command {
        let view = engine.rollout_status(CoordId(*id))?;
        if json {
            crate::print_json(&view)?;
        } else {
            print!("{}", render(&view, "status"));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let Some(id) = args.id else {
        return Err(Failure::Error(anyhow::anyhow!(
            "give the coordination to roll out: tandem rollout ID (or tandem rollout status ID)"
        )));
    };
    let id = CoordId(id);
    let unfinished = match (args.retry_step, args.skip_step) {
        (true, _) => Unfinished::Retry,
        (_, true) => Unfinished::Skip,
        _ => Unfinished::Refuse,
    };
    let opts = RolloutOptions { dry_run: args.dry_run, unfinished };
    let notify = |n: &Notice| {
        eprintln!("[{}] {}: {}", n.at.format("%H:%M:%S"), n.step, n.message);
    };
    let outcome = match engine.rollout(id, &opts, &notify) {
        Ok(o) => o,
        Err(EngineError::Refused(r)) => {
            let hint = engine
                .rollout_status(id)
                .ok()
                .and_then(|v| v.unfinished_deploy)
                .map(|_| "; pass --retry-step to run it again, or --skip-step to count it as deployed")
                .unwrap_or_default();
            return Err(Failure::Refused(format!("{}{hint}", r.message)));
        }
        Err(e) => return Err(e.into()),
    };
    if json {
        crate::print_json(&outcome)?;
    } else {
        let title = match outcome.result {
            RolloutResult::DryRun => "dry run: nothing was run",
            RolloutResult::Completed => "completed",
            RolloutResult::RolledBack => "ROLLED BACK",
        };
        print!("{}", render(&outcome.view, title));
    }
    Ok(if outcome.result == RolloutResult::RolledBack { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn state(s: StepState) -> &'static str {
    match s {
        StepState::Pending => "pending",
        StepState::Started => "STARTED (unfinished)",
        StepState::Completed => "completed",
        StepState::Failed => "FAILED",
    }
}

fn step_lines(out: &mut String, n: usize, s: &StepView) {
    let _ = writeln!(out, "  {n:>2}. {:<28} [{}]", s.key, state(s.state));
    if let Some(c) = &s.command {
        let _ = writeln!(out, "        $ {c}");
        let env: Vec<String> = s.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = writeln!(
            out,
            "        in {}; timeout {}; env {}",
            s.cwd.as_ref().map(|p| p.display().to_string()).unwrap_or_default(),
            s.timeout.as_deref().unwrap_or("-"),
            env.join(" ")
        );
    }
    if let Some(h) = &s.http {
        let _ = writeln!(out, "        {h}");
    }
    for g in &s.gates {
        let _ = writeln!(out, "        gate {g}");
    }
    if let Some(b) = s.bake.as_ref().filter(|b| *b != "0ms") {
        let _ = writeln!(out, "        bake {b}");
    }
    if let Some(d) = &s.detail {
        let _ = writeln!(out, "        → {d}");
    }
}

/// The text view: the run, the forward steps and the rollback steps, each with its state.
pub fn render(v: &RolloutView, title: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Rollout of coordination #{} \"{}\": {title}", v.coordination, v.title);
    let _ = writeln!(
        out,
        "status {}; phase {}; gates every {}, {} passing checks pass a step, {} failed checks roll back",
        v.status,
        serde_json::to_value(v.phase).ok().and_then(|p| p.as_str().map(String::from)).unwrap_or_default(),
        v.interval,
        v.iterations,
        v.threshold
    );
    if let Some(t) = v.started_at {
        let _ = writeln!(out, "run started {}", t.format("%Y-%m-%d %H:%M:%S UTC"));
    }
    if let Some(f) = &v.failure {
        let _ = writeln!(out, "failure: {f}");
    }
    if let Some(u) = &v.unfinished_deploy {
        let _ = writeln!(out, "unfinished: {u} started and never finished; its outcome is unknown");
    }
    out.push_str("steps:\n");
    for (i, s) in v.forward.iter().enumerate() {
        step_lines(&mut out, i + 1, s);
    }
    let rolling_back = v.failure.is_some();
    out.push_str(if rolling_back { "rollback:\n" } else { "on failure, the rollback:\n" });
    for (i, s) in v.rollback.iter().enumerate() {
        step_lines(&mut out, i + 1, s);
    }
    if let Some(l) = &v.logs {
        let _ = writeln!(out, "logs: {}", l.display());
    }
    out
}
