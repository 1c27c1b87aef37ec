//! The engine's operations against a real SQLite store and the local forge.

use chrono::{TimeZone, Utc};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tandem_engine::{CreateRequest, Engine, EngineError};
use tandem_forge::{Forge, ForgeError, LocalForge};
use tandem_model::{
    ChangeType, ChildStatus, CoordStatus, Issue, IssueRef, IssueSpec, IssueState, IssueUpdate, ManualClock, Priority,
    RepoName, Workspace,
};
use tandem_store::{SqliteStore, Store};

const LOQA: &str = include_str!("../src/examples/loqa.toml");

struct Fixture {
    dir: tempfile::TempDir,
    store: Arc<dyn Store>,
}

impl Fixture {
    fn new(manifest: &str) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("tandem.toml"), manifest).unwrap();
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join(".tandem/tandem.db")).unwrap());
        Fixture { dir, store }
    }

    fn ws(&self) -> Workspace {
        tandem_engine::load_workspace(self.dir.path()).unwrap()
    }

    fn engine_with(&self, forge: Arc<dyn Forge>) -> Engine {
        let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()));
        Engine::new(self.ws(), self.store.clone(), forge, clock, "tester".into()).unwrap()
    }

    fn engine(&self) -> Engine {
        self.engine_with(Arc::new(LocalForge::new(self.store.clone())))
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }
}

/// An engine with its own connection to the database at `path`, as a separate process has.
fn engine_on(path: &Path, ws: Workspace, actor: impl Into<String>) -> Engine {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(path).unwrap());
    Engine::new(ws, store.clone(), Arc::new(LocalForge::new(store)), Arc::new(tandem_model::SystemClock), actor.into())
        .unwrap()
}

fn names(v: &[RepoName]) -> Vec<&str> {
    v.iter().map(RepoName::as_str).collect()
}

fn auth() -> CreateRequest {
    CreateRequest::new("Add authentication metadata to AudioStream", ChangeType::Protocol).from_repo("loqa-proto")
}

fn assert_one_child_issue_per_repo(store: &dyn Store) {
    let issues = store.list_issues(None).unwrap();
    let mut children: Vec<String> = issues
        .iter()
        .filter(|i| i.kind == tandem_model::IssueKind::Child)
        .map(|i| i.reference.repo.to_string())
        .collect();
    let n = children.len();
    children.sort();
    children.dedup();
    assert_eq!(children.len(), n, "a repo has two child issues: {issues:#?}");
}

#[test]
fn from_repo_derives_the_transitive_consumers_in_dependency_order() {
    let fx = Fixture::new(LOQA);
    let c = fx.engine().create_coordination(&auth(), &mut |_| {}).unwrap().coordination;
    let repos: Vec<&str> = c.children.iter().map(|c| c.repo.as_str()).collect();
    assert_eq!(repos, ["loqa-proto", "loqa-hub", "loqa-commander", "loqa-relay", "loqa-skills", "loqa"]);
    assert_eq!(c.home_repo.as_str(), "loqa");
    assert_eq!(c.strategy, tandem_model::Strategy::Sequential);
    let relay = c.child(&RepoName::parse("loqa-relay").unwrap()).unwrap();
    assert_eq!(names(&relay.after), ["loqa-proto", "loqa-hub"]);
    // every issue exists and is linked both ways
    let parent = c.issue.clone().unwrap();
    for ch in &c.children {
        let issue = fx.engine().issue(&ch.issue.as_ref().unwrap().to_string()).unwrap();
        assert_eq!(issue.parent.as_ref(), Some(&parent));
        assert!(issue.body.contains(&parent.to_string()), "child body links the parent");
    }
    let parent_issue = fx.engine().issue(&parent.to_string()).unwrap();
    for ch in &c.children {
        assert!(parent_issue.body.contains(&ch.issue.as_ref().unwrap().to_string()), "parent lists {}", ch.repo);
    }
    assert!(parent_issue.body.contains(&c.integration.issue.as_ref().unwrap().to_string()));
}

