//! The coordination aggregate and its state machine (SPEC C3).
//!
//! Every change goes through a method of [`Coordination`] that either refuses with a reason
//! ([`Refused`]) and leaves the aggregate untouched, or applies the change together with every
//! propagated change and returns the [`Event`]s that describe them, in order. The store saves
//! the aggregate and appends the events in one transaction.

use crate::checklist::{ChecklistItem, ItemSelector};
use crate::kinds::{ChangeType, Priority, Role, Strategy};
use crate::names::{CoordId, IssueRef, RepoName};
use crate::status::{ChildStatus, CoordStatus, IntegrationStatus};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// An operation refused by the state machine. The message says why, in the model's terms;
/// `needs` says what would let the same request through, so that each front end can say how
/// (a CLI flag, an MCP argument, a form field) — the model names no front end's spelling.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refused {
    pub message: String,
    pub needs: Option<Needs>,
}

/// What a refused request lacked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Needs {
    /// A reason (recorded in the history): blocking, reopening.
    Reason,
    /// An explicit override: closing with open children, or before integration passed.
    Force,
}

impl Refused {
    pub fn new(message: impl Into<String>) -> Refused {
        Refused { message: message.into(), needs: None }
    }
}

fn refuse<T>(msg: impl Into<String>) -> Result<T, Refused> {
    Err(Refused::new(msg))
}

fn refuse_needing<T>(needs: Needs, msg: impl Into<String>) -> Result<T, Refused> {
    Err(Refused { message: msg.into(), needs: Some(needs) })
}

/// Who blocked something: the item itself, or its coordination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockCause {
    Own,
    Parent,
}

/// What a blocked item resumes to, and why it is blocked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold<S> {
    pub resume: S,
    pub reason: String,
    pub since: DateTime<Utc>,
    pub cause: BlockCause,
}

/// The per-repository piece of a coordination.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Child {
    pub repo: RepoName,
    pub role: Role,
    pub weight: u32,
    pub status: ChildStatus,
    pub hold: Option<Hold<ChildStatus>>,
    /// The children this one waits for under the sequential strategy (its nearest affected providers).
    pub after: Vec<RepoName>,
    pub title: String,
    pub checklist: Vec<ChecklistItem>,
    pub issue: Option<IssueRef>,
    pub updated_at: DateTime<Utc>,
}

/// The coordination's integration-testing issue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Integration {
    pub repo: RepoName,
    pub status: IntegrationStatus,
    pub title: String,
    pub checklist: Vec<ChecklistItem>,
    pub issue: Option<IssueRef>,
}

/// One cross-repository change: the parent record with its children.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coordination {
    pub id: CoordId,
    /// Idempotency key: creating twice with the same key yields the same coordination.
    pub key: String,
    pub title: String,
    pub change_type: ChangeType,
    pub priority: Priority,
    pub strategy: Strategy,
    pub status: CoordStatus,
    pub hold: Option<Hold<CoordStatus>>,
    pub plan: Option<String>,
    pub milestone: Option<String>,
    /// The repo whose change started this coordination, when it was derived from one.
    pub source_repo: Option<RepoName>,
    /// The repo holding the parent and integration-testing issues.
    pub home_repo: RepoName,
    pub issue: Option<IssueRef>,
    pub children: Vec<Child>,
    pub integration: Integration,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Optimistic-concurrency version, bumped by every save.
    pub version: i64,
}

/// What an event is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "repo", rename_all = "snake_case")]
pub enum Subject {
    Coordination,
    Child(RepoName),
    Integration,
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Coordination => f.write_str("coordination"),
            Subject::Child(r) => f.write_str(r.as_str()),
            Subject::Integration => f.write_str("integration testing"),
        }
    }
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Created,
    Status,
    Checked,
    Unchecked,
    IssueLinked,
    /// A rollout step is about to run (`to`: the step's key, e.g. `deploy loqa-hub`).
    RolloutStepStarted,
    /// A rollout step finished well (`reason`: what it did, its log).
    RolloutStepCompleted,
    /// A rollout step failed (`reason`: why).
    RolloutStepFailed,
    /// A rollout gate failed (`to`: the gate; `reason`: the checks that failed).
    GateFailed,
    /// A rollout started rolling back (`reason`: the failure).
    RollbackStarted,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Status => "status",
            Action::Checked => "checked",
            Action::Unchecked => "unchecked",
            Action::IssueLinked => "issue_linked",
            Action::RolloutStepStarted => "rollout_step_started",
            Action::RolloutStepCompleted => "rollout_step_completed",
            Action::RolloutStepFailed => "rollout_step_failed",
            Action::GateFailed => "gate_failed",
            Action::RollbackStarted => "rollback_started",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        [
            Action::Created,
            Action::Status,
            Action::Checked,
            Action::Unchecked,
            Action::IssueLinked,
            Action::RolloutStepStarted,
            Action::RolloutStepCompleted,
            Action::RolloutStepFailed,
            Action::GateFailed,
            Action::RollbackStarted,
        ]
        .into_iter()
        .find(|a| a.as_str() == s)
    }
}

