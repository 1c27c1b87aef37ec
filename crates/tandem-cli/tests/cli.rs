//! The real `tandem` binary on temporary directories.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

/// The one place that drives the binary: runs `tandem ARGS` in `dir`, returns (exit code, stdout, stderr).
fn check(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("tandem")
        .unwrap()
        .current_dir(dir)
        .env_remove("TANDEM_WORKSPACE")
        .env_remove("TANDEM_DATABASE")
        .env("TANDEM_ACTOR", "tester")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let (code, out, err) = check(dir, args);
    assert_eq!(code, 0, "tandem {args:?} failed:\n{out}\n{err}");
    out
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.push("--json");
    let out = ok(dir, &a);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

fn loqa() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &["init", "--example", "loqa"]);
    dir
}

fn write_manifest(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tandem.toml"), text).unwrap();
    dir
}

#[test]
fn init_writes_a_starter_that_loads_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(dir.path(), &["init"]);
    assert!(out.contains("tandem.toml"));
    let text = std::fs::read_to_string(dir.path().join("tandem.toml")).unwrap();
    assert!(text.lines().filter(|l| l.starts_with('#')).count() > 10, "the starter is commented");
    let g = json(dir.path(), &["graph"]);
    assert!(g["repos"].as_array().unwrap().len() >= 3);
    let (code, _, err) = check(dir.path(), &["init"]);
    assert_eq!(code, 2);
    assert!(err.contains("already exists") && err.contains("--force"), "{err}");
    ok(dir.path(), &["init", "--force", "--example", "loqa"]);
    let (code, _, err) = check(dir.path(), &["init", "--force", "--example", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("loqa"), "{err}");
}

#[test]
fn the_loqa_graph_has_the_guides_waves_and_every_format() {
    let dir = loqa();
    let g = json(dir.path(), &["graph", "--format", "json"]);
    let waves: Vec<Vec<String>> = serde_json::from_value(g["waves"].clone()).unwrap();
    assert_eq!(waves[0], ["loqa-proto", "loqalabs-github-config", "www-loqalabs-com"]);
    assert_eq!(waves[1], ["loqa-hub"]);
    assert_eq!(waves[2], ["loqa-commander", "loqa-relay", "loqa-skills"]);
    assert_eq!(waves[3], ["loqa"]);
    let dot = ok(dir.path(), &["graph", "--format", "dot"]);
    assert!(dot.starts_with("digraph") && dot.contains("\"loqa-hub\" -> \"loqa-proto\" [label=\"grpc\"]"), "{dot}");
    let mermaid = ok(dir.path(), &["graph", "--format", "mermaid"]);
    assert!(mermaid.starts_with("flowchart LR") && mermaid.contains("loqa_hub -->|http| loqa_commander"), "{mermaid}");
    let table = ok(dir.path(), &["graph"]);
    assert!(table.contains("WAVE") && table.contains("loqa-relay"));
    let consumers: Vec<String> = serde_json::from_value(json(dir.path(), &["consumers", "loqa-proto"])).unwrap();
    assert_eq!(consumers.len(), 5);
    assert!(!consumers.contains(&"www-loqalabs-com".to_string()));
}

#[test]
fn a_cycle_is_refused_with_the_cycle_printed() {
    let dir = write_manifest(
        "[[repo]]\nname = \"a\"\nrole = \"service\"\ndepends_on = [{ repo = \"b\", via = \"grpc\" }]\n\n[[repo]]\nname = \"b\"\nrole = \"service\"\ndepends_on = [{ repo = \"a\", via = \"http\" }]\n",
    );
    let (code, _, err) = check(dir.path(), &["graph"]);
    assert_eq!(code, 2);
    assert!(err.contains("a -> b -> a") || err.contains("b -> a -> b"), "{err}");
    assert!(err.contains("tandem.toml:"), "{err}");
}

#[test]
fn an_unknown_dependency_names_the_place_and_the_known_repos() {
    let dir = write_manifest("[[repo]]\nname = \"hub\"\nrole = \"service\"\ndepends_on = [{ repo = \"prot\", via = \"grpc\" }]\n\n[[repo]]\nname = \"proto\"\nrole = \"protocol\"\n");
    let (code, _, err) = check(dir.path(), &["graph"]);
    assert_eq!(code, 2);
    assert!(err.contains("tandem.toml:4:24"), "{err}");
    assert!(err.contains("unknown repository 'prot'") && err.contains("hub, proto"), "{err}");
}