#[test]
fn creating_twice_with_the_same_key_leaves_one_coordination_and_one_child_per_repo() {
    let fx = Fixture::new(LOQA);
    let e = fx.engine();
    let first = e.create_coordination(&auth().key("k-1"), &mut |_| {}).unwrap();
    let second = e.create_coordination(&auth().key("k-1"), &mut |_| {}).unwrap();
    assert!(first.created && !second.created);
    assert_eq!(second.issues_opened, 0);
    assert_eq!(first.coordination.id, second.coordination.id);
    assert_eq!(e.list_coordinations().unwrap().len(), 1);
    assert_eq!(fx.store.list_issues(None).unwrap().len(), 6 + 2);
    assert_one_child_issue_per_repo(fx.store.as_ref());
    // without a key, the same request derives the same key
    let a = e.create_coordination(&auth(), &mut |_| {}).unwrap();
    let b = e.create_coordination(&auth(), &mut |_| {}).unwrap();
    assert_eq!(a.coordination.id, b.coordination.id);
    assert_eq!(e.list_coordinations().unwrap().len(), 2);
}

/// A forge that fails after `budget` creations (and after `updates` updates), like a network
/// that drops half way or a process killed mid-run.
struct FlakyForge {
    inner: LocalForge,
    budget: AtomicUsize,
    updates: AtomicUsize,
}

impl Forge for FlakyForge {
    fn kind(&self) -> &'static str {
        "flaky"
    }
    fn ensure_issue(&self, spec: &IssueSpec, now: chrono::DateTime<Utc>) -> Result<Issue, ForgeError> {
        if self.budget.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |b| b.checked_sub(1)).is_err() {
            return Err(ForgeError::NotFound(IssueRef { repo: spec.repo.clone(), number: 0 }));
        }
        self.inner.ensure_issue(spec, now)
    }
    fn update_issue(&self, r: &IssueRef, u: &IssueUpdate, now: chrono::DateTime<Utc>) -> Result<Issue, ForgeError> {
        if self.updates.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |b| b.checked_sub(1)).is_err() {
            return Err(ForgeError::NotFound(r.clone()));
        }
        self.inner.update_issue(r, u, now)
    }
    fn get_issue(&self, r: &IssueRef) -> Result<Issue, ForgeError> {
        self.inner.get_issue(r)
    }
    fn list_issues(&self, repo: Option<&RepoName>) -> Result<Vec<Issue>, ForgeError> {
        self.inner.list_issues(repo)
    }
    fn comment(&self, r: &IssueRef, body: &str, now: chrono::DateTime<Utc>) -> Result<(), ForgeError> {
        self.inner.comment(r, body, now)
    }
}

fn flaky(store: &Arc<dyn Store>, creations: usize, updates: usize) -> Arc<FlakyForge> {
    Arc::new(FlakyForge {
        inner: LocalForge::new(store.clone()),
        budget: AtomicUsize::new(creations),
        updates: AtomicUsize::new(updates),
    })
}

#[test]
fn a_creation_that_fails_half_way_resumes_without_duplicates() {
    for budget in 0..8 {
        let fx = Fixture::new(LOQA);
        let err = fx.engine_with(flaky(&fx.store, budget, usize::MAX)).create_coordination(&auth(), &mut |_| {});
        assert!(err.is_err(), "budget {budget} should fail");
        assert_eq!(fx.store.list_issues(None).unwrap().len(), budget);
        let done = fx.engine().create_coordination(&auth(), &mut |_| {}).unwrap();
        assert!(!done.created, "resumed, not created again");
        assert_eq!(done.issues_opened, 8 - budget);
        assert_eq!(fx.store.list_coordinations().unwrap().len(), 1);
        assert_eq!(fx.store.list_issues(None).unwrap().len(), 8);
        assert!(done.coordination.children.iter().all(|c| c.issue.is_some()));
        assert!(done.coordination.issue.is_some() && done.coordination.integration.issue.is_some());
        assert_one_child_issue_per_repo(fx.store.as_ref());
    }
}

