//! What each GitHub webhook event means (SPEC C9), applied from the payload alone.
//!
//! Every handler is idempotent, because a delivery can be handled twice (a crash between its
//! effect and its completion): a transition to the state already held appends nothing, a
//! coordination opened from an issue form is keyed by that issue, a push already analysed is not
//! analysed again, and every comment carries `<!-- tandem:delivery:ID -->` and is posted once
//! (see [`reply`]).
//!
//! Changes are made by the GitHub user who caused them (the payload's `sender`, or the
//! comment's author) at the event's time, through the same engine operations every front end
//! uses, so the state machine refuses illegal moves here as everywhere; a refusal is answered
//! on the issue.

use super::forms::{parse_form_body, FormKind};
use super::workspace_repo_for;
use crate::analysis::{AnalyzeRequest, Compare};
use crate::error::{EngineError, Result};
use crate::webhook::WebhookOutcome;
use crate::{Change, CreateRequest, Engine};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::sync::Arc;
use tandem_forge::ForgeError;
use tandem_model::checklist::parse_checklist;
use tandem_model::{
    ChildStatus, Clock, CoordStatus, Coordination, ImpactLevel, IssueRef, Needs, Priority, RepoName, Severity,
};

use WebhookOutcome::{Applied, Ignored, Refused};

/// `author_association` values that grant write access to the repository.
const WRITERS: [&str; 3] = ["OWNER", "MEMBER", "COLLABORATOR"];

/// The longest comment body read for a `/tandem` command, in bytes.
const MAX_COMMENT_BYTES: usize = 64 * 1024;

/// The text at `path` in a JSON value.
fn s<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

fn n(v: &Value, path: &[&str]) -> Option<u64> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_u64()
}

fn time(v: &Value, path: &[&str]) -> Option<DateTime<Utc>> {
    s(v, path).and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| t.with_timezone(&Utc))
}

/// A clock standing at one instant: the event's time, for the changes it causes.
struct FixedClock(DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// Where a tracked issue sits in its coordination.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Role {
    Parent,
    Child(RepoName),
    Integration,
}

/// One delivery being handled.
struct Delivery<'a> {
    engine: &'a Engine,
    id: &'a str,
    payload: &'a Value,
}

impl Engine {
    /// This engine acting as `actor` at `at` (same store, forge and templates).
    fn acting(&self, actor: &str, at: DateTime<Utc>) -> Engine {
        Engine {
            ws: self.ws.clone(),
            store: self.store.clone(),
            forge: self.forge.clone(),
            clock: Arc::new(FixedClock(at)),
            templates: self.templates.clone(),
            actor: actor.to_string(),
        }
    }
}

pub(crate) fn handle(engine: &Engine, event: &str, delivery: &str, payload: &Value) -> Result<WebhookOutcome> {
    if !payload.is_object() {
        return Ok(Ignored("the payload is not a JSON object".into()));
    }
    let d = Delivery { engine, id: delivery, payload };
    match event {
        "issues" => d.issues(),
        "issue_comment" => d.issue_comment(),
        "pull_request" => d.pull_request(),
        "push" => d.push(),
        "ping" => Ok(Ignored("ping: the webhook reaches tandem".into())),
        other => Ok(Ignored(format!("'{}' events are not acted on", tandem_model::manifest::clip(other)))),
    }
}

