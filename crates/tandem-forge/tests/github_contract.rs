//! Contract tests: every request the GitHub forge sends, and every answer of the fake GitHub,
//! goes through Prism, which checks both against GitHub's published OpenAPI description
//! (npm `@octokit/openapi`, prepared by scripts/setup.sh). A violation becomes an error answer
//! that fails the forge call, and so the test. One Prism for this file (its start-up takes
//! seconds); each test uses its own owner on the one fake.

use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use tandem_forge::github::fake::{FakeGithub, Limits, Prism, SimClock};
use tandem_forge::github::{client, issues, GithubForge, GithubSettings, Token, WritePace};
use tandem_forge::{conformance, Forge};
use tandem_model::{IssueKind, IssueState, IssueUpdate, RepoName};

const TOKEN: &str = "ghp_contractTOKEN9876543210";
const OWNERS: usize = 16;
const REPOS: [&str; 3] = ["hub", "relay", "loqa"];

struct Shared {
    fake: Arc<FakeGithub>,
    clock: Arc<SimClock>,
    prism: Prism,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let slugs: Vec<String> = (0..OWNERS).flat_map(|o| REPOS.iter().map(move |r| format!("owner{o}/{r}"))).collect();
        let slugs: Vec<&str> = slugs.iter().map(String::as_str).collect();
        let clock = SimClock::new();
        let fake = FakeGithub::new(&slugs, TOKEN, Limits::github(), clock.clone());
        let upstream = fake.serve();
        let prism = Prism::start(&upstream).unwrap_or_else(|e| panic!("{e}"));
        Shared { fake, clock, prism }
    })
}

/// A forge on a fresh owner, through Prism.
fn forge() -> (GithubForge, String) {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let o = NEXT.fetch_add(1, Ordering::SeqCst);
    assert!(o < OWNERS, "more forges than owners");
    let owner = format!("owner{o}");
    let s = shared();
    let settings = GithubSettings {
        api_url: s.prism.url().to_string(),
        token: Some(Token::new(TOKEN)),
        repos: REPOS.iter().map(|r| (RepoName::parse(r).unwrap(), format!("{owner}/{r}"))).collect(),
        pace: WritePace::default(),
    };
    (GithubForge::new(settings, None, s.clock.clone(), Arc::new(|_: &str| {})), owner)
}

fn raw(method: &str, path: &str, body: Option<Value>) -> (u16, String) {
    let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
    let url = format!("{}{path}", shared().prism.url());
    let auth = format!("Bearer {TOKEN}");
    let mut resp = match (method, body) {
        ("POST", Some(b)) => agent
            .post(&url)
            .header("Authorization", &auth)
            .header("Accept", "application/vnd.github+json")
            .content_type("application/json")
            .send(b.to_string())
            .unwrap(),
        _ => agent
            .get(&url)
            .header("Authorization", &auth)
            .header("Accept", "application/vnd.github+json")
            .call()
            .unwrap(),
    };
    let status = resp.status().as_u16();
    (status, resp.body_mut().read_to_string().unwrap_or_default())
}

#[test]
fn the_conformance_suite_through_prism_sends_and_gets_only_what_githubs_description_allows() {
    conformance::run_all(&|| Box::new(forge().0));
}

#[test]
fn prism_refuses_an_issue_without_a_title_and_a_milestone_of_the_wrong_type() {
    let (_f, owner) = forge();
    let (status, body) = raw("POST", &format!("/repos/{owner}/hub/issues"), Some(json!({ "body": "no title" })));
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("title"), "{body}");
    // `milestone` is `nullable` beside `oneOf` in GitHub's description: validated only in the
    // rewritten copy (Prism skips such bodies otherwise).
    let (status, body) =
        raw("POST", &format!("/repos/{owner}/hub/issues"), Some(json!({ "title": "t", "milestone": { "x": 1 } })));
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("milestone"), "{body}");
    let created = shared().fake.issues(&format!("{owner}/hub"));
    assert!(created.is_empty(), "refused requests never reach GitHub: {created:?}");
}

#[test]
fn a_request_to_a_path_outside_the_description_is_an_error() {
    let (status, body) = raw("GET", "/repos/owner0/hub/not-an-endpoint", None);
    assert!(status >= 400, "{status} {body}");
}

