//! The two-way sync with the forge (SPEC C3): what people did on the issues — closing or
//! reopening a child, ticking or unticking its boxes, setting a `status:*` label — becomes
//! engine events (the forge user as the actor, the forge's time as the time), and the aggregate
//! is pushed back (the parent's task list and progress, labels, children made ready).
//!
//! A pull that finds an issue unchanged since the last sync costs nothing on GitHub (a 304 to a
//! conditional request), so a no-change sync of a large coordination is cheap. A change the
//! rules refuse is reported, answered with a comment on the issue, and the issue is put back to
//! tandem's state.

use crate::error::Result;
use crate::Engine;
use serde::Serialize;
use tandem_forge::Pulled;
use tandem_model::checklist::{parse_checklist, ItemSelector};
use tandem_model::{ChildStatus, CoordId, Coordination, Ctx, IssueState, Refused, RepoName, Subject, Target};

/// The actor recorded for a change on the forge whose author the forge does not name (GitHub's
/// REST API does not say who edited a body).
pub const FORGE_ACTOR: &str = "github";

/// What one coordination's sync did.
#[derive(Debug, Clone, Serialize)]
pub struct SyncReport {
    pub id: CoordId,
    /// Issues read whose content had changed since the last sync.
    pub changed_issues: usize,
    /// Changes applied, in order: `hub: ticked "Tests" (@alice)`.
    pub applied: Vec<String>,
    /// Changes the rules refused (the issue was put back and told why).
    pub refused: Vec<String>,
    /// Events appended (applied changes and what they propagated).
    pub events: usize,
}

impl SyncReport {
    pub fn is_unchanged(&self) -> bool {
        self.applied.is_empty() && self.refused.is_empty()
    }
}

/// The shortest legal walk from a child status to `to` for a change made on the forge (a
/// closed issue means done, through review).
fn walk(from: ChildStatus, to: ChildStatus) -> Vec<ChildStatus> {
    use ChildStatus::*;
    let order = [Pending, Ready, InProgress, InReview, Done];
    match (order.iter().position(|s| *s == from), order.iter().position(|s| *s == to)) {
        (Some(a), Some(b)) if a < b => order[a + 1..=b].to_vec(),
        _ => vec![to],
    }
}

impl Engine {
    /// Pulls every issue of coordination `id` from the forge, applies what people changed and
    /// pushes the result back. The entry point for `tandem sync` and for webhooks.
    #[tracing::instrument(skip(self))]
    pub fn sync_from_forge(&self, id: CoordId) -> Result<SyncReport> {
        let c = self.store.load_coordination(id)?;
        let mut report = SyncReport { id, changed_issues: 0, applied: vec![], refused: vec![], events: 0 };
        for ch in &c.children {
            let Some(r) = &ch.issue else { continue };
            let Some(p) = self.forge.pull_issue(r)? else { continue };
            report.changed_issues += 1;
            self.apply_child(id, &ch.repo, &p, &mut report)?;
        }
        // Pull requests from the coordination's branch: a merged one finishes its child.
        if let Some(branch) = self.coordination_branch(id)? {
            let c = self.store.load_coordination(id)?;
            for ch in c.children.iter().filter(|ch| ch.status != ChildStatus::Done) {
                let Some(r) = &ch.issue else { continue };
                let Some(pr) = self.forge.linked_pull(r, Some(&branch))? else { continue };
                if pr.state != "merged" {
                    continue;
                }
                let issue = self.forge.get_issue(r)?;
                let mut closed = issue.clone();
                closed.state = IssueState::Closed;
                let pulled = Pulled { issue: closed, actor: pr.author.clone(), at: pr.at.unwrap_or(issue.updated_at) };
                let before = report.applied.len();
                self.apply_child(id, &ch.repo, &pulled, &mut report)?;
                if let Some(a) = report.applied.get_mut(before) {
                    a.push_str(&format!(" (pull request #{} merged)", pr.number));
                }
            }
        }
        if let Some(r) = &c.integration.issue {
            if let Some(p) = self.forge.pull_issue(r)? {
                report.changed_issues += 1;
                self.apply_checklist(id, &Target::Integration, &p, &mut report)?;
            }
        }
        Ok(report)
    }

    /// [`Engine::sync_from_forge`] for every coordination that is not closed.
    pub fn sync_all(&self) -> Result<Vec<SyncReport>> {
        let mut out = Vec::new();
        for s in self.list_coordinations()? {
            if !s.status.is_closed() {
                out.push(self.sync_from_forge(s.id)?);
            }
        }
        Ok(out)
    }

