//! Coordinated branches (SPEC C4): the same branch in every affected repository's local
//! checkout, made from its default branch, and where each stands — present, ahead/behind the
//! default branch, pushed, and the pull request linked to the child issue.
//!
//! Creation checks every checkout first and refuses the whole request (creating nothing) when
//! one is missing or has uncommitted changes; run again, it leaves existing branches as they are.

use crate::error::{EngineError, Result};
use crate::Engine;
use git2::{BranchType, Repository, StatusOptions};
use serde::Serialize;
use std::path::{Path, PathBuf};
use tandem_forge::PullLink;
use tandem_model::{CoordId, Coordination, RepoName};

/// What `branches create` did in one repository.
#[derive(Debug, Clone, Serialize)]
pub struct BranchCreated {
    pub repo: RepoName,
    pub path: PathBuf,
    pub branch: String,
    /// The default branch it was made from.
    pub from: String,
    /// False: it existed already and was left as it is.
    pub created: bool,
}

/// Where a coordination's branch stands in one repository.
#[derive(Debug, Clone, Serialize)]
pub struct BranchStatus {
    pub repo: RepoName,
    pub path: Option<PathBuf>,
    pub branch: String,
    pub present: bool,
    /// Commits on the branch not on the default branch, and the reverse.
    pub ahead: usize,
    pub behind: usize,
    /// `pushed`, `ahead of origin by N`, `not pushed`, or `no checkout`.
    pub pushed: String,
    pub pull: Option<PullLink>,
    /// Why the checkout could not be read, if it could not.
    pub problem: Option<String>,
}

fn state_key(id: CoordId) -> String {
    format!("branches:{id}")
}

