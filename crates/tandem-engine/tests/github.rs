//! The engine on the GitHub forge, against the fake GitHub behind Prism (every request and
//! answer checked against GitHub's published description, see tandem-forge's contract tests):
//! the Loqa fan-out, a fan-out killed half way and run again, people's ticks, closes and labels
//! on GitHub, the sync, linked pull requests. One fake (GitHub's limits on, simulated clock) and
//! one Prism for the file; each test works in its own GitHub owner.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use tandem_engine::{CreateRequest, Engine};
use tandem_forge::github::fake::{FakeGithub, Limits, Prism, SimClock};
use tandem_forge::github::{GithubForge, GithubSettings, Token, WritePace};
use tandem_model::{ChangeType, ChildStatus, CoordStatus, IssueRef, Workspace};
use tandem_store::{SqliteStore, Store};

const LOQA: &str = include_str!("../src/examples/loqa.toml");
const TOKEN: &str = "ghp_engineTESTtoken42";
const OWNERS: usize = 12;

/// The Loqa example with `forge = "github"` and each repo on GitHub as `OWNER/NAME`.
fn loqa_on_github(owner: &str) -> String {
    let mut out = String::new();
    for line in LOQA.lines() {
        if line.trim() == "forge = \"local\"" {
            out.push_str("forge = \"github\"\n");
            continue;
        }
        out.push_str(line);
        out.push('\n');
        if let Some(name) = line.strip_prefix("name = \"").and_then(|r| r.strip_suffix('"')) {
            if !out.contains("[[repo]]") {
                continue;
            }
            out.push_str(&format!("github = \"{owner}/{name}\"\n"));
        }
    }
    out
}

struct Shared {
    fake: Arc<FakeGithub>,
    clock: Arc<SimClock>,
    prism: Prism,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let names: Vec<String> = Workspace::parse(LOQA, std::path::Path::new("/ws/tandem.toml"))
            .unwrap()
            .repos
            .iter()
            .map(|r| r.name.to_string())
            .collect();
        let slugs: Vec<String> = (0..OWNERS).flat_map(|o| names.iter().map(move |n| format!("org{o}/{n}"))).collect();
        let slugs: Vec<&str> = slugs.iter().map(String::as_str).collect();
        let clock = SimClock::new();
        let fake = FakeGithub::new(&slugs, TOKEN, Limits::github(), clock.clone());
        let prism = Prism::start(&fake.serve()).unwrap_or_else(|e| panic!("{e}"));
        Shared { fake, clock, prism }
    })
}

struct Setup {
    dir: tempfile::TempDir,
    fake: Arc<FakeGithub>,
    clock: Arc<SimClock>,
    api: String,
    ws: Workspace,
    owner: String,
}

impl Setup {
    fn new() -> Setup {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let o = NEXT.fetch_add(1, Ordering::SeqCst);
        assert!(o < OWNERS);
        let owner = format!("org{o}");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("tandem.toml"), loqa_on_github(&owner)).unwrap();
        let ws = tandem_engine::load_workspace(dir.path()).unwrap();
        let s = shared();
        Setup { dir, fake: s.fake.clone(), clock: s.clock.clone(), api: s.prism.url().to_string(), ws, owner }
    }

    /// An engine as a new `tandem` process would open it: its own store connection and forge.
    fn engine(&self, pace: WritePace) -> Engine {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&self.dir.path().join(".tandem/tandem.db")).unwrap());
        let mut settings = GithubSettings::from_workspace(&self.ws).unwrap();
        settings.api_url = self.api.clone();
        settings.token = Some(Token::new(TOKEN));
        settings.pace = pace;
        let forge = GithubForge::new(settings, Some(store.clone()), self.clock.clone(), Arc::new(|_: &str| {}));
        Engine::new(self.ws.clone(), store, Arc::new(forge), self.clock.clone(), "maya".into()).unwrap()
    }

    fn slug(&self, r: &IssueRef) -> String {
        format!("{}/{}", self.owner, r.repo)
    }
}

fn auth() -> CreateRequest {
    CreateRequest::new("Add authentication metadata to AudioStream", ChangeType::Protocol).from_repo("loqa-proto")
}

