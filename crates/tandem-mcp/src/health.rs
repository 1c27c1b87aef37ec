//! `check_health`: the engine's health checks (SPEC C7), as wire types.

use crate::error::ToolError;
use crate::wire::{health_out, HealthInput, HealthOut};
use tandem_engine::{Endpoints, Engine, HealthOptions};

pub fn check(engine: &Engine, i: HealthInput) -> Result<(HealthOut, String), ToolError> {
    let defaults = HealthOptions::default();
    let opts = HealthOptions {
        stale_days: i.stale_days.unwrap_or(defaults.stale_days),
        endpoints: if i.probe_endpoints { Endpoints::Probe } else { Endpoints::Skip },
    };
    let r = engine.health(&opts)?;
    let out = health_out(&r);
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
