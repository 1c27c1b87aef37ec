//! The GitHub forge against the fake GitHub: the forge conformance suite, idempotent creation
//! when answers are lost, people's text outside tandem's section, and GitHub's limits.

use std::sync::{Arc, Mutex};
use tandem_forge::github::fake::{FakeGithub, Limits, SimClock};
use tandem_forge::github::{GithubForge, GithubSettings, Token, WritePace};
use tandem_forge::{conformance, Forge, ForgeError};
use tandem_model::{IssueKind, IssueRef, IssueUpdate, RepoName};

const TOKEN: &str = "ghp_forgetestTOKEN0123456789";
const SLUGS: [&str; 3] = ["acme/hub", "acme/relay", "acme/loqa"];

struct Setup {
    fake: Arc<FakeGithub>,
    clock: Arc<SimClock>,
    notices: Arc<Mutex<Vec<String>>>,
    forge: GithubForge,
}

fn setup(limits: Limits, pace: WritePace, token: Option<&str>) -> Setup {
    let clock = SimClock::new();
    let fake = FakeGithub::new(&SLUGS, TOKEN, limits, clock.clone());
    let api = fake.serve();
    let notices = Arc::new(Mutex::new(Vec::new()));
    let n = notices.clone();
    let settings = GithubSettings {
        api_url: api,
        token: token.map(Token::new),
        repos: SLUGS.iter().map(|s| (RepoName::parse(s.split('/').nth(1).unwrap()).unwrap(), s.to_string())).collect(),
        pace,
    };
    let forge =
        GithubForge::new(settings, None, clock.clone(), Arc::new(move |m: &str| n.lock().unwrap().push(m.into())));
    Setup { fake, clock, notices, forge }
}

fn plain() -> Setup {
    setup(Limits::off(), WritePace::unlimited(), Some(TOKEN))
}

#[test]
fn the_github_forge_passes_the_forge_conformance_suite() {
    // Each check gets a fresh fake (and forge); the setups are kept alive until the end.
    let keep: Mutex<Vec<Arc<FakeGithub>>> = Mutex::new(Vec::new());
    conformance::run_all(&|| {
        let s = plain();
        keep.lock().unwrap().push(s.fake.clone());
        Box::new(s.forge)
    });
}

#[test]
fn a_creation_whose_answer_was_lost_is_found_by_its_marker_not_opened_again() {
    let s = plain();
    s.fake.lose_answers_from("acme", Some(1));
    let spec = conformance::spec("hub", "m-lost");
    let issue = s.forge.ensure_issue(&spec, chrono::Utc::now()).unwrap();
    assert_eq!(issue.marker, "m-lost");
    assert_eq!(s.fake.issues("acme/hub").len(), 1, "exactly one issue despite the lost answer");
    // A second forge (a re-run after a kill) finds it too.
    s.fake.lose_answers_from("acme", None);
    let again = plain_forge_on(&s).ensure_issue(&spec, chrono::Utc::now()).unwrap();
    assert_eq!(again.reference, issue.reference);
    assert_eq!(s.fake.issues("acme/hub").len(), 1);
}

fn plain_forge_on(s: &Setup) -> GithubForge {
    // A new forge (a new process) on the same fake.
    let settings = GithubSettings {
        api_url: s.forge.client().api().to_string(),
        token: Some(Token::new(TOKEN)),
        repos: SLUGS.iter().map(|x| (RepoName::parse(x.split('/').nth(1).unwrap()).unwrap(), x.to_string())).collect(),
        pace: WritePace::unlimited(),
    };
    GithubForge::new(settings, None, s.clock.clone(), Arc::new(|_: &str| {}))
}

#[test]
fn text_a_person_wrote_outside_tandems_section_survives_an_update() {
    let s = plain();
    let issue = s.forge.ensure_issue(&conformance::spec("hub", "m-text"), chrono::Utc::now()).unwrap();
    s.fake.person("acme/hub", issue.reference.number, "alice", |e| {
        e.body = format!("Alice's notes on top\n{}\nAnd a footer by Alice\n", e.body);
    });
    let update = IssueUpdate {
        body: Some("## Implementation\n- [x] Update server\n- [ ] Tests\n".into()),
        ..Default::default()
    };
    let after = s.forge.update_issue(&issue.reference, &update, chrono::Utc::now()).unwrap();
    assert_eq!(after.body, "## Implementation\n- [x] Update server\n- [ ] Tests\n");
    let raw = s.fake.issue("acme/hub", issue.reference.number).unwrap();
    let body = raw["body"].as_str().unwrap();
    assert!(body.starts_with("Alice's notes on top\n"), "{body}");
    assert!(body.contains("And a footer by Alice"), "{body}");
}

