//! `analyze_dependency_impact`: the engine's impact analysis (SPEC C5), as wire types.

use crate::error::ToolError;
use crate::wire::{analysis_out, AnalysisOut, AnalyzeInput};
use tandem_engine::analysis::Compare;
use tandem_engine::{AnalyzeRequest, Engine};
use tandem_model::ImpactLevel;

pub fn analyze(engine: &Engine, i: AnalyzeInput) -> Result<(AnalysisOut, String), ToolError> {
    let open_at: Option<ImpactLevel> = i
        .open_coordination_at
        .as_deref()
        .map(|l| l.parse().map_err(|e: tandem_model::UnknownValue| e.to_string()))
        .transpose()?;
    let req = AnalyzeRequest {
        repo: Some(i.repo),
        compare: Compare::from_parts(i.base, i.head, i.worktree, None)?,
        changed_files: i.changed_files.unwrap_or_default(),
        ..Default::default()
    };
    let a = engine.analyze(&req, open_at)?;
    let out = analysis_out(&a);
    let summary = format!(
        "{}: {} breaking, {} warning, {} info finding(s) in {} file(s); impact {}{}{}",
        if out.repo.is_empty() { "analysis" } else { out.repo.as_str() },
        out.counts.breaking,
        out.counts.warning,
        out.counts.info,
        out.files.len(),
        out.impact,
        if out.affected_repos.is_empty() {
            String::new()
        } else {
            format!("; must follow: {}", out.affected_repos.join(", "))
        },
        match out.coordination {
            Some(id) => format!("; coordination #{id} opened"),
            None => String::new(),
        }
    );
    Ok((out, summary))
}
