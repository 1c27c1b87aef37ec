//! `tandem mcp` driven by real MCP clients: the official MCP Python SDK (over stdio and over
//! streamable HTTP) and the MCP Inspector's CLI. `scripts/setup.sh` installs both under
//! `${TANDEM_TOOLS_DIR:-$HOME/.cache/tandem-tools}`; these tests fail (never skip) without them.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::process::Output;

fn tools_dir() -> PathBuf {
    match std::env::var_os("TANDEM_TOOLS_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(std::env::var_os("HOME").expect("HOME is set")).join(".cache").join("tandem-tools"),
    }
}

fn require(path: PathBuf, what: &str) -> PathBuf {
    assert!(
        path.exists(),
        "{what} is missing at {}; run `bash scripts/setup.sh` (scripts/test.sh does) to install it",
        path.display()
    );
    path
}

fn python() -> PathBuf {
    require(tools_dir().join("mcp-venv").join("bin").join("python"), "the MCP Python SDK venv")
}

fn inspector() -> PathBuf {
    require(
        tools_dir().join("mcp-inspector").join("node_modules").join(".bin").join("mcp-inspector"),
        "the MCP Inspector",
    )
}

fn clients() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tandem-mcp/tests/clients")
}

fn tandem() -> &'static str {
    env!("CARGO_BIN_EXE_tandem")
}

/// Runs one client script; fails with its output unless it exits 0.
fn run_script(script: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(python())
        .arg(clients().join(script))
        .args(args)
        .env("TANDEM_BIN", tandem())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("running the Python client");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{script} failed ({})\nstdout:\n{stdout}\nstderr:\n{stderr}", out.status);
    stdout.into_owned()
}

fn loqa() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    Command::new(tandem()).args(["init", "--example", "loqa"]).arg(dir.path()).assert().success();
    let manifest = dir.path().join("tandem.toml");
    (dir, manifest)
}

#[test]
fn python_sdk_calls_every_tool_over_stdio() {
    let out = run_script("test_stdio.py", &[]);
    assert!(out.contains("passed, 0 failed"), "{out}");
}

#[test]
fn python_sdk_calls_every_tool_over_streamable_http() {
    let out = run_script("test_http.py", &[]);
    assert!(out.contains("passed, 0 failed"), "{out}");
}

#[test]
fn progress_of_200_children_round_trips_quickly_over_stdio() {
    // A loose bound for an unoptimised build on a busy machine; BENCHMARKS.md has the figure.
    let out = run_script("bench_progress.py", &["--calls", "60", "--max-median-ms", "250"]);
    let v: serde_json::Value = serde_json::from_str(out.trim().lines().last().unwrap()).unwrap();
    assert_eq!(v["children"], 200, "{out}");
}

#[test]
fn mcp_inspector_cli_lists_every_tool_over_stdio() {
    let (_dir, manifest) = loqa();
    let out: Output = std::process::Command::new(inspector())
        .arg("--cli")
        .arg(tandem())
        .arg("--workspace")
        .arg(&manifest)
        .args(["mcp", "--method", "tools/list"])
        .output()
        .expect("running the MCP Inspector");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "inspector failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let listed: serde_json::Value = serde_json::from_str(&stdout).expect("the inspector prints JSON");
    let names: Vec<&str> = listed["tools"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    for tool in [
        "create_coordination_issue",
        "analyze_dependency_impact",
        "sync_coordination_status",
        "get_coordination_progress",
        "generate_coordination_workflow",
        "list_coordinations",
        "get_coordination",
        "plan_deployment",
        "get_dependency_graph",
        "check_health",
    ] {
        assert!(names.contains(&tool), "{tool} missing from {names:?}");
    }
    // Schemas use only standard JSON Schema formats: the inspector's validator has nothing to warn about.
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("unknown format"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn mcp_inspector_cli_calls_a_tool_and_sees_a_tool_error() {
    let (_dir, manifest) = loqa();
    let call = |args: &[&str]| -> serde_json::Value {
        let out = std::process::Command::new(inspector())
            .arg("--cli")
            .arg(tandem())
            .arg("--workspace")
            .arg(&manifest)
            .args(["mcp", "--method", "tools/call"])
            .args(args)
            .output()
            .expect("running the MCP Inspector");
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
    };
    let ok = call(&["--tool-name", "get_dependency_graph"]);
    assert_eq!(ok["structuredContent"]["order"][0], "loqa-proto", "{ok}");
    let bad = call(&["--tool-name", "get_coordination_progress", "--tool-arg", "coordination=7"]);
    assert_eq!(bad["isError"], true, "{bad}");
    assert!(bad["content"][0]["text"].as_str().unwrap().contains("no coordination #7"), "{bad}");
}

#[test]
fn mcp_without_a_workspace_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    Command::new(tandem())
        .current_dir(dir.path())
        .env_remove("TANDEM_WORKSPACE")
        .arg("mcp")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no tandem.toml"));
}

#[test]
fn mcp_http_with_a_bad_address_is_a_clear_error() {
    let (_dir, manifest) = loqa();
    Command::new(tandem())
        .arg("--workspace")
        .arg(&manifest)
        .args(["mcp", "--http", "not-an-address"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("'not-an-address' is not an address to listen on"));
}

#[test]
fn allow_host_needs_http() {
    let (_dir, manifest) = loqa();
    Command::new(tandem())
        .arg("--workspace")
        .arg(&manifest)
        .args(["mcp", "--allow-host", "example.org"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("--http"));
}

#[test]
fn mcp_http_on_a_non_loopback_address_without_a_token_warns_loudly() {
    use std::io::{BufRead, BufReader};
    let (_dir, manifest) = loqa();
    // Bound to every interface, but nothing is sent to it: the warning is all this test reads.
    let mut child = std::process::Command::new(tandem())
        .arg("--workspace")
        .arg(&manifest)
        .args(["mcp", "--http", "0.0.0.0:0"])
        .env_remove("TANDEM_MCP_TOKEN")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starting tandem mcp");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut lines = String::new();
    for _ in 0..2 {
        let _ = stderr.read_line(&mut lines);
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(lines.contains("listening on http://0.0.0.0:"), "{lines}");
    assert!(lines.contains("WARNING") && lines.contains("WITHOUT authentication"), "{lines}");
}

#[test]
fn mcp_http_with_a_short_token_is_a_clear_error() {
    let (dir, manifest) = loqa();
    let token = dir.path().join("token");
    std::fs::write(&token, "short\n").unwrap();
    Command::new(tandem())
        .arg("--workspace")
        .arg(&manifest)
        .args(["mcp", "--http", "127.0.0.1:0", "--token-file"])
        .arg(&token)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("the token is 5 characters long; use at least 16"));
}

#[test]
fn mcp_http_limits_must_be_positive() {
    let (_dir, manifest) = loqa();
    for flag in ["--max-sessions", "--max-connections", "--session-idle-secs", "--read-timeout-secs"] {
        Command::new(tandem())
            .arg("--workspace")
            .arg(&manifest)
            .args(["mcp", "--http", "127.0.0.1:0", flag, "0"])
            .assert()
            .code(2)
            .stderr(predicates::str::contains("0 is not in 1.."));
    }
}

#[test]
fn mcp_http_with_a_malformed_allowed_host_is_a_clear_error() {
    let (_dir, manifest) = loqa();
    Command::new(tandem())
        .arg("--workspace")
        .arg(&manifest)
        .args(["mcp", "--http", "127.0.0.1:0", "--allow-host", "bad host"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("'bad host' is not a host name to allow"));
}