impl Delivery<'_> {
    fn action(&self) -> &str {
        s(self.payload, &["action"]).unwrap_or("")
    }

    fn sender(&self) -> String {
        s(self.payload, &["sender", "login"]).unwrap_or("github").to_string()
    }

    fn sender_is_bot(&self) -> bool {
        s(self.payload, &["sender", "type"]) == Some("Bot")
    }

    /// The event's time (from `path` in the payload), never later than now: a skewed clock
    /// on either side must not date history in the future.
    fn at(&self, path: &[&str]) -> DateTime<Utc> {
        let now = self.engine.clock.now();
        time(self.payload, path).map_or(now, |t| t.min(now))
    }

    /// The workspace issue this payload's `repository` and `number` name.
    fn issue_ref(&self, number: Option<u64>) -> std::result::Result<IssueRef, WebhookOutcome> {
        let full = s(self.payload, &["repository", "full_name"])
            .ok_or_else(|| Ignored("the payload names no repository".into()))?;
        let number = number.ok_or_else(|| Ignored("the payload names no issue".into()))?;
        let repo = workspace_repo_for(&self.engine.ws, full).ok_or_else(|| {
            Ignored(format!("{} is not a repository of the workspace", tandem_model::manifest::clip(full)))
        })?;
        Ok(IssueRef { repo, number })
    }

    /// Acting as the event's sender at the event's time, but never before the coordination's
    /// last change (history stays in order when GitHub's and tandem's clocks disagree).
    fn actor_engine(&self, actor: &str, at: DateTime<Utc>, c: Option<&Coordination>) -> Engine {
        let at = c.map_or(at, |c| at.max(c.updated_at));
        self.engine.acting(actor, at)
    }

    // ---- issues ----------------------------------------------------------------------------

    fn issues(&self) -> Result<WebhookOutcome> {
        let r = match self.issue_ref(n(self.payload, &["issue", "number"])) {
            Ok(r) => r,
            Err(outcome) => return Ok(outcome),
        };
        let action = self.action();
        let Some((c, role)) = find_tracked(self.engine, &r)? else {
            if matches!(action, "opened" | "edited") {
                return self.form_request(&r);
            }
            return Ok(Ignored(format!("{r} is not an issue of a coordination")));
        };
        if action == "opened" {
            return Ok(Ignored(format!("{r} was opened by tandem for coordination #{}", c.id)));
        }
        // tandem's own pushes to the forge come back as events by its bot account; the state
        // they show is the state tandem already holds.
        if self.sender_is_bot() {
            return Ok(Ignored(format!("{r} was changed by a bot ({}); nothing to apply back", self.sender())));
        }
        let actor = self.sender();
        let at = self.at(&["issue", "updated_at"]);
        let e = self.actor_engine(&actor, at, Some(&c));
        let id = c.id;
        match (action, &role) {
            ("closed", Role::Child(repo)) => self.apply(&r, &format!("mark {repo} done"), || {
                e.set_child_status(id, repo.as_str(), ChildStatus::Done, None)
            }),
            ("reopened", Role::Child(repo)) => {
                let why = format!("issue {r} reopened on GitHub by {actor}");
                self.apply(&r, &format!("reopen {repo}"), || {
                    e.set_child_status(id, repo.as_str(), ChildStatus::InProgress, Some(&why))
                })
            }
            ("closed", Role::Parent) => {
                let why = format!("parent issue closed on GitHub by {actor}");
                self.apply(&r, &format!("close coordination #{id}"), || {
                    e.set_status(id, CoordStatus::Done, Some(&why), false)
                })
            }
            ("reopened", Role::Parent) => {
                let why = format!("parent issue reopened on GitHub by {actor}");
                self.apply(&r, &format!("reopen coordination #{id}"), || {
                    e.set_status(id, CoordStatus::InProgress, Some(&why), false)
                })
            }
            ("edited", Role::Child(_) | Role::Integration) => self.sync_checklist(&e, &c, &role, &r),
            ("labeled", _) => self.sync_label(&e, &c, &role, &r, &actor),
            ("closed" | "reopened", Role::Integration) => Ok(Ignored(format!(
                "{r} is coordination #{id}'s integration-testing issue; its state follows its checklist"
            ))),
            _ => Ok(Ignored(format!("issues.{action} changes nothing tandem tracks on {r}"))),
        }
    }

    /// Applies the checkbox ticks of an edited child or integration issue's body.
    fn sync_checklist(&self, e: &Engine, c: &Coordination, role: &Role, r: &IssueRef) -> Result<WebhookOutcome> {
        let Some(body) = s(self.payload, &["issue", "body"]) else {
            return Ok(Ignored(format!("the payload carries no body for {r}")));
        };
        let (target, stored) = match role {
            Role::Child(repo) => match c.child(repo) {
                Some(ch) => (repo.to_string(), &ch.checklist),
                None => return Ok(Ignored(format!("{repo} is no child of coordination #{}", c.id))),
            },
            _ => ("integration".to_string(), &c.integration.checklist),
        };
        // Pair the body's items with the stored ones by text, in order: an item edited into
        // something else, or added by hand, is not one of tandem's and is left alone.
        let shown = parse_checklist(body);
        let mut used = vec![false; stored.len()];
        let mut changes: Vec<(usize, bool)> = Vec::new();
        for item in &shown {
            if let Some(k) = (0..stored.len()).find(|&k| !used[k] && stored[k].text == item.text) {
                used[k] = true;
                if stored[k].checked != item.checked {
                    changes.push((k, item.checked));
                }
            }
        }
        if changes.is_empty() {
            return Ok(Ignored(format!("{r}'s checkboxes match coordination #{}", c.id)));
        }
        let mut applied = 0;
        for (k, checked) in changes {
            let verb = if checked { "tick" } else { "untick" };
            let what = format!("{verb} '{}' on {target}", stored[k].text);
            match self.apply(r, &what, || e.check_item(c.id, &target, &(k + 1).to_string(), checked))? {
                Applied(_) => applied += 1,
                Ignored(_) => {}
                refused @ Refused(_) => return Ok(refused),
            }
        }
        Ok(Applied(format!("{applied} checklist item(s) of {target} in coordination #{} synced from {r}", c.id)))
    }

    /// Applies a `status:*` label added to a child or parent issue.
    fn sync_label(
        &self,
        e: &Engine,
        c: &Coordination,
        role: &Role,
        r: &IssueRef,
        actor: &str,
    ) -> Result<WebhookOutcome> {
        let label = s(self.payload, &["label", "name"]).unwrap_or("");
        let Some(status) = label.strip_prefix("status:") else {
            return Ok(Ignored(format!("label '{}' is not a status label", tandem_model::manifest::clip(label))));
        };
        let why = format!("labelled {label} on GitHub by {actor}");
        let id = c.id;
        match role {
            Role::Child(repo) => match status.parse::<ChildStatus>() {
                Ok(st) => self.apply(r, &format!("move {repo} to {st}"), || {
                    e.set_child_status(id, repo.as_str(), st, Some(&why))
                }),
                Err(err) => self.refuse_with_reply(r, &format!("The label `{label}` names no child status: {err}.")),
            },
            Role::Parent => match status.parse::<CoordStatus>() {
                Ok(st) => self
                    .apply(r, &format!("move coordination #{id} to {st}"), || e.set_status(id, st, Some(&why), false)),
                Err(err) => {
                    self.refuse_with_reply(r, &format!("The label `{label}` names no coordination status: {err}."))
                }
            },
            Role::Integration => {
                Ok(Ignored(format!("{r} is an integration-testing issue; its status follows its checklist")))
            }
        }
    }

    /// An issue opened (or edited) outside any coordination: a coordination request when it
    /// comes from one of tandem's forms. A body that does not read as the form gets one comment
    /// listing what is wrong, and nothing is created.
    fn form_request(&self, r: &IssueRef) -> Result<WebhookOutcome> {
        let labels: Vec<&str> = self
            .payload
            .pointer("/issue/labels")
            .and_then(Value::as_array)
            .map(|ls| ls.iter().filter_map(|l| l.get("name").and_then(Value::as_str)).collect())
            .unwrap_or_default();
        let title = s(self.payload, &["issue", "title"]).unwrap_or("");
        let Some(kind) = FormKind::of_issue(&labels, title) else {
            return Ok(Ignored(format!("{r} was not opened from a tandem issue form")));
        };
        let full = s(self.payload, &["repository", "full_name"]).unwrap_or_default().to_ascii_lowercase();
        let key = format!("github:{full}#{}", r.number);
        if let Some(id) = self.engine.store.find_coordination_by_key(&key)? {
            let c = self.engine.store.load_coordination(id)?;
            if c.issue.is_some() && c.integration.issue.is_some() && c.children.iter().all(|ch| ch.issue.is_some()) {
                return Ok(Ignored(format!("{r} already opened coordination #{id}")));
            }
        }
        let body = s(self.payload, &["issue", "body"]).unwrap_or("");
        let mut req: CreateRequest = match parse_form_body(kind, &self.engine.ws, title, body) {
            Ok(req) => req,
            Err(problems) => {
                let mut text = String::from(
                    "tandem could not read this issue as a coordination request, so nothing was created:\n\n",
                );
                for p in &problems {
                    text.push_str(&format!("- {p}\n"));
                }
                text.push_str(
                    "\nEdit the issue to fix this (keep the form's `###` headings) and tandem reads it again.",
                );
                self.reply(r, &text)?;
                return Ok(Refused(format!("{r}: the form's body has {} problem(s)", problems.len())));
            }
        };
        req.key = Some(key);
        let at = self.at(&["issue", "created_at"]);
        let e = self.actor_engine(&self.sender(), at, None);
        let created = match e.create_coordination(&req, &mut |_| {}) {
            Ok(created) => created,
            Err(err @ (EngineError::Input { .. } | EngineError::Invalid(_) | EngineError::Refused(_))) => {
                return self.refuse_with_reply(
                    r,
                    &format!("tandem could not open a coordination for this request, so nothing was created: {err}"),
                )
            }
            Err(err) => return Err(err),
        };
        let c = &created.coordination;
        let mut text = format!(
            "Opened coordination #{} ({}, priority {}, {} strategy) for {}.",
            c.id,
            c.change_type,
            c.priority,
            c.strategy,
            c.children.iter().map(|ch| ch.repo.as_str()).collect::<Vec<_>>().join(", ")
        );
        if let Some(p) = &c.issue {
            text.push_str(&format!(" Parent issue: {p}."));
        }
        if req.priority.is_some_and(|p: Priority| p < c.priority) {
            text.push_str(&format!(
                " The priority was raised to {} ({} changes are never below it).",
                c.priority, c.change_type
            ));
        }
        self.reply(r, &text)?;
        Ok(Applied(format!("{r} opened coordination #{} ({})", c.id, if created.created { "new" } else { "resumed" })))
    }

    // ---- issue_comment ---------------------------------------------------------------------

    fn issue_comment(&self) -> Result<WebhookOutcome> {
        if self.action() != "created" {
            return Ok(Ignored(format!("issue_comment.{} is not acted on", self.action())));
        }
        let body = s(self.payload, &["comment", "body"]).unwrap_or("");
        if body.len() > MAX_COMMENT_BYTES {
            return Ok(Ignored("the comment is too long to hold a /tandem command".into()));
        }
        let Some(command) = body.lines().map(str::trim).find(|l| l.starts_with("/tandem")) else {
            return Ok(Ignored("the comment holds no /tandem command".into()));
        };
        if s(self.payload, &["comment", "user", "type"]) == Some("Bot") || body.contains("<!-- tandem:") {
            return Ok(Ignored("a comment by a bot or by tandem itself".into()));
        }
        let r = match self.issue_ref(n(self.payload, &["issue", "number"])) {
            Ok(r) => r,
            Err(outcome) => return Ok(outcome),
        };
        let Some((c, role)) = find_tracked(self.engine, &r)? else {
            return Ok(Ignored(format!("{r} is not an issue of a coordination")));
        };
        let author =
            s(self.payload, &["comment", "user", "login"]).map(str::to_string).unwrap_or_else(|| self.sender());
        let association = s(self.payload, &["comment", "author_association"]).unwrap_or("NONE");
        if !WRITERS.contains(&association) {
            return self.refuse_with_reply(
                &r,
                &format!(
                    "Thanks, @{author}! `/tandem` commands change coordination #{}, so they are taken from people \
                     with write access to this repository (owners, members and collaborators). Please ask one of \
                     them to run it.",
                    c.id
                ),
            );
        }
        let words: Vec<&str> = command.split_whitespace().collect();
        let at = self.at(&["comment", "created_at"]);
        let e = self.actor_engine(&author, at, Some(&c));
        let id = c.id;
        let rest = |from: usize| -> Option<String> {
            let t = words.get(from..).map(|w| w.join(" ")).unwrap_or_default();
            (!t.trim().is_empty()).then_some(t)
        };
        let outcome = match (words.get(1).copied(), &role) {
            (Some("status"), _) if words.len() < 3 => return self.usage(&r, "`/tandem status` needs a status"),
            (Some("status"), Role::Child(repo)) => match words[2].parse::<ChildStatus>() {
                Ok(st) => {
                    let reason = rest(3);
                    self.apply(&r, &format!("move {repo} to {st}"), || {
                        e.set_child_status(id, repo.as_str(), st, reason.as_deref())
                    })?
                }
                Err(err) => return self.refuse_with_reply(&r, &format!("{err}.")),
            },
            (Some("status"), Role::Parent) => match words[2].parse::<CoordStatus>() {
                Ok(st) => {
                    let reason = rest(3);
                    self.apply(&r, &format!("move coordination #{id} to {st}"), || {
                        e.set_status(id, st, reason.as_deref(), false)
                    })?
                }
                Err(err) => return self.refuse_with_reply(&r, &format!("{err}.")),
            },
            (Some("status"), Role::Integration) => {
                return self.refuse_with_reply(
                    &r,
                    "Integration testing has no status to set: it passes when every item of its checklist is \
                     ticked (`/tandem check <item>`).",
                )
            }
            (Some(verb @ ("check" | "uncheck")), _) => {
                let Some(item) = rest(2) else {
                    return self.usage(&r, &format!("`/tandem {verb}` needs an item (its number or text)"));
                };
                let target = match &role {
                    Role::Child(repo) => repo.to_string(),
                    Role::Integration => "integration".to_string(),
                    Role::Parent => {
                        return self.refuse_with_reply(
                            &r,
                            "The parent issue has no checklist of its own: tick items on the child issues.",
                        )
                    }
                };
                let checked = verb == "check";
                self.apply(&r, &format!("{verb} '{item}' on {target}"), || e.check_item(id, &target, &item, checked))?
            }
            (Some("progress"), _) => {
                // the coordination as just read: the answer is of that moment either way
                self.reply(&r, &progress_text(&c))?;
                return Ok(Applied(format!("answered /tandem progress on {r}")));
            }
            (other, _) => {
                let what = match other {
                    None => "`/tandem` needs a command".to_string(),
                    Some(w) => format!("`{}` is not a tandem command", tandem_model::manifest::clip(w)),
                };
                return self.usage(&r, &what);
            }
        };
        // Say what the command did (refusals were answered by `apply`).
        match &outcome {
            Applied(what) => self.reply(&r, &format!("Done: {what} (asked by @{author})."))?,
            Ignored(what) => self.reply(&r, &format!("Nothing to do: {what}."))?,
            Refused(_) => {}
        }
        Ok(outcome)
    }

    fn usage(&self, r: &IssueRef, what: &str) -> Result<WebhookOutcome> {
        self.refuse_with_reply(
            r,
            &format!(
                "{what}. The commands are:\n\n\
                 - `/tandem status <status> [reason]`: move this child (or, on the parent issue, the coordination)\n\
                 - `/tandem check <item>` / `/tandem uncheck <item>`: tick or untick a checklist item (number or text)\n\
                 - `/tandem progress`: the coordination's progress"
            ),
        )
    }

    // ---- pull_request ----------------------------------------------------------------------

    fn pull_request(&self) -> Result<WebhookOutcome> {
        let action = self.action();
        let merged = self.payload.pointer("/pull_request/merged").and_then(Value::as_bool) == Some(true);
        let (target, time_path): (ChildStatus, &[&str]) = match action {
            "opened" | "reopened" | "ready_for_review" => (ChildStatus::InProgress, &["pull_request", "updated_at"]),
            "review_requested" => (ChildStatus::InReview, &["pull_request", "updated_at"]),
            "closed" if merged => (ChildStatus::Done, &["pull_request", "merged_at"]),
            "closed" => return Ok(Ignored("the pull request was closed without merging".into())),
            other => return Ok(Ignored(format!("pull_request.{other} changes no child's status"))),
        };
        let pr = match self.issue_ref(n(self.payload, &["pull_request", "number"])) {
            Ok(r) => r,
            Err(outcome) => return Ok(outcome),
        };
        let Some((c, repo, child_issue)) = self.linked_child(&pr)? else {
            return Ok(Ignored(format!("pull request {pr} refers to no child issue of a coordination")));
        };
        let Some(child) = c.child(&repo) else {
            return Ok(Ignored(format!("{repo} is no child of coordination #{}", c.id)));
        };
        // A pull request moves its child forward only: a second pull request opened for a
        // child in review does not send it back.
        if child.status != ChildStatus::Blocked && rank(child.status) >= rank(target) {
            return Ok(Ignored(format!("{repo} in coordination #{} is already {}", c.id, child.status)));
        }
        let actor = self.sender();
        let at = self.at(time_path);
        let e = self.actor_engine(&actor, at, Some(&c));
        let what = format!("move {repo} to {target} (pull request {pr} {action})");
        self.apply(&child_issue, &what, || e.set_child_status(c.id, repo.as_str(), target, None))
    }

    /// The child issue a pull request refers to in its title, body or branch: `#N` (same
    /// repository), `owner/name#N`, or an issue URL.
    fn linked_child(&self, pr: &IssueRef) -> Result<Option<(Coordination, RepoName, IssueRef)>> {
        let mut text = String::new();
        for path in [&["pull_request", "title"][..], &["pull_request", "body"], &["pull_request", "head", "ref"]] {
            if let Some(t) = s(self.payload, path) {
                text.push_str(t);
                text.push('\n');
            }
        }
        if text.len() > MAX_COMMENT_BYTES {
            let mut end = MAX_COMMENT_BYTES;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
        }
        let ws = &self.engine.ws;
        let mut candidates: Vec<IssueRef> = Vec::new();
        for (at, _) in text.match_indices('#') {
            let digits: String = text[at + 1..].chars().take_while(char::is_ascii_digit).take(12).collect();
            let Ok(number) = digits.parse::<u64>() else { continue };
            // `owner/name#N` when the word before '#' names a repository, else this repository.
            let word_start = text[..at].rfind(|c: char| c.is_whitespace() || c == '(' || c == '[').map_or(0, |i| i + 1);
            let word = &text[word_start..at];
            let repo = if word.is_empty() { Some(pr.repo.clone()) } else { workspace_repo_for(ws, word) };
            if let Some(repo) = repo {
                candidates.push(IssueRef { repo, number });
            }
        }
        for (at, _) in text.match_indices("github.com/") {
            let rest = &text[at + "github.com/".len()..];
            let parts: Vec<&str> = rest.splitn(5, '/').collect();
            if parts.len() >= 4 && matches!(parts[2], "issues" | "pull") {
                let digits: String = parts[3].chars().take_while(char::is_ascii_digit).take(12).collect();
                let full = format!("{}/{}", parts[0], parts[1]);
                if let (Ok(number), Some(repo)) = (digits.parse::<u64>(), workspace_repo_for(ws, &full)) {
                    candidates.push(IssueRef { repo, number });
                }
            }
        }
        for r in candidates.into_iter().filter(|r| r != pr).take(20) {
            if let Some((c, Role::Child(repo))) = find_tracked(self.engine, &r)? {
                return Ok(Some((c, repo, r)));
            }
        }
        Ok(None)
    }

    // ---- push ------------------------------------------------------------------------------

    fn push(&self) -> Result<WebhookOutcome> {
        let Some(git_ref) = s(self.payload, &["ref"]) else {
            return Ok(Ignored("the push names no ref".into()));
        };
        let default = s(self.payload, &["repository", "default_branch"])
            .or_else(|| s(self.payload, &["repository", "master_branch"]))
            .unwrap_or("main");
        if git_ref != format!("refs/heads/{default}") {
            return Ok(Ignored(format!("a push to {git_ref}, not to the default branch {default}")));
        }
        if self.payload.get("deleted").and_then(Value::as_bool) == Some(true) {
            return Ok(Ignored("the default branch was deleted".into()));
        }
        let full = s(self.payload, &["repository", "full_name"]).unwrap_or("");
        let Some(name) = workspace_repo_for(&self.engine.ws, full) else {
            return Ok(Ignored(format!("{} is not a repository of the workspace", tandem_model::manifest::clip(full))));
        };
        let Some(repo) = self.engine.ws.repo(&name) else {
            return Ok(Ignored(format!("{name} is not a repository of the workspace")));
        };
        let mut globs = globset::GlobSetBuilder::new();
        for g in repo.contracts.iter().flat_map(|c| &c.globs) {
            if let Ok(g) = globset::Glob::new(g) {
                globs.add(g);
            }
        }
        let globs = globs.build().map_err(|e| EngineError::Invalid(format!("contract globs of {name}: {e}")))?;
        let mut touched: Vec<&str> = Vec::new();
        let commits = self.payload.get("commits").and_then(Value::as_array).into_iter().flatten();
        for commit in commits.chain(self.payload.get("head_commit").filter(|c| c.is_object())) {
            for list in ["added", "modified", "removed"] {
                for p in commit.get(list).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
                    if globs.is_match(p) && !touched.contains(&p) {
                        touched.push(p);
                    }
                }
            }
        }
        if touched.is_empty() {
            return Ok(Ignored(format!("the push to {name} touches none of its contracts")));
        }
        if repo.path.is_none() {
            return Ok(Ignored(format!(
                "{name} touched {} contract file(s) but has no checkout to analyse",
                touched.len()
            )));
        }
        let Some(after) = s(self.payload, &["after"]).filter(|h| !h.trim_matches('0').is_empty()) else {
            return Ok(Ignored("the push names no head commit".into()));
        };
        let before = s(self.payload, &["before"]).filter(|b| !b.trim_matches('0').is_empty());
        // Already analysed (a redelivery): nothing new to record.
        let previous = self
            .engine
            .store
            .list_analyses()?
            .into_iter()
            .find(|a| a.repo.as_ref() == Some(&name) && a.head == after && before.is_none_or(|b| a.base == b));
        if let Some(a) = previous {
            return Ok(Ignored(format!("{name} {} was analysed already (analysis #{})", short(after), a.id)));
        }
        let req = AnalyzeRequest {
            repo: Some(name.to_string()),
            compare: Compare::Revisions { base: before.map(str::to_string), head: Some(after.to_string()) },
            ..Default::default()
        };
        let open = self.engine.ws.coordination.open_on_breaking_push.then_some(ImpactLevel::High);
        let at = self.at(&["head_commit", "timestamp"]);
        let e = self.actor_engine(&self.sender(), at, None);
        let a = match e.analyze(&req, open) {
            Ok(a) => a,
            // The checkout does not have the pushed commits (or cannot be read): retrying the
            // delivery would not fetch them.
            Err(err @ (EngineError::Input { .. } | EngineError::Invalid(_) | EngineError::Io { .. })) => {
                return Ok(Ignored(format!("{name} {} could not be analysed: {err}", short(after))))
            }
            Err(err) => return Err(err),
        };
        let breaking = a.findings.iter().filter(|f| f.severity == Severity::Breaking).count();
        let id = a.analysis_id.unwrap_or_default();
        Ok(Applied(match (breaking, a.coordination) {
            (0, _) => format!("analysis #{id} of {name} {}: no breaking change", short(after)),
            (b, Some(c)) => {
                format!("analysis #{id} of {name} {}: {b} breaking change(s); coordination #{c} opened", short(after))
            }
            (b, None) => format!(
                "analysis #{id} of {name} {}: {b} breaking change(s) with no coordination (a health finding)",
                short(after)
            ),
        }))
    }

    // ---- shared ----------------------------------------------------------------------------

    /// Runs one change; a refusal or bad input is answered on `r` and becomes `Refused`.
    fn apply(&self, r: &IssueRef, what: &str, f: impl FnOnce() -> Result<Change>) -> Result<WebhookOutcome> {
        match f() {
            Ok(change) if change.events.is_empty() => Ok(Ignored(format!("{what}: already so"))),
            Ok(change) => Ok(Applied(format!("{what} ({} event(s))", change.events.len()))),
            Err(EngineError::Refused(refused)) => {
                let hint = match refused.needs {
                    Some(Needs::Reason) => " Give a reason: `/tandem status <status> <reason>`.",
                    Some(Needs::Force) => " Only tandem's own tools can override this (it needs an explicit force).",
                    None => "",
                };
                self.reply(r, &format!("tandem refused to {what}: {refused}.{hint}"))?;
                Ok(Refused(format!("{what}: {refused}")))
            }
            Err(err @ (EngineError::Invalid(_) | EngineError::Input { .. })) => {
                self.reply(r, &format!("tandem could not {what}: {err}"))?;
                Ok(Refused(format!("{what}: {err}")))
            }
            Err(EngineError::NoCoordination(id)) => Ok(Ignored(format!("coordination #{id} no longer exists"))),
            Err(err) => Err(err),
        }
    }

    fn refuse_with_reply(&self, r: &IssueRef, text: &str) -> Result<WebhookOutcome> {
        self.reply(r, text)?;
        let first = text.lines().next().unwrap_or_default();
        Ok(Refused(format!("{r}: {}", tandem_model::manifest::clip(first))))
    }

    /// Comments on `r` once per delivery. The comment ends with `<!-- tandem:delivery:ID -->`,
    /// and a named state entry records it: on the local forge the comment and the entry are
    /// written in one store transaction (so a delivery handled again finds the entry and does
    /// not comment again, whatever crashed when); on any other forge the entry is written once
    /// the comment is posted (a crash between the two could post it a second time). An issue
    /// the forge does not know (a pull request on the local forge) gets no comment.
    fn reply(&self, r: &IssueRef, text: &str) -> Result<()> {
        let id: String =
            self.id.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')).take(100).collect();
        let marker = format!("<!-- tandem:delivery:{id} -->");
        let key = format!("github.comment:{id}:{r}");
        let store = &self.engine.store;
        let body = format!("{text}\n\n{marker}");
        if self.engine.forge.kind() == "local" {
            let now = self.engine.clock.now();
            return match store.add_issue_comment_once(r, tandem_model::coordination::SYSTEM_ACTOR, &body, now, &key) {
                Ok(_) | Err(tandem_store::StoreError::IssueNotFound(_)) => Ok(()),
                Err(e) => Err(e.into()),
            };
        }
        if store.get_state(&key)?.is_some() {
            return Ok(());
        }
        match self.engine.forge.comment(r, &body, self.engine.clock.now()) {
            Ok(()) => {}
            Err(ForgeError::NotFound(_)) => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        store.set_state(&key, "posted")?;
        Ok(())
    }
}

