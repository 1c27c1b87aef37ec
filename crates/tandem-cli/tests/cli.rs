//! The real `tandem` binary on temporary directories.

mod support;

use serde_json::Value;
use std::path::Path;
use support::{loqa, ok, ok_json as json, run as check, run_env as check_env};

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
    let bin = tandem_on_path(dir.path());
    let demo = |d: &Path| {
        let (code, out, err) = check_env(d, &["demo", "--dir", "demo", "--now", DEMO_END], &[("PATH", &bin)]);
        assert_eq!(code, 0, "{out}\n{err}");
        out
    };
    let out = demo(dir.path());
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
    assert_eq!(demo(dir2.path()), out);
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

/// When the pinned demo's scripted history ends (its snapshot shows this time last).
const DEMO_END: &str = "2026-03-03T22:00:00Z";

/// A PATH without this build's `tandem`, as after the README's `cargo run --release -- demo`.
const SYSTEM_PATH: &str = "/usr/bin:/bin";

/// A PATH whose first `tandem` is this build (a symlink in `dir/bin`), as after `cargo install`.
fn tandem_on_path(dir: &Path) -> String {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_tandem"), bin.join("tandem")).unwrap();
    format!("{}:{SYSTEM_PATH}", bin.display())
}

/// The commands the demo suggests at its end, one per line.
fn next_steps(demo_output: &str) -> Vec<String> {
    demo_output
        .lines()
        .skip_while(|l| !l.ends_with("Keep going:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(|l| l.trim().to_string())
        .collect()
}

#[test]
fn the_demos_next_steps_run_as_printed_when_tandem_is_not_on_path() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = check_env(dir.path(), &["demo", "--dir", "my demo"], &[("PATH", SYSTEM_PATH)]);
    assert_eq!(code, 0, "{err}");
    let steps = next_steps(&out);
    assert_eq!(steps.len(), 5, "{out}");
    assert_eq!(steps[0], "cd 'my demo'");
    for step in &steps[1..] {
        assert!(step.starts_with(env!("CARGO_BIN_EXE_tandem")), "{step}");
    }
    assert!(out.contains("this binary is not the `tandem` on your PATH"), "{out}");
    let script = steps.join("\n");
    let run = std::process::Command::new("sh")
        .arg("-ec")
        .arg(&script)
        .current_dir(dir.path())
        .env("PATH", SYSTEM_PATH)
        .env_remove("TANDEM_WORKSPACE")
        .env_remove("TANDEM_DATABASE")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{script}\n{stdout}\n{}", String::from_utf8_lossy(&run.stderr));
    assert!(stdout.contains("deploying") && stdout.contains("flowchart LR"), "{stdout}");
}

#[test]
fn the_demo_names_its_own_binary_when_another_tandem_comes_first_on_path() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(bin.join("tandem"), "#!/bin/sh\nexit 3\n").unwrap();
    let mut perms = std::fs::metadata(bin.join("tandem")).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(bin.join("tandem"), perms).unwrap();
    let path = format!("{}:{SYSTEM_PATH}", bin.display());
    let (code, out, err) = check_env(dir.path(), &["demo"], &[("PATH", &path)]);
    assert_eq!(code, 0, "{err}");
    let steps = next_steps(&out);
    assert_eq!(steps[1], format!("{} coord show 1", env!("CARGO_BIN_EXE_tandem")));
}

#[test]
fn right_after_the_demo_nothing_is_stale_and_metrics_count_hours_not_months() {
    let dir = tempfile::tempdir().unwrap();
    let before = chrono::Utc::now();
    ok(dir.path(), &["demo", "--dir", "demo"]);
    let ws = dir.path().join("demo");
    let (_, out, err) = check(&ws, &["health", "--json", "--skip-endpoints"]);
    let health: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}\n{err}"));
    let checks: Vec<&str> = health["findings"].as_array().unwrap().iter().filter_map(|f| f["check"].as_str()).collect();
    assert!(!checks.contains(&"STALE_COORDINATION"), "{checks:?}");
    let metrics = json(&ws, &["metrics"]);
    let (hour, days_2) = (3_600.0, 2.0 * 86_400.0);
    for field in [&metrics["open"]["ages"]["max_seconds"], &metrics["child_resolution"]["median_seconds"]] {
        let seconds = field.as_f64().unwrap_or_else(|| panic!("{metrics:#}"));
        assert!(seconds > hour && seconds < days_2, "{seconds} s in {metrics:#}");
    }
    let history = json(&ws, &["coord", "history", "1"]);
    let last: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(history.as_array().unwrap().last().unwrap()["at"].clone()).unwrap();
    let minute = chrono::Duration::minutes(1);
    assert!(last >= before - minute && last <= chrono::Utc::now(), "last event at {last}, demo run at {before}");
}