#[test]
fn bad_toml_and_unknown_keys_are_refused_with_line_and_column() {
    let dir = write_manifest("[[repo]]\nname = \"hub\"\nrole = \"service\"\nwieght = 3\n");
    let (code, _, err) = check(dir.path(), &["graph"]);
    assert_eq!(code, 2);
    assert!(err.contains("tandem.toml:4:1") && err.contains("unknown field `wieght`"), "{err}");
    assert!(err.contains("expected"), "{err}");
    let dir = write_manifest("[[repo]\nname = \"hub\"\n");
    let (code, _, err) = check(dir.path(), &["graph"]);
    assert_eq!(code, 2);
    assert!(err.contains("tandem.toml:1:"), "{err}");
}

#[test]
fn a_missing_manifest_says_how_to_make_one() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = check(dir.path(), &["coord", "list"]);
    assert_eq!(code, 2);
    assert!(err.contains("tandem init"), "{err}");
}

#[test]
fn a_coordination_lives_its_life_through_the_cli() {
    let dir = loqa();
    let d = dir.path();
    let created = json(
        d,
        &[
            "coord",
            "create",
            "--title",
            "Add auth metadata",
            "--type",
            "protocol",
            "--from-repo",
            "loqa-proto",
            "--priority",
            "high",
            "--key",
            "k1",
        ],
    );
    assert_eq!(created["created"], true);
    let id = created["coordination"]["id"].as_i64().unwrap();
    let id_s = id.to_string();
    assert_eq!(created["coordination"]["children"].as_array().unwrap().len(), 6);
    // idempotent
    let again = json(
        d,
        &[
            "coord",
            "create",
            "--title",
            "Add auth metadata",
            "--type",
            "protocol",
            "--from-repo",
            "loqa-proto",
            "--key",
            "k1",
        ],
    );
    assert_eq!(again["created"], false);
    assert_eq!(again["coordination"]["id"].as_i64(), Some(id));
    assert_eq!(json(d, &["coord", "list"]).as_array().unwrap().len(), 1);

    // an illegal transition is refused with exit 1 and a reason
    let (code, _, err) = check(d, &["coord", "status", &id_s, "deploying"]);
    assert_eq!(code, 1);
    assert!(err.contains("still planning"), "{err}");
    let (code, out, _) = check(d, &["coord", "status", &id_s, "deploying", "--json"]);
    assert_eq!(code, 1);
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["error"]["kind"], "refused");

    let ch = json(d, &["coord", "status", &id_s, "in_progress"]);
    assert_eq!(ch["status"], "in_progress");
    let p = json(d, &["coord", "progress", &id_s]);
    let children = p["progress"]["children"].as_array().unwrap();
    assert_eq!(children[0]["status"], "ready");
    assert_eq!(children[1]["status"], "pending");
    assert_eq!(children[1]["waiting_on"][0], "loqa-proto");

    let (code, _, err) = check(d, &["coord", "child", &id_s, "loqa-hub", "ready"]);
    assert_eq!(code, 1);
    assert!(err.contains("waits on loqa-proto"), "{err}");

    for s in ["in_progress", "in_review", "done"] {
        ok(d, &["coord", "child", &id_s, "loqa-proto", s]);
    }
    let p = json(d, &["coord", "progress", &id_s]);
    assert_eq!(p["progress"]["children"][1]["status"], "ready");

    ok(d, &["coord", "check", &id_s, "loqa-hub", "1"]);
    let (code, _, err) = check(d, &["coord", "check", &id_s, "loqa-hub", "99"]);
    assert_eq!(code, 2, "an item that is not on the checklist is bad input");
    assert!(err.contains("no checklist item 99"), "{err}");
    let (code, _, err) = check(d, &["coord", "child", &id_s, "loqa-hub", "blocked"]);
    assert_eq!(code, 1);
    assert!(err.contains("--reason"), "{err}");
    ok(d, &["coord", "child", &id_s, "loqa-hub", "blocked", "--reason", "waiting on infra"]);
    let p = json(d, &["coord", "progress", &id_s]);
    assert_eq!(p["progress"]["effective_status"], "blocked");
    assert_eq!(p["progress"]["blockers"][0]["reason"], "waiting on infra");
    ok(d, &["coord", "child", &id_s, "loqa-hub", "ready"]);

    let (code, _, err) = check(d, &["coord", "status", &id_s, "cancelled"]);
    assert_eq!(code, 1);
    assert!(err.contains("--force"), "{err}");

    let plan = json(d, &["plan", "deploy", &id_s]);
    let waves: Vec<Vec<String>> = serde_json::from_value(plan["waves"].clone()).unwrap();
    assert_eq!(
        waves,
        vec![vec!["loqa-proto"], vec!["loqa-hub"], vec!["loqa-commander", "loqa-relay", "loqa-skills"], vec!["loqa"]]
    );
    let rb = json(d, &["plan", "rollback", &id_s]);
    let steps = rb["steps"].as_array().unwrap();
    assert_eq!(steps[0]["action"], "stop_traffic");
    assert_eq!(steps[1]["repo"], "loqa");
    assert_eq!(steps[steps.len() - 2]["repo"], "loqa-proto");

    let show = json(d, &["coord", "show", &id_s]);
    assert!(show["history"].as_array().unwrap().len() > 10);
    let text = ok(d, &["coord", "show", &id_s]);
    assert!(text.contains("critical path") && text.contains("loqa-hub"), "{text}");

    let issues = json(d, &["issues", "list", "--repo", "loqa"]);
    assert_eq!(issues.as_array().unwrap().len(), 3, "parent, child and integration issue live in loqa");
    let proto = json(d, &["issues", "show", "loqa-proto#1"]);
    assert_eq!(proto["state"], "closed");
    assert_eq!(proto["parent"]["repo"], "loqa");
    let (code, _, err) = check(d, &["issues", "show", "loqa-proto#9"]);
    assert_eq!(code, 2);
    assert!(err.contains("no issue loqa-proto#9"), "{err}");
    let (code, _, _) = check(d, &["coord", "show", "99"]);
    assert_eq!(code, 2);
}

