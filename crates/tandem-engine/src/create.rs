//! Creating a coordination: resolve the repos, build the aggregate, open and link the issues.
//!
//! Creation is idempotent and resumable. The coordination and its children are inserted in
//! one transaction under an idempotency key; issues are then opened one by one, each with a
//! marker derived from the key, and linked as they come. Running the same request again —
//! after success, or after a crash half way — finds the coordination by its key and opens
//! only the issues still missing, so each repo ends with exactly one child issue.

use crate::error::{EngineError, Input, Result};
use crate::Engine;
use minijinja::Value;
use serde::Serialize;
use sha2::{Digest, Sha256};
use tandem_model::checklist::parse_checklist;
use tandem_model::coordination::SYSTEM_ACTOR;
use tandem_model::{
    Action, ChangeType, Child, ChildStatus, CoordId, CoordStatus, Coordination, Event, Integration, IntegrationStatus,
    IssueKind, IssueRef, IssueSpec, Priority, RepoName, Subject,
};

/// What to coordinate.
#[derive(Debug, Clone, Default)]
pub struct CreateRequest {
    pub title: String,
    pub change_type: Option<ChangeType>,
    /// The affected repos, given explicitly …
    pub repos: Vec<String>,
    /// … or derived: this repo and all its transitive consumers.
    pub from_repo: Option<String>,
    pub priority: Option<Priority>,
    pub plan: Option<String>,
    pub milestone: Option<String>,
    /// Idempotency key; default: derived from title, type and repos.
    pub key: Option<String>,
}

impl CreateRequest {
    pub fn new(title: &str, change_type: ChangeType) -> Self {
        CreateRequest { title: title.into(), change_type: Some(change_type), ..Default::default() }
    }
    pub fn repos(mut self, repos: &[&str]) -> Self {
        self.repos = repos.iter().map(|s| s.to_string()).collect();
        self
    }
    pub fn from_repo(mut self, repo: &str) -> Self {
        self.from_repo = Some(repo.into());
        self
    }
    pub fn key(mut self, key: &str) -> Self {
        self.key = Some(key.into());
        self
    }
    pub fn priority(mut self, p: Priority) -> Self {
        self.priority = Some(p);
        self
    }

    /// A change described in prose: the description becomes the plan, and the title is `title`
    /// when it has text, else the description's first non-blank line. (Both blank leaves the
    /// title empty, which [`Engine::draft`] refuses.)
    pub fn described(title: Option<&str>, description: &str, change_type: ChangeType) -> Self {
        let description = description.trim();
        let title = match title.map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => t,
            None => description.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default(),
        };
        CreateRequest {
            title: title.to_string(),
            change_type: Some(change_type),
            plan: (!description.is_empty()).then(|| description.to_string()),
            ..Default::default()
        }
    }
}

/// Progress of a long creation, for progress bars.
#[derive(Debug, Clone)]
pub enum Step {
    /// About to open `total` issues (some may already exist).
    Start { total: usize },
    /// One issue is open and linked.
    Issue { done: usize, total: usize, reference: IssueRef, created: bool },
}

#[derive(Debug, Clone, Serialize)]
pub struct Created {
    pub coordination: Coordination,
    /// False when a coordination with this key already existed (this run resumed or repeated it).
    pub created: bool,
    /// Issues opened by this run (0 on a repeat of a finished creation).
    pub issues_opened: usize,
}

fn label(ct: ChangeType) -> &'static str {
    match ct {
        ChangeType::Protocol => "Protocol",
        ChangeType::Breaking => "Breaking",
        ChangeType::Feature => "Feature",
        ChangeType::Security => "Security",
        ChangeType::Bugfix => "Bugfix",
        ChangeType::Performance => "Performance",
        ChangeType::Docs => "Docs",
        ChangeType::Dependency => "Dependency",
        ChangeType::Config => "Config",
    }
}

/// A template map from (name, value) pairs (minijinja reads an iterator of pairs as a list).
fn map<'a>(pairs: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
    Value::from(pairs.into_iter().collect::<std::collections::BTreeMap<&str, Value>>())
}

fn marker(key: &str, subject: &Subject) -> String {
    match subject {
        Subject::Coordination => format!("tandem:{key}:parent"),
        Subject::Integration => format!("tandem:{key}:integration"),
        Subject::Child(r) => format!("tandem:{key}:child:{r}"),
    }
}