#[test]
fn a_fan_out_opens_parent_children_and_integration_linked_both_ways() {
    let s = Setup::new();
    let e = s.engine(WritePace::default());
    let created = e.create_coordination(&auth(), &mut |_| {}).unwrap();
    let c = created.coordination;
    assert_eq!(created.issues_opened, c.children.len() + 2);
    let parent = c.issue.clone().unwrap();
    assert_eq!(parent.repo.as_str(), "loqa");
    // GitHub's sub-issues of the parent: every child, and the integration-testing issue.
    let subs = s.fake.sub_issues(&s.slug(&parent), parent.number);
    for ch in &c.children {
        let r = ch.issue.clone().unwrap();
        assert!(subs.contains(&format!("{}#{}", s.slug(&r), r.number)), "{} missing from {subs:?}", ch.repo);
        // The child's body links the parent in GitHub's spelling, under tandem's marker.
        let body = s.fake.issue(&s.slug(&r), r.number).unwrap()["body"].as_str().unwrap().to_string();
        assert!(body.contains(&format!("{}/loqa#{}", s.owner, parent.number)), "{body}");
        assert!(body.contains("<!-- tandem:issue "), "{body}");
    }
    assert_eq!(subs.len(), c.children.len() + 1);
    // The parent's task list names every child issue (with its owner, so GitHub links it).
    let pbody = s.fake.issue(&s.slug(&parent), parent.number).unwrap()["body"].as_str().unwrap().to_string();
    for ch in &c.children {
        let r = ch.issue.clone().unwrap();
        assert!(pbody.contains(&format!("- [ ] {}#{}", s.slug(&r), r.number)), "{pbody}");
    }
    // Same labels as the local forge, created in each repo.
    assert!(s.fake.labels(&format!("{}/loqa-hub", s.owner)).contains(&"type:protocol".to_string()));
    // The engine reads its issues back in its own spelling.
    let read = e.issue(&parent.to_string()).unwrap();
    assert!(read.body.contains(&format!("{}", c.children[0].issue.clone().unwrap())));
}

#[test]
fn a_fan_out_killed_half_way_and_run_again_never_opens_a_duplicate() {
    let s = Setup::new();
    // The third creation's answer is lost and GitHub then goes away: the run fails half way.
    s.fake.outage_after_creation(&s.owner, Some(3));
    let first = s.engine(WritePace::default()).create_coordination(&auth(), &mut |_| {});
    assert!(first.is_err(), "the first run cannot finish");
    let made = |s: &Setup| -> u64 {
        s.ws.repos.iter().map(|r| s.fake.issues(r.github.as_deref().unwrap()).len() as u64).sum()
    };
    assert_eq!(made(&s), 3, "three issues exist, the third unknown to tandem");
    s.fake.outage_after_creation(&s.owner, None);
    let again = s.engine(WritePace::default()).create_coordination(&auth(), &mut |_| {}).unwrap();
    let c = again.coordination;
    let total = c.children.len() as u64 + 2;
    assert_eq!(made(&s), total, "exactly one issue per repo and role");
    // A third run opens nothing and writes nothing.
    let writes = s.fake.writes_to(&s.owner);
    let third = s.engine(WritePace::default()).create_coordination(&auth(), &mut |_| {}).unwrap();
    assert_eq!(third.issues_opened, 0);
    assert_eq!(s.fake.writes_to(&s.owner), writes, "a finished fan-out re-run writes nothing");
}

#[test]
fn ticks_closes_and_labels_on_github_become_events_and_the_aggregate_is_pushed_back() {
    let s = Setup::new();
    let e = s.engine(WritePace::default());
    let c = e.create_coordination(&auth(), &mut |_| {}).unwrap().coordination;
    let id = c.id;
    e.set_status(id, CoordStatus::InProgress, None, false).unwrap();
    let proto = c.children.iter().find(|ch| ch.repo.as_str() == "loqa-proto").unwrap();
    let proto_issue = proto.issue.clone().unwrap();
    let first_item = proto.checklist[0].text.clone();
    // Alice ticks the first box, writes a note outside tandem's section, then closes the issue.
    s.fake.person(&s.slug(&proto_issue), proto_issue.number, "alice", |p| {
        p.tick(&first_item, true);
        p.body.push_str("\nNote from Alice: released as v2.3.0\n");
    });
    s.clock.advance(std::time::Duration::from_secs(60));
    s.fake.person(&s.slug(&proto_issue), proto_issue.number, "alice", |p| p.state = "closed".into());

    let report = e.sync_from_forge(id).unwrap();
    assert!(report.refused.is_empty(), "{report:?}");
    let after = e.coordination(id).unwrap();
    let proto_after = after.child(&proto.repo).unwrap();
    assert_eq!(proto_after.status, ChildStatus::Done, "{report:?}");
    assert!(proto_after.checklist[0].checked);
    let history = e.history(id).unwrap();
    assert!(history.iter().any(|h| h.event.actor == "@alice" && h.event.to.as_deref() == Some("done")), "{history:#?}");
    // Propagation: the children after loqa-proto became ready, by tandem.
    assert!(after.children.iter().any(|ch| ch.after.contains(&proto.repo) && ch.status == ChildStatus::Ready));
    // Pushed back: the parent's task list ticks loqa-proto; Alice's note survives.
    let parent = after.issue.clone().unwrap();
    let pbody = s.fake.issue(&s.slug(&parent), parent.number).unwrap()["body"].as_str().unwrap().to_string();
    assert!(pbody.contains(&format!("- [x] {}#{}", s.slug(&proto_issue), proto_issue.number)), "{pbody}");
    let cbody = s.fake.issue(&s.slug(&proto_issue), proto_issue.number).unwrap();
    assert!(cbody["body"].as_str().unwrap().contains("Note from Alice"));
    assert!(cbody["labels"].as_array().unwrap().iter().any(|l| l["name"] == "status:done"));

    // Bob sets status:blocked by hand on a ready child: blocked, with his name as the reason.
    let ready = after.children.iter().find(|ch| ch.status == ChildStatus::Ready).unwrap();
    let r = ready.issue.clone().unwrap();
    s.fake.person(&s.slug(&r), r.number, "bob", |p| {
        p.labels.retain(|l| !l.starts_with("status:"));
        p.labels.push("status:blocked".into());
    });
    let report = e.sync_from_forge(id).unwrap();
    assert_eq!(e.coordination(id).unwrap().child(&ready.repo).unwrap().status, ChildStatus::Blocked, "{report:?}");
    let plabels = s.fake.issue(&s.slug(&parent), parent.number).unwrap()["labels"].clone();
    assert!(plabels.as_array().unwrap().iter().any(|l| l["name"] == "coordination:blocked"), "{plabels}");
}

