//! GitHub webhook events through `Engine::handle_github_event`, on the Loqa example workspace
//! with a real SQLite store and the local forge. Payloads are the real-shaped examples of
//! `@octokit/webhooks-examples` (installed by scripts/setup.sh), adapted to the issues tandem
//! tracks: the repository becomes one of the workspace's and the number one of its issues.

use chrono::{TimeZone, Utc};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tandem_engine::{CreateRequest, Engine, WebhookOutcome};
use tandem_forge::LocalForge;
use tandem_model::{ChangeType, ChildStatus, CoordId, CoordStatus, Coordination, IssueRef, ManualClock, RepoName};
use tandem_store::{SqliteStore, Store};

const LOQA: &str = include_str!("../src/examples/loqa.toml");

/// The pinned examples package, where scripts/setup.sh installs it.
fn examples_file() -> PathBuf {
    tandem_engine::analysis::tools_dir()
        .join("webhooks-npm/node_modules/@octokit/webhooks-examples/api.github.com/index.json")
}

/// Every example as (event name, payload), read once.
fn examples() -> &'static [(String, Value)] {
    static ALL: std::sync::OnceLock<Vec<(String, Value)>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let path = examples_file();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("{}: {e}; run scripts/setup.sh to install @octokit/webhooks-examples", path.display())
        });
        let defs: Vec<Value> = serde_json::from_str(&text).unwrap();
        let mut out = Vec::new();
        for d in defs {
            let name = d["name"].as_str().unwrap().to_string();
            for ex in d["examples"].as_array().unwrap() {
                out.push((name.clone(), ex.clone()));
            }
        }
        out
    })
}

/// The first example of `event` with `action` (any action when `None`).
fn example(event: &str, action: Option<&str>) -> Value {
    examples()
        .iter()
        .find(|(n, p)| n == event && action.is_none_or(|a| p["action"] == a))
        .map(|(_, p)| p.clone())
        .unwrap_or_else(|| panic!("no {event}.{action:?} example"))
}

struct Fixture {
    dir: tempfile::TempDir,
    store: Arc<dyn Store>,
    engine: Engine,
}

impl Fixture {
    fn new(manifest: &str) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("tandem.toml"), manifest).unwrap();
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join(".tandem/tandem.db")).unwrap());
        let ws = tandem_engine::load_workspace(dir.path()).unwrap();
        let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()));
        let engine =
            Engine::new(ws, store.clone(), Arc::new(LocalForge::new(store.clone())), clock, "lead".into()).unwrap();
        Fixture { dir, store, engine }
    }

    /// A started protocol coordination from loqa-proto (loqa-proto ready, the rest pending).
    fn started(&self) -> Coordination {
        let req = CreateRequest::new("Add authentication metadata", ChangeType::Protocol).from_repo("loqa-proto");
        let c = self.engine.create_coordination(&req, &mut |_| {}).unwrap().coordination;
        self.engine.set_status(c.id, CoordStatus::InProgress, None, false).unwrap().coordination
    }

    fn handle(&self, event: &str, delivery: &str, payload: &Value) -> WebhookOutcome {
        self.engine.handle_github_event(event, delivery, payload).unwrap()
    }

    fn coordination(&self, id: CoordId) -> Coordination {
        self.engine.coordination(id).unwrap()
    }

    fn status(&self, id: CoordId, repo: &str) -> ChildStatus {
        self.coordination(id).child(&repo_name(repo)).unwrap().status
    }

    fn events(&self, id: CoordId) -> usize {
        self.store.events(id).unwrap().len()
    }

    fn comments(&self, r: &IssueRef) -> Vec<String> {
        self.store.issue_comments(r).unwrap().into_iter().map(|c| c.body).collect()
    }
}

fn repo_name(s: &str) -> RepoName {
    RepoName::parse(s).unwrap()
}

fn child_issue(c: &Coordination, repo: &str) -> IssueRef {
    c.child(&repo_name(repo)).unwrap().issue.clone().unwrap()
}

/// The GitHub name of a Loqa repository (its alias `github.com/loqalabs/NAME`).
fn full_name(r: &IssueRef) -> String {
    format!("loqalabs/{}", r.repo)
}

/// An example payload moved onto issue `r`.
fn on_issue(mut p: Value, r: &IssueRef) -> Value {
    p["repository"]["full_name"] = json!(full_name(r));
    p["issue"]["number"] = json!(r.number);
    p
}

