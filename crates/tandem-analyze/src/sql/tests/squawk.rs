//! Conformance with squawk: for every fixture, each squawk rule that tandem has fires in tandem
//! exactly when it fires in squawk. Checked against the recordings (`*.squawk.json`, made by
//! scripts/record-squawk-fixtures.sh) and against the real squawk run now, which
//! scripts/setup.sh installs (scripts/test.sh runs it): these tests fail, never skip, without it.
//!
//! A file squawk cannot parse gets only `syntax-error` from squawk, while tandem reports the bad
//! statement (`SQL_PARSE`) and still checks the others; there the comparison is that both
//! rejected the file.

use super::fixtures::{cases, root, Case};
use super::SqlDetector;
use crate::detect::Detector;
use std::collections::BTreeSet;
use std::path::PathBuf;
use tandem_model::SqlTransaction;

/// The squawk these fixtures were recorded with (scripts/setup.sh pins it).
const SQUAWK_VERSION: &str = "squawk 2.70.0";
/// Keep in step with ARGS in scripts/record-squawk-fixtures.sh.
const SQUAWK_ARGS: &[&str] = &["--reporter", "json", "--include", "ban-drop-index"];
/// Added for the cases that run as one transaction per file (ditto).
const SQUAWK_PER_FILE_ARGS: &[&str] = &["--assume-in-transaction"];

/// tandem's rules that are squawk's (squawk names are kebab-case; tandem's own are
/// SUBJECT_PREDICATE).
fn squawk_rules() -> BTreeSet<&'static str> {
    SqlDetector.rules().iter().map(|r| r.id).filter(|id| id.contains('-')).collect()
}

/// The rule names in squawk's JSON output.
fn squawk_fired(json: &str) -> BTreeSet<String> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("squawk JSON: {e}: {json}"));
    v.as_array().unwrap().iter().filter_map(|f| f["rule_name"].as_str().map(str::to_string)).collect()
}

/// Differences between tandem and squawk on one fixture, as readable lines.
fn compare(case: &Case, squawk: &BTreeSet<String>) -> Vec<String> {
    let tandem: BTreeSet<String> = case.tandem().into_iter().map(|f| f.rule).collect();
    if squawk.contains("syntax-error") || tandem.contains("SQL_PARSE") {
        if squawk.contains("syntax-error") != tandem.contains("SQL_PARSE") {
            return vec![format!("{}: squawk syntax-error {squawk:?}, tandem {tandem:?}", case.name)];
        }
        return Vec::new();
    }
    squawk_rules()
        .into_iter()
        .filter(|r| tandem.contains(*r) != squawk.contains(*r))
        .map(|r| format!("{}: {r} fires in tandem {}, in squawk {}", case.name, tandem.contains(r), squawk.contains(r)))
        .collect()
}

#[test]
fn tandem_fires_the_squawk_rules_squawk_recorded() {
    let mut diffs = Vec::new();
    for case in cases() {
        let json = std::fs::read_to_string(case.recording())
            .unwrap_or_else(|_| panic!("{} has no recording; run bash scripts/record-squawk-fixtures.sh", case.name));
        diffs.extend(compare(&case, &squawk_fired(&json)));
    }
    assert!(diffs.is_empty(), "tandem and squawk differ:\n{}", diffs.join("\n"));
}

#[test]
fn squawk_recordings_agree_with_each_rules_fixtures() {
    let rules = squawk_rules();
    for case in cases().iter().filter(|c| rules.contains(c.rule.as_str())) {
        let fired = squawk_fired(&std::fs::read_to_string(case.recording()).unwrap());
        match case.case.as_str() {
            "breaking" => assert!(fired.contains(&case.rule), "squawk does not fire {} on {}", case.rule, case.name),
            "ok" => assert!(!fired.contains(&case.rule), "squawk fires {} on {}", case.rule, case.name),
            _ => {}
        }
    }
}

fn squawk() -> PathBuf {
    let tools = match std::env::var_os("TANDEM_TOOLS_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(std::env::var_os("HOME").expect("HOME is set")).join(".cache/tandem-tools"),
    };
    let bin = tools.join("squawk-venv/bin/squawk");
    assert!(
        bin.exists(),
        "squawk is missing at {}; run `bash scripts/setup.sh` (scripts/test.sh does) to install it",
        bin.display()
    );
    bin
}

#[test]
fn tandem_fires_the_squawk_rules_the_real_squawk_fires() {
    let bin = squawk();
    let version = std::process::Command::new(&bin).arg("--version").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&version.stdout).trim(), SQUAWK_VERSION, "run bash scripts/setup.sh");
    let mut diffs = Vec::new();
    for case in cases() {
        let per_file: &[&str] = match case.transaction() {
            SqlTransaction::PerFile => SQUAWK_PER_FILE_ARGS,
            SqlTransaction::Explicit => &[],
        };
        let out = std::process::Command::new(&bin)
            .args(SQUAWK_ARGS)
            .args(per_file)
            .arg(&case.name)
            .current_dir(root())
            .output()
            .unwrap();
        assert!(out.status.code().is_some_and(|c| c <= 1), "squawk failed on {}: {:?}", case.name, out);
        let live = squawk_fired(&String::from_utf8_lossy(&out.stdout));
        let recorded = squawk_fired(&std::fs::read_to_string(case.recording()).unwrap());
        assert_eq!(live, recorded, "{}: the recording is stale; run bash scripts/record-squawk-fixtures.sh", case.name);
        diffs.extend(compare(&case, &live));
    }
    assert!(diffs.is_empty(), "tandem and squawk differ:\n{}", diffs.join("\n"));
}