/// One entry of the append-only history: who, when, what, from, to, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub subject: Subject,
    pub action: Action,
    pub from: Option<String>,
    pub to: Option<String>,
    pub reason: Option<String>,
}

/// Who acts, and when. Propagated changes are attributed to `tandem`.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub actor: String,
    pub now: DateTime<Utc>,
}

/// The actor of changes tandem makes by itself (propagation).
pub const SYSTEM_ACTOR: &str = "tandem";

/// Which checklist an operation addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Child(RepoName),
    Integration,
}

impl Coordination {
    pub fn child(&self, repo: &RepoName) -> Option<&Child> {
        self.children.iter().find(|c| &c.repo == repo)
    }

    fn child_index(&self, repo: &RepoName) -> Result<usize, Refused> {
        self.children.iter().position(|c| &c.repo == repo).ok_or_else(|| {
            let names: Vec<&str> = self.children.iter().map(|c| c.repo.as_str()).collect();
            Refused::new(format!(
                "coordination #{} has no child in '{repo}'; its repositories are: {}",
                self.id,
                names.join(", ")
            ))
        })
    }

    /// Open children, with their status, for messages.
    fn open_children(&self) -> Vec<String> {
        self.children.iter().filter(|c| c.status.is_open()).map(|c| format!("{} ({})", c.repo, c.status)).collect()
    }

    /// The children `repo` still waits for under the sequential strategy.
    pub fn waiting_on(&self, child: &Child) -> Vec<&Child> {
        if self.strategy != Strategy::Sequential {
            return Vec::new();
        }
        child.after.iter().filter_map(|r| self.child(r)).filter(|p| p.status != ChildStatus::Done).collect()
    }

    fn event(
        &self,
        ctx: &Ctx,
        actor: &str,
        subject: Subject,
        from: impl ToString,
        to: impl ToString,
        reason: Option<&str>,
    ) -> Event {
        Event {
            at: ctx.now,
            actor: actor.to_string(),
            subject,
            action: Action::Status,
            from: Some(from.to_string()),
            to: Some(to.to_string()),
            reason: reason.map(str::to_string),
        }
    }