/// An example pull request payload moved into `r`'s repository, referring to `r` in its body.
fn pr_for(mut p: Value, r: &IssueRef, number: u64) -> Value {
    p["repository"]["full_name"] = json!(full_name(r));
    p["number"] = json!(number);
    p["pull_request"]["number"] = json!(number);
    p["pull_request"]["body"] = json!(format!("Adds the auth metadata.\n\nCloses #{}", r.number));
    p
}

fn applied(o: &WebhookOutcome) -> bool {
    matches!(o, WebhookOutcome::Applied(_))
}

// ------------------------------------------------------------------------ every example

#[test]
fn every_example_payload_is_handled_without_error_as_sent_and_moved_onto_tracked_issues() {
    let fx = Fixture::new(LOQA);
    let c = fx.started();
    let hub = child_issue(&c, "loqa-hub");
    let all = examples();
    assert!(all.len() >= 300, "only {} example payloads", all.len());
    let mut seen = std::collections::BTreeMap::<&str, usize>::new();
    for (i, (event, payload)) in all.iter().enumerate() {
        // As sent: Codertocat/Hello-World is no repository of the workspace.
        let o = fx.engine.handle_github_event(event, &format!("raw-{i}"), payload);
        let o = o.unwrap_or_else(|e| panic!("{event} example {i} failed: {e}"));
        assert!(matches!(o, WebhookOutcome::Ignored(_)), "{event} example {i} as sent: {o:?}");
        // Moved onto a tracked child issue (and its repository): whatever it asks is applied,
        // refused with a comment, or ignored — never an error.
        let mut moved = payload.clone();
        if moved.get("repository").is_some_and(Value::is_object) {
            moved["repository"]["full_name"] = json!(full_name(&hub));
        }
        if moved.get("issue").is_some_and(Value::is_object) {
            moved["issue"]["number"] = json!(hub.number);
        }
        if moved.get("pull_request").is_some_and(Value::is_object) {
            moved["pull_request"]["body"] = json!(format!("Part of #{}", hub.number));
        }
        let o = fx.engine.handle_github_event(event, &format!("moved-{i}"), &moved);
        let o = o.unwrap_or_else(|e| panic!("{event} example {i} moved onto {hub} failed: {e}"));
        *seen
            .entry(match o {
                WebhookOutcome::Applied(_) => "applied",
                WebhookOutcome::Ignored(_) => "ignored",
                WebhookOutcome::Refused(_) => "refused",
            })
            .or_default() += 1;
    }
    // The hub is pending (it waits on loqa-proto): the examples that ask it to move are refused
    // and answered on the issue; the rest are ignored.
    assert!(seen.get("refused").copied().unwrap_or(0) > 0, "{seen:?}");
    assert_eq!(fx.status(c.id, "loqa-hub"), ChildStatus::Pending);
    assert!(!fx.comments(&hub).is_empty());
}

#[test]
fn malformed_payloads_are_ignored_not_errors() {
    let fx = Fixture::new(LOQA);
    fx.started();
    for (event, payload) in [
        ("issues", json!(null)),
        ("issues", json!([1, 2])),
        ("issues", json!({})),
        ("issues", json!({"action": "closed", "repository": {"full_name": 7}, "issue": {"number": "x"}})),
        ("issue_comment", json!({"action": "created", "comment": {"body": 5}})),
        ("pull_request", json!({"action": "opened", "pull_request": {"body": "#99999999999999999999"}})),
        ("push", json!({"ref": "refs/heads/main", "repository": {"default_branch": "main"}})),
        ("unknown_event", json!({"x": 1})),
    ] {
        let o = fx.handle(event, "bad", &payload);
        assert!(matches!(o, WebhookOutcome::Ignored(_)), "{event} {payload}: {o:?}");
    }
}

// ------------------------------------------------------------------------ issues