/// The coordination whose parent, child or integration issue `r` is.
fn find_tracked(engine: &Engine, r: &IssueRef) -> Result<Option<(Coordination, Role)>> {
    let Some(c) = engine.store.coordination_with_issue(r)? else { return Ok(None) };
    let role = if c.issue.as_ref() == Some(r) {
        Some(Role::Parent)
    } else if c.integration.issue.as_ref() == Some(r) {
        Some(Role::Integration)
    } else {
        c.children.iter().find(|ch| ch.issue.as_ref() == Some(r)).map(|ch| Role::Child(ch.repo.clone()))
    };
    Ok(role.map(|role| (c, role)))
}

/// How far along a child is, for "forward only".
fn rank(s: ChildStatus) -> u8 {
    match s {
        ChildStatus::Pending => 0,
        ChildStatus::Ready => 1,
        ChildStatus::InProgress | ChildStatus::Blocked => 2,
        ChildStatus::InReview => 3,
        ChildStatus::Done => 4,
    }
}

fn short(rev: &str) -> &str {
    rev.get(..12).unwrap_or(rev)
}

/// The answer to `/tandem progress`.
fn progress_text(c: &Coordination) -> String {
    let p = c.progress();
    let mut t = format!(
        "**Coordination #{}: {}** is {} ({}), {:.0}% done: {} of {} repositories done, integration testing {} ({}/{}).\n\n",
        c.id,
        c.title,
        p.effective_status,
        c.strategy,
        p.overall * 100.0,
        p.children_done,
        p.children_total,
        p.integration.status,
        p.integration.checked,
        p.integration.total
    );
    t.push_str("| Repository | Status | Checklist |\n|---|---|---|\n");
    for ch in &p.children {
        let waiting = if ch.waiting_on.is_empty() {
            String::new()
        } else {
            format!(" (waits on {})", ch.waiting_on.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "))
        };
        t.push_str(&format!("| {} | {}{} | {}/{} |\n", ch.repo, ch.status, waiting, ch.checked, ch.total));
    }
    for b in &p.blockers {
        t.push_str(&format!("\nBlocked: {} ({})", b.subject, b.reason));
    }
    t
}
