//! Every dependency rule on its fixtures (`fixtures/deps/<RULE_ID>/<case>/…`): in a
//! `breaking*` case the rule fires, in an `ok*` case it does not, and the rendered findings of
//! every case are snapshotted (`fixtures/deps/snapshots`, `cargo insta review`).

mod support;

use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;
use tandem_analyze::detect::{DetectOptions, Detector, FilePair};
use tandem_analyze::{deps, discover, versions};
use tandem_model::{Finding, Workspace};

/// (rule, case, the path the fixture stands for). INTERNAL_DEPENDENCY_* cases are a consumer's
/// manifest (`current.mod`: go.mod, `current.json`: package.json, `current.txt`:
/// requirements.txt) and its provider's package.json (`provider.json`).
const CASES: &[(&str, &str, &str)] = &[
    ("DEPENDENCY_MAJOR_BUMP", "breaking", "web/package.json"),
    ("DEPENDENCY_MAJOR_BUMP", "breaking_cargo_zero_minor", "Cargo.toml"),
    ("DEPENDENCY_MAJOR_BUMP", "breaking_go_major_suffix", "go.mod"),
    ("DEPENDENCY_MAJOR_BUMP", "ok", "web/package.json"),
    ("DEPENDENCY_MAJOR_BUMP", "ok_cargo", "crates/cli/Cargo.toml"),
    ("DEPENDENCY_MAJOR_BUMP", "ok_go", "go.mod"),
    ("DEPENDENCY_PARSE", "breaking", "go.mod"),
    ("DEPENDENCY_PARSE", "breaking_binary", "Cargo.toml"),
    ("DEPENDENCY_PARSE", "breaking_invalid_json", "package.json"),
    ("DEPENDENCY_PARSE", "ok", "Cargo.toml"),
    ("DEPENDENCY_REMOVED", "breaking", "package.json"),
    ("DEPENDENCY_REMOVED", "ok", "go.mod"),
    ("INTERNAL_DEPENDENCY_BEHIND", "breaking", "go.mod"),
    ("INTERNAL_DEPENDENCY_BEHIND", "breaking_npm_range", "package.json"),
    ("INTERNAL_DEPENDENCY_BEHIND", "breaking_pep440", "requirements.txt"),
    ("INTERNAL_DEPENDENCY_BEHIND", "ok", "go.mod"),
    ("INTERNAL_DEPENDENCY_BEHIND", "ok_npm_range", "package.json"),
    ("INTERNAL_DEPENDENCY_UNPARSEABLE", "breaking", "package.json"),
    ("INTERNAL_DEPENDENCY_UNPARSEABLE", "ok", "package.json"),
];

fn detector() -> &'static dyn Detector {
    deps::detector().expect("the dependency detector exists")
}

/// The workspace rules as the engine runs them: discovery on a workspace whose `hub` requires
/// `proto`, the provider's current version, then [`deps::unparseable::findings`] and
/// [`deps::behind::findings`].
fn behind(dir: &Path) -> Vec<Finding> {
    let ws_dir = tempfile::tempdir().unwrap();
    let consumer = [("current.mod", "go.mod"), ("current.json", "package.json"), ("current.txt", "requirements.txt")]
        .into_iter()
        .find(|(fixture, _)| dir.join(fixture).exists())
        .unwrap_or_else(|| panic!("{} has no consumer manifest", dir.display()));
    for (repo, file, fixture) in [("hub", consumer.1, consumer.0), ("proto", "package.json", "provider.json")] {
        std::fs::create_dir_all(ws_dir.path().join(repo)).unwrap();
        std::fs::copy(dir.join(fixture), ws_dir.path().join(repo).join(file)).unwrap();
    }
    let manifest = r#"
[[repo]]
name = "proto"
role = "protocol"
path = "proto"
aliases = ["example.com/proto"]

[[repo]]
name = "hub"
role = "service"
path = "hub"
depends_on = [{ repo = "proto", via = "library" }]
"#;
    let ws = Workspace::parse(manifest, &ws_dir.path().join("tandem.toml")).unwrap();
    let found = discover(&ws);
    let mut current = BTreeMap::new();
    for pin in &found.pins {
        let path = ws.repo(&pin.provider).and_then(|r| r.path.as_deref());
        if let Some(v) = path.and_then(versions::current_version) {
            current.insert(pin.provider.clone(), v);
        }
    }
    let mut findings = deps::unparseable::findings(&found.pins);
    findings.extend(deps::behind::findings(&found.pins, &current));
    findings
}

