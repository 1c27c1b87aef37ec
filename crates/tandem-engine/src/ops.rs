//! The operations on existing coordinations, the graph and the local forge's issues.

use crate::create::parent_labels;
use crate::error::{EngineError, Result};
use crate::Engine;
use serde::Serialize;
use tandem_model::checklist::{apply_checklist, ItemSelector};
use tandem_model::plan::{DeployPlan, RollbackPlan};
use tandem_model::progress::Progress;
use tandem_model::{
    ChangeType, ChildStatus, CoordId, CoordStatus, Coordination, Ctx, Event, IntegrationStatus, Issue, IssueRef,
    IssueState, IssueUpdate, Priority, Refused, RepoName, Strategy, Subject, Target,
};
use tandem_store::{StoreError, StoredEvent};

/// The result of a change: the coordination after it, and every event it caused (the change
/// itself first, then what propagated). Empty events: nothing changed (already so).
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub coordination: Coordination,
    pub events: Vec<Event>,
}

/// One line of `coord list`.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub id: CoordId,
    pub title: String,
    pub change_type: ChangeType,
    pub priority: Priority,
    pub strategy: Strategy,
    pub status: CoordStatus,
    pub effective_status: CoordStatus,
    pub progress: f64,
    pub children_done: usize,
    pub children_total: usize,
    pub issue: Option<IssueRef>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// A change applied to a loaded aggregate (retried on conflicts, so it must be repeatable).
type Mutation<'a> = dyn Fn(&mut Coordination, &Ctx) -> Result<Vec<Event>, Refused> + 'a;

impl Engine {
    /// Every coordination, oldest first, from the store's summaries (no aggregate is loaded).
    pub fn list_coordinations(&self) -> Result<Vec<Summary>> {
        Ok(self
            .store
            .list_summaries()?
            .into_iter()
            .map(|c| Summary {
                effective_status: c.effective_status(),
                progress: c.overall(),
                children_done: c.children_done(),
                children_total: c.children.len(),
                id: c.id,
                title: c.title,
                change_type: c.change_type,
                priority: c.priority,
                strategy: c.strategy,
                status: c.status,
                issue: c.issue,
                updated_at: c.updated_at,
            })
            .collect())
    }

    pub fn coordination(&self, id: CoordId) -> Result<Coordination> {
        Ok(self.store.load_coordination(id)?)
    }

    pub fn history(&self, id: CoordId) -> Result<Vec<StoredEvent>> {
        self.store.load_coordination(id)?;
        Ok(self.store.events(id)?)
    }

    pub fn progress(&self, id: CoordId) -> Result<(Coordination, Progress)> {
        let c = self.store.load_coordination(id)?;
        let p = c.progress();
        Ok((c, p))
    }

    pub fn deploy_plan(&self, id: CoordId) -> Result<DeployPlan> {
        Ok(self.store.load_coordination(id)?.deploy_plan(Some(&self.ws)))
    }

    pub fn rollback_plan(&self, id: CoordId) -> Result<RollbackPlan> {
        Ok(self.store.load_coordination(id)?.rollback_plan(Some(&self.ws)))
    }

    /// Load, apply, save; retried when someone else saved in between.
    pub(crate) fn mutate(&self, id: CoordId, f: &Mutation<'_>) -> Result<Change> {
        self.mutate_with(id, None, f)
    }

    /// [`Engine::mutate`] as `ctx`'s actor at `ctx`'s time (a change someone made on the forge).
    pub(crate) fn mutate_as(&self, id: CoordId, ctx: &Ctx, f: &Mutation<'_>) -> Result<Change> {
        self.mutate_with(id, Some(ctx), f)
    }

