//! `check_health`: the engine's health checks (SPEC C7), as wire types.

use crate::error::ToolError;
use crate::wire::{EndpointOut, HealthCountsOut, HealthFindingOut, HealthInput, HealthOut};
use tandem_engine::{Endpoints, Engine, HealthOptions, ProbeOutcome, Verdict};

fn outcome(o: &ProbeOutcome) -> String {
    match o {
        ProbeOutcome::Answered { status } => format!("HTTP {status}"),
        ProbeOutcome::Refused => "connection refused".into(),
        ProbeOutcome::TimedOut => "timed out".into(),
        ProbeOutcome::Failed { error } => format!("failed: {error}"),
        ProbeOutcome::NotProbed { reason } => format!("not probed: {reason}"),
    }
}

pub fn check(engine: &Engine, i: HealthInput) -> Result<(HealthOut, String), ToolError> {
    let defaults = HealthOptions::default();
    let opts = HealthOptions {
        stale_days: i.stale_days.unwrap_or(defaults.stale_days),
        endpoints: if i.probe_endpoints { Endpoints::Probe } else { Endpoints::Skip },
    };
    let r = engine.health(&opts)?;
    let out = HealthOut {
        at: r.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        healthy: r.verdict() == Verdict::Healthy,
        stale_days: r.stale_days,
        coordinations_checked: r.coordinations_checked,
        repos_checked: r.repos_checked,
        endpoints_probed: r.endpoints_probed,
        counts: HealthCountsOut { critical: r.counts.critical, warning: r.counts.warning, info: r.counts.info },
        findings: r
            .findings
            .iter()
            .map(|f| HealthFindingOut {
                check: f.check.to_string(),
                level: f.level.to_string(),
                message: f.message.clone(),
                subjects: f.subjects.iter().map(|s| s.to_string()).collect(),
                action: f.action.clone(),
            })
            .collect(),
        endpoints: r
            .endpoints
            .iter()
            .map(|e| EndpointOut {
                repo: e.repo.to_string(),
                url: e.url.clone(),
                healthy: e.healthy,
                outcome: outcome(&e.outcome),
                latency_ms: e.latency_ms,
            })
            .collect(),
    };
    let summary = if out.findings.is_empty() {
        format!(
            "Healthy: no findings across {} coordination(s) and {} repositories.",
            out.coordinations_checked, out.repos_checked
        )
    } else {
        let first: Vec<String> =
            out.findings.iter().take(5).map(|f| format!("[{}] {} {}", f.level, f.check, f.message)).collect();
        format!(
            "{}: {} critical, {} warning, {} info finding(s). {}{}",
            if out.healthy { "Healthy" } else { "Unhealthy" },
            out.counts.critical,
            out.counts.warning,
            out.counts.info,
            first.join("; "),
            if out.findings.len() > 5 { "; …" } else { "" }
        )
    };
    Ok((out, summary))
}