    fn ctx_of(&self, p: &Pulled) -> Ctx {
        let actor = p.actor.as_ref().map(|a| format!("@{a}")).unwrap_or_else(|| FORGE_ACTOR.to_string());
        Ctx { actor, now: p.at }
    }

    fn apply_child(&self, id: CoordId, repo: &RepoName, p: &Pulled, report: &mut SyncReport) -> Result<()> {
        self.apply_checklist(id, &Target::Child(repo.clone()), p, report)?;
        let c = self.store.load_coordination(id)?;
        let Some(ch) = c.child(repo) else { return Ok(()) };
        let label = p.issue.labels.iter().find_map(|l| l.strip_prefix("status:")).and_then(|s| s.parse().ok());
        let wanted = match p.issue.state {
            IssueState::Closed if ch.status != ChildStatus::Done => Some(ChildStatus::Done),
            IssueState::Open if ch.status == ChildStatus::Done && !c.status.is_closed() => {
                Some(ChildStatus::InProgress)
            }
            _ => label.filter(|l: &ChildStatus| *l != ch.status),
        };
        let Some(to) = wanted else { return Ok(()) };
        if c.status.is_closed() {
            return Ok(());
        }
        let ctx = self.ctx_of(p);
        let who = ctx.actor.clone();
        let reason = match to {
            ChildStatus::Blocked => Some(format!("status:blocked set on the issue by {who}")),
            ChildStatus::InProgress if ch.status == ChildStatus::Done => Some(format!("issue reopened by {who}")),
            _ => None,
        };
        let from = ch.status;
        for step in walk(from, to) {
            let r = reason.clone();
            let res = self.mutate_as(id, &ctx, &|c: &mut Coordination, ctx: &Ctx| {
                c.set_child_status(repo, step, r.as_deref(), ctx)
            });
            match res {
                Ok(change) => {
                    report.events += change.events.len();
                }
                Err(crate::EngineError::Refused(why)) => return self.refuse(id, repo, p, &why, report),
                Err(e) => return Err(e),
            }
        }
        report.applied.push(format!("{repo}: {from} -> {to} ({who})"));
        Ok(())
    }

    fn apply_checklist(&self, id: CoordId, target: &Target, p: &Pulled, report: &mut SyncReport) -> Result<()> {
        let c = self.store.load_coordination(id)?;
        if c.status.is_closed() {
            return Ok(());
        }
        let list = match target {
            Target::Child(r) => match c.child(r) {
                Some(ch) => ch.checklist.clone(),
                None => return Ok(()),
            },
            Target::Integration => c.integration.checklist.clone(),
        };
        let remote = parse_checklist(&p.issue.body);
        let ctx = self.ctx_of(p);
        let name = match target {
            Target::Child(r) => r.to_string(),
            Target::Integration => "integration".to_string(),
        };
        for (k, item) in list.iter().enumerate() {
            // The same item: same position and text (an item a person reworded is not matched).
            let Some(theirs) = remote.get(k).filter(|t| t.text == item.text) else { continue };
            if theirs.checked == item.checked {
                continue;
            }
            let sel = ItemSelector::Number(k + 1);
            let checked = theirs.checked;
            let res =
                self.mutate_as(id, &ctx, &|c: &mut Coordination, ctx: &Ctx| c.check_item(target, &sel, checked, ctx));
            match res {
                Ok(change) => {
                    report.events += change.events.len();
                    let verb = if checked { "ticked" } else { "unticked" };
                    report.applied.push(format!("{name}: {verb} \"{}\" ({})", item.text, ctx.actor));
                }
                Err(crate::EngineError::Refused(why)) => {
                    report.refused.push(format!("{name}: \"{}\": {why}", item.text));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// A change on the forge the rules refuse: say so on the issue and put it back.
    fn refuse(&self, id: CoordId, repo: &RepoName, p: &Pulled, why: &Refused, report: &mut SyncReport) -> Result<()> {
        report.refused.push(format!("{repo}: {why}"));
        let now = self.clock.now();
        let body = format!("tandem could not apply this change to coordination #{id}: {why}. The issue was put back to tandem's state.");
        self.forge.comment(&p.issue.reference, &body, now)?;
        let c = self.store.load_coordination(id)?;
        self.sync_forge(&c, &[Subject::Child(repo.clone())])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ChildStatus::*;

    #[test]
    fn a_closed_issue_walks_its_child_through_review_to_done() {
        assert_eq!(walk(Ready, Done), [InProgress, InReview, Done]);
        assert_eq!(walk(InReview, Done), [Done]);
        assert_eq!(walk(Done, InProgress), [InProgress]);
        assert_eq!(walk(InProgress, Blocked), [Blocked]);
    }
}