impl Engine {
    /// Resolves the affected repos of a request, in dependency order (providers first).
    pub fn affected_repos(&self, req: &CreateRequest) -> Result<Vec<RepoName>> {
        let g = self.ws.graph();
        let mut idx: Vec<usize> = match (&req.from_repo, req.repos.is_empty()) {
            (Some(_), false) => {
                return Err(EngineError::input(
                    Input::FromRepo,
                    "give either the affected repos or the changed repo, not both",
                ))
            }
            (None, true) => {
                return Err(EngineError::input(
                    Input::Repos,
                    format!(
                        "no repositories: give the affected repos or the changed repo; known repositories: {}",
                        self.ws.known_names()
                    ),
                ))
            }
            (Some(r), true) => {
                let repo = self.ws.resolve(r).map_err(|m| EngineError::input(Input::FromRepo, m))?;
                let i = g
                    .index_of(&repo.name)
                    .ok_or_else(|| EngineError::input(Input::FromRepo, format!("unknown repository '{r}'")))?;
                let mut v = vec![i];
                v.extend(g.transitive_consumers(i));
                v
            }
            (None, false) => {
                let mut v = Vec::new();
                for r in &req.repos {
                    let r = r.trim();
                    if r.is_empty() {
                        continue;
                    }
                    let repo = self.ws.resolve(r).map_err(|m| EngineError::input(Input::Repos, m))?;
                    let i = g
                        .index_of(&repo.name)
                        .ok_or_else(|| EngineError::input(Input::Repos, format!("unknown repository '{r}'")))?;
                    if !v.contains(&i) {
                        v.push(i);
                    }
                }
                if v.is_empty() {
                    return Err(EngineError::input(Input::Repos, "the list of repos names no repository"));
                }
                v
            }
        };
        let mut pos = vec![0usize; g.len()];
        for (k, &v) in g.order().iter().enumerate() {
            pos[v] = k;
        }
        idx.sort_by_key(|&i| pos[i]);
        Ok(idx.into_iter().map(|i| g.name(i).clone()).collect())
    }

    /// Builds the coordination a request describes, without storing anything.
    pub fn draft(&self, req: &CreateRequest) -> Result<Coordination> {
        let title = req.title.trim();
        if title.is_empty() {
            return Err(EngineError::input(Input::Title, "the title is empty"));
        }
        if title.chars().count() > 200 {
            return Err(EngineError::input(
                Input::Title,
                format!("the title is {} characters long; keep it under 200", title.chars().count()),
            ));
        }
        let change_type = req.change_type.ok_or_else(|| {
            EngineError::Invalid(format!("no change type; expected one of: {}", ChangeType::choices().join(", ")))
        })?;
        let repos = self.affected_repos(req)?;
        let strategy = self.ws.coordination.strategy_for(change_type);
        let priority = req.priority.unwrap_or_else(|| change_type.default_priority()).max(strategy.minimum_priority());
        let key = match &req.key {
            Some(k) if k.trim().is_empty() => return Err(EngineError::input(Input::Key, "the key is empty")),
            Some(k) => k.trim().to_string(),
            None => {
                let mut h = Sha256::new();
                h.update(title.as_bytes());
                h.update([0]);
                h.update(change_type.as_str().as_bytes());
                for r in &repos {
                    h.update([0]);
                    h.update(r.as_str().as_bytes());
                }
                let hex: String = h.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect();
                format!("auto-{hex}")
            }
        };
        let source_repo = req.from_repo.as_ref().and_then(|r| self.ws.resolve(r).ok()).map(|r| r.name.clone());
        let home_repo =
            self.ws.coordination.repo.clone().or_else(|| source_repo.clone()).unwrap_or_else(|| repos[0].clone());

        let g = self.ws.graph();
        let subset: Vec<usize> = repos.iter().filter_map(|r| g.index_of(r)).collect();
        let nearest = g.nearest_in_subset(&subset);
        let now = self.clock.now();
        let mut c = Coordination {
            id: CoordId(0),
            key,
            title: title.to_string(),
            change_type,
            priority,
            strategy,
            status: CoordStatus::Planning,
            hold: None,
            plan: req.plan.clone().filter(|p| !p.trim().is_empty()),
            milestone: req.milestone.clone().filter(|p| !p.trim().is_empty()),
            source_repo,
            home_repo: home_repo.clone(),
            issue: None,
            children: Vec::with_capacity(repos.len()),
            integration: Integration {
                repo: home_repo,
                status: IntegrationStatus::Open,
                title: String::new(),
                checklist: Vec::new(),
                issue: None,
            },
            created_at: now,
            updated_at: now,
            version: 0,
        };
        for (k, r) in repos.iter().enumerate() {
            let repo = self.ws.repo(r).ok_or_else(|| EngineError::Invalid(format!("unknown repository '{r}'")))?;
            c.children.push(Child {
                repo: r.clone(),
                role: repo.role,
                weight: repo.weight,
                status: ChildStatus::Pending,
                hold: None,
                after: nearest[k].iter().map(|&i| g.name(i).clone()).collect(),
                title: String::new(),
                checklist: Vec::new(),
                issue: None,
                updated_at: now,
            });
        }
        for k in 0..c.children.len() {
            let ctx = self.child_context(&c, k, None);
            let body = self.templates.render(&self.child_template_names(&c, k), &ctx)?;
            c.children[k].checklist = parse_checklist(&body);
            c.children[k].title = self.templates.render_line("child-title.j2", &ctx)?;
        }
        let ctx = self.integration_context(&c, None);
        c.integration.checklist = parse_checklist(&self.templates.render(&["integration.md.j2".into()], &ctx)?);
        c.integration.title = self.templates.render_line("integration-title.j2", &ctx)?;
        Ok(c)
    }

