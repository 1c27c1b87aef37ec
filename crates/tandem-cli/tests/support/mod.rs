//! What every test of the real `tandem` binary needs: running it in a directory, isolated from
//! the caller's environment, and the loqa example workspace. Each test file uses part of it.
#![allow(dead_code)]

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

/// The one place that drives the binary: runs `tandem ARGS` in `dir` with `env` added (the
/// caller's `TANDEM_WORKSPACE` and `TANDEM_DATABASE` removed, the actor set to `tester`);
/// returns (exit code, stdout, stderr).
pub fn run_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::cargo_bin("tandem").unwrap();
    cmd.current_dir(dir).env_remove("TANDEM_WORKSPACE").env_remove("TANDEM_DATABASE").env("TANDEM_ACTOR", "tester");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `run_env` without extra environment.
pub fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    run_env(dir, args, &[])
}

/// Runs `tandem ARGS`, asserts it exits 0 and returns its stdout.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    let (code, out, err) = run(dir, args);
    assert_eq!(code, 0, "tandem {args:?} failed:\n{out}\n{err}");
    out
}

/// Runs `tandem ARGS --json`, asserts it exits 0 and parses its stdout.
pub fn ok_json(dir: &Path, args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.push("--json");
    json_of(&ok(dir, &a))
}

/// Parses a command's output as JSON, or fails the test showing the output.
pub fn json_of(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// A temporary directory holding the loqa example workspace (`tandem init --example loqa`).
pub fn loqa() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &["init", "--example", "loqa"]);
    dir
}