#[test]
fn the_whole_issue_life_through_prism_labels_sub_issues_updates_comments_pulls() {
    let (f, owner) = forge();
    let now = chrono::Utc::now();
    let mut parent = conformance::spec("loqa", "life-parent");
    parent.kind = IssueKind::Parent;
    let parent = f.ensure_issue(&parent, now).unwrap();
    let mut child = conformance::spec("hub", "life-child");
    child.parent = Some(parent.reference.clone());
    let child = f.ensure_issue(&child, now).unwrap();
    assert_eq!(shared().fake.sub_issues(&format!("{owner}/loqa"), parent.reference.number).len(), 1);
    // Conditional reads (304 through Prism), a person's change, events, a comment, an update.
    f.get_issue(&child.reference).unwrap();
    f.get_issue(&child.reference).unwrap();
    assert!(f.pull_issue(&child.reference).unwrap().is_none(), "tandem's own version, unchanged: 304");
    shared().fake.person(&format!("{owner}/hub"), child.reference.number, "dana", |p| {
        p.tick("Tests", true);
        p.labels.push("status:in_review".into());
    });
    let pulled = f.pull_issue(&child.reference).unwrap().expect("changed");
    assert_eq!(pulled.actor.as_deref(), Some("dana"));
    assert!(pulled.issue.body.contains("- [x] Tests"));
    f.comment(&child.reference, "tandem: noted", now).unwrap();
    // Pull requests: one from the branch, one closing the child by keyword.
    let hub = format!("{owner}/hub");
    assert_eq!(f.linked_pull(&child.reference, Some("tandem/1-x")).unwrap(), None);
    let by_branch = shared().fake.open_pull(&hub, "tandem/1-x", "Work in progress", "erin");
    let link = f.linked_pull(&child.reference, Some("tandem/1-x")).unwrap().expect("linked by its head");
    assert_eq!((link.number, link.state.as_str()), (by_branch, "open"));
    let closing = shared().fake.open_pull(&hub, "fix-it", &format!("Closes {hub}#{}", child.reference.number), "erin");
    shared().fake.merge_pull(&hub, closing);
    let link = f.linked_pull(&child.reference, None).unwrap().expect("linked by its body");
    assert_eq!((link.number, link.state.as_str(), link.author.as_deref()), (closing, "merged", Some("erin")));
    let update = IssueUpdate {
        state: Some(IssueState::Closed),
        labels: Some(vec!["coordination".into(), "status:done".into()]),
        ..Default::default()
    };
    let closed = f.update_issue(&child.reference, &update, now).unwrap();
    assert_eq!(closed.state, IssueState::Closed);
    assert_eq!(f.list_issues(None).unwrap().len(), 2);
}

#[test]
fn an_answer_that_breaks_githubs_description_fails_the_call() {
    let (f, owner) = forge();
    let issue = f.ensure_issue(&conformance::spec("hub", "broken"), chrono::Utc::now()).unwrap();
    shared().fake.break_answers_for(&owner);
    let e = f.get_issue(&issue.reference).unwrap_err().to_string();
    assert!(e.contains("500") || e.contains("number"), "Prism reports the answer's violation: {e}");
}

/// @octokit/fixtures: GitHub's recorded answers, read by the same code that reads the fake's.
#[test]
fn recorded_github_answers_are_read_like_the_fakes() {
    let dir = Prism::tools_dir().join("github-npm/node_modules/@octokit/fixtures/scenarios/api.github.com");
    let text = std::fs::read_to_string(dir.join("paginate-issues/normalized-fixture.json"))
        .unwrap_or_else(|e| panic!("{e}: run `bash scripts/setup.sh` first"));
    let calls: Vec<Value> = serde_json::from_str(&text).unwrap();
    // Pagination: each recorded page's `link: rel="next"` names the next recorded request.
    for pair in calls.windows(2) {
        let link = pair[0]["headers"]["link"].as_str().expect("a link header");
        let next = client::next_link(link).expect("a next page");
        assert!(next.ends_with(pair[1]["path"].as_str().unwrap()), "{next} vs {}", pair[1]["path"]);
    }
    assert!(client::next_link(calls.last().unwrap()["headers"]["link"].as_str().unwrap_or("")).is_none());
    // A recorded issue: not tandem's (no metadata) until it carries tandem's metadata.
    let recorded = calls[0]["response"][0].clone();
    let repo = RepoName::parse("paginate-issues").unwrap();
    assert!(issues::from_json(&repo, &recorded).is_none());
    let mut mine = recorded.clone();
    let meta = issues::Meta { marker: "m".into(), kind: IssueKind::Child, coordination: Some(1), parent: None };
    mine["body"] = json!(issues::compose(&meta, "- [ ] a\n"));
    let issue = issues::from_json(&repo, &mine).unwrap();
    assert_eq!(issue.reference.number, recorded["number"].as_u64().unwrap());
    assert_eq!(issue.title, recorded["title"].as_str().unwrap());
    assert_eq!(issue.body, "- [ ] a\n");
    // Recorded labels answers (a list and a creation) give their names.
    let text = std::fs::read_to_string(dir.join("labels/normalized-fixture.json")).unwrap();
    let calls: Vec<Value> = serde_json::from_str(&text).unwrap();
    let created = calls.iter().find(|c| c["method"] == "post").unwrap();
    assert_eq!(issues::labels_of(&json!({ "labels": [created["response"].clone()] })), ["test-label"]);
}