    /// Creates (or resumes) a coordination and opens its issues. `on_step` reports progress.
    #[tracing::instrument(skip(self, on_step), fields(title = %req.title))]
    pub fn create_coordination(&self, req: &CreateRequest, on_step: &mut dyn FnMut(Step)) -> Result<Created> {
        let draft = self.draft(req)?;
        let mut reason = format!("{} repositories, {} strategy", draft.children.len(), draft.strategy);
        if let Some(p) = req.priority.filter(|p| *p < draft.priority) {
            reason.push_str(&format!(
                "; priority raised from {p} to {} ({} changes are never below it)",
                draft.priority, draft.change_type
            ));
        }
        let created_event = Event {
            at: draft.created_at,
            actor: self.actor.clone(),
            subject: Subject::Coordination,
            action: Action::Created,
            from: None,
            to: Some(CoordStatus::Planning.to_string()),
            reason: Some(reason),
        };
        let (id, created) = self.store.insert_coordination(&draft, &[created_event])?;
        let opened = self.ensure_issues(id, on_step)?;
        Ok(Created { coordination: self.store.load_coordination(id)?, created, issues_opened: opened })
    }

    /// Opens and links every issue the coordination is still missing; returns how many were opened.
    fn ensure_issues(&self, id: CoordId, on_step: &mut dyn FnMut(Step)) -> Result<usize> {
        let c = self.store.load_coordination(id)?;
        let total = c.children.len() + 2;
        on_step(Step::Start { total });
        // The local forge keeps its issues in this store: a batch of them is opened and linked
        // in one store transaction. Any other forge opens them one by one.
        let batch = if self.forge.kind() == "local" { ISSUES_PER_BATCH } else { 1 };
        let mut run = Opening { engine: self, id, total, done: 0, opened: 0, on_step, batch, pending: Vec::new() };

        let (title, body) = self.render_parent(&c)?;
        let spec = IssueSpec {
            repo: c.home_repo.clone(),
            kind: IssueKind::Parent,
            coordination: Some(id),
            marker: marker(&c.key, &Subject::Coordination),
            title,
            body,
            labels: parent_labels(&c),
            parent: None,
        };
        // The children's bodies name the parent: it is opened first, on its own.
        let parent = match &c.issue {
            Some(r) => run.existing(r),
            None => run.open_now(Subject::Coordination, spec)?,
        };
        for k in 0..c.children.len() {
            let ch = &c.children[k];
            if let Some(r) = &ch.issue {
                run.existing(r);
                continue;
            }
            let ctx = self.child_context(&c, k, Some(&parent));
            let body = self.templates.render(&self.child_template_names(&c, k), &ctx)?;
            let spec = IssueSpec {
                repo: ch.repo.clone(),
                kind: IssueKind::Child,
                coordination: Some(id),
                marker: marker(&c.key, &Subject::Child(ch.repo.clone())),
                title: ch.title.clone(),
                body,
                labels: vec!["coordination".into(), format!("type:{}", c.change_type), format!("status:{}", ch.status)],
                parent: Some(parent.clone()),
            };
            run.open(Subject::Child(ch.repo.clone()), spec)?;
        }
        match &c.integration.issue {
            Some(r) => {
                run.existing(r);
            }
            None => {
                let ctx = self.integration_context(&c, Some(&parent));
                let spec = IssueSpec {
                    repo: c.integration.repo.clone(),
                    kind: IssueKind::Integration,
                    coordination: Some(id),
                    marker: marker(&c.key, &Subject::Integration),
                    title: c.integration.title.clone(),
                    body: self.templates.render(&["integration.md.j2".into()], &ctx)?,
                    labels: vec!["coordination".into(), "integration-testing".into()],
                    parent: Some(parent.clone()),
                };
                run.open(Subject::Integration, spec)?;
            }
        }
        run.flush()?;
        let opened = run.opened;
        // The parent's task list names the child issues: bring it up to date now they exist.
        // Always, not only when this run opened something: a run killed after the last link
        // and before this push left the parent without references, and the next run (which
        // opens nothing) is the one that must repair it. Unchanged issues are not rewritten.
        let c = self.store.load_coordination(id)?;
        self.sync_forge(&c, &[Subject::Coordination])?;
        Ok(opened)
    }