#[test]
fn the_demos_last_event_is_at_the_given_now() {
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &["demo", "--dir", "demo", "--now", "2030-01-15T08:30:00Z"]);
    let history = json(&dir.path().join("demo"), &["coord", "history", "1"]);
    let events = history.as_array().unwrap();
    assert_eq!(events.last().unwrap()["at"], "2030-01-15T08:30:00Z");
    assert_eq!(events[0]["at"], "2030-01-13T19:30:00Z", "the scripted life spans 37 hours");
    let (code, _, err) = check(dir.path(), &["demo", "--dir", "other", "--now", "yesterday"]);
    assert_eq!(code, 2);
    assert!(err.contains("--now") && err.contains("RFC 3339"), "{err}");
}

#[test]
fn help_hides_the_database_password_taken_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let env =
        [("TANDEM_DATABASE", "postgres://admin:hunter2@db.internal/tandem"), ("TANDEM_WORKSPACE", "/srv/secret-ws")];
    for args in [&["--help"][..], &["coord", "create", "--help"], &["help", "health"]] {
        let (code, out, err) = check_env(dir.path(), args, &env);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("TANDEM_DATABASE"), "the variable is still named: {out}");
        assert!(!out.contains("hunter2") && !out.contains("db.internal"), "{out}");
        assert!(!out.contains("secret-ws"), "{out}");
    }
}

/// Runs `tandem ARGS` in `dir` writing into a pipe whose reading end is already closed, as
/// `tandem … | head -1` does once head has its line.
fn into_closed_pipe(dir: &Path, args: &[&str]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    std::process::Command::new(env!("CARGO_BIN_EXE_tandem"))
        .current_dir(dir)
        .env_remove("TANDEM_WORKSPACE")
        .env_remove("TANDEM_DATABASE")
        .args(args)
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap()
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &["demo", "--dir", "demo", "--now", DEMO_END]);
    let ws = dir.path().join("demo");
    for args in [&["completions", "bash"][..], &["graph", "--json"], &["coord", "show", "1"], &["rules"]] {
        let out = into_closed_pipe(&ws, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.is_empty(), "tandem {args:?} wrote to stderr: {err}");
        let sigpipe = 13;
        assert!(
            out.status.success() || out.status.signal() == Some(sigpipe),
            "tandem {args:?} ended with {:?}",
            out.status
        );
    }
}

#[test]
fn a_manifest_error_is_printed_once_in_text_and_json() {
    let dir = write_manifest("[[repo]]\nname = \"a\"\nrole = \"service\"\ncolour = 1\n");
    let (code, out, err) = check(dir.path(), &["graph"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert_eq!(err.matches("unknown field `colour`").count(), 1, "{err}");
    assert!(err.starts_with("error: ") && err.contains("tandem.toml:4:1: unknown field"), "{err}");
    let (code, out, _) = check(dir.path(), &["graph", "--json"]);
    assert_eq!(code, 2);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["error"]["kind"], "error");
    assert_eq!(v["error"]["message"].as_str().unwrap().matches("unknown field `colour`").count(), 1, "{v}");
}

#[test]
fn a_huge_value_in_the_manifest_is_not_echoed_whole() {
    let role = "x".repeat(5_000_000);
    let dir = write_manifest(&format!("[[repo]]\nname = \"a\"\nrole = \"{role}\"\n"));
    let (code, out, err) = check(dir.path(), &["graph", "--json"]);
    assert_eq!(code, 2);
    assert!(out.len() < 4_000 && err.len() < 4_000, "{} + {} bytes", out.len(), err.len());
    assert_eq!(err.matches("(5000000 characters)").count(), 1, "{err}");
}

#[test]
fn a_missing_workspace_is_named_once() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = check(dir.path(), &["--workspace", "no/such/dir", "graph"]);
    assert_eq!(code, 2);
    assert!(err.contains("no/such/dir"), "{err}");
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
}

#[test]
fn an_alias_shared_by_two_repos_is_refused_at_load_naming_both() {
    let dir = write_manifest(
        "[[repo]]\nname = \"a\"\nrole = \"service\"\naliases = [\"x\"]\n\n\
         [[repo]]\nname = \"b\"\nrole = \"service\"\naliases = [\"x\"]\n",
    );
    let (code, _, err) = check(dir.path(), &["graph"]);
    assert_eq!(code, 2);
    assert!(err.contains("tandem.toml:9:12: alias 'x' is claimed by both 'a'"), "{err}");
    assert!(err.contains("tandem.toml:4) and 'b'"), "{err}");
}

#[test]
fn dot_labels_break_the_line_between_name_and_role() {
    let dir = loqa();
    let dot = ok(dir.path(), &["graph", "--format", "dot"]);
    let line = dot.lines().find(|l| l.trim_start().starts_with("\"loqa-proto\" [label=")).unwrap();
    let label = line.split("label=\"").nth(1).and_then(|l| l.strip_suffix("\"];")).unwrap();
    // Inside a DOT string `\n` is a line break and `\\` a literal backslash.
    assert_eq!(label, r"loqa-proto\n(protocol)", "{line}");
    assert!(!dot.contains(r"\\"), "{dot}");
}