    fn mutate_with(&self, id: CoordId, as_ctx: Option<&Ctx>, f: &Mutation<'_>) -> Result<Change> {
        let mut attempts = 0;
        loop {
            let mut c = self.store.load_coordination(id)?;
            let ctx = as_ctx.cloned().unwrap_or_else(|| self.ctx());
            let events = f(&mut c, &ctx)?;
            if events.is_empty() {
                return Ok(Change { coordination: c, events });
            }
            match self.store.save_coordination(&c, &events) {
                Ok(()) => {
                    c.version += 1;
                    let touched: Vec<Subject> = events.iter().map(|e| e.subject.clone()).collect();
                    self.sync_forge(&c, &touched)?;
                    return Ok(Change { coordination: c, events });
                }
                Err(StoreError::Conflict(_)) if attempts < CONFLICT_RETRIES => {
                    attempts += 1;
                    conflict_backoff(attempts);
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Moves a coordination to `status` (SPEC C3), with every propagated change.
    #[tracing::instrument(skip(self))]
    pub fn set_status(&self, id: CoordId, status: CoordStatus, reason: Option<&str>, force: bool) -> Result<Change> {
        self.mutate(id, &|c, ctx| c.set_status(status, reason, force, ctx))
    }

    /// Moves the child of `repo` to `status`, with every propagated change.
    #[tracing::instrument(skip(self))]
    pub fn set_child_status(
        &self,
        id: CoordId,
        repo: &str,
        status: ChildStatus,
        reason: Option<&str>,
    ) -> Result<Change> {
        let repo = child_named(&self.store.load_coordination(id)?, repo)?.repo.clone();
        self.mutate(id, &|c, ctx| c.set_child_status(&repo, status, reason, ctx))
    }

    /// Ticks (or unticks) item `item` (number or text) of `target`'s checklist: a repo name, or
    /// `integration` for the integration-testing issue.
    #[tracing::instrument(skip(self))]
    pub fn check_item(&self, id: CoordId, target: &str, item: &str, checked: bool) -> Result<Change> {
        let c = self.store.load_coordination(id)?;
        let selector = ItemSelector::parse(item);
        let workspace_repo = RepoName::parse(target).ok().and_then(|r| self.ws.repo(&r));
        let (target, list) = if target == "integration" && workspace_repo.is_none() {
            (Target::Integration, &c.integration.checklist)
        } else {
            let child = child_named(&c, target)?;
            (Target::Child(child.repo.clone()), &child.checklist)
        };
        // An item that is not on the checklist is bad input (an error), not a refusal.
        selector.find(list).map_err(EngineError::Invalid)?;
        self.mutate(id, &|c, ctx| c.check_item(&target, &selector, checked, ctx))
    }

    /// Pushes `c` (as just saved) to the forge and makes the forge converge to the stored
    /// state: two writers may save versions 5 and 6 and then push in the opposite order, so
    /// after pushing, the stored version is read again and, if someone saved since, the newer
    /// state is pushed over what this push may have overwritten. The last push to finish
    /// therefore carries the newest stored state.
    pub(crate) fn sync_forge(&self, c: &Coordination, touched: &[Subject]) -> Result<()> {
        const ROUNDS: usize = 16;
        let mut current = std::borrow::Cow::Borrowed(c);
        for _ in 0..ROUNDS {
            self.push_to_forge(&current, touched)?;
            let stored = self.store.load_coordination(c.id)?;
            if stored.version == current.version {
                return Ok(());
            }
            current = std::borrow::Cow::Owned(stored);
        }
        // Still moving after many rounds: the writers saving meanwhile push their own state.
        Ok(())
    }

    /// Pushes the aggregate to the forge: the parent's task list and labels, and the touched
    /// children's checkboxes, labels and open/closed state. Issues already in that state are
    /// not written again.
    fn push_to_forge(&self, c: &Coordination, touched: &[Subject]) -> Result<()> {
        let now = self.clock.now();
        if let Some(r) = &c.issue {
            let (title, body) = self.render_parent(c)?;
            let state = if c.status.is_closed() { IssueState::Closed } else { IssueState::Open };
            let labels = parent_labels(c);
            let issue = self.forge.get_issue(r)?;
            if issue.title != title || issue.body != body || issue.state != state || issue.labels != labels {
                let update =
                    IssueUpdate { title: Some(title), body: Some(body), state: Some(state), labels: Some(labels) };
                self.forge.update_issue(r, &update, now)?;
            }
        }
        let mut seen: Vec<&Subject> = Vec::new();
        for s in touched {
            if seen.contains(&s) {
                continue;
            }
            seen.push(s);
            match s {
                Subject::Coordination => {}
                Subject::Child(repo) => {
                    let Some(ch) = c.child(repo) else { continue };
                    let Some(r) = &ch.issue else { continue };
                    let issue = self.forge.get_issue(r)?;
                    let closed = ch.status == ChildStatus::Done || c.status.is_closed();
                    let mut labels: Vec<String> =
                        issue.labels.iter().filter(|l| !l.starts_with("status:")).cloned().collect();
                    labels.push(format!("status:{}", ch.status));
                    let body = apply_checklist(&issue.body, &ch.checklist);
                    let state = if closed { IssueState::Closed } else { IssueState::Open };
                    if body != issue.body || state != issue.state || labels != issue.labels {
                        let update =
                            IssueUpdate { title: None, body: Some(body), state: Some(state), labels: Some(labels) };
                        self.forge.update_issue(r, &update, now)?;
                    }
                }
                Subject::Integration => {
                    let Some(r) = &c.integration.issue else { continue };
                    let issue = self.forge.get_issue(r)?;
                    let closed = c.integration.status == IntegrationStatus::Passed || c.status.is_closed();
                    let body = apply_checklist(&issue.body, &c.integration.checklist);
                    let state = if closed { IssueState::Closed } else { IssueState::Open };
                    if body != issue.body || state != issue.state {
                        let update = IssueUpdate { title: None, body: Some(body), state: Some(state), labels: None };
                        self.forge.update_issue(r, &update, now)?;
                    }
                }
            }
        }
        // A closed coordination closes every issue it opened.
        if c.status.is_closed() {
            for r in c.children.iter().filter_map(|ch| ch.issue.as_ref()).chain(c.integration.issue.as_ref()) {
                let update = IssueUpdate { state: Some(IssueState::Closed), ..Default::default() };
                self.forge.update_issue(r, &update, now)?;
            }
        }
        Ok(())
    }

    /// The issues of the forge, optionally of one repo.
    pub fn issues(&self, repo: Option<&str>) -> Result<Vec<Issue>> {
        let repo =
            repo.map(|r| self.ws.resolve(r).map(|r| r.name.clone())).transpose().map_err(EngineError::Invalid)?;
        Ok(self.forge.list_issues(repo.as_ref())?)
    }

    /// One issue, by `repo#number`.
    pub fn issue(&self, reference: &str) -> Result<Issue> {
        let r = IssueRef::parse(reference).map_err(EngineError::Invalid)?;
        Ok(self.forge.get_issue(&r)?)
    }

    /// The repos that depend on `repo`: directly, or (transitive) through others.
    pub fn consumers(&self, repo: &str, transitive: bool) -> Result<Vec<RepoName>> {
        let g = self.ws.graph();
        let r = self.ws.resolve(repo).map_err(EngineError::Invalid)?;
        let i = g.index_of(&r.name).ok_or_else(|| EngineError::Invalid(format!("unknown repository '{repo}'")))?;
        let idx = if transitive { g.transitive_consumers(i) } else { g.consumers_of(i).to_vec() };
        Ok(idx.into_iter().map(|i| g.name(i).clone()).collect())
    }

    /// Reads the checkouts and compares what they reference with what the manifest declares.
    pub fn discover(&self) -> tandem_analyze::Discovery {
        tandem_analyze::discover(&self.ws)
    }
}

/// The child of `c` in repository `name`. A name that is no child of the coordination is bad
/// input (an error), as an unknown repository is everywhere else, not a refusal by the rules.
fn child_named<'c>(c: &'c Coordination, name: &str) -> Result<&'c tandem_model::Child> {
    RepoName::parse(name).ok().and_then(|r| c.child(&r)).ok_or_else(|| {
        let names: Vec<&str> = c.children.iter().map(|c| c.repo.as_str()).collect();
        EngineError::Invalid(format!(
            "coordination #{} has no child in '{}'; its repositories are: {}",
            c.id,
            tandem_model::manifest::clip(name),
            names.join(", ")
        ))
    })
}

/// A save that lost to a concurrent writer (another thread, process or instance) is reloaded
/// and re-applied up to this many times: a conflict retries, it never loses the write.
const CONFLICT_RETRIES: u32 = 30;

/// A growing, jittered pause before retrying (up to 64 ms), so writers that collided once (on
/// PostgreSQL, instances really run at once) stop colliding.
fn conflict_backoff(attempt: u32) {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let cap_us = 1000u64 << attempt.min(6);
    std::thread::sleep(std::time::Duration::from_micros(u64::from(nanos) % cap_us));
}