    fn child_template_names(&self, c: &Coordination, k: usize) -> Vec<String> {
        let role = c.children[k].role;
        let ct = c.change_type;
        vec![
            format!("child.{ct}.{role}.md.j2"),
            format!("child.{role}.md.j2"),
            format!("child.{ct}.md.j2"),
            "child.md.j2".to_string(),
        ]
    }

    fn base_context(&self, c: &Coordination, parent: Option<&IssueRef>) -> Vec<(&'static str, Value)> {
        vec![
            ("id", Value::from(c.id.0)),
            ("title", Value::from(c.title.clone())),
            ("change_type", Value::from(c.change_type.as_str())),
            ("change_type_label", Value::from(label(c.change_type))),
            ("priority", Value::from(c.priority.as_str())),
            ("strategy", Value::from(c.strategy.as_str())),
            ("strategy_text", Value::from(c.strategy.describe())),
            ("plan", Value::from(c.plan.clone())),
            ("milestone", Value::from(c.milestone.clone())),
            ("source_repo", Value::from(c.source_repo.as_ref().map(|r| r.to_string()))),
            ("parent", Value::from(parent.map(|p| p.to_string()))),
            ("workspace", Value::from(self.ws.name.clone())),
        ]
    }

    pub(crate) fn child_context(&self, c: &Coordination, k: usize, parent: Option<&IssueRef>) -> Value {
        let ch = &c.children[k];
        let repo = self.ws.repo(&ch.repo);
        let unblocks: Vec<String> =
            c.children.iter().filter(|o| o.after.contains(&ch.repo)).map(|o| o.repo.to_string()).collect();
        let mut v = self.base_context(c, parent);
        v.push(("role", Value::from(ch.role.as_str())));
        v.push(("after", Value::from(ch.after.iter().map(|r| r.to_string()).collect::<Vec<_>>())));
        v.push(("unblocks", Value::from(unblocks)));
        v.push((
            "repo",
            map([
                ("name", Value::from(ch.repo.to_string())),
                ("role", Value::from(ch.role.as_str())),
                ("description", Value::from(repo.and_then(|r| r.description.clone()))),
                ("weight", Value::from(ch.weight)),
            ]),
        ));
        map(v)
    }

    pub(crate) fn integration_context(&self, c: &Coordination, parent: Option<&IssueRef>) -> Value {
        let mut v = self.base_context(c, parent);
        v.push(("repos", Value::from(c.children.iter().map(|ch| ch.repo.to_string()).collect::<Vec<_>>())));
        map(v)
    }

    pub(crate) fn render_parent(&self, c: &Coordination) -> Result<(String, String)> {
        let mut v = self.base_context(c, c.issue.as_ref());
        let children: Vec<Value> = c
            .children
            .iter()
            .map(|ch| {
                map([
                    ("repo", Value::from(ch.repo.to_string())),
                    ("role", Value::from(ch.role.as_str())),
                    ("status", Value::from(ch.status.as_str())),
                    ("done", Value::from(ch.status == ChildStatus::Done)),
                    ("issue", Value::from(ch.issue.as_ref().map(|i| i.to_string()))),
                    ("after", Value::from(ch.after.iter().map(|r| r.to_string()).collect::<Vec<_>>())),
                ])
            })
            .collect();
        v.push(("children", Value::from(children)));
        v.push(("integration_issue", Value::from(c.integration.issue.as_ref().map(|i| i.to_string()))));
        v.push(("integration_passed", Value::from(c.integration.status == IntegrationStatus::Passed)));
        let waves: Vec<Vec<String>> =
            c.waves().into_iter().map(|w| w.into_iter().map(|r| r.to_string()).collect()).collect();
        v.push(("waves", Value::from(waves)));
        let ctx = map(v);
        Ok((
            self.templates.render_line("parent-title.j2", &ctx)?,
            self.templates.render(&["parent.md.j2".into()], &ctx)?,
        ))
    }
}

/// How many issues a creation on the local forge opens and links per store transaction: a
/// killed creation loses at most this many (rolled back together, opened by the next run), and
/// a 500-child creation commits about ten times instead of a thousand.
const ISSUES_PER_BATCH: usize = 64;