#[test]
fn an_unknown_repository_is_bad_input_for_every_command() {
    let dir = loqa();
    let d = dir.path();
    ok(d, &["coord", "create", "--title", "t", "--type", "protocol", "--from-repo", "loqa-proto"]);
    let not_in_the_coordination = "www-loqalabs-com";
    for args in [
        &["consumers", "zzz"][..],
        &["coord", "create", "--title", "t", "--type", "feature", "--repos", "zzz"],
        &["coord", "create", "--title", "t", "--type", "feature", "--from-repo", "zzz"],
        &["coord", "child", "1", "zzz", "ready"],
        &["coord", "child", "1", not_in_the_coordination, "ready"],
        &["coord", "check", "1", "zzz", "1"],
        &["coord", "check", "1", not_in_the_coordination, "1"],
        &["coord", "check", "1", "loqa-hub", "no such item"],
        &["issues", "list", "--repo", "zzz"],
        &["issues", "show", "zzz#1"],
    ] {
        let (code, _, err) = check(d, args);
        assert_eq!(code, 2, "tandem {args:?}: {err}");
        assert!(err.starts_with("error: "), "tandem {args:?}: {err}");
        let mut with_json = args.to_vec();
        with_json.push("--json");
        let (code, out, _) = check(d, &with_json);
        assert_eq!(code, 2, "tandem {with_json:?}");
        assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["error"]["kind"], "error", "{out}");
    }
}

#[test]
fn help_and_completions_offer_the_models_choices() {
    let dir = tempfile::tempdir().unwrap();
    let list = |all: Vec<&str>| format!("[possible values: {}]", all.join(", "));
    let create = ok(dir.path(), &["coord", "create", "--help"]);
    assert!(create.contains(&list(tandem_model::ChangeType::ALL.iter().map(|c| c.as_str()).collect())), "{create}");
    assert!(create.contains(&list(tandem_model::Priority::ALL.iter().map(|c| c.as_str()).collect())), "{create}");
    let status = ok(dir.path(), &["coord", "status", "--help"]);
    assert!(status.contains(&list(tandem_model::CoordStatus::ALL.iter().map(|c| c.as_str()).collect())), "{status}");
    let child = ok(dir.path(), &["coord", "child", "--help"]);
    assert!(child.contains(&list(tandem_model::ChildStatus::ALL.iter().map(|c| c.as_str()).collect())), "{child}");
    let health = ok(dir.path(), &["health", "--help"]);
    assert!(health.contains("[possible values: info, warning, critical]"), "{health}");
    let bash = ok(dir.path(), &["completions", "bash"]);
    assert!(bash.contains("planning in_progress testing ready deploying done blocked cancelled"), "statuses complete");
    assert!(bash.contains("protobuf openapi sql config dependency"), "rule kinds complete");
    let (code, _, err) = check(dir.path(), &["coord", "status", "1", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown coordination status 'nope'; expected one of: planning"), "{err}");
}

#[test]
fn the_readmes_install_lines_work_on_a_fresh_home() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let block: Vec<&str> = readme
        .split("## Install")
        .nth(1)
        .and_then(|s| s.split("```sh\n").nth(1))
        .and_then(|s| s.split("```").next())
        .unwrap()
        .lines()
        .collect();
    let install = block.iter().find(|l| l.starts_with("cargo install")).unwrap();
    assert!(install.contains("--locked"), "cargo install without --locked ignores Cargo.lock: {install}");
    // what `cargo install` would do, put this build first on PATH; then the rest as written
    let home = tempfile::tempdir().unwrap();
    let path = tandem_on_path(home.path());
    let rest: Vec<&str> = block.iter().copied().filter(|l| !l.starts_with("cargo install")).collect();
    let run = std::process::Command::new("sh")
        .arg("-ec")
        .arg(rest.join("\n"))
        .current_dir(home.path())
        .env("HOME", home.path())
        .env("PATH", &path)
        .output()
        .unwrap();
    assert!(run.status.success(), "{rest:?}: {}", String::from_utf8_lossy(&run.stderr));
    let completions = home.path().join(".local/share/bash-completion/completions/tandem");
    assert!(std::fs::read_to_string(completions).unwrap().contains("_tandem()"));
}

#[test]
fn graphviz_draws_each_repo_label_on_two_lines() {
    let dir = loqa();
    let dot = ok(dir.path(), &["graph", "--format", "dot"]);
    let g = json(dir.path(), &["graph"]);
    let (repos, edges) = (g["repos"].as_array().unwrap().len(), g["edges"].as_array().unwrap().len());
    let mut child = std::process::Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("Graphviz `dot` is missing ({e}); run `bash scripts/setup.sh`"));
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), dot.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let svg = String::from_utf8(out.stdout).unwrap();
    // one text line per edge label, two per repo: the name, then the role in parentheses
    assert_eq!(svg.matches("<text").count(), edges + 2 * repos, "{svg}");
    assert!(svg.contains(">(protocol)</text>") && !svg.contains(r"\n"), "{svg}");
}
