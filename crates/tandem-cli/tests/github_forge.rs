//! The real `tandem` binary as a new user runs it: on GitHub (the fake GitHub behind Prism,
//! which checks every request and answer against GitHub's published description) — a fan-out
//! killed half way and run again, a person's ticks and closes, `tandem sync`, token errors, and
//! nothing printed ever holding the token — and coordinated branches across the checkouts
//! `tandem demo` builds.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tandem_forge::github::fake::{FakeGithub, Limits, Prism, SimClock};

const TOKEN: &str = "ghp_cliSECRETtoken0123456789abcdef";
const OWNER: &str = "loqalabs";
const LOQA_REPOS: [&str; 8] = [
    "loqa-proto",
    "loqa-hub",
    "loqa-relay",
    "loqa-skills",
    "loqa-commander",
    "loqa",
    "www-loqalabs-com",
    "loqalabs-github-config",
];

/// Everything the tests printed, to grep for the token at the end.
static PRINTED: Mutex<String> = Mutex::new(String::new());

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("tandem"));
    cmd.current_dir(dir).env_remove("GITHUB_TOKEN").env_remove("GH_TOKEN").env("TANDEM_ACTOR", "maya");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.args(args).output().unwrap();
    let (o, e) = (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned());
    PRINTED.lock().unwrap().push_str(&format!("{o}\n{e}\n"));
    (out.status.code().unwrap_or(-1), o, e)
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let (code, out, err) = run(dir, args, &[("GITHUB_TOKEN", TOKEN)]);
    assert_eq!(code, 0, "tandem {args:?}:\n{out}\n{err}");
    out
}

/// The Loqa example on GitHub: `forge = "github"`, `api_url` the Prism in front of the fake.
fn workspace(dir: &Path, api: &str) {
    let loqa = include_str!("../../tandem-engine/src/examples/loqa.toml");
    let mut out = String::new();
    for line in loqa.lines() {
        if line.trim() == "forge = \"local\"" {
            out.push_str(&format!("forge = \"github\"\napi_url = \"{api}\"\n"));
            continue;
        }
        out.push_str(line);
        out.push('\n');
        if let Some(name) = line.strip_prefix("name = \"").and_then(|r| r.strip_suffix('"')) {
            if out.contains("[[repo]]") {
                out.push_str(&format!("github = \"{OWNER}/{name}\"\n"));
            }
        }
    }
    std::fs::write(dir.join("tandem.toml"), out).unwrap();
}

fn issue_count(fake: &FakeGithub) -> usize {
    LOQA_REPOS.iter().map(|r| fake.issues(&format!("{OWNER}/{r}")).len()).sum()
}

const CREATE: [&str; 8] = [
    "coord",
    "create",
    "--title",
    "Add authentication metadata to AudioStream",
    "--type",
    "protocol",
    "--from-repo",
    "loqa-proto",
];

