//! `tandem health` and `tandem metrics`: the real binary on temporary workspaces, with real
//! HTTP servers on 127.0.0.1.

mod support;

use assert_cmd::Command;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use support::{json_of, loqa, ok, run as check};

/// A coordination on loqa-hub and loqa-relay, blocked.
fn blocked(dir: &Path) {
    ok(dir, &["coord", "create", "--title", "Rename field", "--type", "breaking", "--repos", "loqa-hub,loqa-relay"]);
    ok(dir, &["coord", "status", "1", "in_progress"]);
    ok(dir, &["coord", "status", "1", "blocked", "--reason", "waiting for review"]);
}

#[test]
fn a_fresh_workspace_is_healthy_and_exits_0() {
    let dir = loqa();
    let out = ok(dir.path(), &["health", "--skip-endpoints"]);
    assert!(out.contains("All healthy.") && out.contains("health endpoints skipped"), "{out}");
    let v = json_of(&ok(dir.path(), &["health", "--skip-endpoints", "--json"]));
    assert_eq!(v["findings"].as_array().unwrap().len(), 0);
    assert_eq!((v["failed"].as_bool(), v["workspace"].as_str()), (Some(false), Some("loqa")));
}

#[test]
fn findings_are_grouped_by_level_with_what_to_do_and_fail_on_sets_the_exit_code() {
    let dir = loqa();
    blocked(dir.path());
    let out = ok(dir.path(), &["health", "--skip-endpoints"]);
    assert!(out.contains("WARNING (1)"), "{out}");
    assert!(out.contains("COORDINATION_BLOCKED") && out.contains("waiting for review"), "{out}");
    assert!(
        out.contains(
            "-> resolve the reason, then set coordination #1 back to in_progress: `tandem coord status 1 in_progress`"
        ),
        "each finding says what to do: {out}"
    );

    let (code, out, _) = check(dir.path(), &["health", "--skip-endpoints", "--fail-on", "warning"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("exit 1: findings at warning or above"), "{out}");
    let (code, out, _) = check(dir.path(), &["health", "--skip-endpoints", "--fail-on", "warning", "--json"]);
    assert_eq!(code, 1);
    let v = json_of(&out);
    assert_eq!(v["findings"][0]["check"], "COORDINATION_BLOCKED");
    assert_eq!(v["findings"][0]["level"], "warning");
    assert_eq!(v["findings"][0]["subjects"][0]["kind"], "coordination");
    assert_eq!(v["failed"], true);

    let (code, _, err) = check(dir.path(), &["health", "--fail-on", "severe"]);
    assert_eq!(code, 2);
    assert!(err.contains("severe") && err.contains("critical"), "{err}");
    let (code, _, err) = check(dir.path(), &["health", "--stale-days", "0"]);
    assert_eq!(code, 2, "{err}");
}

/// Answers one request after another with 200 until the test ends.
fn serve_ok(listener: TcpListener) {
    std::thread::spawn(move || {
        for s in listener.incoming() {
            let Ok(mut s) = s else { continue };
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        }
    });
}

#[test]
fn a_down_endpoint_is_critical_and_its_credentials_are_never_printed() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let up = listener.local_addr().unwrap();
    serve_ok(listener);
    let down = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let manifest = format!(
        "[[repo]]\nname = \"hub\"\nrole = \"service\"\n\n[repo.health]\nurl = \"http://{up}/health\"\n\n\
         [[repo]]\nname = \"relay\"\nrole = \"client\"\n\n[repo.health]\nurl = \"http://ops:hunter2@{down}/health?token=s3cret\"\ntimeout_ms = 500\n"
    );
    std::fs::write(dir.path().join("tandem.toml"), manifest).unwrap();

    let (code, out, err) = check(dir.path(), &["health"]);
    assert_eq!(code, 1, "a critical finding fails by default:\n{out}\n{err}");
    assert!(out.contains("CRITICAL (1)") && out.contains("ENDPOINT_DOWN"), "{out}");
    assert!(out.contains(&format!("relay: http://***@{down}/health?*** refused the connection")), "{out}");
    assert!(out.contains("ok    hub"), "{out}");
    let (_, json, _) = check(dir.path(), &["health", "--json"]);
    for text in [&out, &err, &json] {
        assert!(!text.contains("hunter2") && !text.contains("s3cret"), "secret printed: {text}");
    }
    // Skipping the endpoints: nothing is probed, nothing fails.
    ok(dir.path(), &["health", "--skip-endpoints"]);
}

/// A workspace whose one repo "svc" has a health endpoint at `url` (and a coordination repo,
/// so the health issue can be written).
fn endpoint_workspace(url: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let manifest = format!(
        "[coordination]\nrepo = \"svc\"\n\n[[repo]]\nname = \"svc\"\nrole = \"service\"\n\n[repo.health]\nurl = \"{url}\"\ntimeout_ms = 2000\n"
    );
    std::fs::write(dir.path().join("tandem.toml"), manifest).unwrap();
    dir
}