/// Regression (issue 10, item 7): a creation killed after its last link and before the parent's
/// task list was refreshed left the parent without issue references, and the next run, having
/// nothing to open, did not repair it.
#[test]
fn a_creation_killed_before_the_parent_refresh_is_repaired_by_the_next_run() {
    let fx = Fixture::new(LOQA);
    let err = fx.engine_with(flaky(&fx.store, usize::MAX, 0)).create_coordination(&auth(), &mut |_| {});
    assert!(err.is_err(), "the parent refresh should have failed");
    let c = fx.store.list_coordinations().unwrap().remove(0);
    let parent = fx.store.get_issue(c.issue.as_ref().unwrap()).unwrap().unwrap();
    let child_refs: Vec<String> = c.children.iter().map(|ch| ch.issue.as_ref().unwrap().to_string()).collect();
    assert!(child_refs.iter().any(|r| !parent.body.contains(r.as_str())), "the kill left references out");

    let done = fx.engine().create_coordination(&auth(), &mut |_| {}).unwrap();
    assert_eq!(done.issues_opened, 0);
    let parent = fx.store.get_issue(done.coordination.issue.as_ref().unwrap()).unwrap().unwrap();
    for r in &child_refs {
        assert!(parent.body.contains(r.as_str()), "{r} missing from the parent's task list:\n{}", parent.body);
    }
    // A further run changes nothing: the parent is not rewritten.
    let before = parent.updated_at;
    fx.engine().create_coordination(&auth(), &mut |_| {}).unwrap();
    let again = fx.store.get_issue(&parent.reference).unwrap().unwrap();
    assert_eq!(again.updated_at, before);
}

/// Regression (issue 10, item 8): concurrent creations with the same key each recorded every
/// `issue_linked` event.
#[test]
fn concurrent_creations_with_one_key_record_each_link_once() {
    let fx = Fixture::new(LOQA);
    let path = fx.root().join(".tandem/tandem.db");
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let ws = fx.ws();
            let path = path.clone();
            std::thread::spawn(move || {
                let e = engine_on(&path, ws, "racer");
                e.create_coordination(&auth().key("race"), &mut |_| {}).unwrap().issues_opened
            })
        })
        .collect();
    let opened: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(opened, 8, "each issue is counted once, by the run that linked it");
    let c = fx.store.list_coordinations().unwrap().remove(0);
    let links =
        fx.store.events(c.id).unwrap().iter().filter(|e| e.event.action == tandem_model::Action::IssueLinked).count();
    assert_eq!(links, 8);
    assert_eq!(fx.store.list_issues(None).unwrap().len(), 8);
}