#[test]
fn bad_arguments_name_the_valid_choices() {
    let dir = loqa();
    let (code, _, err) =
        check(dir.path(), &["coord", "create", "--title", "x", "--type", "protocl", "--repos", "loqa"]);
    assert_eq!(code, 2);
    assert!(err.contains("protocol, breaking, feature"), "{err}");
    let (code, _, err) =
        check(dir.path(), &["coord", "create", "--title", "x", "--type", "feature", "--repos", "loqa,nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown repository 'nope'") && err.contains("loqa-hub"), "{err}");
    let (code, _, err) = check(dir.path(), &["coord", "status", "1", "finished"]);
    assert_eq!(code, 2);
    assert!(err.contains("in_progress"), "{err}");
}

#[test]
fn a_database_from_a_newer_tandem_is_refused() {
    let dir = loqa();
    ok(dir.path(), &["coord", "list"]);
    let db = dir.path().join(".tandem/tandem.db");
    let conn = rusqlite_version_bump(&db);
    assert!(conn);
    let (code, _, err) = check(dir.path(), &["coord", "list"]);
    assert_eq!(code, 2);
    assert!(err.contains("newer tandem"), "{err}");
}

/// Sets the SQLite user_version past what this build knows, with the sqlite3-free trick of
/// patching the header (offset 60, big-endian u32).
fn rusqlite_version_bump(db: &Path) -> bool {
    let mut bytes = std::fs::read(db).unwrap();
    bytes[60..64].copy_from_slice(&999u32.to_be_bytes());
    std::fs::write(db, bytes).is_ok()
}

#[test]
fn database_urls_are_honoured() {
    let dir = loqa();
    let other = dir.path().join("elsewhere.db");
    let url = format!("sqlite://{}", other.display());
    ok(
        dir.path(),
        &["--database", &url, "coord", "create", "--title", "t", "--type", "docs", "--repos", "www-loqalabs-com"],
    );
    assert!(other.exists());
    assert_eq!(json(dir.path(), &["--database", &url, "coord", "list"]).as_array().unwrap().len(), 1);
    assert_eq!(json(dir.path(), &["coord", "list"]).as_array().unwrap().len(), 0);
    let (code, _, err) = check(dir.path(), &["--database", "mysql://x", "coord", "list"]);
    assert_eq!(code, 2);
    assert!(err.contains("sqlite://PATH"), "{err}");
}

