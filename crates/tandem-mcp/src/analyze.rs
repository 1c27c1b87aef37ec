//! `analyze_dependency_impact`.
//!
//! The engine has no contract analysis yet (`Engine::analyze` lands with SPEC C5), so this tool
//! reports the graph impact only: the repository's direct and transitive consumers from the
//! engine, an empty findings list, and `mode: "graph_impact_only"` so no caller mistakes it for
//! a clean bill of health.

use crate::error::ToolError;
use crate::wire::{AnalysisOut, AnalyzeInput};
use tandem_engine::{CreateRequest, Engine};

pub fn analyze(engine: &Engine, i: AnalyzeInput) -> Result<(AnalysisOut, String), ToolError> {
    let repo = engine.workspace().resolve(i.repo.trim()).map_err(ToolError::Invalid)?.name.to_string();
    let consumers: Vec<String> = engine.consumers(&repo, false)?.iter().map(|r| r.to_string()).collect();
    let req = CreateRequest { from_repo: Some(repo.clone()), ..Default::default() };
    let affected: Vec<String> = engine.affected_repos(&req)?.iter().map(|r| r.to_string()).collect();
    let out = AnalysisOut {
        mode: "graph_impact_only".into(),
        note: Some(
            "graph impact only: this build cannot diff contracts yet, so no findings were computed; the \
             affected repositories are the changed repository's consumers in the dependency graph"
                .into(),
        ),
        repo: repo.clone(),
        base: i.base,
        head: if i.worktree { Some("working tree".into()) } else { i.head },
        changed_files: i.changed_files.unwrap_or_default(),
        findings: Vec::new(),
        impact: None,
        suggested_change_type: None,
        consumers,
        affected_repos: affected,
        recommendations: Vec::new(),
    };
    let summary = format!(
        "Graph impact only (no contract findings computed): a change to {} reaches {} repositories: {}.",
        repo,
        out.affected_repos.len(),
        out.affected_repos.join(", ")
    );
    Ok((out, summary))
}
