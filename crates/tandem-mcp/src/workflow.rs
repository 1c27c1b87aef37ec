//! `generate_coordination_workflow`: the plan of a change, from the engine's draft (children in
//! dependency order with their checklists) and the draft's deployment and rollback plans.
//! Nothing is stored; this module only arranges and renders what the engine decided.

use crate::error::ToolError;
use crate::wire::*;
use std::fmt::Write;
use tandem_engine::{CreateRequest, Engine};
use tandem_model::ChecklistItem;

fn tasks(items: &[ChecklistItem]) -> Vec<String> {
    items
        .iter()
        .map(|i| if i.section.is_empty() { i.text.clone() } else { format!("{}: {}", i.section, i.text) })
        .collect()
}

pub fn generate(engine: &Engine, i: WorkflowInput) -> Result<(WorkflowOut, String), ToolError> {
    let req = CreateRequest {
        repos: i.repos.unwrap_or_default(),
        from_repo: i.from_repo,
        priority: parse_priority(&i.priority)?,
        ..CreateRequest::described(i.title.as_deref(), &i.description, parse_change_type(&i.change_type)?)
    };
    let draft = engine.draft(&req)?;
    let description = req.plan.clone().unwrap_or_default();
    let ws = engine.workspace();
    let deploy = draft.deploy_plan(Some(ws));
    let rollback = draft.rollback_plan(Some(ws));

    let phases: Vec<PhaseOut> = draft
        .waves()
        .iter()
        .enumerate()
        .map(|(k, wave)| PhaseOut {
            number: k + 1,
            name: format!("Wave {}: {}", k + 1, wave.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")),
            repos: wave
                .iter()
                .filter_map(|r| draft.child(r))
                .map(|ch| RepoTasksOut {
                    repo: ch.repo.to_string(),
                    role: ch.role.to_string(),
                    title: ch.title.clone(),
                    after: ch.after.iter().map(|r| r.to_string()).collect(),
                    tasks: tasks(&ch.checklist),
                })
                .collect(),
        })
        .collect();
    let mut out = WorkflowOut {
        title: draft.title.clone(),
        description,
        change_type: draft.change_type.to_string(),
        strategy: draft.strategy.to_string(),
        priority: draft.priority.to_string(),
        repos: draft.children.iter().map(|c| c.repo.to_string()).collect(),
        phases,
        integration_testing: IntegrationPlanOut {
            repo: draft.integration.repo.to_string(),
            title: draft.integration.title.clone(),
            tasks: tasks(&draft.integration.checklist),
        },
        deployment: deploy_steps(&deploy),
        rollback: rollback_steps(&rollback),
        markdown: String::new(),
    };
    out.markdown = markdown(&out);
    let summary = format!(
        "Plan for \"{}\" ({} change, {} strategy, {} priority): {} repositories in {} phase(s), then integration \
         testing in {}, deployment in {} step(s) and a {}-step rollback. Nothing was created; call \
         create_coordination_issue to open it.",
        out.title,
        out.change_type,
        out.strategy,
        out.priority,
        out.repos.len(),
        out.phases.len(),
        out.integration_testing.repo,
        out.deployment.len(),
        out.rollback.len()
    );
    Ok((out, summary))
}

fn markdown(w: &WorkflowOut) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Coordination plan: {}\n", w.title);
    let _ = writeln!(
        s,
        "- **Change type:** {}\n- **Strategy:** {}\n- **Priority:** {}\n- **Repositories:** {}\n",
        w.change_type,
        w.strategy,
        w.priority,
        w.repos.join(", ")
    );
    if !w.description.is_empty() {
        let _ = writeln!(s, "{}\n", w.description);
    }
    let _ = writeln!(s, "## Implementation phases\n");
    for p in &w.phases {
        let _ = writeln!(s, "### Phase {}: {}\n", p.number, p.name);
        for r in &p.repos {
            let after = if r.after.is_empty() { String::new() } else { format!(" (after {})", r.after.join(", ")) };
            let _ = writeln!(s, "#### {} — {}{}\n", r.repo, r.role, after);
            for t in &r.tasks {
                let _ = writeln!(s, "- [ ] {t}");
            }
            s.push('\n');
        }
    }
    let _ = writeln!(s, "## Integration testing ({})\n", w.integration_testing.repo);
    for t in &w.integration_testing.tasks {
        let _ = writeln!(s, "- [ ] {t}");
    }
    let _ = writeln!(s, "\n## Deployment\n");
    for (k, d) in w.deployment.iter().enumerate() {
        let cmd = d.command.as_deref().map(|c| format!(": `{c}`")).unwrap_or_default();
        let health = d.health.as_deref().map(|h| format!(" (health: {h})")).unwrap_or_default();
        let _ = writeln!(s, "{}. Wave {} — {}{}{}", k + 1, d.wave, d.repo, cmd, health);
    }
    let _ = writeln!(s, "\n## Rollback\n");
    for r in &w.rollback {
        let cmd = r.command.as_deref().map(|c| format!(" (`{c}`)")).unwrap_or_default();
        let _ = writeln!(s, "{}. {}{}", r.step, r.description, cmd);
    }
    s
}