    /// Moves the coordination to `to`, with every propagated change.
    pub fn set_status(
        &mut self,
        to: CoordStatus,
        reason: Option<&str>,
        force: bool,
        ctx: &Ctx,
    ) -> Result<Vec<Event>, Refused> {
        use CoordStatus::*;
        let from = self.status;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if from == to {
            return Ok(Vec::new());
        }
        let id = self.id;
        if from.is_closed() {
            return refuse(format!("coordination #{id} is {from}; closed coordinations do not change"));
        }
        let need_reason = |what: &str| -> Result<(), Refused> {
            if reason.is_none() {
                return refuse_needing(Needs::Reason, format!("{what} needs a reason"));
            }
            Ok(())
        };
        let open = self.open_children();
        let closing_check = |what: &str| -> Result<(), Refused> {
            if !open.is_empty() && !force {
                return refuse_needing(
                    Needs::Force,
                    format!(
                        "cannot {what} coordination #{id}: {} children still open: {}; closing it anyway needs force",
                        open.len(),
                        open.join(", ")
                    ),
                );
            }
            Ok(())
        };
        match (from, to) {
            (_, Planning) => return refuse(format!("coordination #{id} is {from}; once started a coordination does not return to planning")),
            (_, Blocked) => need_reason("blocking a coordination")?,
            (_, Cancelled) => closing_check("cancel")?,
            (Ready | Deploying, Done) => {}
            (_, Done) => {
                if !force {
                    if !open.is_empty() {
                        closing_check("close")?;
                    }
                    return refuse_needing(Needs::Force, format!(
                        "cannot close coordination #{id} from {from}: it closes after integration testing passed (ready) or after deploying; closing it anyway needs force"
                    ));
                }
            }
            (Blocked, t) => {
                let resume = self.hold.as_ref().map(|h| h.resume).unwrap_or(InProgress);
                if t != resume {
                    return refuse(format!(
                        "coordination #{id} is blocked ({}); unblock it by setting it back to '{resume}', the status it had",
                        self.hold.as_ref().map(|h| h.reason.as_str()).unwrap_or("no reason given")
                    ));
                }
            }
            (Planning, InProgress) => {}
            (Planning, _) => return refuse(format!("coordination #{id} is still planning; start the work first: planning -> in_progress")),
            (InProgress, Testing) => {
                if !open.is_empty() {
                    return refuse(format!(
                        "coordination #{id} moves to testing when every child is done; still open: {}",
                        open.join(", ")
                    ));
                }
            }
            (InProgress, Ready | Deploying) => {
                return refuse(format!(
                    "coordination #{id} is in_progress; integration testing comes first (it moves to testing when every child is done)"
                ))
            }
            (Testing, Ready) => {}
            (Testing, InProgress) => need_reason("failing integration testing")?,
            (Testing, Deploying) => return refuse(format!("coordination #{id} is testing; integration testing must pass first (testing -> ready)")),
            (Ready, Deploying) => {}
            (Ready, InProgress) => need_reason("reopening a ready coordination")?,
            (Ready, Testing) => return refuse(format!("coordination #{id} already passed integration testing; to rework it, set it back to in_progress")),
            (Deploying, Ready) => need_reason("rolling back a deployment")?,
            (Deploying, _) => return refuse(format!("coordination #{id} is deploying; roll it back first (deploying -> ready, with a reason)")),
            (a, b) => return refuse(format!("coordination #{id} cannot go from {a} to {b}")),
        }

        let mut events = vec![self.event(ctx, &ctx.actor, Subject::Coordination, from, to, reason)];
        match to {
            Blocked => {
                let reason = reason.unwrap_or_default().to_string();
                self.hold = Some(Hold { resume: from, reason: reason.clone(), since: ctx.now, cause: BlockCause::Own });
                self.status = Blocked;
                let why = format!("coordination blocked: {reason}");
                for i in 0..self.children.len() {
                    let c = &self.children[i];
                    if c.status.is_open() && c.status != ChildStatus::Blocked {
                        let ev = self.event(
                            ctx,
                            SYSTEM_ACTOR,
                            Subject::Child(c.repo.clone()),
                            c.status,
                            ChildStatus::Blocked,
                            Some(&why),
                        );
                        events.push(ev);
                        let c = &mut self.children[i];
                        c.hold = Some(Hold {
                            resume: c.status,
                            reason: why.clone(),
                            since: ctx.now,
                            cause: BlockCause::Parent,
                        });
                        c.status = ChildStatus::Blocked;
                        c.updated_at = ctx.now;
                    }
                }
            }
            _ if from == Blocked => {
                self.hold = None;
                self.status = to;
                if !to.is_closed() {
                    for i in 0..self.children.len() {
                        let c = &self.children[i];
                        if let Some(h) = c.hold.as_ref().filter(|h| h.cause == BlockCause::Parent) {
                            let resume = h.resume;
                            let ev = self.event(
                                ctx,
                                SYSTEM_ACTOR,
                                Subject::Child(c.repo.clone()),
                                c.status,
                                resume,
                                Some("coordination unblocked"),
                            );
                            events.push(ev);
                            let c = &mut self.children[i];
                            c.status = resume;
                            c.hold = None;
                            c.updated_at = ctx.now;
                        }
                    }
                    if to == InProgress {
                        self.promote_ready(ctx, &mut events);
                    }
                }
            }
            InProgress => {
                self.status = InProgress;
                if from == Testing {
                    self.integration.status = IntegrationStatus::Failed;
                    events.push(self.event(
                        ctx,
                        SYSTEM_ACTOR,
                        Subject::Integration,
                        IntegrationStatus::Open,
                        IntegrationStatus::Failed,
                        reason,
                    ));
                }
                self.promote_ready(ctx, &mut events);
            }
            Testing => {
                self.status = Testing;
                self.integration.status = IntegrationStatus::Open;
            }
            Ready => {
                self.status = Ready;
                if from == Testing {
                    let prev = self.integration.status;
                    self.integration.status = IntegrationStatus::Passed;
                    events.push(self.event(
                        ctx,
                        SYSTEM_ACTOR,
                        Subject::Integration,
                        prev,
                        IntegrationStatus::Passed,
                        Some("integration testing passed"),
                    ));
                }
            }
            other => self.status = other,
        }
        self.updated_at = ctx.now;
        Ok(events)
    }