/// Regression (issue 10, item 8): concurrent ticks on one child left the issue body different
/// from the stored checklist (two pushes landing in the opposite order of their saves).
#[test]
fn concurrent_ticks_on_one_child_leave_the_forge_equal_to_the_store() {
    let fx = Fixture::new(LOQA);
    let req = CreateRequest::new("Bump deps", ChangeType::Feature).repos(&["loqa-hub"]);
    let id = fx.engine().create_coordination(&req, &mut |_| {}).unwrap().coordination.id;
    fx.engine().set_status(id, CoordStatus::InProgress, None, false).unwrap();
    let path = fx.root().join(".tandem/tandem.db");
    let items = fx.engine().coordination(id).unwrap().children[0].checklist.len();
    assert!(items >= 4);
    for round in 0..6 {
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let ws = fx.ws();
                let path = path.clone();
                std::thread::spawn(move || {
                    let e = engine_on(&path, ws, format!("w{t}"));
                    for i in 0..items {
                        let item = (i + t) % items + 1;
                        let checked = (round + t + i) % 2 == 0;
                        e.check_item(id, "loqa-hub", &item.to_string(), checked).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let c = fx.engine().coordination(id).unwrap();
        let ch = &c.children[0];
        let issue = fx.store.get_issue(ch.issue.as_ref().unwrap()).unwrap().unwrap();
        let on_forge: Vec<bool> =
            tandem_model::checklist::parse_checklist(&issue.body).iter().map(|i| i.checked).collect();
        let stored: Vec<bool> = ch.checklist.iter().map(|i| i.checked).collect();
        assert_eq!(on_forge, stored, "round {round}: the forge diverged from the store");
    }
}

#[test]
fn status_changes_are_pushed_to_the_forge() {
    let fx = Fixture::new(LOQA);
    let e = fx.engine();
    let c = e.create_coordination(&auth(), &mut |_| {}).unwrap().coordination;
    let id = c.id;
    e.set_status(id, CoordStatus::InProgress, None, false).unwrap();
    e.set_child_status(id, "loqa-proto", ChildStatus::InProgress, None).unwrap();
    e.check_item(id, "loqa-proto", "1", true).unwrap();
    let proto_issue = c.children[0].issue.clone().unwrap();
    let issue = e.issue(&proto_issue.to_string()).unwrap();
    assert!(issue.body.contains("- [x] Update the contract definitions"), "{}", issue.body);
    assert!(issue.labels.contains(&"status:in_progress".to_string()));

    e.set_child_status(id, "loqa-proto", ChildStatus::Blocked, Some("waiting for security review")).unwrap();
    let parent = e.issue(&c.issue.clone().unwrap().to_string()).unwrap();
    assert!(parent.labels.contains(&"coordination:blocked".to_string()), "{:?}", parent.labels);
    e.set_child_status(id, "loqa-proto", ChildStatus::InProgress, None).unwrap();
    e.set_child_status(id, "loqa-proto", ChildStatus::InReview, None).unwrap();
    e.set_child_status(id, "loqa-proto", ChildStatus::Done, None).unwrap();
    assert_eq!(e.issue(&proto_issue.to_string()).unwrap().state, IssueState::Closed);
    let parent = e.issue(&c.issue.clone().unwrap().to_string()).unwrap();
    assert!(!parent.labels.contains(&"coordination:blocked".to_string()));
    assert!(parent.body.contains(&format!("- [x] {proto_issue} loqa-proto")), "{}", parent.body);
    // cancelling with --force closes everything
    e.set_status(id, CoordStatus::Cancelled, Some("superseded"), true).unwrap();
    assert!(e.issues(None).unwrap().iter().all(|i| i.state == IssueState::Closed));
}

#[test]
fn refusals_are_refusals_and_bad_requests_are_errors() {
    let fx = Fixture::new(LOQA);
    let e = fx.engine();
    let id = e.create_coordination(&auth(), &mut |_| {}).unwrap().coordination.id;
    let err = e.set_status(id, CoordStatus::Done, None, false).unwrap_err();
    assert!(err.is_refusal(), "{err}");
    let err = e.set_child_status(id, "loqa-proto", ChildStatus::Ready, None).unwrap_err();
    assert!(err.to_string().contains("still planning"), "{err}");
    let err =
        e.create_coordination(&CreateRequest::new("x", ChangeType::Feature).repos(&["loqa-hub", "nope"]), &mut |_| {});
    let err = err.unwrap_err();
    assert!(!err.is_refusal());
    assert!(err.to_string().contains("unknown repository 'nope'") && err.to_string().contains("loqa-proto"), "{err}");
    let mut both = auth();
    both.repos = vec!["loqa-hub".into()];
    assert!(e.create_coordination(&both, &mut |_| {}).unwrap_err().to_string().contains("not both"));
    assert!(matches!(
        e.coordination(tandem_model::CoordId(42)),
        Err(EngineError::NoCoordination(tandem_model::CoordId(42)))
    ));
    assert!(e.create_coordination(&CreateRequest::new("  ", ChangeType::Docs).repos(&["loqa"]), &mut |_| {}).is_err());
}

#[test]
fn security_changes_are_never_below_high_priority() {
    let fx = Fixture::new(LOQA);
    let e = fx.engine();
    let req = CreateRequest::new("Patch TLS", ChangeType::Security)
        .repos(&["loqa-hub", "loqa-relay"])
        .priority(Priority::Low);
    let c = e.create_coordination(&req, &mut |_| {}).unwrap().coordination;
    assert_eq!(c.priority, Priority::High);
    assert_eq!(c.strategy, tandem_model::Strategy::Expedited);
    let h = e.history(c.id).unwrap();
    assert!(h[0].event.reason.as_deref().unwrap().contains("priority raised from low to high"));
}

#[test]
fn templates_dropped_in_the_workspace_override_the_built_in_ones() {
    let fx = Fixture::new(LOQA);
    let tdir = fx.root().join(".tandem/templates");
    std::fs::create_dir_all(&tdir).unwrap();
    std::fs::write(
        tdir.join("child.service.md.j2"),
        "Service work for {{ repo.name }}\n\n## Checklist\n- [ ] Ship {{ title }}\n- [ ] Tell on-call\n",
    )
    .unwrap();
    let e = fx.engine();
    assert_eq!(e.overridden_templates(), ["child.service.md.j2"]);
    let c = e.create_coordination(&auth(), &mut |_| {}).unwrap().coordination;
    let hub = c.child(&RepoName::parse("loqa-hub").unwrap()).unwrap();
    let items: Vec<&str> = hub.checklist.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(items, ["Ship Add authentication metadata to AudioStream", "Tell on-call"]);
    let relay = c.child(&RepoName::parse("loqa-relay").unwrap()).unwrap();
    assert!(relay.checklist.len() > 2, "other roles keep the built-in template");
}

#[test]
fn a_broken_template_is_refused_with_its_file_and_line() {
    let fx = Fixture::new(LOQA);
    let tdir = fx.root().join(".tandem/templates");
    std::fs::create_dir_all(&tdir).unwrap();
    std::fs::write(tdir.join("child.md.j2"), "line one\n{% if %}\n").unwrap();
    let err = Engine::new(
        fx.ws(),
        fx.store.clone(),
        Arc::new(LocalForge::new(fx.store.clone())),
        Arc::new(tandem_model::SystemClock),
        "t".into(),
    )
    .err()
    .expect("refused");
    let msg = err.to_string();
    assert!(msg.contains("child.md.j2") && msg.contains("line 2"), "{msg}");
}

#[test]
fn concurrent_writers_never_lose_an_update() {
    let fx = Fixture::new(LOQA);
    let req = CreateRequest::new("Bump deps", ChangeType::Feature).repos(&[
        "loqa-hub",
        "loqa-relay",
        "loqa-skills",
        "loqa-commander",
    ]);
    let id = fx.engine().create_coordination(&req, &mut |_| {}).unwrap().coordination.id;
    fx.engine().set_status(id, CoordStatus::InProgress, None, false).unwrap();
    let path = fx.root().join(".tandem/tandem.db");
    let threads: Vec<_> = ["loqa-hub", "loqa-relay", "loqa-skills", "loqa-commander"]
        .into_iter()
        .map(|repo| {
            let ws = fx.ws();
            let path = path.clone();
            std::thread::spawn(move || {
                // each thread has its own connection, as separate processes would
                let e = engine_on(&path, ws, repo);
                for i in 1..=4 {
                    e.check_item(id, repo, &i.to_string(), true).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let c = fx.engine().coordination(id).unwrap();
    for ch in &c.children {
        assert_eq!(ch.checklist.iter().filter(|i| i.checked).count(), 4, "{}", ch.repo);
    }
    let ticks =
        fx.engine().history(id).unwrap().iter().filter(|e| e.event.action == tandem_model::Action::Checked).count();
    assert_eq!(ticks, 16);
}