#[test]
fn a_no_change_sync_costs_no_rate_limit_points() {
    let s = Setup::new();
    let e = s.engine(WritePace::default());
    let c = e.create_coordination(&auth(), &mut |_| {}).unwrap().coordination;
    e.sync_from_forge(c.id).unwrap();
    // A new process: the ETags come from the store.
    let e = s.engine(WritePace::default());
    let (points, writes) = (s.fake.points_for(&s.owner), s.fake.writes_to(&s.owner));
    let report = e.sync_from_forge(c.id).unwrap();
    assert!(report.is_unchanged(), "{report:?}");
    let spent = s.fake.points_for(&s.owner) - points;
    assert!(spent <= 5, "{spent} points");
    assert_eq!(spent, 0, "every issue answered 304");
    assert_eq!(s.fake.writes_to(&s.owner), writes);
}

#[test]
fn a_closed_child_the_rules_refuse_is_put_back_and_told_why() {
    let s = Setup::new();
    let e = s.engine(WritePace::default());
    let c = e.create_coordination(&auth(), &mut |_| {}).unwrap().coordination;
    e.set_status(c.id, CoordStatus::InProgress, None, false).unwrap();
    // loqa-hub waits on loqa-proto: closing it on GitHub is refused.
    let hub = c.children.iter().find(|ch| ch.repo.as_str() == "loqa-hub").unwrap();
    let r = hub.issue.clone().unwrap();
    s.fake.person(&s.slug(&r), r.number, "carol", |p| p.state = "closed".into());
    let report = e.sync_from_forge(c.id).unwrap();
    assert_eq!(report.refused.len(), 1, "{report:?}");
    assert_eq!(s.fake.issue(&s.slug(&r), r.number).unwrap()["state"], "open", "put back");
    let comments = s.fake.comments(&s.slug(&r), r.number);
    assert!(comments.iter().any(|c| c.contains("could not apply")), "{comments:?}");
}

#[test]
fn a_merged_pull_request_from_the_coordinations_branch_finishes_its_child_at_the_next_sync() {
    let s = Setup::new();
    let e = s.engine(WritePace::default());
    let c = e.create_coordination(&auth(), &mut |_| {}).unwrap().coordination;
    e.set_status(c.id, CoordStatus::InProgress, None, false).unwrap();
    // The branch `tandem branches create` records (see branches.rs), without checkouts here.
    e.store().set_state(&format!("branches:{}", c.id), "tandem/1-auth").unwrap();
    let proto = c.children.iter().find(|ch| ch.repo.as_str() == "loqa-proto").unwrap();
    let slug = s.slug(proto.issue.as_ref().unwrap());
    let pr = s.fake.open_pull(&slug, "tandem/1-auth", "Auth metadata", "erin");
    let report = e.sync_from_forge(c.id).unwrap();
    assert!(report.applied.is_empty(), "an open pull request changes nothing: {report:?}");
    s.fake.merge_pull(&slug, pr);
    let report = e.sync_from_forge(c.id).unwrap();
    assert_eq!(e.coordination(c.id).unwrap().child(&proto.repo).unwrap().status, ChildStatus::Done, "{report:?}");
    assert!(report.applied.iter().any(|a| a.contains("@erin") && a.contains(&format!("#{pr} merged"))), "{report:?}");
    let issue = proto.issue.clone().unwrap();
    assert_eq!(s.fake.issue(&slug, issue.number).unwrap()["state"], "closed", "pushed back: the child issue is closed");
}