    /// Makes pending children ready when the coordination is in progress and, under the
    /// sequential strategy, the children of their providers are done.
    fn promote_ready(&mut self, ctx: &Ctx, events: &mut Vec<Event>) {
        if self.status != CoordStatus::InProgress {
            return;
        }
        loop {
            let next =
                self.children.iter().position(|c| c.status == ChildStatus::Pending && self.waiting_on(c).is_empty());
            let Some(i) = next else { break };
            let why = if self.strategy == Strategy::Sequential && !self.children[i].after.is_empty() {
                let names: Vec<&str> = self.children[i].after.iter().map(RepoName::as_str).collect();
                format!("providers done: {}", names.join(", "))
            } else {
                "coordination in progress".to_string()
            };
            let c = &self.children[i];
            events.push(self.event(
                ctx,
                SYSTEM_ACTOR,
                Subject::Child(c.repo.clone()),
                ChildStatus::Pending,
                ChildStatus::Ready,
                Some(&why),
            ));
            let c = &mut self.children[i];
            c.status = ChildStatus::Ready;
            c.updated_at = ctx.now;
        }
    }

    /// Moves one child to `to`, with every propagated change.
    pub fn set_child_status(
        &mut self,
        repo: &RepoName,
        to: ChildStatus,
        reason: Option<&str>,
        ctx: &Ctx,
    ) -> Result<Vec<Event>, Refused> {
        use ChildStatus::*;
        let i = self.child_index(repo)?;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        let from = self.children[i].status;
        if from == to {
            return Ok(Vec::new());
        }
        let id = self.id;
        match self.status {
            s if s.is_closed() => return refuse(format!("coordination #{id} is {s}; its children no longer change")),
            CoordStatus::Blocked => {
                return refuse(format!(
                    "coordination #{id} is blocked ({}); unblock the coordination first",
                    self.hold.as_ref().map(|h| h.reason.as_str()).unwrap_or("no reason given")
                ))
            }
            CoordStatus::Planning => {
                return refuse(format!("coordination #{id} is still planning; start it first (move it to in_progress)"))
            }
            CoordStatus::Ready | CoordStatus::Deploying => {
                return refuse(format!(
                    "coordination #{id} is {}: every child is done; set the coordination back to in_progress (with a reason) to reopen work",
                    self.status
                ))
            }
            _ => {}
        }
        let child = &self.children[i];
        let waiting = || {
            let w: Vec<String> = self.waiting_on(child).iter().map(|p| format!("{} ({})", p.repo, p.status)).collect();
            w
        };
        match (from, to) {
            // unblocking a child that was blocked while pending is the one way back to pending
            (f, Pending) if f != Blocked => {
                return refuse(format!("{repo} is {from}; a child never returns to pending"))
            }
            (Done, Blocked) => {
                return refuse(format!("{repo} is done; reopen it (done -> in_progress) before blocking it"))
            }
            (_, Blocked) => {
                if reason.is_none() {
                    return refuse_needing(Needs::Reason, "blocking a child needs a reason");
                }
            }
            (Blocked, t) => {
                let fallback = Hold {
                    resume: InProgress,
                    reason: "no reason recorded".into(),
                    since: ctx.now,
                    cause: BlockCause::Own,
                };
                let h = child.hold.as_ref().unwrap_or(&fallback);
                if h.cause == BlockCause::Parent {
                    return refuse(format!(
                        "{repo} is blocked because coordination #{id} is blocked; unblock the coordination"
                    ));
                }
                if t != h.resume {
                    return refuse(format!(
                        "{repo} is blocked ({}); unblock it by setting it back to '{}', the status it had",
                        h.reason, h.resume
                    ));
                }
            }
            (Pending, Ready) => {
                let w = waiting();
                if !w.is_empty() {
                    return refuse(format!(
                        "{repo} waits on {} (sequential strategy: a repo starts when its providers are done)",
                        w.join(", ")
                    ));
                }
            }
            (Pending, _) => {
                let w = waiting();
                let extra = if w.is_empty() { String::new() } else { format!("; it waits on {}", w.join(", ")) };
                return refuse(format!("{repo} is pending; it must be ready first (pending -> ready){extra}"));
            }
            (Ready, InProgress) | (InProgress, InReview) | (InReview, Done) | (InReview, InProgress) => {}
            (Ready, _) => return refuse(format!("{repo} is ready; start the work first (ready -> in_progress)")),
            (InProgress, Done) => {
                return refuse(format!(
                    "{repo} is in_progress; it goes to review first (in_progress -> in_review -> done)"
                ))
            }
            (InProgress, Ready) => {
                return refuse(format!("{repo} is in_progress; work that started does not go back to ready"))
            }
            (InReview, Ready) => {
                return refuse(format!("{repo} is in_review; send it back to in_progress if changes are needed"))
            }
            (Done, InProgress) => {
                if reason.is_none() {
                    return refuse_needing(Needs::Reason, format!("reopening {repo} needs a reason"));
                }
            }
            (Done, _) => return refuse(format!("{repo} is done; reopen it with done -> in_progress and a reason")),
            (a, b) => return refuse(format!("{repo} cannot go from {a} to {b}")),
        }

        let mut events = vec![self.event(ctx, &ctx.actor, Subject::Child(repo.clone()), from, to, reason)];
        let c = &mut self.children[i];
        if to == Blocked {
            c.hold = Some(Hold {
                resume: from,
                reason: reason.unwrap_or_default().to_string(),
                since: ctx.now,
                cause: BlockCause::Own,
            });
        } else {
            c.hold = None;
        }
        c.status = to;
        c.updated_at = ctx.now;
        self.updated_at = ctx.now;

        if to == Pending {
            // back from a block: ready at once if its providers finished meanwhile
            self.promote_ready(ctx, &mut events);
        }
        if to == Done {
            self.promote_ready(ctx, &mut events);
            if self.status == CoordStatus::InProgress && self.children.iter().all(|c| c.status == Done) {
                events.push(self.event(
                    ctx,
                    SYSTEM_ACTOR,
                    Subject::Coordination,
                    CoordStatus::InProgress,
                    CoordStatus::Testing,
                    Some("all children done: ready for integration"),
                ));
                self.status = CoordStatus::Testing;
                self.integration.status = IntegrationStatus::Open;
            }
        }
        if from == Done && self.status == CoordStatus::Testing {
            let why = format!("{repo} reopened");
            events.push(self.event(
                ctx,
                SYSTEM_ACTOR,
                Subject::Coordination,
                CoordStatus::Testing,
                CoordStatus::InProgress,
                Some(&why),
            ));
            self.status = CoordStatus::InProgress;
        }
        Ok(events)
    }