#[test]
fn closing_and_reopening_a_child_issue_moves_the_child_through_the_state_machine() {
    let fx = Fixture::new(LOQA);
    let c = fx.started();
    let proto = child_issue(&c, "loqa-proto");
    fx.engine.set_child_status(c.id, "loqa-proto", ChildStatus::InProgress, None).unwrap();

    // Closed while in progress: the state machine wants a review first; refused and answered.
    let mut closed = on_issue(example("issues", Some("reopened")), &proto);
    closed["action"] = json!("closed");
    closed["issue"]["state"] = json!("closed");
    let before = fx.events(c.id);
    let o = fx.handle("issues", "d-close-1", &closed);
    assert!(matches!(o, WebhookOutcome::Refused(_)), "{o:?}");
    assert_eq!(fx.events(c.id), before);
    let comments = fx.comments(&proto);
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert!(comments[0].contains("in_review") && comments[0].contains("<!-- tandem:delivery:d-close-1 -->"));

    // Handled again (a redelivery after a crash): no second comment.
    fx.handle("issues", "d-close-1", &closed);
    assert_eq!(fx.comments(&proto).len(), 1);

    fx.engine.set_child_status(c.id, "loqa-proto", ChildStatus::InReview, None).unwrap();
    let o = fx.handle("issues", "d-close-2", &closed);
    assert!(applied(&o), "{o:?}");
    assert_eq!(fx.status(c.id, "loqa-proto"), ChildStatus::Done);
    let history = fx.store.events(c.id).unwrap();
    let done = history.iter().rev().find(|e| e.event.to.as_deref() == Some("done")).unwrap();
    assert_eq!(done.event.actor, "Codertocat", "the GitHub sender acts");
    // The hub became ready because its provider is done.
    assert_eq!(fx.status(c.id, "loqa-hub"), ChildStatus::Ready);

    // The same delivery again appends nothing.
    let n = fx.events(c.id);
    fx.handle("issues", "d-close-2", &closed);
    assert_eq!(fx.events(c.id), n);

    let reopened = on_issue(example("issues", Some("reopened")), &proto);
    let o = fx.handle("issues", "d-reopen", &reopened);
    assert!(applied(&o), "{o:?}");
    assert_eq!(fx.status(c.id, "loqa-proto"), ChildStatus::InProgress);
    let last = fx.store.events(c.id).unwrap().into_iter().find(|e| e.event.from.as_deref() == Some("done")).unwrap();
    assert!(last.event.reason.unwrap().contains("reopened on GitHub"));
}