#[test]
fn a_killed_creation_resumes_with_one_child_per_repo() {
    // 300 repos that all consume one protocol repo.
    let mut m = String::from("[coordination]\nrepo = \"hub\"\n\n[[repo]]\nname = \"hub\"\nrole = \"protocol\"\n");
    for i in 0..300 {
        m.push_str(&format!("\n[[repo]]\nname = \"svc-{i:03}\"\nrole = \"service\"\ndepends_on = [{{ repo = \"hub\", via = \"grpc\" }}]\n"));
    }
    let dir = write_manifest(&m);
    let args = ["coord", "create", "--title", "Big change", "--type", "protocol", "--from-repo", "hub"];
    let bin = assert_cmd::cargo::cargo_bin("tandem");
    let db = dir.path().join(".tandem/tandem.db");
    let count = || -> i64 {
        rusqlite::Connection::open(&db)
            .and_then(|c| c.query_row("SELECT count(*) FROM issues", [], |r| r.get(0)))
            .unwrap_or(0)
    };
    // Kill the creation as soon as it has opened a few issues, twice.
    let mut killed_half_way = 0;
    for at_least in [1i64, 40] {
        let mut child = std::process::Command::new(&bin)
            .current_dir(dir.path())
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        while count() < at_least && started.elapsed() < std::time::Duration::from_secs(30) {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let _ = child.kill();
        let _ = child.wait();
        if count() < 303 {
            killed_half_way += 1;
        }
    }
    assert!(killed_half_way > 0, "the creation was never interrupted half way");
    let created = json(dir.path(), &args);
    assert_eq!(created["coordination"]["children"].as_array().unwrap().len(), 301);
    assert_eq!(json(dir.path(), &["coord", "list"]).as_array().unwrap().len(), 1);
    let issues = json(dir.path(), &["issues", "list"]);
    let issues = issues.as_array().unwrap();
    assert_eq!(issues.len(), 301 + 2, "one parent, one child per repo, one integration issue");
    let mut repos: Vec<&str> =
        issues.iter().filter(|i| i["kind"] == "child").map(|i| i["ref"]["repo"].as_str().unwrap()).collect();
    repos.sort_unstable();
    repos.dedup();
    assert_eq!(repos.len(), 301);
}

#[test]
fn completions_are_generated() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(dir.path(), &["completions", "bash"]);
    assert!(out.contains("tandem") && out.contains("coord"));
}

#[test]
fn the_demo_is_deterministic_and_leaves_a_workspace_to_keep_using() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(dir.path(), &["demo", "--dir", "demo"]);
    for needle in [
        "Add authentication metadata to AudioStream",
        "loqa-relay   loqa-proto      v0.2.0",
        "critical path:",
        "loqa-skills: needs the hub's new auth interceptor",
        "coordination: in_progress -> testing",
        "coordination: testing -> ready",
        "deployment: ready",
        "[stop traffic]",
        "cd demo",
    ] {
        assert!(out.contains(needle), "demo output lacks {needle:?}");
    }
    for repo in [
        "loqa-proto",
        "loqa-hub",
        "loqa-relay",
        "loqa-skills",
        "loqa-commander",
        "loqa",
        "www-loqalabs-com",
        "loqalabs-github-config",
    ] {
        assert!(dir.path().join("demo").join(repo).join(".git").is_dir(), "{repo} is a git repository");
    }
    let ws = dir.path().join("demo");
    let show = json(&ws, &["coord", "show", "1"]);
    assert_eq!(show["coordination"]["status"], "ready");
    ok(&ws, &["coord", "status", "1", "deploying"]);
    ok(&ws, &["coord", "status", "1", "done"]);
    // same output on a second run elsewhere
    let dir2 = tempfile::tempdir().unwrap();
    assert_eq!(ok(dir2.path(), &["demo", "--dir", "demo"]), out);
    insta::assert_snapshot!("demo", out);
    // refuses to overwrite
    let (code, _, err) = check(dir.path(), &["demo", "--dir", "demo"]);
    assert_eq!(code, 2);
    assert!(err.contains("not empty"), "{err}");
}

#[test]
fn rendered_outputs_match_their_snapshots() {
    let dir = loqa();
    let d = dir.path();
    insta::assert_snapshot!("graph_table", ok(d, &["graph"]));
    insta::assert_snapshot!("graph_dot", ok(d, &["graph", "--format", "dot"]));
    insta::assert_snapshot!("graph_mermaid", ok(d, &["graph", "--format", "mermaid"]));
    ok(d, &["coord", "create", "--title", "Add auth", "--type", "protocol", "--from-repo", "loqa-proto"]);
    insta::assert_snapshot!("child_issue_hub", ok(d, &["issues", "show", "loqa-hub#1"]));
    insta::assert_snapshot!("integration_issue", ok(d, &["issues", "show", "loqa#3"]));
    insta::assert_snapshot!("deploy_plan", ok(d, &["plan", "deploy", "1"]));
    insta::assert_snapshot!("rollback_plan", ok(d, &["plan", "rollback", "1"]));
}