    /// Ticks (or unticks) a checklist item of a child or of the integration-testing issue.
    /// Ticking the last integration item while testing means integration testing passed.
    pub fn check_item(
        &mut self,
        target: &Target,
        item: &ItemSelector,
        checked: bool,
        ctx: &Ctx,
    ) -> Result<Vec<Event>, Refused> {
        if self.status.is_closed() {
            return refuse(format!("coordination #{} is {}; its checklists no longer change", self.id, self.status));
        }
        let (subject, list) = match target {
            Target::Child(repo) => {
                let i = self.child_index(repo)?;
                (Subject::Child(repo.clone()), &mut self.children[i].checklist)
            }
            Target::Integration => (Subject::Integration, &mut self.integration.checklist),
        };
        let k = item.find(list).map_err(Refused::new)?;
        if list[k].checked == checked {
            return Ok(Vec::new());
        }
        list[k].checked = checked;
        let text = list[k].text.clone();
        let mut events = vec![Event {
            at: ctx.now,
            actor: ctx.actor.clone(),
            subject,
            action: if checked { Action::Checked } else { Action::Unchecked },
            from: None,
            to: Some(text),
            reason: None,
        }];
        self.updated_at = ctx.now;
        if *target == Target::Integration
            && self.status == CoordStatus::Testing
            && self.integration.checklist.iter().all(|i| i.checked)
        {
            events.extend(self.set_status(
                CoordStatus::Ready,
                Some("integration checklist complete"),
                false,
                &Ctx { actor: SYSTEM_ACTOR.into(), now: ctx.now },
            )?);
        }
        Ok(events)
    }
}

#[cfg(test)]
mod tests;