#[test]
fn ticking_checkboxes_in_an_edited_child_issue_ticks_its_checklist() {
    let fx = Fixture::new(LOQA);
    let c = fx.started();
    let proto = child_issue(&c, "loqa-proto");
    let issue = fx.engine.issue(&proto.to_string()).unwrap();
    // Tick the first two boxes of the body tandem rendered.
    let mut ticked = 0;
    let body: String = issue
        .body
        .lines()
        .map(|l| {
            if ticked < 2 && l.starts_with("- [ ] ") {
                ticked += 1;
                l.replacen("- [ ] ", "- [x] ", 1)
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut edited = on_issue(example("issues", Some("edited")), &proto);
    edited["issue"]["body"] = json!(body);
    let o = fx.handle("issues", "d-edit", &edited);
    assert!(applied(&o), "{o:?}");
    let after = fx.coordination(c.id);
    let list = &after.child(&repo_name("loqa-proto")).unwrap().checklist;
    assert!(list[0].checked && list[1].checked && !list[2].checked, "{list:#?}");
    let n = fx.events(c.id);
    let o = fx.handle("issues", "d-edit", &edited);
    assert!(matches!(o, WebhookOutcome::Ignored(_)), "{o:?}");
    assert_eq!(fx.events(c.id), n);
}

#[test]
fn a_status_label_moves_the_child_and_a_bot_echo_is_ignored() {
    let fx = Fixture::new(LOQA);
    let c = fx.started();
    let proto = child_issue(&c, "loqa-proto");
    let mut labeled = on_issue(example("issues", Some("labeled")), &proto);
    labeled["label"]["name"] = json!("status:in_progress");
    let o = fx.handle("issues", "d-label", &labeled);
    assert!(applied(&o), "{o:?}");
    assert_eq!(fx.status(c.id, "loqa-proto"), ChildStatus::InProgress);

    let mut echo = labeled.clone();
    echo["label"]["name"] = json!("status:done");
    echo["sender"]["type"] = json!("Bot");
    let o = fx.handle("issues", "d-echo", &echo);
    assert!(matches!(o, WebhookOutcome::Ignored(_)), "{o:?}");
    assert_eq!(fx.status(c.id, "loqa-proto"), ChildStatus::InProgress);
}

// ------------------------------------------------------------------------ commands

fn command(fx: &Fixture, r: &IssueRef, delivery: &str, body: &str, association: &str) -> WebhookOutcome {
    let mut p = on_issue(example("issue_comment", Some("created")), r);
    p["comment"]["body"] = json!(body);
    p["comment"]["author_association"] = json!(association);
    fx.handle("issue_comment", delivery, &p)
}

#[test]
fn comment_commands_from_writers_change_status_tick_items_and_answer_progress() {
    let fx = Fixture::new(LOQA);
    let c = fx.started();
    let proto = child_issue(&c, "loqa-proto");

    let o = command(&fx, &proto, "c1", "Starting now.\n/tandem status in_progress", "OWNER");
    assert!(applied(&o), "{o:?}");
    assert_eq!(fx.status(c.id, "loqa-proto"), ChildStatus::InProgress);

    let o = command(&fx, &proto, "c2", "/tandem status blocked waiting for the schema review", "MEMBER");
    assert!(applied(&o), "{o:?}");
    let after = fx.coordination(c.id);
    let hold = after.child(&repo_name("loqa-proto")).unwrap().hold.clone().unwrap();
    assert_eq!(hold.reason, "waiting for the schema review");

    // Blocking without a reason is refused, and the answer says how to give one.
    let o = command(&fx, &proto, "c3", "/tandem status in_progress", "COLLABORATOR");
    assert!(applied(&o), "unblocking: {o:?}");
    let o = command(&fx, &proto, "c4", "/tandem status blocked", "COLLABORATOR");
    assert!(matches!(o, WebhookOutcome::Refused(_)), "{o:?}");
    assert!(fx.comments(&proto).last().unwrap().contains("reason"));

    let o = command(&fx, &proto, "c5", "/tandem check 1", "OWNER");
    assert!(applied(&o), "{o:?}");
    assert!(fx.coordination(c.id).child(&repo_name("loqa-proto")).unwrap().checklist[0].checked);

    let before = fx.comments(&proto).len();
    let o = command(&fx, &proto, "c6", "/tandem progress", "OWNER");
    assert!(applied(&o), "{o:?}");
    let comments = fx.comments(&proto);
    assert_eq!(comments.len(), before + 1);
    assert!(comments.last().unwrap().contains("| loqa-proto | in_progress | 1/"), "{}", comments.last().unwrap());
    // Redelivered: answered once.
    command(&fx, &proto, "c6", "/tandem progress", "OWNER");
    assert_eq!(fx.comments(&proto).len(), before + 1);

    // Actors are the commenters.
    let history = fx.store.events(c.id).unwrap();
    assert!(history.iter().any(|e| e.event.actor == "Codertocat" && e.event.to.as_deref() == Some("blocked")));
}

#[test]
fn commands_from_users_without_write_access_are_refused_politely_and_change_nothing() {
    let fx = Fixture::new(LOQA);
    let c = fx.started();
    let proto = child_issue(&c, "loqa-proto");
    let n = fx.events(c.id);
    for (i, assoc) in ["CONTRIBUTOR", "NONE", "FIRST_TIME_CONTRIBUTOR", "READ"].iter().enumerate() {
        let o = command(&fx, &proto, &format!("x{i}"), "/tandem status in_progress", assoc);
        assert!(matches!(o, WebhookOutcome::Refused(_)), "{assoc}: {o:?}");
    }
    assert_eq!(fx.events(c.id), n);
    assert_eq!(fx.status(c.id, "loqa-proto"), ChildStatus::Ready);
    let comments = fx.comments(&proto);
    assert_eq!(comments.len(), 4);
    assert!(comments[0].starts_with("Thanks, @Codertocat!") && comments[0].contains("write access"));
}

#[test]
fn unknown_commands_get_the_usage_and_plain_comments_are_ignored() {
    let fx = Fixture::new(LOQA);
    let c = fx.started();
    let proto = child_issue(&c, "loqa-proto");
    let o = command(&fx, &proto, "u1", "/tandem frobnicate", "OWNER");
    assert!(matches!(o, WebhookOutcome::Refused(_)), "{o:?}");
    assert!(fx.comments(&proto)[0].contains("/tandem progress"));
    let o = command(&fx, &proto, "u2", "Looks good to me", "OWNER");
    assert!(matches!(o, WebhookOutcome::Ignored(_)), "{o:?}");
    assert_eq!(fx.comments(&proto).len(), 1);
}

// ------------------------------------------------------------------------ pull requests

#[test]
fn a_linked_pull_request_moves_its_child_from_opened_to_review_to_merged() {
    let fx = Fixture::new(LOQA);
    let c = fx.started();
    let proto = child_issue(&c, "loqa-proto");

    let opened = pr_for(example("pull_request", Some("opened")), &proto, 501);
    assert!(applied(&fx.handle("pull_request", "p1", &opened)));
    assert_eq!(fx.status(c.id, "loqa-proto"), ChildStatus::InProgress);

    let review = pr_for(example("pull_request", Some("review_requested")), &proto, 501);
    assert!(applied(&fx.handle("pull_request", "p2", &review)));
    assert_eq!(fx.status(c.id, "loqa-proto"), ChildStatus::InReview);

    let mut merged = pr_for(example("pull_request", Some("closed")), &proto, 501);
    merged["pull_request"]["merged"] = json!(true);
    merged["pull_request"]["merged_at"] = json!("2026-03-02T08:00:00Z");
    assert!(applied(&fx.handle("pull_request", "p3", &merged)));
    assert_eq!(fx.status(c.id, "loqa-proto"), ChildStatus::Done);
    let n = fx.events(c.id);
    // Redelivered, and a late "opened" of the same pull request: nothing moves back.
    fx.handle("pull_request", "p3", &merged);
    let o = fx.handle("pull_request", "p1", &opened);
    assert!(matches!(o, WebhookOutcome::Ignored(_)), "{o:?}");
    assert_eq!(fx.events(c.id), n);

    // Closed without merging: ignored.
    let unmerged = pr_for(example("pull_request", Some("closed")), &proto, 502);
    assert!(matches!(fx.handle("pull_request", "p4", &unmerged), WebhookOutcome::Ignored(_)));
}

#[test]
fn an_illegal_move_from_a_pull_request_is_refused_and_commented_on_the_child_issue() {
    let fx = Fixture::new(LOQA);
    let c = fx.started();
    let hub = child_issue(&c, "loqa-hub");
    let opened = pr_for(example("pull_request", Some("opened")), &hub, 77);
    let o = fx.handle("pull_request", "p-hub", &opened);
    assert!(matches!(o, WebhookOutcome::Refused(_)), "{o:?}");
    assert_eq!(fx.status(c.id, "loqa-hub"), ChildStatus::Pending);
    let comments = fx.comments(&hub);
    assert_eq!(comments.len(), 1);
    assert!(comments[0].contains("pending") && comments[0].contains("#77"), "{}", comments[0]);
    fx.handle("pull_request", "p-hub", &opened);
    assert_eq!(fx.comments(&hub).len(), 1);
}

#[test]
fn a_pull_request_refers_to_its_child_by_owner_name_and_number_or_url() {
    let fx = Fixture::new(LOQA);
    let c = fx.started();
    let proto = child_issue(&c, "loqa-proto");
    // Opened in the hub's repository, naming the proto issue across repositories.
    let mut p = example("pull_request", Some("opened"));
    p["repository"]["full_name"] = json!("loqalabs/loqa-hub");
    p["pull_request"]["body"] = json!(format!("Needs https://github.com/loqalabs/loqa-proto/issues/{}", proto.number));
    assert!(applied(&fx.handle("pull_request", "x1", &p)));
    assert_eq!(fx.status(c.id, "loqa-proto"), ChildStatus::InProgress);
    let mut q = p.clone();
    q["action"] = json!("review_requested");
    q["pull_request"]["body"] = json!(format!("For loqalabs/loqa-proto#{}", proto.number));
    assert!(applied(&fx.handle("pull_request", "x2", &q)));
    assert_eq!(fx.status(c.id, "loqa-proto"), ChildStatus::InReview);
}

// ------------------------------------------------------------------------ forms

/// A body as GitHub renders tandem's coordination form.
fn form_body(change_type: &str, priority: &str, checked: &[&str], description: &str, plan: &str) -> String {
    let ws =
        tandem_engine::load_workspace(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/examples/loqa.toml").as_path())
            .unwrap();
    let boxes: Vec<String> = ws
        .repos
        .iter()
        .map(|r| format!("- [{}] {}", if checked.contains(&r.name.as_str()) { "X" } else { " " }, r.name))
        .collect();
    format!(
        "### Change type\n\n{change_type}\n\n### Priority\n\n{priority}\n\n### Repositories\n\n{}\n\n### Description\n\n{description}\n\n### Plan\n\n{plan}",
        boxes.join("\n")
    )
}

/// An issue opened in the coordination repo `loqa` with `body`, as the local forge holds it,
/// and the `issues.opened` example moved onto it.
fn opened_form_issue(fx: &Fixture, title: &str, body: &str) -> (IssueRef, Value) {
    let spec = tandem_model::IssueSpec {
        repo: repo_name("loqa"),
        kind: tandem_model::IssueKind::Health,
        coordination: None,
        marker: format!("user-issue:{title}"),
        title: title.into(),
        body: body.into(),
        labels: vec![],
        parent: None,
    };
    let issue = fx.store.create_issue(&spec, Utc::now()).unwrap().0;
    let mut p = on_issue(example("issues", Some("opened")), &issue.reference);
    p["issue"]["title"] = json!(title);
    p["issue"]["body"] = json!(body);
    p["issue"]["labels"] = json!([{ "name": "tandem:coordination-request" }]);
    (issue.reference, p)
}

#[test]
fn an_issue_opened_from_the_form_opens_one_coordination_keyed_by_the_issue() {
    let fx = Fixture::new(LOQA);
    let body =
        form_body("protocol", "_No response_", &["loqa-proto", "loqa-hub"], "Add auth metadata.", "_No response_");
    let (r, p) = opened_form_issue(&fx, "[Coordination]: Auth metadata on AudioStream", &body);
    let o = fx.handle("issues", "f1", &p);
    assert!(applied(&o), "{o:?}");
    let list = fx.engine.list_coordinations().unwrap();
    assert_eq!(list.len(), 1);
    let c = fx.coordination(list[0].id);
    assert_eq!(c.title, "Auth metadata on AudioStream");
    assert_eq!(c.key, format!("github:loqalabs/loqa#{}", r.number));
    assert_eq!(c.children.iter().map(|ch| ch.repo.as_str()).collect::<Vec<_>>(), ["loqa-proto", "loqa-hub"]);
    let created = &fx.store.events(c.id).unwrap()[0];
    assert_eq!(created.event.actor, "Codertocat");
    let comments = fx.comments(&r);
    assert_eq!(comments.len(), 1);
    assert!(comments[0].contains(&format!("Opened coordination #{}", c.id)));
    // Redelivered, and edited later: still one coordination, one comment.
    fx.handle("issues", "f1", &p);
    let mut edited = p.clone();
    edited["action"] = json!("edited");
    fx.handle("issues", "f2", &edited);
    assert_eq!(fx.engine.list_coordinations().unwrap().len(), 1);
    assert_eq!(fx.comments(&r).len(), 1);
}

#[test]
fn a_form_body_with_edited_or_missing_sections_gets_one_comment_and_creates_nothing() {
    let fx = Fixture::new(LOQA);
    let body = form_body("protocol", "high", &["loqa-proto"], "Add auth.", "_No response_")
        .replace("### Description", "### What and why")
        .replace("### Plan\n\n_No response_", "");
    let (r, p) = opened_form_issue(&fx, "[Coordination]: Auth", &body);
    let o = fx.handle("issues", "bad-1", &p);
    assert!(matches!(o, WebhookOutcome::Refused(_)), "{o:?}");
    fx.handle("issues", "bad-1", &p);
    assert!(fx.engine.list_coordinations().unwrap().is_empty());
    let comments = fx.comments(&r);
    assert_eq!(comments.len(), 1, "{comments:?}");
    for needle in ["nothing was created", "`### Description` is missing", "`### Plan` is missing", "`### What and why`"]
    {
        assert!(comments[0].contains(needle), "{needle} in {}", comments[0]);
    }
    // Fixed by an edit: the coordination opens.
    let mut fixed = p.clone();
    fixed["action"] = json!("edited");
    fixed["issue"]["body"] = json!(form_body("protocol", "high", &["loqa-proto"], "Add auth.", "_No response_"));
    assert!(applied(&fx.handle("issues", "bad-2", &fixed)));
    assert_eq!(fx.engine.list_coordinations().unwrap().len(), 1);
}

#[test]
fn an_issue_not_from_the_form_is_ignored() {
    let fx = Fixture::new(LOQA);
    let (r, mut p) = opened_form_issue(&fx, "Crash on start", "It crashes.");
    p["issue"]["labels"] = json!([{ "name": "bug" }]);
    assert!(matches!(fx.handle("issues", "n1", &p), WebhookOutcome::Ignored(_)));
    assert!(fx.comments(&r).is_empty());
}

// ------------------------------------------------------------------------ pushes

fn commit(dir: &Path, files: &[(&str, &str)]) -> String {
    let repo = git2::Repository::open(dir).or_else(|_| git2::Repository::init(dir)).unwrap();
    let mut index = repo.index().unwrap();
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        index.add_path(Path::new(name)).unwrap();
    }
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = git2::Signature::now("tester", "tester@example.com").unwrap();
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, "change", &tree, &parents).unwrap().to_string()
}

const PROTO_V1: &str =
    "syntax = \"proto3\";\npackage loqa.v1;\nmessage AudioChunk {\n  bytes data = 1;\n  string session = 2;\n}\n";
const PROTO_V2: &str = "syntax = \"proto3\";\npackage loqa.v1;\nmessage AudioChunk {\n  bytes data = 1;\n}\n";

/// A push to loqa-proto's default branch deleting a field, and the payload for it.
fn breaking_push(fx: &Fixture) -> Value {
    let dir = fx.dir.path().join("loqa-proto");
    std::fs::create_dir_all(&dir).unwrap();
    let before = commit(&dir, &[("proto/audio.proto", PROTO_V1)]);
    let after = commit(&dir, &[("proto/audio.proto", PROTO_V2)]);
    let mut p = example("push", None);
    let branch = git2::Repository::open(&dir).unwrap().head().unwrap().shorthand().unwrap().to_string();
    p["ref"] = json!(format!("refs/heads/{branch}"));
    p["repository"]["default_branch"] = json!(branch);
    p["repository"]["full_name"] = json!("loqalabs/loqa-proto");
    p["before"] = json!(before);
    p["after"] = json!(after);
    p["commits"] = json!([{ "added": [], "removed": [], "modified": ["proto/audio.proto"] }]);
    p["head_commit"] = json!(null);
    p
}

#[test]
fn a_breaking_push_to_the_default_branch_becomes_a_health_finding_once() {
    let fx = Fixture::new(LOQA);
    let p = breaking_push(&fx);
    let o = fx.handle("push", "push-1", &p);
    assert!(applied(&o), "{o:?}");
    assert!(o.summary().contains("breaking") && o.summary().contains("health finding"), "{}", o.summary());
    let opts = tandem_engine::HealthOptions { stale_days: 7, endpoints: tandem_engine::Endpoints::Skip };
    let report = fx.engine.health(&opts).unwrap();
    assert!(report.findings.iter().any(|f| f.check == "UNCOORDINATED_BREAKING_CHANGE"), "{:#?}", report.findings);
    // Redelivered: not analysed again.
    let o = fx.handle("push", "push-1", &p);
    assert!(matches!(o, WebhookOutcome::Ignored(_)), "{o:?}");
    assert_eq!(fx.store.list_analyses().unwrap().len(), 1);
    assert!(fx.engine.list_coordinations().unwrap().is_empty());

    // A push to another branch, or one touching no contract, is ignored.
    let mut other = p.clone();
    other["ref"] = json!("refs/heads/feature");
    assert!(matches!(fx.handle("push", "push-2", &other), WebhookOutcome::Ignored(_)));
    let mut docs = p.clone();
    docs["commits"] = json!([{ "added": ["README.md"], "removed": [], "modified": [] }]);
    assert!(matches!(fx.handle("push", "push-3", &docs), WebhookOutcome::Ignored(_)));
}

#[test]
fn a_breaking_push_opens_a_coordination_when_the_workspace_says_so() {
    let manifest = LOQA.replace("forge = \"local\"", "forge = \"local\"\nopen_on_breaking_push = true");
    let fx = Fixture::new(&manifest);
    let p = breaking_push(&fx);
    let o = fx.handle("push", "push-open", &p);
    assert!(applied(&o) && o.summary().contains("opened"), "{o:?}");
    assert_eq!(fx.engine.list_coordinations().unwrap().len(), 1);
    fx.handle("push", "push-open", &p);
    assert_eq!(fx.engine.list_coordinations().unwrap().len(), 1);
}
