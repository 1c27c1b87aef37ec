//! `tandem health` and `tandem metrics`: arguments, text rendering, exit codes. The checks and
//! figures themselves are the engine's ([`Engine::health`], [`Engine::metrics`]).

use anyhow::Context;
use chrono::Duration;
use std::fmt::Write as _;
use std::process::ExitCode;
use tandem_engine::{
    human_duration, DurationStats, Endpoints, Engine, HealthIssueOutcome, HealthOptions, HealthReport, Level,
    MetricsOptions, MetricsReport, ProbeOutcome, Remedy,
};

/// Arguments of `tandem health`.
#[derive(clap::Args)]
pub struct HealthArgs {
    /// An open coordination with no event for more than N days is stale.
    #[arg(long, value_name = "N", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..))]
    pub stale_days: u32,
    /// Exit 1 when a finding is at this level or above: info, warning or critical.
    #[arg(long, value_name = "LEVEL", default_value = "critical", value_parser = crate::choice::choice::<Level>())]
    pub fail_on: Level,
    /// Create or update the one health issue in the coordination repo (closed when all is healthy).
    #[arg(long)]
    pub report_issue: bool,
    /// Do not probe the repos' health endpoints.
    #[arg(long)]
    pub skip_endpoints: bool,
}

/// Arguments of `tandem metrics`.
#[derive(clap::Args)]
pub struct MetricsArgs {
    /// The window, back from now: a number and a unit (m, h, d, w), e.g. 7d, 12h, 90d.
    #[arg(long, value_name = "DURATION", default_value = "30d", value_parser = parse_since)]
    pub since: Duration,
}

fn parse_since(s: &str) -> Result<Duration, String> {
    tandem_engine::parse_window(s).map_err(|e| e.to_string())
}

fn print_json(v: &serde_json::Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v).context("rendering JSON")?);
    Ok(())
}

/// Runs the checks, keeps the health issue if asked, prints, and says whether to exit 1.
pub fn health(engine: &Engine, json: bool, args: &HealthArgs) -> anyhow::Result<ExitCode> {
    let endpoints = if args.skip_endpoints { Endpoints::Skip } else { Endpoints::Probe };
    let report = engine.health(&HealthOptions { stale_days: args.stale_days, endpoints })?;
    let issue = if args.report_issue { Some(engine.report_health_issue(&report)?) } else { None };
    let failed = !report.is_clear_at(args.fail_on);
    if json {
        let mut v = serde_json::to_value(&report).context("rendering JSON")?;
        if let Some(obj) = v.as_object_mut() {
            obj.insert("workspace".into(), engine.workspace().name.clone().into());
            obj.insert("fail_on".into(), args.fail_on.as_str().into());
            obj.insert("failed".into(), failed.into());
            if let Some(i) = &issue {
                obj.insert("health_issue".into(), serde_json::to_value(i).context("rendering JSON")?);
            }
        }
        print_json(&v)?;
    } else {
        print!("{}", render_health(&engine.workspace().name, &report, issue.as_ref(), args.fail_on));
    }
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// The text report: a summary line, the findings grouped by level (worst first), each with
/// what to do, then the endpoints.
pub fn render_health(workspace: &str, r: &HealthReport, issue: Option<&HealthIssueOutcome>, fail_on: Level) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Health of '{workspace}' at {}: {} critical, {} warning, {} info",
        r.at.format("%Y-%m-%d %H:%M UTC"),
        r.counts.critical,
        r.counts.warning,
        r.counts.info
    );
    let probed = if r.endpoints_probed {
        format!("{} health endpoint(s) probed", r.endpoints.len())
    } else {
        "health endpoints skipped".to_string()
    };
    let _ = writeln!(
        s,
        "({} coordinations, {} repositories, {probed}; stale after {} days)",
        r.coordinations_checked, r.repos_checked, r.stale_days
    );
    if r.findings.is_empty() {
        s.push_str("\nAll healthy.\n");
    }
    for level in [Level::Critical, Level::Warning, Level::Info] {
        let of: Vec<_> = r.findings.iter().filter(|f| f.level == level).collect();
        if of.is_empty() {
            continue;
        }
        let _ = writeln!(s, "\n{} ({})", level.as_str().to_uppercase(), of.len());
        for f in of {
            let _ = writeln!(s, "  {:<29} {}", f.check, f.message);
            match &f.remedy {
                Some(r) => {
                    let _ = writeln!(s, "  {:<29} -> {}: `{}`", "", f.action, remedy_command(r));
                }
                None => {
                    let _ = writeln!(s, "  {:<29} -> {}", "", f.action);
                }
            }
        }
    }
    if !r.endpoints.is_empty() {
        s.push_str("\nEndpoints\n");
        for e in &r.endpoints {
            let state = match &e.outcome {
                ProbeOutcome::Answered { status } => format!("HTTP {status} in {} ms", e.latency_ms),
                ProbeOutcome::Refused => "connection refused".to_string(),
                ProbeOutcome::TimedOut => format!("no answer within {} ms", e.timeout_ms),
                ProbeOutcome::Failed { error } => error.clone(),
                ProbeOutcome::NotProbed { reason } => format!("not probed: {reason}"),
            };
            let _ = writeln!(
                s,
                "  {:<5} {:<24} {}  {state}",
                if e.healthy { "ok" } else { "FAIL" },
                e.repo.as_str(),
                e.url
            );
        }
    }
    if let Some(i) = issue {
        let what = match i.action {
            tandem_engine::HealthIssueAction::Created => "opened",
            tandem_engine::HealthIssueAction::Updated => "updated",
            tandem_engine::HealthIssueAction::Reopened => "reopened",
            tandem_engine::HealthIssueAction::Closed => "closed (all healthy)",
            tandem_engine::HealthIssueAction::UpdatedClosed => "updated, stays closed (all healthy)",
            tandem_engine::HealthIssueAction::NothingToReport => "not opened: nothing to report",
        };
        match &i.issue {
            Some(r) => {
                let _ = writeln!(s, "\nhealth issue {r}: {what}");
            }
            None => {
                let _ = writeln!(s, "\nhealth issue {what}");
            }
        }
    }
    if !r.is_clear_at(fail_on) {
        let _ = writeln!(s, "\nexit 1: findings at {} or above", fail_on.as_str());
    }
    s
}