fn check(rule: &str, case: &str, path: &str) -> (bool, Vec<Finding>) {
    let dir = support::fixtures("deps").join(rule).join(case);
    if rule.starts_with("INTERNAL_DEPENDENCY_") {
        return (true, behind(&dir));
    }
    let (prev, cur) = (support::side(&dir, "previous"), support::side(&dir, "current"));
    let claimed = detector().claims(path, None, cur.as_deref());
    let pair = FilePair { path, prev: prev.as_deref(), cur: cur.as_deref() };
    (claimed, detector().compare(&pair, &DetectOptions::default()))
}

#[test]
fn every_rule_fires_on_its_breaking_fixtures_only() {
    for &(rule, case, path) in CASES {
        let (claimed, findings) = check(rule, case, path);
        assert!(claimed, "{rule}/{case}: {path} is not claimed");
        support::assert_case("deps", rule, case, &findings);
    }
}

#[test]
fn every_rule_has_a_breaking_and_an_ok_case_and_every_case_is_in_the_table() {
    let cases: Vec<(&str, &str)> = CASES.iter().map(|c| (c.0, c.1)).collect();
    support::assert_every_rule_has_cases(detector(), "deps", &cases);
}

#[test]
fn only_the_three_manifests_are_claimed() {
    for path in ["go.mod", "svc/Cargo.toml", "web/package.json"] {
        assert!(detector().claims(path, None, None), "{path}");
    }
    for path in ["go.sum", "package-lock.json", "Cargo.lock", "pyproject.toml"] {
        assert!(!detector().claims(path, None, None), "{path}");
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(prev in proptest::collection::vec(any::<u8>(), 0..200),
                                   cur in "[a-z0-9{}\\[\\]()=\"./ \n^~v-]{0,200}") {
        for path in ["go.mod", "Cargo.toml", "package.json"] {
            let pair = FilePair { path, prev: Some(&prev), cur: Some(cur.as_bytes()) };
            let _ = detector().compare(&pair, &DetectOptions::default());
        }
    }
}

#[test]
fn manifest_over_the_size_limit_is_a_parse_finding_naming_the_limit() {
    let big = format!("module example.com/m\n\n{}", "// padding padding padding padding\n".repeat(300_000));
    assert!(big.len() > 8 * 1024 * 1024);
    let pair = FilePair { path: "go.mod", prev: Some(b"module example.com/m\n"), cur: Some(big.as_bytes()) };
    let findings = detector().compare(&pair, &DetectOptions::default());
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].rule, "DEPENDENCY_PARSE");
    assert!(findings[0].message.contains("8388608 bytes (8 MiB)"), "{}", findings[0].message);
}

#[test]
fn a_module_required_twice_is_reported_once_per_family() {
    let prev = "module m\n\nrequire (\n\texample.com/a v1.0.0\n\texample.com/a/v2 v2.0.0\n\texample.com/gone v1.0.0\n\texample.com/gone v1.1.0\n)\n";
    let cur = "module m\n\nrequire (\n\texample.com/a/v3 v3.0.0\n\texample.com/a/v3 v3.1.0\n)\n";
    let pair = FilePair { path: "go.mod", prev: Some(prev.as_bytes()), cur: Some(cur.as_bytes()) };
    let rules: Vec<(String, u32)> =
        detector().compare(&pair, &DetectOptions::default()).into_iter().map(|f| (f.rule, f.line)).collect();
    assert_eq!(
        rules,
        [("DEPENDENCY_MAJOR_BUMP".to_string(), 5), ("DEPENDENCY_REMOVED".to_string(), 1)],
        "one bump for the family, one removal for the twice-required module"
    );
}