/// The issues of one creation being opened, in order, in batches of `batch`.
struct Opening<'a, 'b> {
    engine: &'a Engine,
    id: CoordId,
    total: usize,
    done: usize,
    opened: usize,
    on_step: &'b mut dyn FnMut(Step),
    batch: usize,
    pending: Vec<(Subject, IssueSpec)>,
}

impl Opening<'_, '_> {
    /// An issue linked by an earlier run: counted, nothing to open.
    fn existing(&mut self, r: &IssueRef) -> IssueRef {
        self.done += 1;
        (self.on_step)(Step::Issue { done: self.done, total: self.total, reference: r.clone(), created: false });
        r.clone()
    }

    /// Queues an issue to open and link; the queue is flushed when a batch is full.
    fn open(&mut self, subject: Subject, spec: IssueSpec) -> Result<()> {
        self.pending.push((subject, spec));
        if self.pending.len() >= self.batch {
            self.flush()?;
        }
        Ok(())
    }

    /// Opens and links the queued issues and then this one; returns its reference.
    fn open_now(&mut self, subject: Subject, spec: IssueSpec) -> Result<IssueRef> {
        self.pending.push((subject, spec));
        let refs = self.flush()?;
        Ok(refs.into_iter().next_back().expect("flush answers one reference per queued issue"))
    }

    /// Opens and links the queued issues: on the local forge in one store transaction, else
    /// one by one through the forge. Returns their references, in order.
    fn flush(&mut self) -> Result<Vec<IssueRef>> {
        let items = std::mem::take(&mut self.pending);
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let e = self.engine;
        let now = e.clock.now();
        let linked: Vec<(IssueRef, bool)> = if self.batch > 1 {
            e.store
                .create_and_link_issues(self.id, &items, now, &|subject, r| link_event(now, subject, r))?
                .into_iter()
                .map(|(issue, linked)| (issue.reference, linked))
                .collect()
        } else {
            let mut out = Vec::with_capacity(items.len());
            for (subject, spec) in &items {
                let now = e.clock.now();
                let issue = e.forge.ensure_issue(spec, now)?;
                // `false`: another run linked it first (a concurrent creation with this key).
                let linked = e.store.link_issue(
                    self.id,
                    subject,
                    &issue.reference,
                    &link_event(now, subject, &issue.reference),
                )?;
                out.push((issue.reference, linked));
            }
            out
        };
        let mut refs = Vec::with_capacity(linked.len());
        for (reference, linked) in linked {
            self.done += 1;
            self.opened += usize::from(linked);
            (self.on_step)(Step::Issue {
                done: self.done,
                total: self.total,
                reference: reference.clone(),
                created: linked,
            });
            refs.push(reference);
        }
        Ok(refs)
    }
}

/// The event recording that `subject`'s issue is `r`.
fn link_event(at: chrono::DateTime<chrono::Utc>, subject: &Subject, r: &IssueRef) -> Event {
    Event {
        at,
        actor: SYSTEM_ACTOR.into(),
        subject: subject.clone(),
        action: Action::IssueLinked,
        from: None,
        to: Some(r.to_string()),
        reason: None,
    }
}

pub(crate) fn parent_labels(c: &Coordination) -> Vec<String> {
    let mut labels = vec![
        "coordination".to_string(),
        format!("type:{}", c.change_type),
        format!("priority:{}", c.priority),
        format!("status:{}", c.status),
    ];
    if c.status == CoordStatus::Blocked || c.children.iter().any(|ch| ch.status == ChildStatus::Blocked) {
        labels.push("coordination:blocked".into());
    }
    labels
}

#[cfg(test)]
mod described_tests {
    use super::*;

    #[test]
    fn a_described_change_is_titled_by_its_first_line_unless_titled() {
        let r = CreateRequest::described(None, "\n  Rotate keys  \nacross the fleet\n", ChangeType::Security);
        assert_eq!(r.title, "Rotate keys");
        assert_eq!(r.plan.as_deref(), Some("Rotate keys  \nacross the fleet"));
        let r = CreateRequest::described(Some("  "), "Rotate keys", ChangeType::Security);
        assert_eq!(r.title, "Rotate keys", "a blank title is no title");
        let r = CreateRequest::described(Some(" Key rotation "), "Rotate keys", ChangeType::Security);
        assert_eq!(r.title, "Key rotation");
        let r = CreateRequest::described(None, "   ", ChangeType::Security);
        assert_eq!((r.title.as_str(), r.plan), ("", None));
    }
}