/// The default branch name for a coordination: `tandem/ID-slug-of-the-title`.
pub fn default_branch_name(c: &Coordination) -> String {
    let mut slug = String::new();
    for ch in c.title.chars() {
        if ch.is_ascii_alphanumeric() {
            slug.push(ch.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= 40 {
            break;
        }
    }
    format!("tandem/{}-{}", c.id, slug.trim_matches('-'))
}

/// The repository's default branch: `origin/HEAD`'s target, else `main`, `master`, else HEAD's branch.
fn default_branch(repo: &Repository) -> Option<String> {
    if let Ok(r) = repo.find_reference("refs/remotes/origin/HEAD") {
        if let Ok(Some(t)) = r.symbolic_target() {
            if let Some(name) = t.strip_prefix("refs/remotes/origin/") {
                if repo.find_branch(name, BranchType::Local).is_ok() {
                    return Some(name.to_string());
                }
            }
        }
    }
    for name in ["main", "master"] {
        if repo.find_branch(name, BranchType::Local).is_ok() {
            return Some(name.to_string());
        }
    }
    let head = repo.head().ok()?;
    if !head.is_branch() {
        return None;
    }
    head.shorthand().ok().map(str::to_string)
}

fn is_dirty(repo: &Repository) -> Result<bool, git2::Error> {
    let mut opts = StatusOptions::new();
    opts.include_untracked(false).include_ignored(false);
    Ok(!repo.statuses(Some(&mut opts))?.is_empty())
}

fn open_checkout(repo: &RepoName, path: Option<&Path>) -> std::result::Result<Repository, String> {
    let Some(path) = path else {
        return Err(format!("{repo}: no checkout (give it a path in tandem.toml)"));
    };
    if !path.exists() {
        return Err(format!("{repo}: no checkout at {}", path.display()));
    }
    Repository::open(path).map_err(|e| format!("{repo}: {} is not a git repository ({})", path.display(), e.message()))
}

impl Engine {
    /// The branch name recorded for coordination `id` by `create_branches`, if any.
    pub fn coordination_branch(&self, id: CoordId) -> Result<Option<String>> {
        Ok(self.store.get_state(&state_key(id))?)
    }

    /// Creates branch `name` (default [`default_branch_name`]) from the default branch in the
    /// checkout of every repository of coordination `id`.
    #[tracing::instrument(skip(self))]
    pub fn create_branches(&self, id: CoordId, name: Option<&str>) -> Result<Vec<BranchCreated>> {
        let c = self.store.load_coordination(id)?;
        let recorded = self.coordination_branch(id)?;
        let branch = match (name, &recorded) {
            (Some(n), _) => n.trim().to_string(),
            (None, Some(r)) => r.clone(),
            (None, None) => default_branch_name(&c),
        };
        if !git2::Branch::name_is_valid(&branch).unwrap_or(false) || branch.is_empty() {
            return Err(EngineError::Invalid(format!("'{branch}' is not a valid git branch name")));
        }
        if let Some(r) = recorded.filter(|r| *r != branch) {
            return Err(EngineError::Invalid(format!(
                "coordination #{id} already has branch '{r}'; run again without a name, or with that name"
            )));
        }
        // Check every checkout before creating anything.
        let mut problems = Vec::new();
        let mut ready = Vec::new();
        for ch in &c.children {
            let path = self.ws.repo(&ch.repo).and_then(|r| r.path.clone());
            match open_checkout(&ch.repo, path.as_deref()) {
                Err(p) => problems.push(p),
                Ok(repo) => match (default_branch(&repo), is_dirty(&repo)) {
                    (None, _) => problems.push(format!("{}: no default branch (no commit yet?)", ch.repo)),
                    (_, Err(e)) => problems.push(format!("{}: cannot read its status ({})", ch.repo, e.message())),
                    (_, Ok(true)) => problems.push(format!(
                        "{}: uncommitted changes in {}; commit or stash them first",
                        ch.repo,
                        path.as_deref().unwrap_or(Path::new("?")).display()
                    )),
                    (Some(from), Ok(false)) => ready.push((ch.repo.clone(), path.unwrap_or_default(), repo, from)),
                },
            }
        }
        if !problems.is_empty() {
            return Err(EngineError::Invalid(format!(
                "no branch was created; {} checkout(s) are not ready:\n  {}",
                problems.len(),
                problems.join("\n  ")
            )));
        }
        self.store.set_state(&state_key(id), &branch)?;
        let mut out = Vec::new();
        for (name, path, repo, from) in ready {
            let git = |e: git2::Error| EngineError::Invalid(format!("{name}: {}", e.message()));
            let created = if repo.find_branch(&branch, BranchType::Local).is_ok() {
                false
            } else {
                let commit =
                    repo.find_branch(&from, BranchType::Local).and_then(|b| b.get().peel_to_commit()).map_err(git)?;
                repo.branch(&branch, &commit, false).map_err(git)?;
                true
            };
            out.push(BranchCreated { repo: name, path, branch: branch.clone(), from, created });
        }
        Ok(out)
    }

    /// Where the coordination's branch stands in each repository, with the linked pull request.
    #[tracing::instrument(skip(self))]
    pub fn branch_status(&self, id: CoordId) -> Result<Vec<BranchStatus>> {
        let c = self.store.load_coordination(id)?;
        let branch = self.coordination_branch(id)?.unwrap_or_else(|| default_branch_name(&c));
        let mut out = Vec::new();
        for ch in &c.children {
            let path = self.ws.repo(&ch.repo).and_then(|r| r.path.clone());
            let pull = match &ch.issue {
                Some(r) => self.forge.linked_pull(r, Some(&branch))?,
                None => None,
            };
            let mut s = BranchStatus {
                repo: ch.repo.clone(),
                path: path.clone(),
                branch: branch.clone(),
                present: false,
                ahead: 0,
                behind: 0,
                pushed: "no checkout".into(),
                pull,
                problem: None,
            };
            match open_checkout(&ch.repo, path.as_deref()) {
                Err(p) => s.problem = Some(p),
                Ok(repo) => {
                    if let Ok(b) = repo.find_branch(&branch, BranchType::Local) {
                        s.present = true;
                        let tip = b.get().target();
                        let base = default_branch(&repo)
                            .and_then(|d| repo.find_branch(&d, BranchType::Local).ok())
                            .and_then(|d| d.get().target());
                        if let (Some(t), Some(d)) = (tip, base) {
                            if let Ok((a, bh)) = repo.graph_ahead_behind(t, d) {
                                (s.ahead, s.behind) = (a, bh);
                            }
                        }
                        let remote =
                            repo.find_reference(&format!("refs/remotes/origin/{branch}")).ok().and_then(|r| r.target());
                        s.pushed = match (tip, remote) {
                            (_, None) => "not pushed".into(),
                            (Some(t), Some(r)) if t == r => "pushed".into(),
                            (Some(t), Some(r)) => match repo.graph_ahead_behind(t, r) {
                                Ok((a, _)) if a > 0 => format!("ahead of origin by {a}"),
                                _ => "pushed (origin differs)".into(),
                            },
                            _ => "not pushed".into(),
                        };
                    } else {
                        s.pushed = "no branch".into();
                    }
                }
            }
            out.push(s);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_branch_name_is_made_from_the_id_and_title() {
        let mut c = dummy();
        c.title = "Add auth metadata to AudioStream!".into();
        assert_eq!(default_branch_name(&c), format!("tandem/{}-add-auth-metadata-to-audiostream", c.id));
    }

    fn dummy() -> Coordination {
        Coordination {
            id: CoordId(7),
            key: "k".into(),
            title: String::new(),
            change_type: tandem_model::ChangeType::Feature,
            priority: tandem_model::Priority::Medium,
            strategy: tandem_model::Strategy::Parallel,
            status: tandem_model::CoordStatus::Planning,
            hold: None,
            plan: None,
            milestone: None,
            source_repo: None,
            home_repo: RepoName::parse("a").unwrap(),
            issue: None,
            children: vec![],
            integration: tandem_model::Integration {
                repo: RepoName::parse("a").unwrap(),
                status: tandem_model::IntegrationStatus::Open,
                title: String::new(),
                checklist: vec![],
                issue: None,
            },
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            version: 0,
        }
    }
}