#[test]
fn on_github_a_killed_fan_out_resumes_people_tick_and_close_sync_applies_and_the_token_never_shows() {
    let slugs: Vec<String> = LOQA_REPOS.iter().map(|r| format!("{OWNER}/{r}")).collect();
    let slugs: Vec<&str> = slugs.iter().map(String::as_str).collect();
    let fake: Arc<FakeGithub> = FakeGithub::new(&slugs, TOKEN, Limits::off(), SimClock::new());
    let prism = Prism::start(&fake.serve()).unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap();
    workspace(dir.path(), prism.url());

    // No token: a clear error naming where it comes from and what it needs, exit 2.
    let (code, out, err) = run(dir.path(), &CREATE, &[]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(
        err.contains("GITHUB_TOKEN") && err.contains("GH_TOKEN") && err.contains("Issues: read and write"),
        "{err}"
    );
    // A rejected token: said so, and the token is not repeated.
    let (code, _, err) = run(dir.path(), &["issues", "list"], &[("GH_TOKEN", "ghp_wrongWRONGwrong")]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("rejected the token"), "{err}");
    assert!(!err.contains("ghp_wrongWRONGwrong"), "{err}");

    // A fan-out killed half way: GitHub answers slowly, the process is killed after 3 issues.
    fake.set_delay(Duration::from_millis(150));
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("tandem"))
        .current_dir(dir.path())
        .env("GITHUB_TOKEN", TOKEN)
        .env("TANDEM_ACTOR", "maya")
        .args(CREATE)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while issue_count(&fake) < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let half = issue_count(&fake);
    assert!(half >= 3, "killed after {half} issues");
    fake.set_delay(Duration::ZERO);
    // Run again: finds what exists by marker, opens the rest, never a duplicate.
    let out = ok(dir.path(), &CREATE);
    assert!(out.contains("#1"), "{out}");
    let show: serde_json::Value = serde_json::from_str(&ok(dir.path(), &["coord", "show", "1", "--json"])).unwrap();
    let children = show["coordination"]["children"].as_array().unwrap().len();
    assert!(half < children + 2, "the first run was killed before it finished ({half} issues)");
    assert_eq!(issue_count(&fake), children + 2, "the parent, each child, integration testing: once each");
    for r in LOQA_REPOS {
        let titles: Vec<String> =
            fake.issues(&format!("{OWNER}/{r}")).iter().map(|i| i["title"].as_str().unwrap().to_string()).collect();
        let mut unique = titles.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), titles.len(), "{r}: {titles:?}");
        let unique = titles.clone();
        assert_eq!(titles, unique, "{r}");
    }

    // A person works on GitHub: Alice ticks and closes loqa-proto's issue.
    ok(dir.path(), &["coord", "status", "1", "in_progress"]);
    let proto = fake.issues(&format!("{OWNER}/loqa-proto"));
    let number = proto[0]["number"].as_u64().unwrap();
    fake.person(&format!("{OWNER}/loqa-proto"), number, "alice", |p| {
        p.tick("Update the contract definitions", true);
        p.body.push_str("\nAlice: done, see the release notes.\n");
        p.state = "closed".into();
    });
    let out = ok(dir.path(), &["sync", "1"]);
    assert!(out.contains("@alice"), "{out}");
    assert!(out.contains("loqa-proto: ready -> done") || out.contains("loqa-proto:"), "{out}");
    let show: serde_json::Value = serde_json::from_str(&ok(dir.path(), &["coord", "show", "1", "--json"])).unwrap();
    let text = show.to_string();
    assert!(text.contains("\"done\""), "{text}");
    let body = fake.issue(&format!("{OWNER}/loqa-proto"), number).unwrap()["body"].as_str().unwrap().to_string();
    assert!(body.contains("Alice: done, see the release notes."), "{body}");
    // Nothing changed since: a cheap, empty sync.
    let out = ok(dir.path(), &["sync", "--all"]);
    assert!(out.contains("nothing changed"), "{out}");

    drop(prism);
    let printed = PRINTED.lock().unwrap().clone();
    assert!(!printed.contains(TOKEN), "the token was printed");
    assert!(!printed.contains("cliSECRET"), "part of the token was printed");
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git").current_dir(dir).args(args).output().unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn branches_are_created_in_every_affected_demo_checkout_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(dir.path(), &["demo", "--dir", "demo", "--now", "2026-03-03T22:00:00Z"], &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    let ws = dir.path().join("demo");
    let out =
        ok(&ws, &["coord", "create", "--title", "Rotate keys", "--type", "feature", "--repos", "loqa-hub,loqa-relay"]);
    assert!(out.contains("#2"), "{out}");
    let out = ok(&ws, &["branches", "create", "2"]);
    assert!(out.contains("tandem/2-rotate-keys"), "{out}");
    for repo in ["loqa-hub", "loqa-relay"] {
        let branches = git(&ws.join(repo), &["branch", "--list"]);
        assert!(branches.contains("tandem/2-rotate-keys"), "{repo}: {branches}");
    }
    assert!(!git(&ws.join("loqa-proto"), &["branch", "--list"]).contains("tandem/2-"), "only the affected repos");
    // Idempotent: run again, nothing moves.
    let out = ok(&ws, &["branches", "create", "2"]);
    assert!(out.contains("exists"), "{out}");
    // A commit on one branch: ahead by one, not pushed.
    let hub = ws.join("loqa-hub");
    git(&hub, &["checkout", "-q", "tandem/2-rotate-keys"]);
    std::fs::write(hub.join("KEYS.md"), "rotate\n").unwrap();
    git(&hub, &["add", "KEYS.md"]);
    git(&hub, &["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "keys"]);
    let status: serde_json::Value = serde_json::from_str(&ok(&ws, &["branches", "status", "2", "--json"])).unwrap();
    let hub_row = status.as_array().unwrap().iter().find(|r| r["repo"] == "loqa-hub").unwrap();
    assert_eq!(hub_row["present"], true);
    assert_eq!(hub_row["ahead"], 1);
    assert_eq!(hub_row["pushed"], "not pushed");
    let out = ok(&ws, &["branches", "status", "2"]);
    assert!(out.contains("loqa-hub") && out.contains("+1 -0"), "{out}");
    // A dirty checkout refuses a new coordination's branches, creating none.
    std::fs::write(ws.join("loqa-relay").join("README.md"), "changed\n").unwrap();
    ok(&ws, &["coord", "create", "--title", "Other", "--type", "feature", "--repos", "loqa-hub,loqa-relay"]);
    let (code, out, err) = run(&ws, &["branches", "create", "3"], &[]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains("loqa-relay") && err.contains("uncommitted changes"), "{err}");
    assert!(!git(&ws.join("loqa-hub"), &["branch", "--list"]).contains("tandem/3-"), "nothing created");
}