#[test]
fn children_are_sub_issues_of_their_parent_and_labels_are_created() {
    let s = plain();
    let mut parent = conformance::spec("loqa", "m-parent");
    parent.kind = IssueKind::Parent;
    let parent = s.forge.ensure_issue(&parent, chrono::Utc::now()).unwrap();
    for (repo, m) in [("hub", "c1"), ("relay", "c2")] {
        let mut c = conformance::spec(repo, m);
        c.parent = Some(parent.reference.clone());
        s.forge.ensure_issue(&c, chrono::Utc::now()).unwrap();
        s.forge.ensure_issue(&c, chrono::Utc::now()).unwrap();
    }
    assert_eq!(s.fake.sub_issues("acme/loqa", parent.reference.number), ["acme/hub#1", "acme/relay#1"]);
    assert_eq!(s.fake.labels("acme/relay"), ["coordination", "status:pending"]);
    assert!(
        s.fake.log().iter().any(|l| l.starts_with("POST /repos/acme/relay/labels")),
        "labels are created explicitly"
    );
}

#[test]
fn an_unchanged_issue_is_read_with_a_free_conditional_request() {
    let s = plain();
    let issue = s.forge.ensure_issue(&conformance::spec("hub", "m-etag"), chrono::Utc::now()).unwrap();
    s.forge.get_issue(&issue.reference).unwrap();
    let before = s.fake.counts();
    for _ in 0..5 {
        s.forge.get_issue(&issue.reference).unwrap();
    }
    let after = s.fake.counts();
    assert_eq!(after.points, before.points, "304 answers cost no rate-limit points");
    assert_eq!(after.not_modified - before.not_modified, 5);
    // tandem wrote this version itself: a pull has nothing to report, and costs nothing.
    assert!(s.forge.pull_issue(&issue.reference).unwrap().is_none());
    assert_eq!(s.fake.counts().points, after.points);
    s.fake.person("acme/hub", issue.reference.number, "bob", |e| e.state = "closed".into());
    let pulled = s.forge.pull_issue(&issue.reference).unwrap().expect("a change");
    assert_eq!(pulled.actor.as_deref(), Some("bob"));
}

#[test]
fn a_missing_or_rejected_token_is_a_clear_error_that_never_shows_the_token() {
    let s = setup(Limits::off(), WritePace::unlimited(), None);
    let e = s.forge.get_issue(&IssueRef { repo: RepoName::parse("hub").unwrap(), number: 1 }).unwrap_err();
    assert!(matches!(e, ForgeError::Auth(_)));
    assert!(e.to_string().contains("GITHUB_TOKEN") && e.to_string().contains("repo"), "{e}");
    let wrong = "ghp_wrongTOKENabcdef";
    let s = setup(Limits::off(), WritePace::unlimited(), Some(wrong));
    let e = s.forge.ensure_issue(&conformance::spec("hub", "m"), chrono::Utc::now()).unwrap_err();
    let text = format!("{e} {e:?} {:?}", s.forge);
    assert!(text.contains("rejected the token") && text.contains("Issues: read and write"), "{text}");
    assert!(!text.contains(wrong) && !text.contains(TOKEN), "{text}");
}

#[test]
fn writes_are_paced_below_the_secondary_limits_on_a_simulated_clock() {
    let s = setup(Limits::github(), WritePace::default(), Some(TOKEN));
    let start = tandem_forge::github::Pacer::now(s.clock.as_ref());
    for k in 0..120 {
        s.forge.ensure_issue(&conformance::spec("hub", &format!("m-{k}")), chrono::Utc::now()).unwrap();
    }
    let c = s.fake.counts();
    assert_eq!(c.secondary_limited, 0, "pacing keeps below 80 writes a minute");
    assert_eq!(c.issues_created, 120);
    let took = tandem_forge::github::Pacer::now(s.clock.as_ref()) - start;
    assert!(took >= chrono::Duration::minutes(1), "122 writes cannot fit in one minute: {took}");
}

#[test]
fn an_exhausted_primary_limit_waits_for_the_reset_and_says_so() {
    let s = setup(Limits { primary: Some(10), secondary: None }, WritePace::unlimited(), Some(TOKEN));
    for k in 0..8 {
        s.forge.ensure_issue(&conformance::spec("hub", &format!("p-{k}")), chrono::Utc::now()).unwrap();
    }
    assert!(s.fake.counts().primary_limited <= 1);
    assert_eq!(s.fake.issues("acme/hub").len(), 8);
    let notices = s.notices.lock().unwrap().join("\n");
    assert!(notices.contains("primary rate limit"), "{notices}");
}

#[test]
fn a_secondary_limit_answer_is_honoured_with_retry_after() {
    // No client pacing: the fake's secondary limit answers, the client waits `retry-after`.
    let s = setup(Limits { primary: None, secondary: Some((5, 500)) }, WritePace::unlimited(), Some(TOKEN));
    for k in 0..12 {
        s.forge.ensure_issue(&conformance::spec("hub", &format!("s-{k}")), chrono::Utc::now()).unwrap();
    }
    assert_eq!(s.fake.issues("acme/hub").len(), 12, "no duplicate after a refused creation");
    assert!(s.fake.counts().secondary_limited > 0);
    let notices = s.notices.lock().unwrap().join("\n");
    assert!(notices.contains("secondary rate limit"), "{notices}");
}