/// The command line that does what a finding's remedy says.
fn remedy_command(r: &Remedy) -> String {
    match r {
        Remedy::SetStatus { coordination, status } => format!("tandem coord status {coordination} {status}"),
        Remedy::SetChildStatus { coordination, repo, status } => {
            format!("tandem coord child {coordination} {repo} {status}")
        }
        Remedy::CoordinateRepo { repo } => {
            format!("tandem coord create --from-repo {repo} --type breaking --title TITLE")
        }
    }
}

/// Prints the metrics of the window ending now.
pub fn metrics(engine: &Engine, json: bool, args: &MetricsArgs) -> anyhow::Result<ExitCode> {
    let m = engine.metrics(&MetricsOptions { window: args.since, until: None })?;
    if json {
        print_json(&serde_json::to_value(&m).context("rendering JSON")?)?;
    } else {
        print!("{}", render_metrics(&m));
    }
    Ok(ExitCode::SUCCESS)
}

fn secs(s: f64) -> String {
    human_duration(Duration::milliseconds((s * 1000.0) as i64))
}

fn stats(d: &DurationStats) -> String {
    match (d.median_seconds, d.p90_seconds) {
        (Some(m), Some(p)) => format!("{}: median {}, p90 {}", d.count, secs(m), secs(p)),
        _ => "none".to_string(),
    }
}

fn percent(x: f64) -> String {
    format!("{:.0} %", x * 100.0)
}

/// The text rendering of the metrics.
pub fn render_metrics(m: &MetricsReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Metrics from {} to {} ({})\n",
        m.from.format("%Y-%m-%d %H:%M"),
        m.until.format("%Y-%m-%d %H:%M UTC"),
        human_duration(m.until - m.from)
    );
    let _ = writeln!(s, "Coordinations completed     {}", stats(&m.time_to_complete));
    for (t, d) in &m.time_to_complete_by_change_type {
        let _ = writeln!(s, "  {t:<25} {}", stats(d));
    }
    let _ = writeln!(s, "Child issues resolved       {}", stats(&m.child_resolution));
    for (r, d) in &m.child_resolution_by_repo {
        let _ = writeln!(s, "  {:<25} {}", r.as_str(), stats(d));
    }
    let share = m.outcomes.done_share.map(|x| format!(" ({} done)", percent(x))).unwrap_or_default();
    let _ =
        writeln!(s, "Closed                      {} done, {} cancelled{share}", m.outcomes.done, m.outcomes.cancelled);
    let _ = writeln!(
        s,
        "Time blocked                coordinations {} in {} episode(s); children {} in {} episode(s)",
        secs(m.blocked.coordination_seconds),
        m.blocked.coordination_episodes,
        secs(m.blocked.child_seconds),
        m.blocked.child_episodes
    );
    let d = &m.deployments;
    match d.success_rate {
        Some(rate) => {
            let _ = writeln!(
                s,
                "Deployments                 {}: {} succeeded, {} rolled back, {} aborted; success rate {}",
                d.total,
                d.succeeded,
                d.rolled_back,
                d.aborted,
                percent(rate)
            );
        }
        None => s.push_str("Deployments                 none in this window (no success rate)\n"),
    }
    let _ = writeln!(s, "Gate failures               {}", m.gate_failures);
    let _ = writeln!(
        s,
        "Open coordinations          {}{}",
        m.open.count,
        m.open.ages.median_seconds.map(|a| format!(", median age {}", secs(a))).unwrap_or_default()
    );
    for o in &m.open.oldest {
        let _ = writeln!(s, "  #{:<5} {:<12} {:>16}  {}", o.id, o.status.as_str(), secs(o.age_seconds), o.title);
    }
    s
}