#[test]
fn passwords_with_url_delimiters_never_appear_in_health_output_or_issue() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    serve_ok(listener);
    let down = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    // (URL, the secret it carries): each accepted URL is probed and shown redacted.
    for (url, secret) in [
        (format!("http://ops:pa%2Fss@127.0.0.1:{down}/health"), "pa%2Fss"),
        (format!("http://ops:pa%23ss@127.0.0.1:{down}/health"), "pa%23ss"),
        (format!("http://ops:pa%3Fss@127.0.0.1:{down}/health"), "pa%3Fss"),
        (format!("http://ops:p@ss@127.0.0.1:{down}/health"), "p@ss"),
        (format!("http://ops:p%40ss@127.0.0.1:{down}/health"), "p%40ss"),
        (format!("http://t0ken@[::1]:{down}/health"), "t0ken"),
        (format!("http://ops:hunter2@127.0.0.1:{port}/health?key=s3cret"), "s3cret"),
    ] {
        let dir = endpoint_workspace(&url);
        let mut shown = String::new();
        for args in [&["health", "--report-issue"][..], &["health", "--json"][..], &["issues", "list", "--json"][..]] {
            let (code, out, err) = check(dir.path(), args);
            assert!(code == 0 || code == 1, "tandem {args:?} on {url}: {out}\n{err}");
            shown.push_str(&out);
            shown.push_str(&err);
        }
        assert!(shown.contains("***@"), "the endpoint is shown, redacted: {shown}");
        for s in [secret, "hunter2"] {
            assert!(!shown.contains(s), "{s:?} of {url} shown: {shown}");
        }
    }
}

#[test]
fn the_deploy_plan_shows_the_health_url_redacted() {
    let dir = endpoint_workspace("http://ops:pa%2Fss@127.0.0.1:1/health?key=s3cret");
    ok(dir.path(), &["coord", "create", "--title", "Ship", "--type", "feature", "--repos", "svc"]);
    for args in [&["plan", "deploy", "1"][..], &["plan", "deploy", "1", "--json"][..]] {
        let out = ok(dir.path(), args);
        assert!(out.contains("http://***@127.0.0.1:1/health?***"), "{out}");
        assert!(!out.contains("pa%2Fss") && !out.contains("s3cret"), "{out}");
    }
}

#[test]
fn a_health_url_that_would_leak_its_password_is_refused_without_echoing_it() {
    for url in [
        "http://ops:pa/zq9@127.0.0.1:1/health",
        "http://ops:pa#zq9@127.0.0.1:1/health",
        "http://ops:pa?zq9@127.0.0.1:1/health",
        "http://ops:1234/zq9@127.0.0.1:1/health",
        "http://ops:12?zq9@[::1]:1/health",
    ] {
        let dir = endpoint_workspace(url);
        for args in [&["health"][..], &["health", "--json"][..]] {
            let (code, out, err) = check(dir.path(), args);
            assert_eq!(code, 2, "{url}: {out}\n{err}");
            assert!(err.contains("tandem.toml:9:7") && err.contains("health url of 'svc'"), "{url}: {err}");
            assert!(!out.contains("zq9") && !err.contains("zq9"), "{url} echoed: {out}\n{err}");
        }
    }
}

#[test]
fn loopback_endpoints_are_probed_directly_whatever_proxy_the_environment_names() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let up = listener.local_addr().unwrap();
    serve_ok(listener);
    // A proxy that refuses every connection: a probe through it could not be healthy.
    let dead = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let dir = endpoint_workspace(&format!("http://{up}/health"));
    let proxy = format!("http://{dead}");
    let out = Command::cargo_bin("tandem")
        .unwrap()
        .current_dir(dir.path())
        .env_remove("TANDEM_WORKSPACE")
        .env_remove("TANDEM_DATABASE")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .env("ALL_PROXY", &proxy)
        .env("HTTP_PROXY", &proxy)
        .env("http_proxy", &proxy)
        .env("HTTPS_PROXY", &proxy)
        .args(["health", "--json"])
        .output()
        .unwrap();
    let v = json_of(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(v["endpoints"][0]["healthy"], true, "{v:#}");
}

#[test]
fn reporting_three_times_keeps_exactly_one_health_issue() {
    let dir = loqa();
    blocked(dir.path());
    let first = ok(dir.path(), &["health", "--skip-endpoints", "--report-issue"]);
    assert!(first.contains("health issue loqa#") && first.contains(": opened"), "{first}");
    for _ in 0..2 {
        let out = ok(dir.path(), &["health", "--skip-endpoints", "--report-issue"]);
        assert!(out.contains(": updated"), "{out}");
    }
    let issues = json_of(&ok(dir.path(), &["issues", "list", "--json"]));
    let health: Vec<&Value> = issues.as_array().unwrap().iter().filter(|i| i["kind"] == "health").collect();
    assert_eq!(health.len(), 1, "{issues:#}");
    assert_eq!(health[0]["state"], "open");

    ok(dir.path(), &["coord", "status", "1", "in_progress"]);
    let v = json_of(&ok(dir.path(), &["health", "--skip-endpoints", "--report-issue", "--json"]));
    assert_eq!(
        (v["health_issue"]["action"].as_str(), v["health_issue"]["state"].as_str()),
        (Some("closed"), Some("closed"))
    );
    let issues = json_of(&ok(dir.path(), &["issues", "list", "--json"]));
    assert_eq!(issues.as_array().unwrap().iter().filter(|i| i["kind"] == "health").count(), 1);
}

#[test]
fn metrics_report_no_deployments_as_none_and_refuse_bad_windows() {
    let dir = loqa();
    blocked(dir.path());
    let out = ok(dir.path(), &["metrics"]);
    assert!(out.contains("none in this window (no success rate)"), "{out}");
    assert!(out.contains("Open coordinations          1"), "{out}");
    let v = json_of(&ok(dir.path(), &["metrics", "--since", "7d", "--json"]));
    assert_eq!(v["deployments"]["total"], 0);
    assert!(v["deployments"]["success_rate"].is_null(), "{v:#}");
    assert_eq!(v["open"]["count"], 1);
    assert_eq!(v["blocked"]["coordination_episodes"], 1);
    for bad in ["7x", "0d", "soon"] {
        let (code, _, err) = check(dir.path(), &["metrics", "--since", bad]);
        assert_eq!(code, 2, "{bad}");
        assert!(err.contains(&format!("'{bad}'")), "the error names the value: {err}");
    }
}
