//! `tandem github init` and `tandem github event` through the real binary.

mod support;

use serde_json::{json, Value};
use support::{loqa, ok, run};

#[test]
fn github_init_writes_the_forms_and_workflows_and_keeps_edits_unless_forced() {
    let dir = loqa();
    let d = dir.path();
    let out = ok(d, &["github", "init", "repo"]);
    assert_eq!(out.lines().filter(|l| l.starts_with("written")).count(), 5, "{out}");
    for f in [
        ".github/ISSUE_TEMPLATE/cross-repo-coordination.yml",
        ".github/ISSUE_TEMPLATE/protocol-change.yml",
        ".github/workflows/tandem-impact.yml",
        ".github/workflows/tandem-sync.yml",
        ".github/workflows/tandem-health.yml",
    ] {
        assert!(d.join("repo").join(f).is_file(), "{f}");
    }
    let out = ok(d, &["github", "init", "repo"]);
    assert_eq!(out.lines().filter(|l| l.starts_with("unchanged")).count(), 5, "{out}");

    let (code, _, err) = run(d, &["github", "init", "repo", "--install", "make install-tandem"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("tandem-impact.yml") && err.contains("--force"), "{err}");
    ok(d, &["github", "init", "repo", "--install", "make install-tandem", "--force"]);
    let sync = std::fs::read_to_string(d.join("repo/.github/workflows/tandem-sync.yml")).unwrap();
    assert!(sync.contains("run: \"make install-tandem\""), "{sync}");
}

#[test]
fn github_event_applies_a_payload_file_once_and_exits_1_when_refused() {
    let dir = loqa();
    let d = dir.path();
    let out =
        ok(d, &["coord", "create", "--title", "Auth", "--type", "protocol", "--from-repo", "loqa-proto", "--json"]);
    let created: Value = serde_json::from_str(&out).unwrap();
    let id = created["coordination"]["id"].to_string();
    ok(d, &["coord", "status", &id, "in_progress"]);
    let issue = &created["coordination"]["children"][0]["issue"];
    let repo = issue["repo"].as_str().unwrap().to_string();
    let number = issue["number"].as_u64().unwrap();
    let payload = |association: &str, body: &str| {
        json!({
            "action": "created",
            "repository": { "full_name": format!("loqalabs/{repo}") },
            "issue": { "number": number },
            "comment": { "body": body, "author_association": association, "user": { "login": "octocat", "type": "User" } },
            "sender": { "login": "octocat", "type": "User" }
        })
    };
    std::fs::write(d.join("start.json"), payload("MEMBER", "/tandem status in_progress").to_string()).unwrap();
    let out = ok(d, &["github", "event", "issue_comment", "start.json", "--delivery", "d1"]);
    assert!(out.starts_with("applied:"), "{out}");
    let out = ok(d, &["github", "event", "issue_comment", "start.json", "--delivery", "d1"]);
    assert!(out.starts_with("ignored:"), "the same delivery again changes nothing: {out}");
    let shown = ok(d, &["coord", "show", &id, "--json"]);
    assert!(shown.contains("in_progress"));

    std::fs::write(d.join("outsider.json"), payload("NONE", "/tandem status in_review").to_string()).unwrap();
    let (code, out, _) = run(d, &["github", "event", "issue_comment", "outsider.json", "--delivery", "d2"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("refused:"), "{out}");

    std::fs::write(d.join("bad.json"), "{ not json").unwrap();
    let (code, _, err) = run(d, &["github", "event", "issues", "bad.json", "--delivery", "d3"]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.json is not JSON"), "{err}");
}
