//! `analyze_dependency_impact`: the engine's impact analysis (SPEC C5), as wire types.

use crate::error::ToolError;
use crate::wire::{AnalysisOut, AnalyzeInput, ConsumerOut, CountsOut, FindingOut};
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
    let out = AnalysisOut {
        repo: a.repo.as_ref().map(|r| r.to_string()).unwrap_or_default(),
        base: a.base.clone(),
        head: a.head.clone(),
        files: a.files.clone(),
        findings: a.findings.iter().map(FindingOut::from).collect(),
        counts: CountsOut { breaking: a.counts.breaking, warning: a.counts.warning, info: a.counts.info },
        impact: a.impact.level.as_str().into(),
        impact_reason: a.impact.reason.clone(),
        suggested_change_type: a.impact.change_type.map(|c| c.to_string()),
        suggested_strategy: a.impact.strategy.map(|s| s.to_string()),
        affected_repos: a.impact.consumers.iter().map(|c| c.repo.to_string()).collect(),
        consumers: a
            .impact
            .consumers
            .iter()
            .map(|c| ConsumerOut { repo: c.repo.to_string(), relation: c.relation.to_string() })
            .collect(),
        recommendations: a.recommendations.clone(),
        analysis_id: a.analysis_id,
        coordination: a.coordination.map(|c| c.0),
    };
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
