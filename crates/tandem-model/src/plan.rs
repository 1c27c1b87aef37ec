//! Deployment and rollback plans of a coordination (SPEC C6's plans).

use crate::coordination::Coordination;
use crate::manifest::Workspace;
use crate::names::RepoName;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeployStep {
    /// 1-based wave number.
    pub wave: usize,
    pub repo: RepoName,
    pub command: Option<String>,
    pub health: Option<String>,
}

/// The affected repos in dependency order, grouped in waves that may deploy in parallel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeployPlan {
    pub waves: Vec<Vec<RepoName>>,
    pub steps: Vec<DeployStep>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RollbackAction {
    StopTraffic,
    Rollback,
    Verify,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RollbackStep {
    /// 1-based position.
    pub step: usize,
    pub action: RollbackAction,
    pub repo: Option<RepoName>,
    pub command: Option<String>,
    pub description: String,
}

/// Reverse dependency order, starting with stopping traffic to the new version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RollbackPlan {
    pub steps: Vec<RollbackStep>,
}

impl Coordination {
    /// The children grouped in waves: a child's wave comes after the waves of every child it
    /// waits for. Within a wave, repos keep the coordination's (dependency) order.
    pub fn waves(&self) -> Vec<Vec<RepoName>> {
        let index: HashMap<&RepoName, usize> = self.children.iter().enumerate().map(|(i, c)| (&c.repo, i)).collect();
        let mut level: Vec<Option<usize>> = vec![None; self.children.len()];
        fn visit(
            i: usize,
            c: &Coordination,
            index: &HashMap<&RepoName, usize>,
            level: &mut [Option<usize>],
            depth: usize,
        ) -> usize {
            if let Some(l) = level[i] {
                return l;
            }
            let mut l = 0;
            if depth < 10_000 {
                for p in &c.children[i].after {
                    if let Some(&j) = index.get(p) {
                        l = l.max(visit(j, c, index, level, depth + 1) + 1);
                    }
                }
            }
            level[i] = Some(l);
            l
        }
        for i in 0..self.children.len() {
            visit(i, self, &index, &mut level, 0);
        }
        let depth = level.iter().flatten().max().map_or(0, |m| m + 1);
        let mut waves = vec![Vec::new(); depth];
        for (i, c) in self.children.iter().enumerate() {
            waves[level[i].unwrap_or(0)].push(c.repo.clone());
        }
        waves
    }

    pub fn deploy_plan(&self, ws: Option<&Workspace>) -> DeployPlan {
        let waves = self.waves();
        let mut steps = Vec::new();
        for (w, members) in waves.iter().enumerate() {
            for r in members {
                let repo = ws.and_then(|ws| ws.repo(r));
                steps.push(DeployStep {
                    wave: w + 1,
                    repo: r.clone(),
                    command: repo.and_then(|r| r.deploy.as_ref()).map(|d| d.command.clone()),
                    health: repo.and_then(|r| r.health.as_ref()).map(|h| h.url.to_string()),
                });
            }
        }
        DeployPlan { waves, steps }
    }

    pub fn rollback_plan(&self, ws: Option<&Workspace>) -> RollbackPlan {
        let order: Vec<RepoName> = self.waves().into_iter().flatten().collect();
        let mut steps = vec![RollbackStep {
            step: 1,
            action: RollbackAction::StopTraffic,
            repo: None,
            command: None,
            description: match self.strategy {
                crate::kinds::Strategy::FeatureFlags => {
                    format!("Stop traffic to the new version: turn the feature flags of \"{}\" off (0 %)", self.title)
                }
                _ => "Stop traffic to the new version: route requests back to the previous release".to_string(),
            },
        }];
        for r in order.iter().rev() {
            let repo = ws.and_then(|ws| ws.repo(r));
            let command = repo.and_then(|r| r.deploy.as_ref()).and_then(|d| d.rollback.clone());
            let description = match &command {
                Some(_) => format!("Roll back {r} to its previous release"),
                None => format!(
                    "Roll back {r} to its previous release (no rollback command declared: revert the release by hand)"
                ),
            };
            steps.push(RollbackStep {
                step: steps.len() + 1,
                action: RollbackAction::Rollback,
                repo: Some(r.clone()),
                command,
                description,
            });
        }
        let names: Vec<&str> = order.iter().map(RepoName::as_str).collect();
        steps.push(RollbackStep {
            step: steps.len() + 1,
            action: RollbackAction::Verify,
            repo: None,
            command: None,
            description: format!("Verify health of {} on the previous version, then restore traffic", names.join(", ")),
        });
        RollbackPlan { steps }
    }
}
