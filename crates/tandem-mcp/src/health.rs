//! `check_health`.
//!
//! The engine has no health checks yet (`Engine::health` lands with SPEC C7), so this tool
//! reports what the engine already knows: each coordination's effective status (blocked ones
//! are problems), with `mode: "coordinations_only"` so no caller mistakes it for the full
//! report.

use crate::error::ToolError;
use crate::wire::{HealthInput, HealthOut, HealthProblemOut};
use tandem_engine::Engine;
use tandem_model::CoordStatus;

pub fn check(engine: &Engine, _: HealthInput) -> Result<(HealthOut, String), ToolError> {
    let list = engine.list_coordinations()?;
    let problems: Vec<HealthProblemOut> = list
        .iter()
        .filter(|s| s.effective_status == CoordStatus::Blocked)
        .map(|s| HealthProblemOut {
            check: "blocked_coordination".into(),
            severity: "warning".into(),
            subject: format!("#{}", s.id),
            message: format!("coordination #{} \"{}\" is blocked", s.id, s.title),
        })
        .collect();
    let out = HealthOut {
        mode: "coordinations_only".into(),
        note: Some(
            "this build has no health checks yet (stale coordinations, version pins, endpoints); only \
             blocked coordinations are reported"
                .into(),
        ),
        healthy: problems.is_empty(),
        coordinations: list.len(),
        problems,
    };
    let summary = if out.healthy {
        format!("No problems found among {} coordination(s) (coordination status only).", out.coordinations)
    } else {
        format!(
            "{} problem(s): {}",
            out.problems.len(),
            out.problems.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join("; ")
        )
    };
    Ok((out, summary))
}
